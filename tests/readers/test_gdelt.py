"""GDELT 2.0 events: both file variants, FIPS countries, CAMEO munitions; every report of low confidence."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from collections import Counter
from pathlib import Path

import pycountry
import pytest
import yaml

from salvo import codebook
from salvo.importing import import_reports
from salvo.readers import formats, gdelt
from salvo.readers.errors import FileError, RowError
from salvo.storage.reports import REPORT_FIELDS, reports
from tests.conftest import shared

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# 16 events of the shared GDELT sample (13-15 November 2020), converted to the official
# headerless, tab-separated 61-column export (leading zeros of the base and root codes restored).
OFFICIAL = FIXTURES / "gdelt_sample.tsv"
# 30 rows of the shared sample unchanged: renamed header, lost zeros, the mention's Confidence.
RENAMED = FIXTURES / "gdelt_renamed_sample.csv"
# Hamas firing at Israel, 14-15 November 2020: the only in-scope candidates of the fixtures.
HAMAS_ROCKETS = {"954731188", "954731189", "954731190", "954745611"}


def rows_by_id(path):
    return {r.row_key: r for r in gdelt.read(path)}


def tsv_lines():
    return OFFICIAL.read_text(encoding="utf-8").splitlines()


def write_tsv(path, rows):
    path.write_text("".join("\t".join(values) + "\n" for values in rows), encoding="utf-8")
    return path


def renamed_rows():
    with RENAMED.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


# --- the two variants ------------------------------------------------------------


def test_the_official_export_has_61_columns_in_the_codebook_order():
    assert len(gdelt.COLUMNS) == 61 and len(gdelt.COLUMNS_V1) == 58
    assert gdelt.COLUMNS[:2] == ("GLOBALEVENTID", "SQLDATE") and gdelt.COLUMNS[-2:] == ("DATEADDED", "SOURCEURL")
    assert gdelt.COLUMNS.index("EventCode") == 26 and gdelt.COLUMNS.index("ActionGeo_Type") == 51
    assert all(len(line.split("\t")) == 61 for line in tsv_lines())
    # The renamed sample calls the action's place "Mention_Type, ST_PR_CNTRY, Country, ...".
    assert gdelt.RENAMED["Country"] == "ActionGeo_CountryCode" and gdelt.RENAMED["Lat_Extra"] == "ActionGeo_Lat"


def test_both_variants_are_detected_and_other_files_are_not():
    assert gdelt.detect_file(OFFICIAL) and gdelt.detect_file(RENAMED)
    assert gdelt.detect(renamed_rows()[0])
    assert gdelt.detect(list(gdelt.COLUMNS))  # a BigQuery export names the columns officially
    for other in ("ucdp_ged_sample.csv", "gtd_sample.csv", "ukmto_sample.csv", "hfc_alerts_sample.json"):
        assert not gdelt.detect_file(FIXTURES / other)


def test_format_is_detected_through_the_registry():
    # Needs "gdelt": "gdelt" in salvo.readers.formats._MODULES.
    assert formats.detect(OFFICIAL) == "gdelt" and formats.detect(RENAMED) == "gdelt"


def test_every_row_is_one_event_and_the_raw_row_has_the_official_names():
    official, renamed = list(gdelt.read(OFFICIAL)), list(gdelt.read(RENAMED))
    assert len(official) == 16 and len(renamed) == 30
    assert not any(isinstance(r, RowError) for r in official + renamed)
    assert [r.row_number for r in official[:2]] == [1, 2] and renamed[0].row_number == 2  # after the header
    first = renamed[0]
    assert first.dataset == "gdelt" and first.row_key == "954680555"
    assert set(gdelt.COLUMNS) | {"Confidence"} == set(first.raw)
    assert first.raw["EventBaseCode"] == "46" and first.raw["ActionGeo_CountryCode"] == "AF"  # as read


def test_both_variants_read_an_event_alike():
    official, renamed = rows_by_id(OFFICIAL), rows_by_id(RENAMED)
    assert set(official) < set(renamed)
    for key, row in official.items():
        values = dict(renamed[key].values())
        evidence = dict(values.pop("evidence"))
        assert evidence.pop("mentions") and evidence.pop("mention_confidence")  # only the joined file has them
        assert {**values, "evidence": evidence} == row.values(), key


def test_fields_map_onto_the_report():
    values = rows_by_id(OFFICIAL)["954745611"].values()
    assert values["date"] == dt.date(2020, 11, 15) and values["date_precision"] == "day"
    assert values["country"] == "IL" and values["location"] == "Ben Gurion, HaMerkaz, Israel"
    assert (values["latitude"], values["longitude"]) == (32.0114, 34.8867)
    assert values["actor_name"] == "HAMAS" and values["actor_id"] == "hamas" and values["target"] == "ISRAEL"
    assert values["url"].startswith("https://www.debka.com/idf-crushes-hamas-posts")
    assert values["outlet"] == "debka.com"
    assert set(values) <= set(REPORT_FIELDS)
    evidence = values["evidence"]
    assert (evidence["cameo"], evidence["quad_class"], evidence["goldstein"]) == ("194", 4, -10.0)
    assert evidence["num_mentions"] == 7 and values["location_precision"] == "city"
    assert "location_precision" not in evidence


def test_fips_country_codes_become_iso():
    rows = rows_by_id(RENAMED)
    by_fips = Counter((r.raw["ActionGeo_CountryCode"], r.country) for r in rows.values())
    for fips, iso in [("IZ", "IQ"), ("YM", "YE"), ("IS", "IL"), ("LE", "LB"), ("KU", "KW"), ("BA", "BH"),
                      ("MU", "OM"), ("GZ", "PS"), ("WE", "PS"), ("SY", "SY"), ("AE", "AE"), ("GG", "GE")]:
        assert (fips, iso) in by_fips, fips
    assert gdelt.fips_to_iso("IS") == "IL" and gdelt.fips_to_iso("GM") == "DE" and gdelt.fips_to_iso("XX") is None


def test_the_fips_table_points_at_real_iso_codes():
    table = yaml.safe_load((Path(gdelt.__file__).parent / "mappings" / "fips.yaml").read_text(encoding="utf-8"))
    assert all(isinstance(k, str) and len(k) == 2 for k in table)  # "NO" (Norway) is not read as false
    assert all(pycountry.countries.get(alpha_2=iso) for iso in table.values())


def test_cameo_codes_give_munition_types_and_never_a_count():
    rows = rows_by_id(RENAMED)
    munitions = {key: [m["munition_type"] for m in r.values()["munitions"]] for key, r in rows.items()}
    assert munitions["954687724"] == ["small_arms"]  # 193 fight with small arms
    assert munitions["954703928"] == ["unknown"]  # 195 aerial weapons: "Saudis thwarted attack on oil facility"
    assert munitions["954709368"] == ["ied"]  # 183 bombing
    assert munitions["954680555"] == [] and munitions["954700005"] == []  # 046 consult; 186 assassinate
    assert all(m["count"] is None for r in rows.values() for m in r.values()["munitions"])
    assert gdelt.cameo("1952")["munition"] == "uav" and gdelt.cameo("1951")["projectile"]
    assert gdelt.cameo("0874") == {"label": "Yield", "munition": None, "projectile": False}


@pytest.mark.parametrize(("code", "root", "expected"), [
    ("046", "04", "046"), ("46", "4", "046"), ("0874", "8", "0874"), ("874", "8", "0874"), ("10", "1", "010"),
    ("1952", "19", "1952"), ("195", None, "195"), ("46", "", "046"), ("190", "4", None), ("x9", "19", None),
    ("2101", "21", None),
])
def test_cameo_codes_get_their_leading_zero_back(code, root, expected):
    assert gdelt.cameo_code(code, root) == expected


def test_every_report_is_of_low_confidence_and_the_linker_decides_candidates():
    rows = rows_by_id(RENAMED)
    for row in rows.values():
        evidence = row.evidence
        assert row.confidence == "low" and not {"confidence", "candidate"} & set(evidence)
        assert "never an incident" in evidence["note"]
    assert {key for key, r in rows.items() if r.in_scope} == HAMAS_ROCKETS
    assert rows["954731190"].evidence["mention_confidence"] == 80  # GDELT's own confidence


def test_action_geo_type_is_the_location_precision_field():
    rows = rows_by_id(RENAMED)
    expected = {key: gdelt.LOCATION_PRECISION.get(r.raw["ActionGeo_Type"].strip()) for key, r in rows.items()}
    assert {key: r.location_precision for key, r in rows.items()} == expected
    assert set(expected.values()) - {None} <= set(codebook.vocabulary("location_precision").codes)
    assert {"country", "city"} <= set(expected.values())


def test_half_a_point_is_no_point():
    row = rows_by_id(OFFICIAL)["954720653"]  # ActionGeo_Type 0, no latitude, longitude 42
    assert row.raw["ActionGeo_Long"] == "42.0"
    assert (row.latitude, row.longitude, row.location) == (None, None, None)


# --- mentions of one event ---------------------------------------------------------


def test_adjacent_mentions_of_one_event_make_one_report(tmp_path):
    rows = renamed_rows()
    url = rows[0].index("Source_URL")
    again = list(rows[2])
    again[url], again[-1] = "https://example.org/second-article", "90"
    path = write_csv(tmp_path / "mentions.csv", rows[:3] + [again] + rows[3:])
    read = list(gdelt.read(path))
    assert len(read) == 30 and not any(isinstance(r, RowError) for r in read)
    event = read[1]
    assert event.row_key == rows[2][0] and event.url == rows[2][url]
    mentions = event.evidence["mentions"]
    assert [m["url"] for m in mentions] == [rows[2][url], "https://example.org/second-article"]
    assert [m["row"] for m in mentions] == [3, 4]
    assert event.evidence["mention_confidence"] == 90


def test_a_repeated_event_further_down_is_rejected_naming_its_first_row(tmp_path):
    rows = renamed_rows()
    path = write_csv(tmp_path / "unsorted.csv", rows + [rows[1]])
    errors = [r for r in gdelt.read(path) if isinstance(r, RowError)]
    assert errors == [RowError(str(path), 32, "Global_Event_ID (GLOBALEVENTID)", rows[1][0],
                               "repeats the event of row 2: rows of one event must be adjacent "
                               "(sort the file by event id)")]


# --- bad input ---------------------------------------------------------------------


def test_bad_dates_and_coordinates_are_row_errors_naming_row_and_column(tmp_path):
    rows = [line.split("\t") for line in tsv_lines()]
    rows[1][gdelt.COLUMNS.index("SQLDATE")] = "20201131"
    rows[2][gdelt.COLUMNS.index("ActionGeo_Lat")] = "north"
    rows[3][gdelt.COLUMNS.index("ActionGeo_Long")] = "190.5"
    rows[4][gdelt.COLUMNS.index("EventCode")] = "abc"
    path = write_tsv(tmp_path / "20201113001500.export.CSV", rows)
    errors = [(e.row, e.field, e.value, e.reason) for e in gdelt.read(path) if isinstance(e, RowError)]
    assert errors == [
        (2, "SQLDATE", "20201131", "not a date (YYYYMMDD)"),
        (3, "ActionGeo_Lat", "north", "not a number"),
        (4, "ActionGeo_Long", "190.5", "not within -180..180"),
        (5, "EventCode", "abc", "not a CAMEO event code (3-4 digits)"),
    ]


def test_errors_in_the_renamed_variant_name_its_own_column(tmp_path):
    rows = renamed_rows()
    rows[1][rows[0].index("Day")] = "13/11/2020"
    path = write_csv(tmp_path / "renamed.csv", rows)
    error = next(r for r in gdelt.read(path) if isinstance(r, RowError))
    assert (error.row, error.field, error.value) == (2, "Day (SQLDATE)", "13/11/2020")
    assert "row 2, field 'Day (SQLDATE)'" in str(error)


def test_a_row_with_the_wrong_number_of_fields_is_a_file_error(tmp_path):
    rows = [line.split("\t") for line in tsv_lines()]
    rows[5] = rows[5][:-1]  # a truncated line
    path = write_tsv(tmp_path / "truncated.export.CSV", rows)
    with pytest.raises(FileError) as caught:
        list(gdelt.read(path))
    assert caught.value.error.row == 6 and "60 cells where GDELT 2.0 rows have 61" in caught.value.error.reason


def test_a_first_line_of_neither_61_nor_58_fields_is_a_file_error(tmp_path):
    path = write_tsv(tmp_path / "short.export.CSV", [line.split("\t")[:57] for line in tsv_lines()])
    assert not gdelt.detect_file(path)
    with pytest.raises(FileError, match="57 tab-separated fields"):
        list(gdelt.read(path))


def test_missing_columns_and_other_encodings_are_file_errors(tmp_path):
    rows = renamed_rows()
    day = rows[0].index("Day")
    path = write_csv(tmp_path / "no_day.csv", [r[:day] + r[day + 1:] for r in rows])
    with pytest.raises(FileError) as caught:
        list(gdelt.read(path))
    assert (caught.value.error.row, caught.value.error.field) == (1, "SQLDATE")
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(RENAMED.read_bytes().replace("á".encode(), "á".encode("latin-1")))  # "Diyalá" in Latin-1
    with pytest.raises(FileError, match="not UTF-8"):
        list(gdelt.read(latin))


# --- GDELT 1.0 and zipped exports -------------------------------------------------------


def test_gdelt_1_0_rows_of_58_fields_are_read(tmp_path):
    keep = [i for i, name in enumerate(gdelt.COLUMNS) if not name.endswith("_ADM2Code")]
    path = write_tsv(tmp_path / "20201113.export.CSV", [[line.split("\t")[i] for i in keep] for line in tsv_lines()])
    assert gdelt.detect_file(path)
    assert [r.values() for r in gdelt.read(path)] == [r.values() for r in gdelt.read(OFFICIAL)]


def test_a_zipped_export_is_read_as_downloaded(tmp_path):
    path = tmp_path / "20201113001500.export.CSV.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(OFFICIAL, "20201113001500.export.CSV")
    assert gdelt.detect_file(path)
    assert [r.values() for r in gdelt.read(path)] == [r.values() for r in gdelt.read(OFFICIAL)]


# --- import (needs "gdelt" registered in salvo.readers.formats) ---------------------------


def test_import_keeps_provenance_and_reimport_changes_nothing(sqlite_store):
    first = import_reports(sqlite_store, RENAMED, "gdelt")
    assert (first.added, first.rejected, first.withdrawn) == (30, 0, 0)
    assert first.out_of_scope == 30 - len(HAMAS_ROCKETS)
    again = import_reports(sqlite_store, RENAMED, "gdelt")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 30)
    official = import_reports(sqlite_store, OFFICIAL, "gdelt")  # the same events, from another file
    assert (official.added, official.updated, official.withdrawn) == (0, 16, 0)  # no mention evidence there
    with sqlite_store.session() as session:
        stored = {r.row_key: r for r in reports(session, "gdelt")}
        assert len(stored) == 30 and len(stored["954745611"].provenance) == 2  # one entry per file
        assert stored["954745611"].provenance[0].raw["ActionGeo_CountryCode"] == "IS"
        assert stored["954745611"].confidence == "low" and stored["954745611"].location_precision == "city"


# --- the shared sample, against its raw counts ---------------------------------------------


def test_the_shared_sample_matches_its_raw_counts():
    path = shared("gdelt-2020-11-sample") / "gdelt_events_mentions_2020-11-13_15_mideast.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        raw = list(csv.DictReader(handle))
    read = list(gdelt.read(path))
    assert not any(isinstance(r, RowError) for r in read)
    ids = [r["Global_Event_ID"] for r in raw]
    assert len(raw) == 1662 and len(set(ids)) == 1662  # one row per event: no mention repeats in this file
    assert [r.row_key for r in read] == ids
    assert Counter(r.evidence["cameo"][:2] for r in read) == Counter(
        r["Event_Root_Code"].zfill(2) for r in raw)
    assert Counter(r.evidence["cameo"] for r in read) == Counter(r["Event_Code"] for r in raw)
    attacks = {"190", "194", "195", "1951", "1952", "196"}
    assert sum(r.evidence["projectile"] for r in read) == sum(
        r["Event_Code"] in attacks for r in raw) == 112
    assert Counter(r.date for r in read) == Counter(
        dt.date(int(r["Day"][:4]), int(r["Day"][4:6]), int(r["Day"][6:])) for r in raw)
    assert sum(r.country == "IL" for r in read) == sum(r["Country"] == "IS" for r in raw)
    assert all(r.confidence == "low" and "candidate" not in r.evidence for r in read)
    assert all(m["count"] is None for r in read for m in r.values()["munitions"])
    # Of 112 possible projectile attacks, only Hamas firing at Israel falls within the tracker's scope.
    assert {r.row_key for r in read if r.in_scope} == HAMAS_ROCKETS
