"""Importing Salvo-format files: all errors at once, nothing half-written, idempotent."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from salvo.cli import app
from salvo.importing import ImportRejected, import_file
from salvo.model import AuditEntry, ImportRun, Incident
from salvo.readers.errors import FileError
from salvo.storage.incidents import history, load_incident
from tests.conftest import write_csv

HEADER = "incident_id,date,country,location,actor,munition_type,count,intercepted,status,source_url"
GOOD = [
    "I1,2024-01-28,JO,Tower 22,Islamic Resistance in Iraq,uav,1,0,reviewed,https://example.org/a",
    "I2,2024-01-20,IQ,Ain al-Asad,Islamic Resistance in Iraq,ballistic_missile,4,2,reviewed,https://example.org/b",
    "I2,2024-01-20,IQ,Ain al-Asad,Islamic Resistance in Iraq,rocket,,,reviewed,https://example.org/b",
]


def count(store, model=Incident):
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_bad_date_unknown_munition_and_negative_count_are_all_reported(store, tmp_path):
    import_file(store, write_csv(tmp_path / "good.csv", HEADER, *GOOD))
    revision = store.revision()
    bad = write_csv(
        tmp_path / "bad.csv", HEADER,
        "X1,2024-02-30,IQ,Erbil,,uav,2,,reviewed,",
        "X2,2024-02-03,IQ,Erbil,,hypersonic,2,,reviewed,",
        "X3,2024-02-04,IQ,Erbil,,rocket,-3,,reviewed,",
        "X4,2024-02-05,IQ,Erbil,,rocket,3,,reviewed,",
    )
    with pytest.raises(ImportRejected) as caught:
        import_file(store, bad)
    errors = {(e.row, e.field): e for e in caught.value.summary.errors}
    assert set(errors) == {(2, "date"), (3, "munition_type"), (4, "count")}
    assert "not a calendar date" in errors[2, "date"].reason
    assert "uav" in errors[3, "munition_type"].reason
    assert errors[4, "count"].reason == "must be 0 or more"
    assert all(e.file == str(bad) for e in errors.values())
    assert count(store) == 2 and store.revision() == revision


def test_cli_reports_errors_with_row_and_field_and_changes_nothing(sqlite_store, tmp_path):
    bad = write_csv(tmp_path / "bad.csv", HEADER, "X1,yesterday,IQ,Erbil,,drone-ish,-1,,reviewed,")
    result = CliRunner().invoke(app, ["import", str(bad), "--db", sqlite_store.url])
    assert result.exit_code == 1
    assert "row 2, field 'date'" in result.output
    assert "row 2, field 'munition_type'" in result.output
    assert "row 2, field 'count'" in result.output
    assert "nothing was imported" in result.output
    assert count(sqlite_store) == 0 and count(sqlite_store, ImportRun) == 0


def test_skip_invalid_imports_the_rest_and_writes_rejects(store, tmp_path):
    source = write_csv(tmp_path / "mixed.csv", HEADER, *GOOD, "X3,2024-02-04,IQ,Erbil,,rocket,-3,,reviewed,")
    summary = import_file(store, source, skip_invalid=True)
    assert (summary.added, summary.rejected) == (2, 1)
    rejects = (tmp_path / "mixed.rejected.csv").read_text(encoding="utf-8")
    assert "X3" in rejects and "count: must be 0 or more" in rejects


def test_import_twice_leaves_the_same_database(store, tmp_path):
    source = write_csv(tmp_path / "good.csv", HEADER, *GOOD)
    first = import_file(store, source)
    revision = store.revision()
    second = import_file(store, source)
    assert (first.added, first.unchanged) == (2, 0)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    assert store.revision() == revision
    assert count(store, AuditEntry) == 0  # creation is recorded once, by the import run
    assert count(store, ImportRun) == 2
    with store.session() as session:
        (created,) = history(session, "I1")
    assert created.action == "create" and "good.csv" in created.reason


def test_changed_row_is_updated_with_an_audit_entry(store, tmp_path):
    import_file(store, write_csv(tmp_path / "v1.csv", HEADER, *GOOD))
    changed = [GOOD[0].replace(",uav,1,0,", ",uav,2,1,"), *GOOD[1:]]
    summary = import_file(store, write_csv(tmp_path / "v2.csv", HEADER, *changed), user="analyst-a")
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    with store.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
        assert entry.user == "analyst-a" and entry.entity_id == "I1"
        assert entry.changes["munitions"][0][0]["count"] == 1
        assert entry.changes["munitions"][1][0]["count"] == 2
        assert "v2.csv" in entry.reason


def test_places_and_actors_resolve_through_aliases(store, tmp_path):
    import_file(store, write_csv(tmp_path / "good.csv", HEADER, *GOOD))
    with store.session() as session:
        tower = load_incident(session, "I1")
        asad = load_incident(session, "I2")
    assert tower.place_id == "tower_22" and tower.location_precision == "site"
    assert asad.place_id == "ain_al_asad_air_base"
    assert asad.actor_id == "islamic_resistance_in_iraq"
    assert [m.munition_type for m in asad.munitions] == ["ballistic_missile", "rocket"]
    assert asad.munitions[1].count is None


def test_unresolved_actor_is_kept_verbatim_and_listed(sqlite_store, tmp_path):
    source = write_csv(tmp_path / "a.csv", HEADER, "Z1,2024-03-01,IQ,,Brigade of the Unknown Martyr,uav,1,,reviewed,")
    result = CliRunner().invoke(app, ["import", str(source), "--db", sqlite_store.url, "--summary", "json"])
    summary = json.loads(result.output)
    assert {"added", "updated", "unchanged", "rejected"} <= set(summary)
    assert summary["unresolved_actors"] == {"Brigade of the Unknown Martyr": 1}
    with sqlite_store.session() as session:
        record = load_incident(session, "Z1")
    assert record.actor_id is None and record.actor_name == "Brigade of the Unknown Martyr"


def test_missing_column_and_bad_encoding_are_file_errors(sqlite_store, tmp_path):
    no_count = write_csv(tmp_path / "nocount.csv", "incident_id,date,munition_type", "A,2024-01-01,uav")
    with pytest.raises(FileError, match="count"):
        import_file(sqlite_store, no_count)
    latin = tmp_path / "latin1.csv"
    latin.write_bytes((HEADER + "\nA,2024-01-01,IQ,Bal\xe1d,,uav,1,,reviewed,\n").encode("latin-1"))
    with pytest.raises(FileError, match="row 2.*not UTF-8"):
        import_file(sqlite_store, latin)
    assert count(sqlite_store) == 0


def test_truncated_row_is_reported(sqlite_store, tmp_path):
    truncated = write_csv(tmp_path / "t.csv", HEADER, GOOD[0], "I9,2024-01-02,IQ")
    with pytest.raises(FileError, match="row 3.*cells"):
        import_file(sqlite_store, truncated)
    assert count(sqlite_store) == 0


def test_rows_of_one_incident_must_agree(sqlite_store, tmp_path):
    source = write_csv(tmp_path / "d.csv", HEADER, GOOD[1], GOOD[2].replace("2024-01-20", "2024-01-21"))
    with pytest.raises(ImportRejected) as caught:
        import_file(sqlite_store, source)
    (error,) = caught.value.summary.errors
    assert (error.row, error.field) == (3, "date") and "differs from row 2" in error.reason


def test_foreign_key_checks_are_back_on_after_an_import(sqlite_store, tmp_path):
    import_file(sqlite_store, write_csv(tmp_path / "good.csv", HEADER, *GOOD))
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
