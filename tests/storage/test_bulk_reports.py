"""Writing reports in bulk: added, updated, unchanged, withdrawn and back; one provenance entry per file."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from salvo.model import Report
from salvo.storage.bulk_reports import withdraw_missing, write_reports
from salvo.storage.report_frames import from_values
from salvo.storage.reports import reports


def frame(*rows):
    """Reports of a made-up dataset: (key, rockets, raw note) each."""
    return from_values([
        ("demo-set", key, n + 2, {"id": key, "note": note},
         {"date": dt.date(2024, 1, 5), "country": "IQ", "latitude": 33.3, "longitude": 44.4,
          "munitions": [{"munition_type": "rocket", "count": rockets}], "evidence": {"source": "test"},
          "in_scope": True})
        for n, (key, rockets, note) in enumerate(rows)
    ])


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
