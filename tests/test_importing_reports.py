"""Importing a dataset's file into reports: keys read twice, large files read in a child process, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from salvo.importing import import_reports, report_batches
from salvo.readers.errors import FileError, RowError
from salvo.records import MunitionRecord, ReportRecord
from salvo.storage.reports import reports

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_key_read_twice_is_an_error_and_the_first_row_counts(sqlite_store, tmp_path):
    lines = (FIXTURES / "ucdp_ged_sample.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "ged.csv"
    path.write_text("".join(lines + [lines[2]]), encoding="utf-8")  # the first event again, at the end
    summary = import_reports(sqlite_store, path, "ucdp-ged")
    assert (summary.added, summary.rejected) == (16, 1)
    (error,) = summary.errors
    assert (error.row, error.field, error.reason) == (len(lines) + 1, "row key", "repeats the key of an earlier row")


def test_records_and_row_errors_are_grouped_into_frames_of_the_records_values():
    records = [ReportRecord("demo", f"K{n}", row_number=n, raw={"n": n}, location_precision="city",
                            munitions=[MunitionRecord("uav", n)]) for n in range(5)]
    error = RowError("demo.csv", 9, "date", "x", "not a date")
    batches = list(report_batches(iter([*records[:3], error, *records[3:]]), size=3))
    assert [(b.frame.height, b.rows, b.errors) for b in batches] == [(3, 3, []), (2, 3, [error])]
    frame = batches[1].frame
    assert frame["row_key"].to_list() == ["K3", "K4"] and frame["location_precision"].to_list() == ["city"] * 2
    assert frame["munitions"][0] == '[{"munition_type": "uav", "count": 3}]' and frame["raw"][1] == '{"n": 4}'
    assert "content_hash" in frame.columns


def stored(store):
    with store.session() as session:
        return {r.row_key: (r.date, r.munitions, r.actor_id, r.in_scope, [p.raw for p in r.provenance])
                for r in reports(session)}


def test_a_file_error_half_way_changes_nothing(sqlite_store, tmp_path):
    import_reports(sqlite_store, FIXTURES / "acled_sample.csv", "acled")
    before = stored(sqlite_store)
    broken = tmp_path / "acled_sample.csv"
    broken.write_bytes((FIXTURES / "acled_sample.csv").read_bytes().replace(b"Iraq", b"Ir\xe2q"))
    with pytest.raises(FileError, match="UTF-8"):
        import_reports(sqlite_store, broken, "acled")
    assert stored(sqlite_store) == before


def test_prefetch_hands_over_items_in_order_and_raises_the_readers_errors():
    from salvo.background import prefetch

    assert list(prefetch(iter(range(100)))) == list(range(100))

    def failing():
        yield 1
        raise FileError(RowError("events.csv", 3, "date", "31/02", "not a date"))

    items = prefetch(failing())
    assert next(items) == 1
    with pytest.raises(FileError, match="events.csv, row 3"):
        next(items)


def test_the_import_run_records_the_files_digest(sqlite_store):
    import hashlib

    from sqlalchemy import select

    from salvo.model import ImportRun

    path = FIXTURES / "acled_sample.json"
    summary = import_reports(sqlite_store, path, "acled")
    with sqlite_store.session() as session:
        (run,) = session.scalars(select(ImportRun))
        assert run.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert (run.format, run.rows, run.added) == ("acled", summary.rows, summary.added)
