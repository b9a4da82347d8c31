"""ACLED: the Data Export Tool's CSV and the API's JSON, each event a report keyed by event_id_cnty.

The fixtures are invented events in ACLED's layout (ACLED's terms forbid committing its data):
tests/fixtures/acled_sample.csv (14 events, CSV export: numeric inter codes, both date styles)
and tests/fixtures/acled_sample.json (9 events as a raw API response: every value a string,
inter codes as words; 8 of them repeat events of the CSV, ISR90015 is its own).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from salvo import codebook
from salvo.cli import app
from salvo.importing import import_reports
from salvo.model import ImportRun
from salvo.readers import acled, formats
from salvo.readers.errors import FileError
from salvo.storage.reports import reports
from tests.conftest import shared

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CSV = FIXTURES / "acled_sample.csv"
JSON = FIXTURES / "acled_sample.json"
MAPPING = Path(acled.__file__).parent / "mappings" / "acled.yaml"
# Attacks by Iran-linked groups, or on U.S. and partner targets, with a projectile.
IN_SCOPE = {"IRQ90001", "SYR90002", "IRQ90003", "YEM90004", "ISR90005", "IRQ90008", "SYR90009", "ISR90012",
            "IRQ90013"}
# An Israeli drone strike, a protest, an armed clash, U.S. and U.K. strikes in Yemen.
OUT_OF_SCOPE = {"LBN90006", "IRN90007", "SYR90011", "YEM90014"}


def read(path=CSV):
    """The reports a file gives, by event id, with munitions and evidence decoded."""
    found = {}
    for batch in acled.read(path):
        assert batch.errors == []
        for row in batch.frame.iter_rows(named=True):
            row["munitions"], row["evidence"] = json.loads(row["munitions"]), json.loads(row["evidence"])
            found[row["row_key"]] = row
    return found


def csv_rows():
    with CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_csv(path, rows, encoding="utf-8"):
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def response():
    return json.loads(JSON.read_text(encoding="utf-8"))


def stored(store):
    """The stored ACLED reports by event id, with their provenance loaded."""
    with store.session() as session:
        found = {r.row_key: r for r in reports(session, "acled")}
        for report in found.values():
            report.provenance  # noqa: B018 (load it while the session is open)
        session.expunge_all()
    return found


def nothing_stored(store):
    with store.session() as session:
        return reports(session) == [] and session.scalars(select(ImportRun)).all() == []


# --- format detection -----------------------------------------------------------


def test_the_export_is_detected_by_its_header_and_the_api_response_by_its_shape():
    assert formats.detect(CSV) == "acled"
    assert formats.detect(JSON) == "acled"
    for other in ("ucdp_ged_sample.csv", "gtd_sample.csv", "ukmto_sample.csv", "hfc_alerts_sample.json"):
        assert formats.detect(FIXTURES / other) != "acled", other


def test_the_header_check_needs_acleds_own_column_names():
    header = csv_rows()[0]
    assert acled.detect(header)
    assert not acled.detect([name for name in header if name != "event_id_cnty"])


# --- dates ----------------------------------------------------------------------


def test_iso_dates_and_the_older_exports_written_dates_are_both_read():
    reports_ = read()
    assert reports_["IRQ90001"]["date"] == dt.date(2024, 1, 4)  # "2024-01-04"
    assert reports_["SYR90002"]["date"] == dt.date(2024, 1, 8)  # "08 January 2024"
    assert reports_["ISR90012"]["date"] == dt.date(2024, 1, 30)  # "30 January 2024"
    assert {reports_[key]["date_precision"] for key in ("IRQ90001", "SYR90002", "ISR90012")} == {"day"}


def test_a_month_precise_event_is_dated_the_first_of_its_month_and_a_week_keeps_its_date():
    reports_ = read()
    assert (reports_["IRQ90008"]["date"], reports_["IRQ90008"]["date_precision"]) == (dt.date(2024, 1, 1), "month")
    assert (reports_["YEM90014"]["date"], reports_["YEM90014"]["date_precision"]) == (dt.date(2024, 1, 29), "week")


# --- munitions ------------------------------------------------------------------


def test_munitions_and_their_counts_come_from_the_notes():
    reports_ = read()
    # "fired 3 drones", "Eleven 107-mm rockets", "fired 1 anti-ship ballistic missile"
    assert reports_["IRQ90001"]["munitions"] == [{"munition_type": "uav", "count": 3}]
    assert reports_["SYR90002"]["munitions"] == [{"munition_type": "rocket", "count": 11}]
    assert reports_["YEM90004"]["munitions"] == [{"munition_type": "anti_ship_missile", "count": 1}]
    # "a barrage of rockets": rockets, how many unknown
    assert reports_["ISR90005"]["munitions"] == [{"munition_type": "rocket", "count": None}]
    # "4 ballistic missiles and several rockets", in the codebook's order
    assert reports_["IRQ90013"]["munitions"] == [{"munition_type": "rocket", "count": None},
                                                 {"munition_type": "ballistic_missile", "count": 4}]


def test_without_a_munition_in_the_notes_the_sub_event_type_decides():
    reports_ = read()
    # A shelling whose notes name no munition ("targeted ... claiming direct hits"): unknown, no count.
    assert reports_["ISR90012"]["munitions"] == [{"munition_type": "unknown", "count": None}]
    # A protest that mentions drones, and a clash that mentions mortar shells, fired nothing themselves.
    assert reports_["IRN90007"]["munitions"] == []
    assert reports_["SYR90011"]["munitions"] == []


# --- actors and targets ---------------------------------------------------------


def test_actors_resolve_through_the_codebook_and_the_readers_own_table():
    reports_ = read()
    resolved = {key: reports_[key]["actor_id"] for key in
                ("IRQ90001", "ISR90005", "IRQ90013", "LBN90006", "YEM90014", "YEM90004", "IRQ90003", "SYR90011")}
    assert resolved == {
        "IRQ90001": "islamic_resistance_in_iraq",  # an alias of the codebook
        "ISR90005": "hezbollah",
        "IRQ90013": "kataib_hezbollah",
        "LBN90006": "idf",  # "Military Forces of Israel (2022-)": the period is dropped
        "YEM90014": "us_military",
        "YEM90004": "yemeni_armed_forces_houthi",  # acled.yaml's table: "Military Forces of Yemen (2017-) Houthi"
        "IRQ90003": "unidentified_armed_group",  # the table: "Unidentified Armed Group (Iraq)"
        "SYR90011": "islamic_state",  # the table: "Islamic State (Syria)"
    }
    assert reports_["YEM90004"]["actor_name"] == "Military Forces of Yemen (2017-) Houthi"  # as ACLED writes it


def test_a_crowd_is_not_the_state_of_its_country():
    # "Protesters (Iran)" are people in Iran, not the Iranian state: the name stays unresolved.
    protest = read()["IRN90007"]
    assert (protest["actor_name"], protest["actor_id"]) == ("Protesters (Iran)", None)


def test_an_actor_the_codebook_lacks_is_kept_verbatim_and_listed_in_the_summary(sqlite_store):
    summary = import_reports(sqlite_store, CSV, "acled")
    report = stored(sqlite_store)["SYR90009"]
    assert (report.actor_name, report.actor_id) == ("Saraya Thar al-Muhandis", None)
    assert summary.unresolved_actors["Saraya Thar al-Muhandis"] == 1
    assert "Hezbollah" not in summary.unresolved_actors


def test_the_target_category_comes_from_the_second_actor_or_else_the_notes():
    reports_ = read()
    by_actor2 = {key: (reports_[key]["target"], reports_[key]["target_category"])
                 for key in ("IRQ90001", "IRQ90003", "ISR90005", "IRQ90013")}
    assert by_actor2 == {
        "IRQ90001": ("Military Forces of the United States (2021-)", "us_military"),
        "IRQ90003": ("Government of the United States (2021-)", "us_diplomatic"),
        "ISR90005": ("Military Forces of Israel (2022-)", "partner_military"),
        "IRQ90013": ("Operation Inherent Resolve", "us_military"),
    }
    # No second actor: "at a commercial container ship", "targeted US forces at Erbil airport".
    assert (reports_["YEM90004"]["target"], reports_["YEM90004"]["target_category"]) == (None, "commercial_shipping")
    assert (reports_["IRQ90008"]["target"], reports_["IRQ90008"]["target_category"]) == (None, "us_military")
    # A state's own strike: its notes are not read for a target, and "Hezbollah" is no target category.
    assert (reports_["LBN90006"]["target"], reports_["LBN90006"]["target_category"]) == ("Hezbollah", None)


def test_an_interception_is_the_attack_of_the_second_actor():
    # "Disrupted weapons use": ACLED codes the interceptor as actor1 and the side whose weapons were
    # stopped as actor2 (in the real January 2024 file: Israel vs Hamas and Hezbollah, the U.S. vs the
    # Houthis). "a US Navy destroyer shot down 4 drones launched by Houthi forces" is 4 Houthi drones.
    interception = read()["YEM90010"]
    assert interception["munitions"] == [{"munition_type": "uav", "count": 4, "intercepted": 4}]
    assert interception["target"] == "Military Forces of the United States (2021-)"
    assert interception["evidence"]["interception"] is True
    assert interception["actor_name"] == "Military Forces of Yemen (2017-) Houthi"
    assert interception["actor_id"] == "yemeni_armed_forces_houthi"
    assert interception["in_scope"]


def test_scope():
    reports_ = read()
    assert {key for key in IN_SCOPE if reports_[key]["in_scope"]} == IN_SCOPE
    assert {key for key in OUT_OF_SCOPE if not reports_[key]["in_scope"]} == OUT_OF_SCOPE


# --- sources and evidence -------------------------------------------------------


def test_sources_are_split_at_semicolons_and_the_first_is_the_outlet():
    embassy = read()["IRQ90003"]
    assert embassy["evidence"]["sources"] == ["Al Sumaria", "Shafaq News", "Twitter"]
    assert embassy["outlet"] == "Al Sumaria"
    assert embassy["evidence"]["source_scale"] == "National-New media"
    assert embassy["evidence"]["sub_event_type"] == "Shelling/artillery/missile attack"


def test_coordinates_are_acleds_and_the_gazetteer_place_is_kept_beside_them():
    reports_ = read()
    omar = reports_["SYR90002"]
    assert (omar["latitude"], omar["longitude"], omar["country"]) == (34.9978, 40.5547, "SY")
    assert omar["location_precision"] == "region"  # geo_precision 2
    assert omar["place_id"] == "al_omar_oil_field"
    at_sea = reports_["YEM90004"]
    assert (at_sea["location"], at_sea["country"], at_sea["location_precision"]) == (
        "Gulf of Aden", "YE", "region")  # geo_precision 3
    assert reports_["IRQ90001"]["location_precision"] == "city"  # geo_precision 1
    assert not {"location_precision", "place"} & set(omar["evidence"])  # fields now, not evidence
    assert (reports_["LBN90006"]["killed"], reports_["SYR90011"]["killed"]) == (2, 3)
    assert reports_["IRQ90001"]["text"].startswith("On 4 January 2024, the Islamic Resistance in Iraq fired 3 drones")


def test_location_precision_place_and_confidence_are_frame_columns_stored_as_columns(sqlite_store):
    precision = Counter()
    for batch in acled.read(CSV):
        assert {"location_precision", "place_id", "confidence"} <= set(batch.frame.columns)
        precision.update(batch.frame["location_precision"].to_list())
    assert set(precision) <= set(codebook.vocabulary("location_precision").codes)
    assert sum(precision.values()) == 14 and precision["region"] and precision["city"]
    import_reports(sqlite_store, CSV, "acled")
    reports_ = stored(sqlite_store)
    assert (reports_["SYR90002"].location_precision, reports_["SYR90002"].place_id) == ("region", "al_omar_oil_field")
    assert Counter(r.location_precision for r in reports_.values()) == precision


# --- importing ------------------------------------------------------------------


def test_import_keeps_the_raw_row_and_importing_again_changes_nothing(store):
    first = import_reports(store, CSV, "acled")
    assert (first.rows, first.added, first.rejected, first.withdrawn) == (14, 14, 0, 0)
    again = import_reports(store, CSV, "acled")
    assert (again.added, again.updated, again.unchanged, again.withdrawn) == (0, 0, 14, 0)
    reports_ = stored(store)
    assert len(reports_) == 14
    (entry,) = reports_["SYR90002"].provenance  # one entry per file, refreshed
    with CSV.open(encoding="utf-8", newline="") as handle:
        as_written = next(row for row in csv.DictReader(handle) if row["event_id_cnty"] == "SYR90002")
    assert entry.raw == as_written and entry.raw["event_date"] == "08 January 2024"
    assert (entry.source_file, entry.row_number) == (str(CSV), 3)


def test_a_newer_release_updates_changed_events_and_withdraws_vanished_ones(store, tmp_path):
    import_reports(store, CSV, "acled")
    rows = csv_rows()
    header = rows[0]
    release = [row for row in rows if row[0] != "IRQ90003"]  # the embassy attack vanished
    revised = next(row for row in release if row[0] == "ISR90005")
    revised[header.index("fatalities")] = "1"  # and the Kiryat Shmona barrage was revised
    summary = import_reports(store, write_csv(tmp_path / CSV.name, release), "acled")
    assert (summary.added, summary.updated, summary.unchanged, summary.withdrawn) == (0, 1, 12, 1)
    reports_ = stored(store)
    assert [key for key, report in reports_.items() if report.withdrawn] == ["IRQ90003"]
    assert reports_["ISR90005"].killed == 1
    assert reports_["IRQ90003"].provenance[0].raw["event_id_cnty"] == "IRQ90003"  # kept, with its provenance


def test_the_csv_and_the_json_of_the_same_events_give_the_same_reports(store):
    import_reports(store, CSV, "acled")
    summary = import_reports(store, JSON, "acled")
    # The 8 events both files hold are the same reports; the JSON's own event is added.
    assert (summary.rows, summary.added, summary.updated, summary.unchanged, summary.withdrawn) == (9, 1, 0, 8, 0)
    reports_ = stored(store)
    both = reports_["SYR90002"].provenance
    assert sorted(Path(p.source_file).name for p in both) == ["acled_sample.csv", "acled_sample.json"]
    raw = {Path(p.source_file).suffix: p.raw for p in both}
    assert (raw[".csv"]["inter1"], raw[".json"]["inter1"]) == ("3", "Political militia")
    assert (raw[".csv"]["event_date"], raw[".json"]["event_date"]) == ("08 January 2024", "2024-01-08")


def test_the_api_response_reads_like_the_export():
    from_csv, from_json = read(CSV), read(JSON)
    assert set(from_json) - set(from_csv) == {"ISR90015"}
    for key in set(from_json) & set(from_csv):
        differing = {name for name in from_csv[key]
                     if name not in ("raw", "row_number") and from_csv[key][name] != from_json[key][name]}
        assert differing == set(), key
    # "launched 2 explosive drones ... The Israeli military said one drone was intercepted."
    assert read(JSON)["ISR90015"]["munitions"] == [{"munition_type": "uav", "count": 2, "intercepted": 1}]
    assert read(JSON)["SYR90002"]["row_number"] == 2  # the event's place in the data array


def test_reading_a_block_at_a_time_gives_the_same_reports(monkeypatch):
    whole = read(CSV), read(JSON)
    monkeypatch.setattr(acled, "BATCH_ROWS", 4)
    assert [batch.frame.height for batch in acled.read(CSV)] == [4, 4, 4, 2]
    assert [batch.frame.height for batch in acled.read(JSON)] == [4, 4, 1]
    assert (read(CSV), read(JSON)) == whole


def test_the_command_detects_the_format_and_summarises_as_json(sqlite_store):
    result = CliRunner().invoke(app, ["import", str(CSV), "--db", sqlite_store.url, "--summary", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["format"] == "acled"
    assert (summary["added"], summary["rejected"]) == (14, 0)
    reports_ = stored(sqlite_store)
    assert summary["out_of_scope"] == sum(not report.in_scope for report in reports_.values())
    assert OUT_OF_SCOPE <= {key for key, report in reports_.items() if not report.in_scope}


# --- files that cannot be read --------------------------------------------------


def test_a_response_whose_count_disagrees_with_its_data_stores_nothing(store, tmp_path):
    wrong = response()
    wrong["count"] = len(wrong["data"]) + 1
    path = tmp_path / "acled_wrong_count.json"
    path.write_text(json.dumps(wrong), encoding="utf-8")
    with pytest.raises(FileError, match="count") as caught:
        import_reports(store, path, "acled")
    assert caught.value.error.file == str(path) and caught.value.error.field == "count"
    assert nothing_stored(store)


@pytest.mark.parametrize("cut", ["inside the data array", "after the data array"])
def test_a_truncated_response_is_a_file_error_naming_the_file(sqlite_store, tmp_path, cut):
    data = JSON.read_bytes()
    end = data.index(b'],"filename"')
    path = tmp_path / "acled_truncated.json"
    path.write_bytes(data[:end // 2] if cut == "inside the data array" else data[:end + 20])
    with pytest.raises(FileError) as caught:
        import_reports(sqlite_store, path, "acled")
    assert caught.value.error.file == str(path) and str(path) in str(caught.value)
    assert nothing_stored(sqlite_store)


def test_a_csv_that_is_not_utf8_is_a_file_error(sqlite_store, tmp_path):
    rows = csv_rows()
    rows[12][rows[0].index("source")] = "Al Manar; Télé Liban"
    path = write_csv(tmp_path / "acled_latin1.csv", rows, encoding="latin-1")
    with pytest.raises(FileError, match="UTF-8") as caught:
        import_reports(sqlite_store, path, "acled")
    assert caught.value.error.file == str(path)
    assert nothing_stored(sqlite_store)


def _without_geo_precision(tmp_path, suffix):
    if suffix == ".csv":
        rows = csv_rows()
        drop = rows[0].index("geo_precision")
        return write_csv(tmp_path / "acled_no_geo.csv", [row[:drop] + row[drop + 1:] for row in rows])
    data = response()
    for event in data["data"]:
        del event["geo_precision"]
    path = tmp_path / "acled_no_geo.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_a_missing_column_is_a_file_error_naming_it_and_the_file(sqlite_store, tmp_path, suffix):
    path = _without_geo_precision(tmp_path, suffix)
    with pytest.raises(FileError, match="geo_precision") as caught:
        import_reports(sqlite_store, path, "acled")
    assert caught.value.error.field == "geo_precision"
    assert caught.value.error.file == str(path)
    assert nothing_stored(sqlite_store)


def test_an_unreadable_date_or_coordinate_rejects_that_row_only(sqlite_store, tmp_path):
    rows = csv_rows()
    header = rows[0]
    rows[3][header.index("event_date")] = "2024-13-45"  # IRQ90003, row 4 of the file
    rows[5][header.index("latitude")] = "33,2073"  # ISR90005, row 6: a decimal comma
    path = write_csv(tmp_path / "acled_bad_rows.csv", rows)
    summary = import_reports(sqlite_store, path, "acled")
    assert [(e.row, e.field, e.value) for e in summary.errors] == [
        (4, "event_date", "2024-13-45"), (6, "latitude", "33,2073")]
    assert all(e.file == str(path) for e in summary.errors)
    assert (summary.rows, summary.rejected, summary.added) == (14, 2, 12)
    assert set(stored(sqlite_store)) == {row[0] for row in rows[1:]} - {"IRQ90003", "ISR90005"}


def test_an_unreadable_item_of_the_response_is_numbered_by_its_place_in_the_array(sqlite_store, tmp_path):
    data = response()
    data["data"][2]["longitude"] = "47.113E"
    path = tmp_path / "acled_bad_item.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    summary = import_reports(sqlite_store, path, "acled")
    assert [(e.row, e.field, e.value) for e in summary.errors] == [(3, "longitude", "47.113E")]
    assert (summary.rejected, summary.added) == (1, 8)


# --- the real file (../shared/data, not committed) --------------------------------


def real_response():
    return shared("acled-mena-2024-01") / "acled_api_mena_2024-01-01_to_2024-01-30.json"


def test_the_shared_january_2024_response_matches_its_raw_counts(sqlite_store):
    path = real_response()
    raw = json.loads(path.read_text(encoding="utf-8"))
    events = raw["data"]
    summary = import_reports(sqlite_store, path, "acled")
    assert summary.rows == int(raw["count"]) == len(events) == 4046
    assert (summary.added, summary.rejected) == (4046, 0)
    rows = [report.provenance[0].raw for report in stored(sqlite_store).values()]
    assert Counter(row["country"] for row in rows) == Counter(event["country"] for event in events)
    assert Counter(row["event_type"] for row in rows) == Counter(event["event_type"] for event in events)


def test_hezbollah_fire_into_israel_is_in_scope_event_for_event(sqlite_store):
    path = real_response()
    events = json.loads(path.read_text(encoding="utf-8"))["data"]
    attacks = set(yaml.safe_load(MAPPING.read_text(encoding="utf-8"))["notes_name_munitions"])
    interceptions = set(yaml.safe_load(MAPPING.read_text(encoding="utf-8"))["interceptions"])
    fired = sum(1 for e in events if e["country"] == "Israel" and e["actor1"] == "Hezbollah"
                and e["event_type"] == "Explosions/Remote violence" and e["sub_event_type"] in attacks)
    # Hezbollah fire that Israel stopped: ACLED's actor2, read as the attacker (with a munition named).
    stopped = sum(1 for e in events if e["country"] == "Israel" and e["actor2"] == "Hezbollah"
                  and e["sub_event_type"] in interceptions
                  and re.search(r"drone|rocket|missile|uav|projectile", e["notes"], re.I))
    expected = fired + stopped
    import_reports(sqlite_store, path, "acled")
    in_scope = [r for r in stored(sqlite_store).values()
                if r.in_scope and r.actor_id == "hezbollah" and r.country == "IL"]
    assert (fired, stopped) == (80, 6) and len(in_scope) == expected


def real_reports():
    """The reports the real January 2024 response gives, by event id, with munitions and evidence decoded."""
    return read(real_response())


def test_an_interception_counts_as_intercepted_only_what_its_notes_say_was():
    reports_ = real_reports()
    # "fired at least ten rockets ... Three rockets were intercepted ..., while about seven rockets fell in the town"
    assert reports_["ISR38775"]["munitions"] == [{"munition_type": "rocket", "count": 10, "intercepted": 3}]
    # "fired about 20 rockets ... as most of rockets fell in open areas, while the rest were intercepted": no figure
    assert reports_["ISR38859"]["munitions"] == [{"munition_type": "rocket", "count": 20}]
    # "a barrage of about 27 rockets ... The iron dome intercepted 18 rockets"
    assert reports_["ISR38427"]["munitions"][0]["intercepted"] == 18
    # "shot down 11 one-way attack drones, 2 anti-ship cruise missiles, and 1 anti-ship ballistic missile"
    assert reports_["YEM84566"]["munitions"] == [
        {"munition_type": "uav", "count": 11, "intercepted": 11},
        {"munition_type": "cruise_missile", "count": 2, "intercepted": 2},
        {"munition_type": "anti_ship_missile", "count": 1, "intercepted": 1}]
    # "fired a rocket ... as the rocket was intercepted by the iron dome"
    assert reports_["ISR38970"]["munitions"] == [{"munition_type": "rocket", "count": 1, "intercepted": 1}]


NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "the": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}


def test_every_intercepted_figure_is_a_number_the_notes_put_on_an_interception():
    interceptions = [r for r in real_reports().values() if r["evidence"]["interception"] and r["munitions"]]
    stated = 0
    for report in interceptions:
        # Independently: the numbers written in the sentences that say something was intercepted or shot down.
        sentences = [s for s in re.split(r"(?<=\.) ", report["text"]) if re.search(r"(?i)intercept|shot down", s)]
        numbers = {int(w) if w.isdigit() else NUMBER_WORDS[w.lower()] for s in sentences
                   for w in re.findall(rf"(?i)\b(\d+|{'|'.join(NUMBER_WORDS)})\b", s)}
        figures = [line["intercepted"] for line in report["munitions"] if "intercepted" in line]
        assert set(figures) <= numbers, report["row_key"]
        stated += bool(figures)
    # Most interception notes put a number on what was stopped; the others give none, and neither do their lines.
    assert (stated, len(interceptions)) == (39, 80)


def test_an_attack_on_a_merchant_ship_is_commercial_shipping_whatever_the_second_actor_says():
    path = real_response()
    events = json.loads(path.read_text(encoding="utf-8"))["data"]
    reports_ = real_reports()
    # Independently: Houthi attacks whose notes name a ship by its IMO number.
    on_ships = {e["event_id_cnty"]: e["actor2"] for e in events
                if e["actor1"].endswith("Houthi") and re.search(r"IMO:? ?\d{7}", e["notes"])
                and e["sub_event_type"] in ("Shelling/artillery/missile attack", "Air/drone strike")}
    coded_civilian = {key for key, actor2 in on_ships.items() if actor2 == "Civilians (International)"}
    assert coded_civilian == {"YEM84981", "YEM84764", "YEM84740", "YEM84731"}
    assert len(on_ships) - len(coded_civilian) == 9  # coded with no second actor
    assert {reports_[key]["target_category"] for key in on_ships} == {"commercial_shipping"}
    assert reports_["YEM84981"]["target"] == "Civilians (International)"  # ACLED's words stay the target
    # A Houthi missile at a U.S. warship stays an attack on the U.S. military; civilians ashore stay civilians.
    assert reports_["YEM85043"]["target_category"] == "us_military"
    assert reports_["PSE44968"]["target_category"] == "civilian"  # "struck the Al Hasan commercial building"
