"""The store: schema, revision, audit log and incident round trips, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from salvo.model import ActorRow, Incident, MunitionLine, PlaceRow
from salvo.records import IncidentRecord, MunitionRecord
from salvo.storage import connect
from salvo.storage.incidents import delete_incident, history, load_incident, save_incident
from salvo.storage.schema import HEAD, current_revision

RECORD = IncidentRecord(
    id="tower-22", date=dt.date(2024, 1, 28), date_precision="day", country="JO", location="Tower 22",
    place_id="tower_22", target="Tower 22", target_category="us_military", actor_id="islamic_resistance_in_iraq",
    actor_name="Islamic Resistance in Iraq", attribution="claimed", killed=3, injured=34, injured_high=47,
    status="reviewed", munitions=[MunitionRecord("uav", 1, False, 0, 1, None)],
    sources=["https://example.org/tower-22"],
)


def test_new_store_is_at_head_with_reference_rows(store):
    assert current_revision(store) == HEAD
    assert store.revision() == 0 and len(store.store_id()) == 32
    with store.session() as session:
        assert session.get(ActorRow, "kataib_hezbollah").affiliation == "iran_linked"
        assert session.get(PlaceRow, "ain_al_asad_air_base").country == "IQ"


def test_save_load_and_history(store):
    with store.session() as session:
        assert save_incident(session, RECORD, user="alice", reason="entered from CENTCOM release") == "added"
    with store.session() as session:
        assert load_incident(session, "tower-22") == RECORD
        assert save_incident(session, RECORD, user="alice") == "unchanged"
    edited = IncidentRecord(**{**RECORD.__dict__, "killed": 3, "injured": 40,
                               "munitions": [MunitionRecord("uav", 1, False, 0, 1, None)]})
    with store.session() as session:
        assert save_incident(session, edited, user="bob", reason="CENTCOM update") == "updated"
    with store.session() as session:
        entries = history(session, "tower-22")
        assert [(e.user, e.action) for e in entries] == [("alice", "create"), ("bob", "update")]
        assert entries[1].changes == {"injured": [34, 40]}
        assert session.get(Incident, "tower-22").version == 2


def test_revision_counts_committed_changes_only(store):
    with store.session() as session:
        save_incident(session, RECORD, user="alice")
    assert store.revision() == 1
    try:
        with store.session() as session:
            save_incident(session, IncidentRecord(id="other", munitions=[MunitionRecord("rocket")]), user="a")
            raise RuntimeError("abandon the edit")
    except RuntimeError:
        pass
    assert store.revision() == 1
    with store.session() as session:
        assert load_incident(session, "other") is None


def test_delete_keeps_last_values_in_audit_log(store):
    with store.session() as session:
        save_incident(session, RECORD, user="alice")
    with store.session() as session:
        assert delete_incident(session, "tower-22", user="bob", reason="duplicate of another report")
    with store.session() as session:
        assert session.scalars(select(MunitionLine)).all() == []
        last = history(session, "tower-22")[-1]
        assert last.action == "delete" and last.changes["country"] == ["JO", None]


def test_reopening_needs_no_migration(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    first = connect(url)
    store_id = first.store_id()
    first.dispose()
    again = connect(url, migrate=False)
    assert again.store_id() == store_id


def test_reference_rows_follow_the_codebook(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    connect(url).dispose()
    from salvo.storage import schema

    with connect(url).session() as session:
        session.delete(session.get(ActorRow, "kataib_imam_ali"))
    with connect(url).session() as session:
        assert session.get(ActorRow, "kataib_imam_ali") is None  # the codebook did not change: no resync
    monkeypatch.setattr(schema, "reference_digest", lambda: "a-new-codebook")
    with connect(url).session() as session:
        assert session.get(ActorRow, "kataib_imam_ali").affiliation == "iran_linked"


def journal(store) -> str:
    with store.engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA journal_mode").scalar()


def test_a_bulk_write_stays_in_wal_mode_so_readers_are_never_blocked(sqlite_store):
    from salvo.storage.store import prepare_bulk_write

    with sqlite_store.session() as session:
        prepare_bulk_write(session)
        assert session.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        session.add(PlaceRow(id="test:place", name="Test", kind="town", country="IQ", latitude=1.0, longitude=2.0,
                             precision="city", source="test"))
    assert journal(sqlite_store) == "wal"
    with sqlite_store.session() as session:
        assert session.get(PlaceRow, "test:place").name == "Test"


def test_with_another_connection_open_a_bulk_write_stays_in_wal_mode_without_waiting(sqlite_store):
    import sqlite3
    import time

    from salvo.storage.store import prepare_bulk_write

    reader = sqlite3.connect(sqlite_store.engine.url.database)
    reader.execute("SELECT count(*) FROM reports").fetchone()
    started = time.monotonic()
    with sqlite_store.session() as session:
        prepare_bulk_write(session)
        assert session.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert time.monotonic() - started < 5  # not the 10 s busy timeout
    reader.close()
