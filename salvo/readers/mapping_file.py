"""Mapping files: how the columns of someone's CSV or XLSX become Salvo report fields.

A mapping file is plain YAML data made of small named pieces (see
docs/readers.md, "Any CSV or XLSX with a mapping file"): a ``dataset`` name,
an optional ``key`` and, under ``fields``, one entry per report field, either
a column name or ``{column, values, default, format, missing}`` (plus ``text``,
``count`` and ``prefer`` for munitions).

It is loaded and checked whole before any row is read: an unknown key, a
value-map entry that is not a codebook code, a date format that reads no date,
... is a FileError naming the mapping file and the key (``fields.
target_category.values.Militry``), so a typo never surfaces as thousands of
row errors. The same parsers then read each cell (:meth:`Mapping.value`).
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from salvo import codebook, gazetteer
from salvo.readers.errors import FieldError, FileError, RowError

Value = str | int | float | None
Cell = str | dt.date
"""A cell as the reader gives it: text, or a date for a workbook's date cell."""

# What each mappable field holds: it decides how a value is read and checked.
DATES = ("date", "published_at")
CODES = {"date_precision": "date_precision", "target_category": "target_category", "attribution": "attribution",
         "location_precision": "location_precision", "munitions": "munition_type"}
WHOLE_NUMBERS = ("killed", "injured")
COORDINATES = {"latitude": 90.0, "longitude": 180.0}
TEXTS = ("url", "outlet", "location", "target", "actor_name", "text")
FIELDS = (*DATES, *CODES, *WHOLE_NUMBERS, *COORDINATES, "country", *TEXTS)
COMPUTED = {
    "actor_id": "is resolved from actor_name through the codebook's actors: map the column to actor_name",
    "in_scope": "is computed from the scope rules (salvo/readers/scope.yaml)",
    "place_id": "is resolved from location (in its country) through the gazetteer: map the column to location",
    "evidence": "is not mapped: the whole row, mapped or not, is kept as the report's raw row (its provenance)",
}
DEFAULT_DATE_FORMAT = "%Y-%m-%d"


class CellError(FieldError):
    """A cell that cannot be read: which column, what it held and why."""

    def __init__(self, column: str | None, value: Any, reason: str):
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


class FieldMap(BaseModel):
    """How one report field is read: from a column, through a value map, with a default."""

    model_config = ConfigDict(extra="forbid")

    column: str | None = None
    values: dict[str, Value] | None = None
    default: Value = None
    format: list[str] | None = None
    missing: list[str] = []
    text: str | None = None
    count: str | None = None
    prefer: Literal["column", "text"] = "column"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """``location: city`` is short for ``location: {column: city}``."""
        if isinstance(data, str):
            return {"column": data}
        if not isinstance(data, dict):
            raise ValueError("expected a column name or {column, values, default, ...}")
        return data

    @field_validator("values", mode="before")
    @classmethod
    def _text_keys(cls, values: Any) -> Any:
        """Keys as the file's text (YAML reads ``1:`` as a number); yes/no/on/off must be quoted."""
        if not isinstance(values, dict):
            return values
        for key, value in values.items():
            _no_boolean(key)
            _no_boolean(value)
        return {_text(key): value for key, value in values.items()}

    @field_validator("default", mode="before")
    @classmethod
    def _plain_default(cls, value: Any) -> Any:
        return _no_boolean(value)

    @field_validator("format", "missing", mode="before")
    @classmethod
    def _list_of_text(cls, value: Any) -> Any:
        values = [value] if isinstance(value, (str, int, float)) else value
        return [_text(_no_boolean(v)) for v in values] if isinstance(values, list) else values

    @property
    def has_default(self) -> bool:
        """Whether the file says ``default:`` (``default: null`` too: then unmapped values read as none)."""
        return "default" in self.model_fields_set

    def columns(self) -> list[str]:
        return [c for c in (self.column, self.text, self.count) if c]


class Mapping(BaseModel):
    """A whole mapping file."""

    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)
    key: list[str] = []
    sheet: str | None = None
    delimiter: str = Field(",", min_length=1, max_length=1)
    encoding: str = "utf-8-sig"
    fields: dict[str, FieldMap] = Field(min_length=1)
    _file: str = PrivateAttr("")

    @field_validator("key", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def file(self) -> str:
        """The mapping file this was loaded from."""
        return self._file

    def columns(self) -> list[str]:
        """Every column the mapping reads (key first), each once."""
        found = [*self.key, *(column for field in self.fields.values() for column in field.columns())]
        return list(dict.fromkeys(found))

    def value(self, name: str, row: dict[str, Cell]) -> Any:
        """The Salvo value of field `name` in one row; raises CellError naming the column."""
        field = self.fields[name]
        cell = row.get(field.column, "") if field.column else ""
        if isinstance(cell, dt.date) and name in DATES:
            return cell.date() if isinstance(cell, dt.datetime) else cell
        text = cell.isoformat() if isinstance(cell, dt.date) else cell.strip()
        if text in ("", *field.missing):
            chosen = field.default
        elif field.values is None:
            chosen = text
        elif text in field.values:
            chosen = field.values[text]
        elif field.has_default:
            chosen = field.default
        else:
            raise CellError(field.column, text, f"not in the value map fields.{name}.values of "
                                                f"{Path(self._file).name} (and it has no default)")
        if chosen is None:
            return None
        try:
            return parse(name, chosen, field.format)
        except FieldError as exc:
            raise CellError(field.column, text, str(exc)) from None


def load(path: str | Path) -> Mapping:
    """Read and check a mapping file; FileError naming the file and the key when anything is wrong."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise _error(path, None, None, f"cannot be read as a mapping file ({exc})") from None
    except yaml.YAMLError as exc:
        raise _error(path, None, None, f"is not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise _error(path, None, None, "is not a mapping file: expected keys dataset, key and fields")
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        raise _from_pydantic(path, exc) from None
    _check(path, mapping)
    mapping._file = str(path)
    return mapping


def parse(name: str, value: Value, formats: list[str] | None = None) -> Any:
    """A value read for field `name` (a cell's text, a value-map entry or a default); FieldError if it is none."""
    text = _text(value).strip()
    if name in DATES:
        return _date(text, formats or [DEFAULT_DATE_FORMAT])
    if name in CODES:
        vocabulary = codebook.vocabulary(CODES[name])
        if text not in vocabulary:
            raise FieldError(f"not a {vocabulary.name} code (expected one of {', '.join(vocabulary.codes)})")
        return text
    if name in WHOLE_NUMBERS:
        return whole_number(text)
    if name in COORDINATES:
        number = _number(text)
        if number is None or abs(number) > COORDINATES[name]:
            raise FieldError(f"not a {name} in degrees (-{COORDINATES[name]:g} to {COORDINATES[name]:g})")
        return number
    if name == "country":
        country = gazetteer.country(text)
        if country is None:
            raise FieldError("not a country the gazetteer knows (a name, or an ISO alpha-2 or alpha-3 code)")
        return country.code
    return text


def whole_number(text: str) -> int:
    """A count: ``3``, or ``3.0`` as spreadsheets write it; FieldError for anything else or a negative."""
    number = _number(text)
    if number is None or not number.is_integer():
        raise FieldError("not a whole number")
    if number < 0:
        raise FieldError("a negative count (map it to null if it means unknown)")
    return int(number)


# --- checking a mapping -----------------------------------------------------


def _check(path: Path, mapping: Mapping) -> None:
    """What pydantic cannot know: field names, codebook codes, date formats, which keys suit which field."""
    try:
        codecs.lookup(mapping.encoding)
    except LookupError:
        raise _error(path, "encoding", mapping.encoding, "not a text encoding Python knows") from None
    for name, field in mapping.fields.items():
        where = f"fields.{name}"
        if name in COMPUTED:
            raise _error(path, where, None, COMPUTED[name])
        if name not in FIELDS:
            raise _error(path, where, None, f"not a report field (known: {', '.join(FIELDS)})")
        if field.format is not None and name not in DATES:
            raise _error(path, f"{where}.format", None, f"only {' and '.join(DATES)} take a date format")
        for option in ("text", "count", "prefer"):
            if option in field.model_fields_set and name != "munitions":
                raise _error(path, f"{where}.{option}", None, "only munitions takes text, count and prefer")
        if field.prefer == "text" and not field.text:
            raise _error(path, f"{where}.prefer", "text", "names no text column")
        if not field.columns() and not field.has_default:
            raise _error(path, where, None, "names no column and no default")
        for date_format in field.format or []:
            if not _reads_dates(date_format):
                raise _error(path, f"{where}.format", date_format, "not a date format (e.g. '%d/%m/%Y')")
        entries = [(f"{where}.values.{k}", v) for k, v in (field.values or {}).items()]
        for key, value in [*entries, (f"{where}.default", field.default)]:
            if value is not None:
                try:
                    parse(name, value, field.format)
                except FieldError as exc:
                    raise _error(path, key, _text(value), str(exc)) from None


def _reads_dates(date_format: str) -> bool:
    sample = dt.datetime(2001, 11, 23, 13, 45)
    try:
        return dt.datetime.strptime(sample.strftime(date_format), date_format).date() == sample.date()
    except ValueError:
        return False


def _from_pydantic(path: Path, exc: ValidationError) -> FileError:
    """The first problem pydantic found, in the mapping's own words."""
    problem = exc.errors()[0]
    where = ".".join(str(part) for part in problem["loc"]) or None
    reason = {
        "extra_forbidden": "unknown key (see the mapping-file reference in docs/readers.md)",
        "missing": "is required",
        "string_pattern_mismatch": "letters, digits, '.', '_' and '-' only",
    }.get(problem["type"], problem["msg"].removeprefix("Value error, "))
    more = len(exc.errors()) - 1
    if more:
        reason += f" (and {more} more problem{'s' if more > 1 else ''})"
    value = problem.get("input")
    return _error(path, where, value if isinstance(value, (str, int, float)) else None, reason)


def _error(path: Path, key: str | None, value: Any, reason: str) -> FileError:
    return FileError(RowError(str(path), None, key, None if value is None else _text(value), reason))


# --- small readers ----------------------------------------------------------


def _date(text: str, formats: list[str]) -> dt.date:
    for date_format in formats:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise FieldError(f"not a date in the format {' or '.join(formats)}")


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _no_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("YAML reads yes/no/on/off/true/false as true or false: quote it ('yes')")
    return value
