"""GTD: each row a report keyed by eventid; `sep=;` CSV, comma CSV and XLSX; related rows grouped."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest

from salvo import codebook
from salvo.importing import import_reports
from salvo.readers import formats, gtd
from salvo.readers.errors import FileError, RowError
from salvo.records import ReportRecord
from salvo.storage.reports import reports
from tests.conftest import shared

# 15 GTD rows (adatforras == "GTD") of the global drone terrorism database (CC BY 4.0), unchanged.
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "gtd_sample.csv"
DRONE_DB = "Acled_GTD_Drone_Database_20260509.csv"


def rows_by_id():
    return {r.row_key: r for r in gtd.read(FIXTURE)}


def raw_rows(path: Path) -> list[dict[str, str]]:
    """A file's rows with the csv module alone (skipping an Excel `sep=` line)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        if first.startswith("sep="):
            return list(csv.DictReader(handle, delimiter=first.strip()[4]))
        handle.seek(0)
        return list(csv.DictReader(handle))


def test_format_is_detected_from_the_header_after_sep_line():
    assert formats.detect(FIXTURE) == "gtd"
    assert gtd.detect(formats.header(FIXTURE))
    assert gtd.detect(["eventid", "iyear", "imonth", "iday", "country_txt", "gname"])
    assert not gtd.detect(["id", "date_start", "date_prec", "where_prec", "side_a", "best"])


def test_every_row_is_read_with_eventid_as_key():
    read = list(gtd.read(FIXTURE))
    assert len(read) == 15 and not any(isinstance(r, RowError) for r in read)
    assert {r.row_key for r in read} == {r["eventid"] for r in raw_rows(FIXTURE)}
    assert read[0].row_number == 3  # line 1 is `sep=;`, line 2 the header


def test_drones_with_a_stated_count_against_us_forces():
    asad = rows_by_id()["202106060016"].values()  # Al-Asad Airbase, 2021-06-06
    assert asad["munitions"] == [{"munition_type": "uav", "count": 2}]
    assert asad["target_category"] == "us_military" and asad["actor_id"] == "iran_backed_militias"
    assert asad["attribution"] == "attributed_by_officials" and asad["in_scope"]
    assert asad["country"] == "IQ" and asad["latitude"] and asad["evidence"]["sources"]


def test_hedged_or_confusable_numbers_give_no_count():
    rows = rows_by_id()
    # "Between three and five ... drones"; "Four Samad-3 and Qasef-2K ... drones" (the 3 is a model number)
    assert rows["202102270016"].values()["munitions"] == [{"munition_type": "uav", "count": None}]
    assert rows["202102100009"].values()["munitions"] == [{"munition_type": "uav", "count": None}]


def test_weapon_and_target_mapping():
    rows = rows_by_id()
    assert rows["202106060017"].target_category == "us_diplomatic"  # Baghdad Diplomatic Support Center
    assert rows["202106060017"].values()["munitions"] == [{"munition_type": "rocket", "count": None}]
    assert rows["202104140003"].values()["munitions"][0]["munition_type"] == "uav"  # Dynamite/TNT carried by a drone
    boat = rows["202104270002"].values()  # explosives-laden boat at Yanbu port
    assert boat["target_category"] == "commercial_shipping" and boat["munitions"][0]["munition_type"] == "unknown"
    assert rows["202102140020"].target_category == "civilian"
    assert rows["201202240001"].values()["munitions"] == [{"munition_type": "ied", "count": None}]  # suicide bombers
    assert not rows["201202240001"].in_scope  # Pakistan, not a projectile


def test_attribution_actor_and_casualties():
    rows = rows_by_id()
    assert rows["202102140020"].attribution == "claimed"
    assert rows["202101220008"].attribution == "suspected"
    unknown = rows["202106060017"].values()
    assert unknown["actor_name"] is None and unknown["attribution"] == "unknown"
    assert rows["201912060021"].killed == 24 and rows["201912060021"].injured is None  # N/A
    assert rows["201202240001"].outlet == "The New York Times Abstracts"


def test_date_precision_from_zero_day_or_month(tmp_path):
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    header = lines[1].split(";")
    day, month = header.index("day"), header.index("month")
    edited = lines[:2]
    for number, line in enumerate(lines[2:4]):
        cells = line.split(";")
        cells[day] = "0"
        if number:
            cells[month] = "0"
        edited.append(";".join(cells))
    path = tmp_path / "gtd.csv"
    path.write_text("\n".join(edited) + "\n", encoding="utf-8")
    first, second = list(gtd.read(path))
    assert (first.date_precision, str(first.date)) == ("month", "2012-02-01")
    assert (second.date_precision, str(second.date)) == ("year", "2014-01-01")


def test_bad_rows_are_errors_and_a_missing_column_fails_the_file(tmp_path):
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "gtd.csv"
    bad.write_text("\n".join([*lines[:2], "x" + lines[2], lines[3].replace(";2014;9;27;", ";2014;9;31;")]) + "\n",
                   encoding="utf-8")
    errors = list(gtd.read(bad))
    assert [(e.field, e.row) for e in errors] == [("eventid", 3), ("day", 4)]
    assert all(isinstance(e, RowError) for e in errors)
    header_only = tmp_path / "no_gname.csv"
    header_only.write_text("eventid,iyear,imonth,iday,country_txt\n1,2021,1,1,Iraq\n", encoding="utf-8")
    with pytest.raises(FileError, match="gname"):
        list(gtd.read(header_only))


def test_import_keeps_provenance_and_reimport_changes_nothing(sqlite_store):
    first = import_reports(sqlite_store, FIXTURE, "gtd")
    assert (first.added, first.rejected, first.withdrawn) == (15, 0, 0)
    again = import_reports(sqlite_store, FIXTURE, "gtd")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 15)
    with sqlite_store.session() as session:
        stored = {r.row_key: r for r in reports(session, "gtd")}
        assert len(stored["202106060016"].provenance) == 1  # the same file read twice: one entry
        assert stored["202106060016"].provenance[0].raw["weapsubtype1_txt"] == "Remote Trigger"


def test_incident_groups_merge_overlapping_related_lists():
    def row(key, related):
        return ReportRecord("gtd", key, evidence={"related": related})

    rows = [row("5", ["5", "7"]), row("7", ["7", "9"]), row("9", ["9"]), row("11", ["11"])]
    assert gtd.incident_groups(rows) == {"5": ["5", "7", "9"], "11": ["11"]}


def test_specificity_is_the_location_precision_field_and_a_stored_column(sqlite_store):
    specificity = {r["eventid"]: r["specificity"] for r in raw_rows(FIXTURE)}
    table = {"1": "city", "2": "region", "3": "region", "4": "region", "5": "unknown"}
    rows = rows_by_id()
    assert {key: row.location_precision for key, row in rows.items()} == {
        key: table[code] for key, code in specificity.items()}
    assert {row.location_precision for row in rows.values()} <= set(codebook.vocabulary("location_precision").codes)
    assert all("location_precision" not in row.evidence for row in rows.values())
    import_reports(sqlite_store, FIXTURE, "gtd")
    with sqlite_store.session() as session:
        stored = {r.row_key: r.location_precision for r in reports(session, "gtd")}
    assert stored == {key: row.location_precision for key, row in rows.items()}


# --- the real files in ../shared/data (not committable) ---------------------------------------


def gtd_2021() -> Path:
    return shared("gtd-2021h1-mideast")


def test_csv_and_xlsx_of_2021_give_the_same_reports():
    folder = gtd_2021()
    from_csv = [r for r in gtd.read(folder / "gtd_2021H1_mideast.csv")]
    from_xlsx = [r for r in gtd.read(folder / "gtd_2021H1_mideast.xlsx")]
    assert len(from_csv) == len(raw_rows(folder / "gtd_2021H1_mideast.csv")) == 1223
    assert not any(isinstance(r, RowError) for r in from_csv + from_xlsx)
    assert {r.row_key: r.values() for r in from_xlsx} == {r.row_key: r.values() for r in from_csv}
    assert formats.detect(folder / "gtd_2021H1_mideast.xlsx") == "gtd"


def test_a_multi_row_incident_counts_once():
    path = gtd_2021() / "gtd_2021H1_mideast.csv"
    raw = raw_rows(path)
    # Independently: an event's incident is the smallest eventid of itself and its `related` list.
    smallest = {r["eventid"]: min([int(r["eventid"])] + [int(x) for x in re.findall(r"\d+", r["related"])])
                for r in raw}
    groups = gtd.incident_groups(r for r in gtd.read(path) if not isinstance(r, RowError))
    assert sum(len(v) for v in groups.values()) == len(raw)
    assert len(groups) == len(set(smallest.values())) < len(raw)
    nine = groups["202105190026"]  # one attack, nine rows
    assert len(nine) == 9 and all(smallest[k] == 202105190026 for k in nine)


def test_drone_db_and_2021_file_share_events_without_double_counting(sqlite_store):
    drone = shared("drone-terrorism-db") / DRONE_DB
    path_2021 = gtd_2021() / "gtd_2021H1_mideast.csv"
    gtd_rows = [r for r in raw_rows(drone) if r["adatforras"] == "GTD"]
    raw_2021 = raw_rows(path_2021)
    both = {r["eventid"] for r in gtd_rows} & {r["eventid"] for r in raw_2021}
    first = import_reports(sqlite_store, drone, "gtd")
    # The table's ACLED rows become ACLED reports, keyed by ACLED's own event id.
    assert first.added == 1524 and first.rejected == 0 and len(gtd_rows) == 491
    second = import_reports(sqlite_store, path_2021, "gtd")
    assert second.added == len(raw_2021) - len(both)
    with sqlite_store.session() as session:
        assert len(reports(session, "acled")) == 1524 - 491
        stored = reports(session, "gtd")
        twice = {r.row_key for r in stored if len(r.provenance) == 2}
    assert len(stored) == 491 + 1223 - len(both)
    assert twice == both and len(both) == 130  # 143 GTD rows of 2021 in the drone DB; 13 are outside the Middle East


def test_per_year_counts_by_munition_match_an_independent_count(sqlite_store):
    drone = shared("drone-terrorism-db") / DRONE_DB
    import_reports(sqlite_store, drone, "gtd")
    with sqlite_store.session() as session:
        mapped = Counter((r.date.year, m["munition_type"]) for r in reports(session, "gtd") for m in r.munitions)
    # Independently, for the projectile types: explosives (the first weapon GTD codes) whose weapon detail
    # (or, without one, the summary) names the munition; an IED-type explosive only when a drone carried it.
    fired = {"Projectile (rockets, mortars, RPGs, etc.)", "Unknown Explosive Type", "Other Explosive Type", "Explosive"}
    independent = Counter()
    kinds = [("uav", r"\bdrones?\b|\buavs?\b"), ("ballistic_missile", r"ballistic missiles?"),
             ("rocket", r"\brockets?\b|katyusha"), ("mortar", r"\bmortars?\b")]
    for row in raw_rows(drone):
        if row["adatforras"] != "GTD" or row["weaptype1_txt"] != "Explosives":
            continue
        if row["weapsubtype1_txt"].startswith("Suicide"):
            continue
        text = row["weapdetail"] if row["weapdetail"] not in ("", "N/A") else row["summary"]
        if re.search(r"\bboats?\b", text, re.I):
            continue
        named = [kind for kind, pattern in kinds if re.search(pattern, text, re.I)]
        if row["weapsubtype1_txt"] not in fired:
            named = [kind for kind in named if kind == "uav"]
        for kind in named:
            independent[(int(row["year"]), kind)] += 1
    projectile = {key: n for key, n in mapped.items() if key[1] in ("uav", "ballistic_missile", "rocket", "mortar")}
    projectile[(2017, "uav")] -= 1  # "Three drones containing explosives ... and toxic gases": weaptype1 Chemical
    projectile[(2013, "uav")] -= 1  # weapon type Unknown, no detail; the summary names a drone
    assert projectile == dict(independent)


def test_acled_rows_of_a_gtd_shaped_table_are_acled_reports():
    drone = shared("drone-terrorism-db") / DRONE_DB
    raw = {r["eventid"]: r for r in raw_rows(drone) if r["adatforras"] == "ACLED"}
    read = {r.row_key: r for r in gtd.read(drone) if not isinstance(r, RowError) and r.dataset == "acled"}
    assert read.keys() == raw.keys() and len(read) == 1033
    # Independently: the rows whose notes name a drone are the drone reports.
    drone_words = r"\b(?:drones?|uavs?|quadcopters?|unmanned aerial vehicles?)\b"
    drones = {k for k, r in raw.items() if re.search(drone_words, r["summary"], re.I)}
    typed = {k for k, r in read.items() if any(m["munition_type"] == "uav" for m in r.values()["munitions"])}
    assert typed == drones
    per_year = Counter(r.date.year for r in read.values())
    assert per_year == Counter(int(r["year"]) for r in raw.values())
    assert all(r.evidence["sources"] == [s.strip() for s in raw[k]["scite1"].split(";") if s.strip()]
               for k, r in read.items())
