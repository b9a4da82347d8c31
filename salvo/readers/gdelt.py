"""GDELT 2.0 event exports: machine-coded events, read as low-confidence reports.

Where to get it: http://data.gdeltproject.org/gdeltv2/masterfilelist.txt lists
the 15-minute exports (``YYYYMMDDHHMMSS.export.CSV.zip``); Google BigQuery has
the same table (``gdelt-bq.gdeltv2.events``). GDELT data is free for any use;
cite the GDELT Project. Salvo reads:

* the official export: no header, tab-separated, 61 fields per row in the
  order of :data:`COLUMNS` (GDELT 1.0 daily files: 58, without the three
  ``*_ADM2Code``), plain or zipped;
* a CSV with a header naming the columns, either officially (a BigQuery
  export) or as the gdelts-conflict-analysis project renames them
  (:data:`RENAMED`: ``Global_Event_ID, Day, ... Source_URL`` plus the mention's
  ``Confidence``). That renaming calls the ActionGeo_* columns ``Mention_Type,
  ST_PR_CNTRY, Country, ...``: their values are the action's place (type 0-5,
  full name, FIPS code, ...), so they are read as ActionGeo_*. Its
  ``Event_Base_Code``/``Event_Root_Code`` lost their leading zeros (``4`` for
  ``04``); the raw row keeps them as read, the CAMEO code is restored.

**Low confidence, never an incident by itself.** GDELT codes events from news
text by machine; most "fight" events are not attacks (a veteran's story, an
article of a film-news site). So each report's ``confidence`` is ``"low"``. The
reader does not decide whether the incident a report joins is a candidate: the
linker does, by its trust policy per dataset (salvo/link/settings.yaml: GDELT
is a ``machine`` source, whose incidents stay candidates until a reviewer
accepts them or a trusted source corroborates them). Salvo's figures count
incidents, never reports. Munition
types come from the CAMEO code (mappings/cameo.yaml), never with a count.
Countries are FIPS 10-4 codes (``IS`` is Israel, not Iceland), read through
mappings/fips.yaml.

Each event becomes a report keyed by ``GLOBALEVENTID``:

* ``SQLDATE`` as the date (day precision);
* the action's place: ``ActionGeo_FullName`` as the location, ``ActionGeo_Lat``/
  ``_Long`` (none when either half is missing), ``ActionGeo_CountryCode`` as the
  country, ``ActionGeo_Type`` as the location precision;
* ``Actor1Name`` as the actor (resolved through the codebook's aliases),
  ``Actor2Name`` as the target;
* ``SOURCEURL`` as the url, its host as the outlet;
* ``EventCode``, ``QuadClass``, ``GoldsteinScale``, ``NumMentions``... in the evidence.

A file joining events with their mentions may have several rows per event:
adjacent rows of one event make one report (the first row's values, every
mention's URL and confidence in ``evidence.mentions``). A row repeating an event
read further up is rejected, naming that row: rows are streamed, and only the
event ids seen are kept (the shared sample has one row per event).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import yaml

from salvo import codebook, gazetteer
from salvo.readers.errors import FileError, RowError
from salvo.readers.report_rows import complete_rows, munition_records, whole_number
from salvo.readers.scope import in_scope
from salvo.records import ReportRecord

FORMAT = "gdelt"

# The official GDELT 2.0 event export, in file order (GDELT 2.0 Event Codebook).
COLUMNS = (
    "GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate",
    "Actor1Code", "Actor1Name", "Actor1CountryCode", "Actor1KnownGroupCode", "Actor1EthnicCode",
    "Actor1Religion1Code", "Actor1Religion2Code", "Actor1Type1Code", "Actor1Type2Code", "Actor1Type3Code",
    "Actor2Code", "Actor2Name", "Actor2CountryCode", "Actor2KnownGroupCode", "Actor2EthnicCode",
    "Actor2Religion1Code", "Actor2Religion2Code", "Actor2Type1Code", "Actor2Type2Code", "Actor2Type3Code",
    "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale",
    "NumMentions", "NumSources", "NumArticles", "AvgTone",
    "Actor1Geo_Type", "Actor1Geo_FullName", "Actor1Geo_CountryCode", "Actor1Geo_ADM1Code", "Actor1Geo_ADM2Code",
    "Actor1Geo_Lat", "Actor1Geo_Long", "Actor1Geo_FeatureID",
    "Actor2Geo_Type", "Actor2Geo_FullName", "Actor2Geo_CountryCode", "Actor2Geo_ADM1Code", "Actor2Geo_ADM2Code",
    "Actor2Geo_Lat", "Actor2Geo_Long", "Actor2Geo_FeatureID",
    "ActionGeo_Type", "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_ADM1Code", "ActionGeo_ADM2Code",
    "ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FeatureID",
    "DATEADDED", "SOURCEURL",
)
assert len(COLUMNS) == 61
# GDELT 1.0 daily exports: the same without the ADM2 codes.
COLUMNS_V1 = tuple(name for name in COLUMNS if not name.endswith("_ADM2Code"))
assert len(COLUMNS_V1) == 58

# The gdelts-conflict-analysis renaming (its gdelt_script/names.py), column for column.
_RENAMED_ORDER = (
    "Global_Event_ID", "Day", "YYYYMM", "YYYY", "Day_Time",
    "Actor_1_Country_Code", "Actor_1_Name", "Actor_1_Country_ABBR", "Actor_1_Known_Group_Code", "Actor_1_Ethnic_Code",
    "Actor_1_Religion_Code", "Actor_1_Religion_2_Code", "Actor_1_Role", "Actor_1_Role2", "Actor_1_Role3",
    "Actor_2_Country_Code", "Actor_2_Name", "Actor_2_Country_ABBR", "Actor_2_Know_Group_Code", "Actor_2_Ethnic_Code",
    "Actor_2_Religion_Code", "Actor_2_Religion_2_Code", "Actor_2_Role", "Actor_2_Role2", "Actor_2_Role3",
    "Is_Root_Event", "Event_Code", "Event_Base_Code", "Event_Root_Code", "Quad_Class", "Goldstein_Scale",
    "Num_Mentions", "Num_Sources", "Num_Articles", "AVG_TONE",
    "Actor_1_Geo_Type", "Actor_1_Geo_FullName", "Actor_1_Geo_Country_Code", "Actor1Geo_ADM1Code", "Actor1Geo_ADM2Code",
    "Actor1Geo_Lat", "Actor1Geo_Long", "Actor1Geo_FeatureID",
    "Actor_2_Geo_Type", "Actor_2_Geo_FullName", "Actor_2_Geo_Country_Code", "Actor2Geo_ADM1Code", "Actor2Geo_ADM2Code",
    "Actor2Geo_Lat", "Actor2Geo_Long", "Actor2Geo_FeatureID",
    "Mention_Type", "ST_PR_CNTRY", "Country", "ADM1Code_Extra", "ADM2Code_Extra",
    "Lat_Extra", "Long_Extra", "ActorGeo_FeaturID_Extra",
    "Date_Added", "Source_URL",
)
RENAMED = dict(zip(_RENAMED_ORDER, COLUMNS))  # renamed header -> official name ("Confidence" stays)

REQUIRED = ("GLOBALEVENTID", "SQLDATE", "EventCode", "ActionGeo_CountryCode", "ActionGeo_Lat", "ActionGeo_Long",
            "SOURCEURL")
# ActionGeo_Type: 1 country, 2 U.S. state, 3 U.S. city, 4 world city, 5 world state (province).
LOCATION_PRECISION = {"1": "country", "2": "region", "3": "city", "4": "city", "5": "region"}
NOTE = "machine-coded by GDELT from news text: low confidence, never an incident by itself"
_DATE = re.compile(r"\d{8}")


def detect(header: list[str]) -> bool:
    """Whether a CSV header is GDELT's events table, with its official names or the renamed ones."""
    names = {name.strip() for name in header}
    return ({"GLOBALEVENTID", "SQLDATE", "EventCode", "SOURCEURL"} <= names
            or {"Global_Event_ID", "Day", "Event_Code", "Source_URL"} <= names)


def detect_file(path: Path) -> bool:
    """Whether a file is a GDELT events file: an official headerless export, or a CSV with a GDELT header.

    Only the first line is read (of the first member, for a .zip).
    """
    path = Path(path)
    try:
        with _text(path) as handle:
            first = handle.readline(1 << 16)
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, FileError):
        return False
    if _looks_like_data(first):
        return len(_fields(first)) in (len(COLUMNS), len(COLUMNS_V1))
    delimiter = "\t" if "\t" in first else ","
    return detect(next(csv.reader([first], delimiter=delimiter), []))


def read(path: Path) -> Iterator[ReportRecord | RowError]:
    """Each event of a GDELT file as a candidate report, or a RowError for a row that cannot be read."""
    path = Path(path)
    file = str(path)
    rows = _rows(path)
    names = next(rows)  # official name -> the file's name for it, for error messages
    seen: dict[str, int] = {}  # event id -> its first row: the only thing kept from rows already read
    group: list[tuple[int, dict[str, str]]] = []
    for number, row in rows:
        key = row["GLOBALEVENTID"].strip()
        if group and key == group[0][1]["GLOBALEVENTID"].strip():
            group.append((number, row))  # another mention of the same event
            continue
        if group:
            yield _report(file, names, group)
            group = []
        if not key.isdigit():
            yield RowError(file, number, names["GLOBALEVENTID"], key, "not a GDELT event id (digits)")
        elif key in seen:
            yield RowError(file, number, names["GLOBALEVENTID"], key,
                           f"repeats the event of row {seen[key]}: rows of one event must be adjacent "
                           "(sort the file by event id)")
        else:
            seen[key] = number
            group = [(number, row)]
    if group:
        yield _report(file, names, group)


# --- reading the file -------------------------------------------------------


@contextmanager
def _text(path: Path) -> Iterator[TextIO]:
    """The file as UTF-8 text; a .zip's first member (GDELT ships each export zipped)."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            members = [name for name in archive.namelist() if not name.endswith("/")]
            if not members:
                raise FileError(RowError(str(path), None, None, None, "is an empty zip archive"))
            with archive.open(members[0]) as member:
                yield io.TextIOWrapper(member, encoding="utf-8-sig", newline="")
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield handle


def _fields(line: str) -> list[str]:
    return line.rstrip("\r\n").split("\t")


def _looks_like_data(line: str) -> bool:
    """Whether a first line is an event row (tab-separated, an integer id, an 8-digit date), not a header."""
    fields = _fields(line)
    return len(fields) > 2 and fields[0].isdigit() and bool(_DATE.fullmatch(fields[1]))


def _rows(path: Path) -> Iterator[Any]:
    """First {official name: the file's name}, then (row number, {official name: text}) for each non-empty row.

    Raises FileError for text that is not UTF-8, a header without the required
    columns, a row with the wrong number of fields, or a file cut short (a last
    row without its line break: see salvo.readers.report_rows.complete_rows).
    """
    file = str(path)
    try:
        with _text(path) as handle:
            first = handle.readline()
            if not first.strip():
                raise FileError(RowError(file, None, None, None, "is empty: no GDELT events"))
            if _looks_like_data(first):
                count = len(_fields(first))
                columns = {len(COLUMNS): COLUMNS, len(COLUMNS_V1): COLUMNS_V1}.get(count)
                if columns is None:
                    raise FileError(RowError(file, 1, None, None, f"has {count} tab-separated fields, not 61 "
                                             "(GDELT 2.0 events) or 58 (GDELT 1.0)"))
                header, lines, delimiter, start = columns, itertools.chain([first], handle), "\t", 1
                expected = f"GDELT {'2.0' if columns is COLUMNS else '1.0'} rows have"
            else:
                delimiter = "\t" if "\t" in first else ","
                header = [name.strip() for name in next(csv.reader([first], delimiter=delimiter))]
                columns = tuple(RENAMED.get(name, name) for name in header)
                missing = [name for name in REQUIRED if name not in columns]
                if missing:
                    raise FileError(RowError(file, 1, ", ".join(missing), None, "missing GDELT column(s)"))
                lines, start, expected = handle, 2, "the header has"
            # Errors name a column as the file does, with the official name when it differs.
            yield {name: name if name == shown else f"{shown} ({name})"
                   for name, shown in zip(columns, header)}
            quoting = csv.QUOTE_NONE if start == 1 else csv.QUOTE_MINIMAL  # official exports never quote
            rows = complete_rows(file, lines, len(columns), first=start, delimiter=delimiter, quoting=quoting,
                                 size=_size(path), expected=expected)
            for number, values in rows:
                if any(value.strip() for value in values):
                    yield number, dict(zip(columns, values))
    except UnicodeDecodeError as exc:
        raise FileError(RowError(file, None, None, None, f"is not UTF-8 text ({exc.reason})")) from None
    except (csv.Error, zipfile.BadZipFile) as exc:
        raise FileError(RowError(file, None, None, None, f"is not a readable GDELT file ({exc})")) from None


def _size(path: Path) -> int:
    """The size in bytes of the text :func:`_text` reads: the file's, or its first member's for a .zip."""
    if path.suffix.lower() != ".zip":
        return path.stat().st_size
    with zipfile.ZipFile(path) as archive:
        return next(info.file_size for info in archive.infolist() if not info.is_dir())


# --- one event ----------------------------------------------------------------


def _report(file: str, names: dict[str, str], group: list[tuple[int, dict[str, str]]]) -> ReportRecord | RowError:
    """The report of one event from its row(s): the first row's values, every row's mention."""
    number, row = group[0]
    text = row["SQLDATE"].strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        date = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return RowError(file, number, names["SQLDATE"], text, "not a date (YYYYMMDD)")
    coordinates = []
    for column, limit in (("ActionGeo_Lat", 90), ("ActionGeo_Long", 180)):
        value = row[column].strip()
        try:
            coordinate = float(value) if value else None
        except ValueError:
            return RowError(file, number, names[column], value, "not a number")
        if coordinate is not None and abs(coordinate) > limit:
            return RowError(file, number, names[column], value, f"not within -{limit}..{limit}")
        coordinates.append(coordinate)
    if None in coordinates:  # GDELT sometimes gives half a point (a longitude alone): no point
        coordinates = [None, None]
    code = cameo_code(row["EventCode"], row.get("EventRootCode"))
    if code is None:
        return RowError(file, number, names["EventCode"], row["EventCode"], "not a CAMEO event code (3-4 digits)")

    event = cameo(code)
    kinds = [event["munition"]] if event["munition"] else []
    iso = fips_to_iso(row["ActionGeo_CountryCode"])
    country = gazetteer.country(iso) if iso else None
    actor_name = (row.get("Actor1Name") or "").strip() or None
    actor = codebook.actors().resolve(actor_name)
    url = row["SOURCEURL"].strip() or None
    evidence: dict[str, Any] = {
        "note": NOTE,
        "cameo": code, "cameo_label": event["label"], "projectile": event["projectile"],
        "quad_class": whole_number(row.get("QuadClass")), "goldstein": _float(row.get("GoldsteinScale")),
        "num_mentions": whole_number(row.get("NumMentions")), "num_sources": whole_number(row.get("NumSources")),
        "num_articles": whole_number(row.get("NumArticles")),
    }
    if "Confidence" in row:  # a file joined with GDELT's mentions table: each row is one mention
        mentions = [{"url": r["SOURCEURL"].strip() or None, "confidence": whole_number(r["Confidence"]), "row": n}
                    for n, r in group]
        evidence["mention_confidence"] = max((m["confidence"] for m in mentions if m["confidence"] is not None),
                                             default=None)
        evidence["mentions"] = mentions
    country_code = country.code if country else None
    actor_id = actor.id if actor else None
    return ReportRecord(
        FORMAT, row["GLOBALEVENTID"].strip(), row_number=number, raw=dict(row),
        date=date, date_precision="day", country=country_code,
        location=(row.get("ActionGeo_FullName") or "").strip() or None,
        latitude=coordinates[0], longitude=coordinates[1],
        location_precision=LOCATION_PRECISION.get((row.get("ActionGeo_Type") or "").strip()),
        actor_name=actor_name, actor_id=actor_id, target=(row.get("Actor2Name") or "").strip() or None,
        confidence="low", munitions=munition_records(kinds), url=url, outlet=outlet(url), evidence=evidence,
        in_scope=in_scope(munitions=kinds, actor_id=actor_id, target_category=None, country=country_code),
    )


def cameo_code(code: str | None, root: str | None = None) -> str | None:
    """A CAMEO event code with its leading zero: ("46", "4") -> "046"; ("0874", "08") -> "0874"; else None.

    Files that went through a spreadsheet or a dataframe lose the zero of
    codes of roots 01-09; the root code (two digits once padded) says where
    it belongs.
    """
    code = (code or "").strip()
    root = (root or "").strip()
    if not code.isdigit():
        return None
    if root.isdigit() and not code.startswith(root.zfill(2)) and len(code) < 4:
        code = "0" + code
    elif len(code) < 3:
        code = code.zfill(3)
    if len(code) not in (3, 4) or not 1 <= int(code[:2]) <= 20:
        return None
    if root.isdigit() and not code.startswith(root.zfill(2)):
        return None  # the event code and its root disagree
    return code


def cameo(code: str) -> dict[str, Any]:
    """The mappings/cameo.yaml entry of a CAMEO code: its own, else its base code's, else its root's."""
    table = _mapping("cameo")["codes"]
    for key in (code, code[:3], code[:2]):
        if key in table:
            return {"label": None, "munition": None, "projectile": False, **table[key]}
    return {"label": None, "munition": None, "projectile": False}


def fips_to_iso(code: str | None) -> str | None:
    """The ISO 3166 alpha-2 code of a FIPS 10-4 country code (mappings/fips.yaml): "IS" -> "IL"; None if unknown."""
    return _mapping("fips").get((code or "").strip().upper()) if code else None


def outlet(url: str | None) -> str | None:
    """The outlet of a URL, as GDELT names sources: its host without ``www.`` ("www.reuters.com" -> reuters.com)."""
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


@cache
def _mapping(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(f"mappings/{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)
