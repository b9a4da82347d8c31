"""Writing reports in bulk: added, updated, unchanged, withdrawn and back; one provenance entry per file."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from salvo.model import Report
from salvo.records import MunitionRecord, ReportRecord
from salvo.storage.bulk_reports import withdraw_missing, write_reports
from salvo.storage.report_frames import from_records
from salvo.storage.reports import load_report, reports, save_report, to_report_record


def record(key, rockets, note, number=2):
    """A report of a made-up dataset with `rockets` rockets, read from row `number` with a raw note."""
    return ReportRecord(
        "demo-set", key, row_number=number, raw={"id": key, "note": note}, date=dt.date(2024, 1, 5), country="IQ",
        latitude=33.3, longitude=44.4, munitions=[MunitionRecord("rocket", rockets)], evidence={"source": "test"},
        in_scope=True)


def frame(*rows):
    """Reports of a made-up dataset: (key, rockets, raw note) each."""
    return from_records([record(key, rockets, note, n + 2) for n, (key, rockets, note) in enumerate(rows)])


def write(store, data, file="releases/demo.csv"):
    with store.session() as session:
        return write_reports(session, data, source_file=file)


def test_new_reports_are_added_with_their_provenance(store):
    counts = write(store, frame(("A1", 3, "x"), ("A2", None, "y")))
    assert (counts.added, counts.updated, counts.unchanged) == (2, 0, 0)
    with store.session() as session:
        first, second = reports(session, "demo-set")
        assert first.row_key == "A1" and first.munitions == [{"munition_type": "rocket", "count": 3}]
        assert first.date == dt.date(2024, 1, 5) and first.evidence == {"source": "test"}
        assert second.munitions[0]["count"] is None
        (entry,) = first.provenance
        assert (entry.source_file, entry.row_number, entry.raw) == ("releases/demo.csv", 2, {"id": "A1", "note": "x"})


def test_a_newer_release_updates_changed_reports_and_refreshes_provenance(store):
    write(store, frame(("A1", 3, "x"), ("A2", 1, "y")))
    counts = write(store, frame(("A1", 4, "x"), ("A2", 1, "y, revised wording")), file="newer/demo.csv")
    assert (counts.added, counts.updated, counts.unchanged) == (0, 1, 1)
    with store.session() as session:
        first, second = reports(session, "demo-set")
        assert first.munitions[0]["count"] == 4
        # The same file name is the same file, released again: its one entry is refreshed, not repeated.
        assert [(p.source_file, p.raw["note"]) for p in second.provenance] == [("newer/demo.csv", "y, revised wording")]


def test_another_file_adds_a_second_provenance_entry(store):
    write(store, frame(("A1", 3, "x")))
    counts = write(store, frame(("A1", 3, "x")), file="other.csv")
    assert counts.unchanged == 1
    with store.session() as session:
        (report,) = reports(session, "demo-set")
        assert sorted(p.source_file for p in report.provenance) == ["other.csv", "releases/demo.csv"]


def test_a_stale_digest_with_equal_values_is_not_an_update(store):
    write(store, frame(("A1", 3, "x")))
    with store.session() as session:
        session.execute(update(Report).values(content_hash="from-another-polars-version"))
    counts = write(store, frame(("A1", 3, "x")))
    assert (counts.updated, counts.unchanged) == (0, 1)
    assert write(store, frame(("A1", 3, "x"))).unchanged == 1


def test_vanished_reports_are_withdrawn_and_come_back_when_read_again(store):
    write(store, frame(("A1", 3, "x"), ("A2", 1, "y")))
    with store.session() as session:
        assert withdraw_missing(session, "demo-set", "demo.csv", {"A1"}) == 1
        assert [r.row_key for r in reports(session) if r.withdrawn] == ["A2"]
    counts = write(store, frame(("A2", 1, "y")))
    assert counts.updated == 1
    with store.session() as session:
        assert not any(r.withdrawn for r in reports(session))


def test_a_report_another_file_still_holds_is_not_withdrawn(store):
    write(store, frame(("A1", 3, "x"), ("A2", 1, "y")))
    write(store, frame(("A2", 1, "y")), file="other.csv")
    with store.session() as session:
        assert withdraw_missing(session, "demo-set", "demo.csv", {"A1"}) == 0


def test_place_precision_and_confidence_are_columns_of_the_frame_and_the_store(store):
    placed = record("A1", 3, "x")
    placed.place_id, placed.location_precision, placed.confidence = "ain_al_asad_air_base", "site", "low"
    data = from_records([placed, record("A2", 1, "y")])
    assert data.select("place_id", "location_precision", "confidence").rows() == [
        ("ain_al_asad_air_base", "site", "low"), (None, None, None)]
    write(store, data)
    with store.session() as session:
        first, second = reports(session, "demo-set")
        assert (first.place_id, first.location_precision, first.confidence) == ("ain_al_asad_air_base", "site", "low")
        assert (second.place_id, second.location_precision, second.confidence) == (None, None, None)
        assert first.evidence == {"source": "test"}  # none of them inside the evidence


def test_a_saved_record_loads_back_as_the_same_record(store):
    saved = record("A1", 3, "x")
    saved.munitions = [MunitionRecord("rocket", 3, intercepted=2), MunitionRecord("uav", count_estimate=True)]
    saved.location_precision, saved.confidence = "city", "low"
    with store.session() as session:
        assert save_report(session, saved, source_file="sheet.csv") == "added"
        assert save_report(session, saved, source_file="sheet.csv") == "unchanged"
        (row,) = reports(session, "demo-set")
        assert row.munitions == [{"munition_type": "rocket", "count": 3, "intercepted": 2},
                                 {"munition_type": "uav", "count": None, "count_estimate": True}]
        (entry,) = row.provenance
        assert (entry.source_file, entry.row_number, entry.raw) == ("sheet.csv", 2, {"id": "A1", "note": "x"})
        loaded = load_report(session, row.id)
        assert loaded == to_report_record(row)
        assert load_report(session, row.id + 1) is None
    # The store's own fields are set; where it was read stays with the provenance entries.
    assert (loaded.id, loaded.incident_id, loaded.withdrawn, loaded.row_number, loaded.raw) == (
        row.id, None, False, None, None)
    loaded.id, loaded.row_number, loaded.raw = None, saved.row_number, saved.raw
    assert loaded == saved


def test_saving_a_changed_record_updates_it_and_its_provenance(store):
    with store.session() as session:
        save_report(session, record("A1", 3, "x"), source_file="releases/demo.csv")
        assert save_report(session, record("A1", 4, "x, revised", number=5), source_file="newer/demo.csv") == "updated"
        (row,) = reports(session, "demo-set")
        assert row.munitions == [{"munition_type": "rocket", "count": 4}]
        assert [(p.source_file, p.row_number, p.raw["note"]) for p in row.provenance] == [
            ("newer/demo.csv", 5, "x, revised")]
