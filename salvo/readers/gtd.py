"""Global Terrorism Database (GTD) files, as START (University of Maryland) distributes them.

Where to get it: https://www.start.umd.edu/gtd/ (free registration; the terms
restrict redistribution). Reads the CSV (comma-separated, or ``;``-separated
after an Excel ``sep=;`` line, with ``N/A`` for missing values, as GTD-shaped
tables such as the global drone terrorism database write it) and the XLSX (the
first sheet, streamed). Each row becomes a report keyed by GTD's ``eventid``:

* ``iyear``/``imonth``/``iday`` (or ``year``/``month``/``day``) as the date: day 0
  gives month precision, month 0 year precision;
* ``weapsubtype1_txt``, ``weaptype1_txt``, ``attacktype1_txt`` and the words of
  ``weapdetail`` and ``summary`` as the munition type (mappings/gtd.yaml), with a
  count only when ``weapdetail`` states one ("Two Katyusha rockets");
* ``latitude``/``longitude`` with ``specificity`` as the location precision;
* ``targtype1_txt`` (and whether the target names the U.S.) as the target category;
* ``gname`` as the actor, ``claimed``/``guncertain1`` as the attribution;
* ``related``: GTD splits one attack over several rows. Each row stays a report
  of its own; ``evidence.related`` lists the group's eventids and
  ``evidence.group_key`` (the smallest) lets counts take the group once
  (:func:`incident_groups`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from salvo import gazetteer
from salvo.readers import actor_names
from salvo.readers.errors import FileError, RowError
from salvo.readers.report_rows import complete_rows, munition_records, whole_number
from salvo.readers.scope import in_scope
from salvo.readers.words import munitions_in
from salvo.records import ReportRecord, munition_record

FORMAT = "gtd"
MISSING = ("", "N/A", "NA", "NaN", "nan", "None")
# Either spelling of the date columns: GTD's own, or the plain one of GTD-shaped tables.
DATE_COLUMNS = (("iyear", "imonth", "iday"), ("year", "month", "day"))
REQUIRED = ("eventid", "country_txt", "gname")
_EVENTID = re.compile(r"^\s*(\d+)(?:\.0*)?\s*$")


def detect(header: list[str]) -> bool:
    """Whether a CSV header is GTD's (either spelling of the date columns)."""
    names = {name.strip() for name in header}
    return set(REQUIRED) <= names and any(set(columns) <= names for columns in DATE_COLUMNS)


def detect_file(path: Path) -> bool:
    """Whether a file is GTD's: the header of a CSV, or the first row of an XLSX's first sheet."""
    from salvo.readers.formats import header

    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        try:
            return detect([_cell(value) for value in next(iter(_sheet(path).iter_rows()), [])])
        except Exception:  # not a workbook: not GTD
            return False
    names = header(path)
    return bool(names) and detect(names)


def read(path: Path) -> Iterator[ReportRecord | RowError]:
    """Each event of a GTD file as a report, or a RowError for a row that cannot be read."""
    path = Path(path)
    file = str(path)
    rows = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm", ".xls") else _csv_rows(path)
    names, start = next(rows, (None, 0))
    if not names:
        raise FileError(RowError(file, None, None, None, "is empty: no GTD header"))
    missing = [name for name in REQUIRED if name not in names]
    dates = next((columns for columns in DATE_COLUMNS if set(columns) <= set(names)), None)
    if dates is None:
        missing.append("iyear, imonth, iday")
    if missing:
        raise FileError(RowError(file, start, ", ".join(missing), None, "missing GTD column(s)"))
    for values, number in rows:
        if not any(values):
            continue
        row = dict(zip(names, values))
        yield _report(file, number, row, dates)


def incident_groups(rows: Iterable[Any]) -> dict[str, list[str]]:
    """GTD incidents: group key -> the row keys of the rows that describe one attack.

    `rows` are ReportRecords or stored reports (anything with ``row_key`` and an
    ``evidence`` with ``related``). Groups whose ``related`` lists overlap are
    merged, so a group is counted once even when GTD's lists disagree; the key
    is the smallest eventid of the group.
    """
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    keys = []
    for row in rows:
        evidence = row.evidence or {}
        keys.append(row.row_key)
        for other in evidence.get("related") or [row.row_key]:
            a, b = root(row.row_key), root(str(other))
            if a != b:
                parent[max(a, b, key=int)] = min(a, b, key=int)
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(root(key), []).append(key)
    return {min(members, key=int): sorted(members, key=int) for members in groups.values()}


# --- reading the file -------------------------------------------------------


def _csv_rows(path: Path) -> Iterator[tuple[list[str] | None, int]]:
    """(header, its line number), then (values, row number) for each row; values with GTD's N/A as ''.

    A file cut short (a row short of cells, no line break at its end) is a
    FileError (salvo.readers.report_rows.complete_rows).
    """
    file = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            start = 1
            if first.lower().startswith("sep="):
                separator = first.strip()[4:5] or ","
                first, start = handle.readline(), 2
            else:
                separator = ";" if first.count(";") > first.count(",") else ","
            names = [name.strip() for name in next(csv.reader(io.StringIO(first), delimiter=separator), [])]
            yield names, start
            rows = complete_rows(file, handle, len(names), first=start + 1, delimiter=separator,
                                 size=path.stat().st_size)
            for number, values in rows:
                yield [_blank(v) for v in values], number
    except UnicodeDecodeError as exc:
        raise FileError(RowError(file, None, None, None, f"is not UTF-8 text ({exc.reason})")) from None
    except csv.Error as exc:
        raise FileError(RowError(file, None, None, None, f"is not a readable CSV file ({exc})")) from None


def _xlsx_rows(path: Path) -> Iterator[tuple[list[str] | None, int]]:
    try:
        sheet = _sheet(path)
    except Exception as exc:  # calamine raises its own error types
        raise FileError(RowError(str(path), None, None, None, f"is not a readable workbook ({exc})")) from None
    for number, values in enumerate(sheet.iter_rows(), start=1):
        cells = [_cell(v) for v in values]
        yield ([name.strip() for name in cells], number) if number == 1 else (cells, number)


def _sheet(path: Path):
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)


def _cell(value: Any) -> str:
    """A workbook cell as the CSV has it: 201701010001.0 -> '201701010001', None -> ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return _blank(str(value))


def _blank(value: str) -> str:
    return "" if value.strip() in MISSING else value


# --- one row --------------------------------------------------------------


def _report(file: str, number: int, row: dict[str, str], dates: tuple[str, str, str]) -> ReportRecord | RowError:
    source = row.get("adatforras")
    if source == "ACLED":
        return _acled_report(file, number, row, dates)
    if source and source != "GTD":
        return RowError(file, number, "adatforras", source, "neither a GTD nor an ACLED row")
    key = _eventid(row["eventid"])
    if key is None:
        return RowError(file, number, "eventid", row["eventid"], "not a GTD event id (digits)")
    when = _when(file, number, row, dates)
    if isinstance(when, RowError):
        return when
    date, precision, coordinates = when
    related = _related(row.get("related"), key)
    if related is None:
        return RowError(file, number, "related", row.get("related"), "not a list of GTD event ids")

    country = gazetteer.country(row.get("country_txt") or None)
    code = country.code if country else None
    gname = row.get("gname") or ""
    actor_name = gname if gname and gname != "Unknown" else None
    actor_id = actor_names.resolve(actor_name, _mapping().get("actors"))
    kinds, count = munitions(row)
    target_category = target(row)
    sources = [{"citation": row[c], "outlet": _outlet(row[c])} for c in ("scite1", "scite2", "scite3") if row.get(c)]
    return ReportRecord(
        FORMAT, key, row_number=number, raw=dict(row),
        date=date, date_precision=precision, country=code,
        location=_place(row.get("city")) or _place(row.get("provstate")),
        latitude=coordinates[0], longitude=coordinates[1], location_precision=_location_precision(row),
        target=row.get("target1") or None, target_category=target_category,
        actor_name=actor_name, actor_id=actor_id, attribution=_attribution(row, actor_name),
        killed=_count_of(row.get("nkill")), injured=_count_of(row.get("nwound")),
        outlet=next((s["outlet"] for s in sources if s["outlet"]), None),
        munitions=munition_records(kinds, count),
        evidence={"sources": sources, "related": related, "group_key": related[0]},
        text=row.get("summary") or None,
        in_scope=in_scope(munitions=kinds, actor_id=actor_id, target_category=target_category, country=code),
    )


def _location_precision(row: dict[str, str]) -> str | None:
    """GTD's ``specificity`` as a location precision (mappings/gtd.yaml); None when the row has none."""
    return _mapping()["location_precision"].get(row.get("specificity") or "")


def _when(file: str, number: int, row: dict[str, str], dates: tuple[str, str, str]
          ) -> tuple[dt.date, str, list[float | None]] | RowError:
    """A row's date, date precision and coordinates, or the RowError of the first that cannot be read."""
    year_column, month_column, day_column = dates
    parts = []
    for column in dates:
        value = whole_number(row.get(column))
        if value is None:
            return RowError(file, number, column, row.get(column), "not a whole number")
        parts.append(value)
    year, month, day = parts
    precision = "day" if day and month else "month" if month else "year"
    try:
        date = dt.date(year, month or 1, (day if month else 0) or 1)
    except ValueError:
        return RowError(file, number, day_column if month else month_column, row.get(day_column if month else
                        month_column), "not a calendar date")
    coordinates = []
    for column in ("latitude", "longitude"):
        try:
            coordinates.append(float(row[column]) if row.get(column) else None)
        except ValueError:
            return RowError(file, number, column, row[column], "not a number")
    return date, precision, coordinates


def _acled_report(file: str, number: int, row: dict[str, str], dates: tuple[str, str, str]
                  ) -> ReportRecord | RowError:
    """An ACLED event carried in a GTD-shaped table (the drone database's ``adatforras`` = ACLED rows).

    Its ``eventid`` is ACLED's ``event_id_cnty``, so it becomes an ``acled``
    report under that key: the same event read from an ACLED export is the
    same report, with a second provenance entry. Such rows fill only the date,
    place, ``summary`` (ACLED's notes), ``gname`` (the actor), ``nkill`` and
    ``scite1`` (ACLED's sources); munition types, counts and how many were
    intercepted come from the notes, as for an ACLED export.
    The table drops ACLED's ``geo_precision``; ACLED places an event at the
    named location, so its coordinates are taken as town-precise.
    """
    from salvo.readers.acled import actor_table, target_from_notes
    from salvo.readers.munition_text import munition_lines

    key = (row.get("eventid") or "").strip()
    if not re.fullmatch(r"[A-Z]{2,4}\d+", key):
        return RowError(file, number, "eventid", row.get("eventid"), "not an ACLED event id (e.g. IRQ49196)")
    when = _when(file, number, row, dates)
    if isinstance(when, RowError):
        return when
    date, precision, coordinates = when
    country = gazetteer.country(row.get("country_txt") or None)
    code = country.code if country else None
    actor_name = row.get("gname") or None
    actor_id = actor_names.resolve(actor_name, actor_table())
    notes = row.get("summary") or ""
    lines = [munition_record(line) for line in munition_lines(notes, intercepted=True)]
    sources = [s.strip() for s in (row.get("scite1") or "").split(";") if s.strip()]
    target_category = target_from_notes(notes, actor_id)
    return ReportRecord(
        "acled", key, row_number=number, raw=dict(row),
        date=date, date_precision=precision, country=code,
        location=_place(row.get("city")) or _place(row.get("provstate")),
        latitude=coordinates[0], longitude=coordinates[1],
        location_precision="city" if coordinates[0] is not None else None, target_category=target_category,
        actor_name=actor_name, actor_id=actor_id,
        killed=_count_of(row.get("nkill")), outlet=sources[0] if sources else None, munitions=lines,
        evidence={"sources": sources, "carried_by": "GTD-shaped table (adatforras = ACLED)"},
        text=notes or None,
        in_scope=in_scope(munitions=[line.munition_type for line in lines], actor_id=actor_id,
                          target_category=target_category, country=code),
    )


def munitions(row: dict[str, str]) -> tuple[list[str], int | None]:
    """The munition types of a row (mappings/gtd.yaml), and the count weapdetail states for them, if any."""
    rules = _mapping()["munition"]
    rule: Any = None
    for column in ("weapsubtype1_txt", "weaptype1_txt", "attacktype1_txt"):
        if (row.get(column) or "") in rules[column]:
            rule = rules[column][row[column]]
            break
    if not isinstance(rule, dict):
        return ([rule] if rule else []), None
    # The weapon detail decides; the summary only when there is none (it often mentions other attacks).
    text = row.get("weapdetail") or row.get("summary") or ""
    for code, words in (rule.get("words") or {}).items():
        if re.search(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", text, re.I):
            return [code], None
    kinds = [kind for kind in munitions_in(text) if kind in rule["text"]]
    if not kinds:
        return ([rule["else"]] if rule.get("else") else []), None
    return kinds, _count(row.get("weapdetail") or "", kinds[0]) if len(kinds) == 1 else None


def target(row: dict[str, str]) -> str:
    """The target category of a row: targtype1_txt, made U.S. when the target or summary names the U.S."""
    table = _mapping()["target_category"]
    kind = row.get("targtype1_txt") or ""
    if kind in table["us_named"] and _names_us(row):
        return table["us_named"][kind]
    return table["targtype1_txt"].get(kind, table["default"])


def _names_us(row: dict[str, str]) -> bool:
    patterns = _patterns()
    target_text = " ".join(row.get(c) or "" for c in ("target1", "corp1", "natlty1_txt"))
    return (any(p.search(target_text) for p in patterns["us_target"])
            or any(p.search(row.get("summary") or "") for p in patterns["us_in_summary"]))


def _count(detail: str, kind: str) -> int | None:
    """The number weapdetail states for a munition type ("Two Katyusha rockets" -> 2); None when unsure.

    Unsure: a hedged number ("at least four", "between three and five"), or two different numbers.
    """
    patterns = _patterns()
    if patterns["shared"].search(detail):  # "used in this and another related attack": a count for the group
        return None
    found = set()
    for match in patterns["count"].finditer(detail):
        if munitions_in(match.group(0)) != [kind]:
            continue
        if patterns["hedge"].search(detail[:match.start()]) or patterns["hedge_inside"].search(match.group("words")):
            return None
        word = match.group("number").lower()
        found.add(int(word) if word.isdigit() else _mapping()["numbers"][word])
    return found.pop() if len(found) == 1 else None


def _attribution(row: dict[str, str], actor_name: str | None) -> str:
    if whole_number(row.get("claimed")) == 1:
        return "claimed"
    if whole_number(row.get("guncertain1")) == 1:
        return "suspected"
    return "attributed_by_officials" if actor_name else "unknown"


def _related(value: str | None, key: str) -> list[str] | None:
    ids = {key}
    for part in re.split(r"[,;]", value or ""):
        if part.strip():
            other = _eventid(part)
            if other is None:
                return None
            ids.add(other)
    return sorted(ids, key=int)


def _outlet(citation: str) -> str | None:
    """The outlet of a GTD citation: '"Headline," The Associated Press, February 24, 2012.' -> The Associated Press."""
    match = re.match(r'\s*["“].*[,.?!]["”]\s*([^,"]+?)\s*(?:,|$)', citation)
    return match.group(1).strip() if match else None


def _place(value: str | None) -> str | None:
    return value if value and value.strip() not in ("Unknown", "unknown") else None


def _eventid(value: str | None) -> str | None:
    match = _EVENTID.match(value or "")
    return str(int(match.group(1))) if match else None


def _count_of(value: str | None) -> int | None:
    """A casualty count: None for missing, unreadable or negative (GTD's -99 'unknown')."""
    number = whole_number(value)
    return number if number is not None and number >= 0 else None


@cache
def _mapping() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("mappings/gtd.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def _patterns() -> dict[str, Any]:
    table = _mapping()
    numbers = "|".join(sorted(table["numbers"], key=len, reverse=True))
    nouns = r"drones?|uavs?|rockets?|katyushas?|mortars?(?:\s+(?:shells?|rounds?))?|missiles?|projectiles?"
    number = rf"(?:{numbers}|\d+)"
    return {
        "us_target": [re.compile(p) for p in table["us_target"]],
        "us_in_summary": [re.compile(p) for p in table["us_in_summary"]],
        "count": re.compile(rf"(?<![\w-])(?P<number>{number})\s+(?P<words>(?:[\w/'-]+\s+){{0,4}}?)(?:{nouns})\b",
                            re.I),
        "hedge": re.compile(r"\b(?:at least|at most|between|up to|more than|over|about|around|approximately|nearly|"
                            r"some|several|and|or|to)\s*$", re.I),
        "shared": re.compile(r"\brelated attacks?\b", re.I),
        "hedge_inside": re.compile(rf"(?<![\w-])(?:{number}|and|or|to)(?![\w-])", re.I),
    }
