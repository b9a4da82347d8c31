"""Mapped files: any CSV or XLSX read through a YAML mapping of its columns onto report fields."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import Workbook

from salvo import gazetteer
from salvo.importing import import_reports
from salvo.readers import mapped, words
from salvo.readers.errors import FileError, RowError
from salvo.storage.reports import REPORT_FIELDS, reports
from tests.conftest import shared

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAMPLE = FIXTURES / "mapped_sample.csv"  # 8 made-up rows
MAPPING = FIXTURES / "mapped_sample.yaml"
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def read_all(path: Path = SAMPLE, mapping: Path = MAPPING) -> list:
    return list(mapped.read(path, mapping=mapping))


def by_key(path: Path = SAMPLE, mapping: Path = MAPPING) -> dict:
    return {r.row_key: r.values() for r in read_all(path, mapping)}


def edited_mapping(tmp_path: Path, old: str, new: str) -> Path:
    """The sample mapping with one piece of text replaced."""
    text = MAPPING.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "mapping.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def edited_sample(tmp_path: Path, *changes: tuple[str, str, str]) -> Path:
    """The sample file with cells changed: (row id, column, new value)."""
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for key, column, value in changes:
        next(r for r in rows if r["id"] == key)[column] = value
    path = tmp_path / SAMPLE.name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def as_workbook(source: Path, target: Path, *, sheet: str = "Sheet", typed: bool = True) -> Path:
    """A CSV saved as XLSX the way a spreadsheet would: numbers as numbers, dates as date cells."""
    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["this sheet is not the data"])
    data = book.create_sheet(sheet)
    with source.open(encoding="utf-8", newline="") as handle:
        for number, values in enumerate(csv.reader(handle)):
            data.append([_typed(v) for v in values] if typed and number else values)
    book.move_sheet(sheet, offset=-1)  # the data sheet first
    book.save(target)
    return target


def _typed(value: str):
    for date_format in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, date_format)
        except ValueError:
            pass
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


# --- the format -------------------------------------------------------------


def test_a_mapped_file_is_never_detected_and_needs_a_mapping():
    assert mapped.FORMAT == "mapped"
    assert not mapped.detect(["id", "when", "weapon"])
    with pytest.raises(FileError, match="needs a mapping file"):
        list(mapped.read(SAMPLE))


def test_every_row_is_a_report_of_the_mappings_dataset_keyed_by_its_id():
    read = read_all()
    assert len(read) == 8 and not any(isinstance(r, RowError) for r in read)
    assert {r.dataset for r in read} == {"sample-sheet"}
    assert [r.row_key for r in read] == [f"S{i}" for i in range(1, 9)]
    assert [r.row_number for r in read] == list(range(2, 10))  # as a spreadsheet numbers rows
    assert all(set(r.values()) == set(REPORT_FIELDS) for r in read)
    assert read[0].raw["analyst"] == "made up"  # the whole row is kept, mapped or not


# --- value maps, defaults, missing values -------------------------------------


def test_value_maps_turn_the_files_words_into_codebook_codes():
    rows = by_key()
    assert rows["S1"]["target_category"] == "us_military" and rows["S2"]["target_category"] == "us_diplomatic"
    assert rows["S8"]["target_category"] == "other"  # "school" is not in the map: the default
    assert rows["S1"]["attribution"] == "claimed" and rows["S3"]["attribution"] == "suspected"
    assert rows["S2"]["attribution"] == "unknown"  # empty cell: the default
    assert rows["S3"]["date_precision"] == "day"
    assert rows["S1"]["location_precision"] == "city" and rows["S1"]["evidence"] is None  # a field, not evidence
    assert rows["S1"]["outlet"] == "Sample desk"  # a default with no column: the same for every row


def test_dates_in_either_format_and_coarse_precision_first_of_period():
    rows = by_key()
    assert rows["S1"]["date"] == dt.date(2021, 1, 5)  # 05.01.2021, day first
    assert rows["S2"]["date"] == dt.date(2021, 2, 1) and rows["S2"]["date_precision"] == "month"
    assert rows["S5"]["date"] == dt.date(2021, 1, 1) and rows["S5"]["date_precision"] == "year"


def test_missing_markers_countries_and_numbers():
    rows = by_key()
    assert rows["S2"]["location"] is None and rows["S2"]["latitude"] is None  # "?" and an empty cell
    assert rows["S2"]["killed"] is None and rows["S2"]["injured"] == 2  # "-99" means unknown here
    assert rows["S1"]["latitude"] == pytest.approx(36.237) and rows["S1"]["country"] == "IQ"
    assert rows["S2"]["country"] == "IQ" and rows["S4"]["country"] == "SA"  # a code or a name


def test_the_location_resolves_to_a_gazetteer_place_in_its_country():
    rows = by_key()
    erbil = gazetteer.lookup("Erbil", "IQ")
    assert erbil is not None and rows["S1"]["place_id"] == erbil.id
    assert rows["S2"]["place_id"] is None  # no location ("?")


def test_location_precision_and_place_are_stored_columns(sqlite_store):
    import_reports(sqlite_store, SAMPLE, "mapped", mapping=MAPPING)
    with sqlite_store.session() as session:
        stored = {r.row_key: (r.location_precision, r.place_id) for r in reports(session, "sample-sheet")}
    assert stored == {key: (row["location_precision"], row["place_id"]) for key, row in by_key().items()}
    assert {precision for precision, _ in stored.values()} == {"city"}  # the mapping's default


def test_actors_resolve_through_the_codebook_or_stay_verbatim():
    rows = by_key()
    assert rows["S1"]["actor_id"] == "kataib_hezbollah" and rows["S4"]["actor_id"] == "ansar_allah"
    assert rows["S7"]["actor_name"] == "Unnamed cell" and rows["S7"]["actor_id"] is None
    assert rows["S2"]["actor_name"] is None  # "unknown" is a missing marker


# --- munitions --------------------------------------------------------------


def test_the_weapon_column_and_count_decide_and_the_text_fills_in():
    rows = by_key()
    assert rows["S1"]["munitions"] == [{"munition_type": "uav", "count": 3}]
    assert rows["S2"]["munitions"] == [{"munition_type": "rocket", "count": None}]  # no count given
    assert rows["S3"]["munitions"] == []  # gun: null, no munition
    assert rows["S6"]["munitions"] == [{"munition_type": "mortar", "count": 6}]  # the column wins over the text
    assert rows["S4"]["munitions"] == [{"munition_type": "rocket", "count": 11}]  # empty weapon: the summary
    assert rows["S8"]["munitions"] == []
    assert rows["S1"]["in_scope"] and rows["S6"]["in_scope"] and not rows["S7"]["in_scope"]  # an IED is no projectile


def test_prefer_text_lets_the_words_decide(tmp_path):
    mapping = edited_mapping(tmp_path, "text: summary\n  killed", "text: summary\n    prefer: text\n  killed")
    rows = by_key(mapping=mapping)
    assert rows["S6"]["munitions"] == [{"munition_type": "rocket", "count": None},
                                       {"munition_type": "mortar", "count": None}]
    assert rows["S1"]["munitions"] == [{"munition_type": "uav", "count": 3}]  # "Three drones"
    assert rows["S3"]["munitions"] == []  # the text names nothing and gun maps to nothing


def test_without_munition_lines_the_text_gives_types_without_counts(monkeypatch):
    monkeypatch.delattr(words, "munition_lines", raising=False)  # an older words module: types only
    monkeypatch.setattr(words, "munitions_in", lambda text: ["rocket"] if "rockets" in text else [])
    assert by_key()["S4"]["munitions"] == [{"munition_type": "rocket", "count": None}]


# --- keys -------------------------------------------------------------------


def test_without_a_key_the_key_is_a_stable_hash_of_the_mapped_columns(tmp_path):
    mapping = edited_mapping(tmp_path, "key: id\n", "")
    first = [r.row_key for r in read_all(mapping=mapping)]
    assert len(set(first)) == 8 and all(re.fullmatch(r"[0-9a-f]{16}", k) for k in first)
    assert [r.row_key for r in read_all(mapping=mapping)] == first  # stable
    unmapped_edit = edited_sample(tmp_path, ("S3", "analyst", "checked"))
    assert [r.row_key for r in read_all(unmapped_edit, mapping)] == first
    mapped_edit = edited_sample(tmp_path, ("S3", "dead", "5"))
    changed = [r.row_key for r in read_all(mapped_edit, mapping)]
    assert changed[2] != first[2] and changed[:2] + changed[3:] == first[:2] + first[3:]


def test_rows_identical_in_every_mapped_column_are_each_kept(tmp_path):
    mapping = edited_mapping(tmp_path, "key: id\n", "")
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    copy = tmp_path / "copy.csv"
    copy.write_text("".join(lines + [lines[1].replace("S1,", "S1b,")]), encoding="utf-8")
    keys = [r.row_key for r in read_all(copy, mapping)]
    assert keys[-1] == keys[0] + "-2"  # `id` is not mapped here, so row 10 repeats row 2


def test_a_key_repeated_or_empty_is_a_row_error(tmp_path):
    path = edited_sample(tmp_path, ("S2", "id", "S1"), ("S3", "id", ""))
    errors = [r for r in read_all(path) if isinstance(r, RowError)]
    assert [(e.row, e.field) for e in errors] == [(3, "id"), (4, "id")]
    assert "the same key as row 2" in errors[0].reason and "empty key" in errors[1].reason


# --- row errors -------------------------------------------------------------


def test_row_errors_name_the_row_the_column_and_why(tmp_path):
    path = edited_sample(tmp_path, ("S1", "when", "2021/01/05"), ("S2", "dead", "two"), ("S3", "lat", "335.3"),
                         ("S4", "hit", "convoy"), ("S5", "n", "2.5"), ("S6", "nation", "Atlantis"),
                         ("S7", "weapon", "cannon"))
    read = read_all(path)
    errors = {e.row: e for e in read if isinstance(e, RowError)}
    assert {row: (e.field, e.value) for row, e in errors.items()} == {
        2: ("when", "2021/01/05"), 3: ("dead", "two"), 4: ("lat", "335.3"), 6: ("n", "2.5"),
        7: ("nation", "Atlantis"), 8: ("weapon", "cannon"),
    }
    assert "%d.%m.%Y or %Y-%m-%d" in errors[2].reason and "whole number" in errors[3].reason
    assert "latitude" in errors[4].reason
    assert "fields.munitions.values of mapped_sample.yaml" in errors[8].reason  # that map has no default
    assert str(errors[2]).endswith("row 2, field 'when' = '2021/01/05': not a date in the format %d.%m.%Y or %Y-%m-%d")
    s4 = next(r for r in read if not isinstance(r, RowError) and r.row_key == "S4")
    assert s4.target_category == "other"  # not an error: that map has a default
    assert len(read) == 8  # the other rows are read


# --- the mapping file -------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "key", "reason"), [
    ("dataset: sample-sheet\n", "", "dataset", "is required"),
    ("key: id\n", "key: id\ncolumns: 3\n", "columns", "unknown key"),
    ("  text: summary\n  outlet", "  summary: summary\n  outlet", "fields.summary", "not a report field"),
    ("embassy: us_diplomatic", "embassy: us_diplomatc", "fields.target_category.values.embassy",
     "not a target_category code"),
    ("gun: null", "gun: pistol", "fields.munitions.values.gun", "not a munition_type code"),
    ("{default: city}", "{default: town}", "fields.location_precision.default", "not a location_precision code"),
    ("\"yes\": claimed", "yes: claimed", "fields.attribution.values", "quote it"),
    ("actor_name:", "actor_id:", "fields.actor_id", "map the column to actor_name"),
    ("location:", "place_id:", "fields.place_id", "map the column to location"),
    ("\"%Y-%m-%d\"]", "\"%Y-%m-%q\"]", "fields.date.format", "not a date format"),
    ("injured: hurt", "injured: {column: hurt, format: '%d'}", "fields.injured.format", "only date and published_at"),
    ("target: target", "target: {column: target, text: summary}", "fields.target.text", "only munitions"),
    ("target: target", "target: {missing: [x]}", "fields.target", "no column and no default"),
    ("injured: hurt", "injured: {column: hurt, default: some}", "fields.injured.default", "not a whole number"),
    ("dataset: sample-sheet", "dataset: sample sheet", "dataset", "letters, digits"),
    ("key: id", "key: id\nencoding: klingon", "encoding", "not a text encoding"),
])
def test_a_mapping_error_names_the_file_and_the_key_before_any_row(tmp_path, old, new, key, reason):
    mapping = edited_mapping(tmp_path, old, new)
    rows = mapped.read(SAMPLE, mapping=mapping)
    with pytest.raises(FileError) as caught:
        next(rows)
    error = caught.value.error
    assert error.file == str(mapping) and error.field == key and reason in error.reason, str(caught.value)


def test_a_mapping_that_is_not_yaml_or_not_there(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("dataset: [unclosed\n", encoding="utf-8")
    with pytest.raises(FileError, match="broken.yaml: is not valid YAML"):
        read_all(mapping=broken)
    with pytest.raises(FileError, match="cannot be read"):
        read_all(mapping=tmp_path / "absent.yaml")


def test_a_column_the_mapping_names_must_be_in_the_file(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text(SAMPLE.read_text(encoding="utf-8").replace(",hurt,", ",wounded,"), encoding="utf-8")
    with pytest.raises(FileError) as caught:
        read_all(path)
    assert caught.value.error.field == "hurt" and "mapped_sample.yaml" in caught.value.error.reason


# --- files ------------------------------------------------------------------


def test_text_in_another_encoding_is_a_file_error_unless_the_mapping_names_it(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(SAMPLE.read_text(encoding="utf-8").replace("Erbil", "Erbîl").encode("cp1252"))
    with pytest.raises(FileError, match="is not utf-8-sig text"):
        read_all(path)
    mapping = edited_mapping(tmp_path, "key: id\n", "key: id\nencoding: cp1252\n")
    assert by_key(path, mapping)["S1"]["location"] == "Erbîl"


def test_a_semicolon_separated_file_with_delimiter(tmp_path):
    path = tmp_path / "semicolons.csv"
    with SAMPLE.open(encoding="utf-8", newline="") as source, path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out, delimiter=";").writerows(csv.reader(source))
    mapping = edited_mapping(tmp_path, "key: id\n", "key: id\ndelimiter: ';'\n")
    assert by_key(path, mapping) == by_key()


def test_xlsx_reads_the_same_as_csv(tmp_path):
    workbook = as_workbook(SAMPLE, tmp_path / "sample.xlsx")
    from_sheet = read_all(workbook)
    assert [(r.row_key, r.row_number, r.values()) for r in from_sheet] == [
        (r.row_key, r.row_number, r.values()) for r in read_all()]
    assert from_sheet[0].raw["when"] == "2021-01-05" and from_sheet[0].raw["n"] == "3"  # JSON-ready text
    hashed = edited_mapping(tmp_path, "key: id\n", "")
    assert [r.row_key for r in read_all(workbook, hashed)] == [r.row_key for r in read_all(SAMPLE, hashed)]


def test_xlsx_sheet_by_name(tmp_path):
    workbook = as_workbook(SAMPLE, tmp_path / "sample.xlsx", sheet="Incidents")
    named = edited_mapping(tmp_path, "key: id\n", "key: id\nsheet: Incidents\n")
    assert by_key(workbook, named) == by_key()
    wrong = edited_mapping(tmp_path, "key: id\n", "key: id\nsheet: Attacks\n")
    with pytest.raises(FileError, match="no such sheet"):
        read_all(workbook, wrong)


# --- the documented example, end to end ---------------------------------------


def test_the_docs_example_sheet_imports_as_documented(sqlite_store):
    sheet, mapping = EXAMPLES / "incidents_sheet.csv", EXAMPLES / "sheet_mapping.yaml"
    first = import_reports(sqlite_store, sheet, "mapped", mapping=mapping)
    assert (first.added, first.rejected, first.out_of_scope) == (8, 0, 1)  # AS-008: small arms
    again = import_reports(sqlite_store, sheet, "mapped", mapping=mapping)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 8)
    with sqlite_store.session() as session:
        stored = {r.row_key: r for r in reports(session, "analyst-sheet-example")}
        assert stored["AS-001"].provenance[0].raw["Notes"] == "made-up example row"
    assert stored["AS-001"].munitions == [{"munition_type": "rocket", "count": 10}]
    assert stored["AS-003"].date == dt.date(2021, 3, 1) and stored["AS-003"].date_precision == "month"
    assert stored["AS-004"].actor_id == "kataib_hezbollah" and stored["AS-004"].attribution == "attributed_by_officials"
    assert stored["AS-005"].munitions[0]["munition_type"] == "uav"  # no weapon: from the summary
    assert stored["AS-006"].country == "SA" and stored["AS-007"].target_category == "us_diplomatic"


def test_editing_the_sheet_updates_its_reports_and_withdraws_removed_rows(sqlite_store, tmp_path):
    sheet, mapping = EXAMPLES / "incidents_sheet.csv", EXAMPLES / "sheet_mapping.yaml"
    import_reports(sqlite_store, sheet, "mapped", mapping=mapping)
    lines = sheet.read_text(encoding="utf-8").splitlines(keepends=True)
    edited = tmp_path / sheet.name
    edited.write_text("".join([lines[0], lines[1].replace(",10,0,0,", ",12,0,0,")] + lines[3:]), encoding="utf-8")
    summary = import_reports(sqlite_store, edited, "mapped", mapping=mapping)
    assert (summary.added, summary.updated, summary.unchanged, summary.withdrawn) == (0, 1, 6, 1)
    with sqlite_store.session() as session:
        withdrawn = [r.row_key for r in reports(session, "analyst-sheet-example") if r.withdrawn]
    assert withdrawn == ["AS-002"]


# --- the shared real file -----------------------------------------------------

MUNITION_WORDS = {  # the words the summaries use, counted here with the csv module and re alone
    "rocket": r"\b(?:rockets?|katyushas?)\b",
    "mortar": r"\bmortars?\b",
    "uav": r"\b(?:drones?|uavs?)\b",
}


def test_the_shared_derived_gtd_file_through_the_example_mapping():
    path = shared("gtd-iraq-2015-2017-derived") / "iraq_gtd_derived_2015-2017.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        raw = list(csv.DictReader(handle))
    read = read_all(path, EXAMPLES / "mapping.yaml")
    assert len(read) == len(raw) == 2006 and not any(isinstance(r, RowError) for r in read)
    assert {r.dataset for r in read} == {"gtd-iraq-derived"} and len({r.row_key for r in read}) == 2006
    years = Counter(r.date.year for r in read)
    assert years == Counter(int(r["year"]) for r in raw) == {2015: 646, 2016: 661, 2017: 699}
    named = {}
    for code, pattern in MUNITION_WORDS.items():
        named[code] = {i for i, r in enumerate(raw) if re.search(pattern, r["summary"], re.I)}
        reported = {i for i, r in enumerate(read) if code in {m["munition_type"] for m in r.values()["munitions"]}}
        assert reported == named[code], code
    assert {code: len(rows) for code, rows in named.items()} == {"rocket": 53, "mortar": 101, "uav": 15}
    # Rows whose summary names none of them keep the weapon type's munition.
    projectile_rows = set().union(*named.values())
    firearms = [i for i, r in enumerate(raw) if r["weapon_type"] == "Firearms" and i not in projectile_rows]
    assert all(read[i].values()["munitions"][0]["munition_type"] == "small_arms" for i in firearms)
    assert sum(r.killed for r in read) == sum(int(float(r["killed"])) for r in raw)
    assert Counter(r.actor_id for r in read)["islamic_state"] == 1994
