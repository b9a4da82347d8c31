"""UCDP GED: each event a report with provenance; HXL row skipped; re-import updates and withdraws."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from salvo import codebook
from salvo.cli import app
from salvo.importing import import_reports
from salvo.readers import formats, ucdp_ged
from salvo.readers.errors import RowError
from salvo.storage.reports import reports
from tests.conftest import shared

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "ucdp_ged_sample.csv"


def rows_by_id():
    return {r.row_key: r for r in ucdp_ged.read(FIXTURE)}


def test_format_is_detected_from_the_header():
    assert formats.detect(FIXTURE) == "ucdp-ged"


def test_hxl_row_is_skipped_and_every_event_read():
    read = list(ucdp_ged.read(FIXTURE))
    assert len(read) == 16 and not any(isinstance(r, RowError) for r in read)


def test_precision_codes_map_onto_the_codebook():
    rows = rows_by_id()
    month = rows["225419"].values()
    assert month["date_precision"] == "month" and month["date"].day == 1
    assert rows["196590"].date_precision == "day"
    assert rows["196765"].date_precision == "week"


def test_where_prec_is_the_location_precision_field_and_a_stored_column(sqlite_store):
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        where_prec = {r["id"]: r["where_prec"] for r in csv.DictReader(handle) if r["id"]}  # not the HXL row
    rows = rows_by_id()
    assert {key: row.location_precision for key, row in rows.items()} == {
        key: ucdp_ged.LOCATION_PRECISION[code] for key, code in where_prec.items()}
    assert set(ucdp_ged.LOCATION_PRECISION.values()) <= set(codebook.vocabulary("location_precision").codes)
    assert rows["196590"].location_precision == "exact"  # where_prec 1
    assert all("location_precision" not in row.evidence for row in rows.values())
    import_reports(sqlite_store, FIXTURE, "ucdp-ged")
    with sqlite_store.session() as session:
        stored = {r.row_key: r.location_precision for r in reports(session, "ucdp-ged")}
    assert stored == {key: row.location_precision for key, row in rows.items()}


def test_sources_are_split_and_words_give_munitions():
    rows = rows_by_id()
    sources = rows["198404"].evidence["sources"]
    assert len(sources) >= 2 and all(s["headline"] for s in sources)
    assert rows["197350"].values()["munitions"] == [{"munition_type": "mortar", "count": None}]
    assert rows["198404"].values()["munitions"][0]["munition_type"] == "rocket"


def test_perpetrator_of_one_sided_violence_and_non_government_side():
    rows = rows_by_id()
    assert rows["227252"].actor_name == "IS"
    assert rows["227252"].actor_id == "islamic_state"  # through UCDP's own actor table
    assert rows["213595"].actor_name == "PKK"
    assert rows["213595"].actor_id == "pkk"


def test_import_keeps_provenance_and_reimport_changes_nothing(sqlite_store):
    first = import_reports(sqlite_store, FIXTURE, "ucdp-ged")
    assert (first.added, first.rejected, first.withdrawn) == (16, 0, 0)
    assert first.out_of_scope == 16  # Government of Iraq vs IS: no Iran-linked projectile attack here
    again = import_reports(sqlite_store, FIXTURE, "ucdp-ged")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 16)
    with sqlite_store.session() as session:
        stored = {r.row_key: r for r in reports(session, "ucdp-ged")}
        assert len(stored) == 16 and len(stored["196590"].provenance) == 1  # one entry per file, refreshed
        entry = stored["196590"].provenance[0]
        assert entry.raw["side_b"] == "IS" and entry.source_file == str(FIXTURE) and entry.row_number == 3


def test_newer_release_updates_and_withdraws(sqlite_store, tmp_path):
    import_reports(sqlite_store, FIXTURE, "ucdp-ged")
    lines = FIXTURE.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = list(csv.reader(lines))
    header = rows[0]
    best = header.index("best")
    release = [rows[0], rows[1]] + rows[3:]  # the first event vanished
    release[2][best] = str(int(release[2][best]) + 1)  # and the next one was revised
    newer = tmp_path / FIXTURE.name
    with newer.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(release)
    summary = import_reports(sqlite_store, newer, "ucdp-ged")
    assert (summary.added, summary.updated, summary.unchanged, summary.withdrawn) == (0, 1, 14, 1)
    with sqlite_store.session() as session:
        withdrawn = [r.row_key for r in reports(session, "ucdp-ged") if r.withdrawn]
    assert withdrawn == [rows[2][header.index("id")]]


def test_cli_detects_and_summarises_as_json(sqlite_store):
    result = CliRunner().invoke(app, ["import", str(FIXTURE), "--db", sqlite_store.url, "--summary", "json"])
    summary = json.loads(result.stdout)
    assert {"added", "updated", "unchanged", "withdrawn", "rejected", "out_of_scope"} <= set(summary)
    assert summary["added"] == 16


def test_the_shared_iraq_file_matches_its_raw_counts(sqlite_store):
    path = shared("ucdp-ged-iraq-hdx") / "ucdp_ged_iraq_2015-2018_hdx.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        raw = [r for r in csv.DictReader(handle) if not r["id"].startswith("#") and r["id"]]
    summary = import_reports(sqlite_store, path, "ucdp-ged")
    assert summary.added == len(raw) == 2265 and summary.rejected == 0
    with sqlite_store.session() as session:
        per_year = Counter(r.date.year for r in reports(session, "ucdp-ged"))
    assert per_year == Counter(int(r["date_start"][:4]) for r in raw)
