"""Importing a dataset's file into reports: keys read twice, large files read in a child process, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from salvo import importing
from salvo.importing import import_reports
from salvo.readers.errors import FileError
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


def stored(store):
    with store.session() as session:
        return {r.row_key: (r.date, r.munitions, r.actor_id, r.in_scope, [p.raw for p in r.provenance])
                for r in reports(session)}


def test_a_large_file_read_in_a_child_process_gives_the_same_reports(store, tmp_path, monkeypatch):
    import_reports(store, FIXTURES / "acled_sample.csv", "acled")
    in_thread = stored(store)
    monkeypatch.setattr(importing, "CHILD_PROCESS_BYTES", 0)  # every file counts as large
    other = tmp_path / "other.db"
    from salvo.storage import connect

    second = connect(f"sqlite:///{other}")
    summary = import_reports(second, FIXTURES / "acled_sample.csv", "acled")
    assert summary.added == len(in_thread) > 0
    assert stored(second) == in_thread
    second.dispose()


def test_a_file_error_in_the_child_process_changes_nothing(sqlite_store, tmp_path, monkeypatch):
    import_reports(sqlite_store, FIXTURES / "acled_sample.csv", "acled")
    before = stored(sqlite_store)
    monkeypatch.setattr(importing, "CHILD_PROCESS_BYTES", 0)
    broken = tmp_path / "acled_sample.csv"
    broken.write_bytes((FIXTURES / "acled_sample.csv").read_bytes().replace(b"Iraq", b"Ir\xe2q"))
    with pytest.raises(FileError, match="UTF-8"):
        import_reports(sqlite_store, broken, "acled")
    assert stored(sqlite_store) == before
