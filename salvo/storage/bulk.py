"""Writing many incidents at once: the import path.

Rows go in with the driver's ``executemany`` in batches (no ORM objects, no
per-row statement compilation), compared by content hash against what is
stored so that a re-import of the same data changes nothing. It writes inside
the caller's transaction, so an import that fails part-way leaves the store as
it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import polars as pl
from sqlalchemy import Date, DateTime, delete, select
from sqlalchemy.orm import Session

from salvo.model import Base, Incident, MunitionLine, PlaceRow, utcnow
from salvo.records import INCIDENT_SCALARS, MUNITION_FIELDS, IncidentRecord, munition_values, scalar_values
from salvo.storage.frames import content_hashes, to_records
from salvo.storage.incidents import audit_changes, to_record
from salvo.storage.store import bump_revision

BATCH_SIZE = 5000

_incidents = Incident.__table__
_lines = MunitionLine.__table__

UPDATE_COLUMNS = (*INCIDENT_SCALARS[1:], "sources", "content_hash", "version", "updated_at")
LINE_COLUMNS = ("incident_id", "position", *MUNITION_FIELDS)
AUDIT_COLUMNS = ("at", "user", "entity", "entity_id", "action", "changes", "reason")
PLACE_COLUMNS = ("id", "name", "kind", "country", "latitude", "longitude", "precision", "source")


@dataclass
class WriteCounts:
    """How many incidents a bulk write added, updated or found unchanged."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


class Writer:
    """executemany on the session's own connection, with values adapted to the dialect."""

    def __init__(self, session: Session):
        self.conn = session.connection()
        self.sqlite = self.conn.dialect.name == "sqlite"
        self.mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        self.quote = self.conn.dialect.identifier_preparer.quote

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple], adapted: bool = False,
               constants: dict | None = None, utf8: Collection[str] = ()) -> None:
        """Insert rows (tuples in `columns` order) into `table`, with `constants` the same in every row.

        `adapted` rows already hold SQLite's forms of dates and times. On
        SQLite, the `utf8` columns' values are UTF-8 bytes stored as text (long
        texts straight from a polars column: `.cast(pl.Binary).to_list()` skips
        decoding them into Python strings and the driver encoding them back).
        """
        if not rows:
            return
        constants = constants or {}
        names = ", ".join(self.quote(c) for c in (*columns, *constants))
        text = f"CAST({self.mark} AS TEXT)"
        marks = ", ".join([text if self.sqlite and c in utf8 else self.mark for c in columns]
                          + [_literal(v) for v in constants.values()])
        if not adapted:
            rows = self._adapt(table, columns, rows)
        self.conn.exec_driver_sql(f"INSERT INTO {self.quote(table)} ({names}) VALUES ({marks})", rows)

    def update(self, table: str, columns: Sequence[str], key: str, rows: list[tuple]) -> None:
        """Set `columns` of the rows whose `key` is each tuple's last value."""
        assignments = ", ".join(f"{self.quote(c)} = {self.mark}" for c in columns)
        rows = self._adapt(table, columns, rows)
        self.conn.exec_driver_sql(
            f"UPDATE {self.quote(table)} SET {assignments} WHERE {self.quote(key)} = {self.mark}", rows)


    def _adapt(self, table: str, columns: Sequence[str], rows: list[tuple]) -> list:
        """On SQLite, write dates and times as SQLAlchemy's types do, so the ORM reads them back."""
        if not self.sqlite:
            return rows
        types = Base.metadata.tables[table].c
        temporal = [i for i, name in enumerate(columns) if name in types
                    and isinstance(types[name].type, Date | DateTime)]
        if not temporal:
            return rows
        adapted = []
        for row in rows:
            row = list(row)
            for i in temporal:
                row[i] = sqlite_time(row[i])
            adapted.append(tuple(row))
        return adapted


def _literal(value) -> str:
    """A constant as SQL: NULL, a number, or a quoted string (dates and times in ISO form)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return "'" + str(value).replace("'", "''") + "'"


@lru_cache(maxsize=1024)
def sqlite_time(value):
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass
class Prepared:
    """A batch of incidents ready to write: frames with content hashes, and their insert tuples.

    Preparing is separate from writing so it can run in another thread while
    the previous batch is written.
    """

    incidents: pl.DataFrame
    lines: pl.DataFrame
    incident_columns: tuple[str, ...]
    incident_rows: list[tuple]
    line_rows: list[tuple]
    import_id: str | None = None
    incident_constants: dict = field(default_factory=dict)


def prepare(incidents: pl.DataFrame, lines: pl.DataFrame, *, sqlite: bool, import_id: str | None = None) -> Prepared:
    """Hash the incidents and build their insert tuples (dates as text on SQLite).

    `import_id` names the import run that creates them; without one, each
    created incident gets an audit entry of its own.
    """
    if "content_hash" not in incidents.columns:
        incidents = incidents.with_columns(content_hashes(incidents, lines))
    now = utcnow()
    stamp = sqlite_time(now) if sqlite else now
    sources = pl.struct(s=pl.col("sources")).struct.json_encode().str.slice(5).str.strip_suffix("}")
    date = pl.col("date").dt.strftime("%Y-%m-%d") if sqlite else pl.col("date")
    # Columns empty in the whole batch are left to the database's NULL: fewer values to bind.
    empty = {name for name, nulls in incidents.null_count().row(0, named=True).items() if nulls == incidents.height}
    scalars = [name for name in INCIDENT_SCALARS if name not in empty or name == "id"]
    columns = (*scalars, "sources", "content_hash")
    incident_rows = incidents.select(
        *(date if name == "date" else pl.col(name) for name in scalars), sources, "content_hash").rows()
    # The same for every row: written once into the statement rather than bound a million times.
    constants = {"version": 1, "import_id": import_id, "created_at": stamp, "updated_at": stamp}
    return Prepared(incidents, lines, columns, incident_rows, lines.select(LINE_COLUMNS).rows(), import_id,
                    constants)


def write_frames(
    session: Session, incidents: pl.DataFrame, lines: pl.DataFrame, *, user: str, reason: str | None = None,
) -> WriteCounts:
    """Insert new incidents and update changed ones (see :func:`write_prepared`), from frames."""
    sqlite = session.connection().dialect.name == "sqlite"
    return write_prepared(session, prepare(incidents, lines, sqlite=sqlite), user=user, reason=reason)


def write_prepared(
    session: Session, batch: Prepared, *, user: str, reason: str | None = None, fresh: bool = False
) -> WriteCounts:
    """Insert new incidents and update changed ones, recording every change.

    `fresh` says that none of the batch's ids can be stored yet (an import into
    an empty store, whose ids the reader has checked are unique), so no lookup is needed.

    Incidents whose content hash matches the stored one are left alone. A
    created incident points to its import run (or, written outside an import,
    gets an audit entry saying who and why); an update's audit entry records
    every changed value, old and new.
    """
    counts = WriteCounts()
    writer = Writer(session)
    incidents = batch.incidents
    ids = incidents["id"].to_list()
    stored: dict[str, str] = {}
    for start in range(0, 0 if fresh else len(ids), BATCH_SIZE):
        stored.update(writer.conn.execute(select(_incidents.c.id, _incidents.c.content_hash)
                                          .where(_incidents.c.id.in_(ids[start:start + BATCH_SIZE]))).all())
    hashes = incidents["content_hash"].to_list()
    if stored:
        new = [i for i, key in enumerate(ids) if key not in stored]
        changed = [i for i, (key, digest) in enumerate(zip(ids, hashes)) if key in stored and stored[key] != digest]
    else:  # none stored (a fresh store): all new, nothing to compare
        new, changed = list(range(len(ids))), []
    counts.unchanged = len(ids) - len(new) - len(changed)
    ensure_places(writer, incidents["place_id"].drop_nulls().unique().to_list(),
                   set(session.scalars(select(PlaceRow.id))))
    now = utcnow()
    if new:
        every = len(new) == len(ids)
        new_ids = None if every else {ids[i] for i in new}
        rows = batch.incident_rows if every else [batch.incident_rows[i] for i in new]
        writer.insert("incidents", batch.incident_columns, rows, adapted=True, constants=batch.incident_constants)
        lines = batch.line_rows if every else [t for t in batch.line_rows if t[0] in new_ids]
        writer.insert("munition_lines", LINE_COLUMNS, lines)
        if batch.import_id is None:
            writer.insert("audit_log", AUDIT_COLUMNS,
                          [(now, user, "incident", ids[i], "create", None, reason) for i in new])
        counts.added = len(new)
    if changed:
        changed_frame = incidents[changed]
        changed_lines = batch.lines.filter(pl.col("incident_id").is_in(changed_frame["id"].implode()))
        digests = {ids[i]: hashes[i] for i in changed}
        counts.updated = _update(session, writer, to_records(changed_frame, changed_lines), digests, now, user,
                                 reason)
        counts.unchanged += len(changed) - counts.updated
    if counts.added or counts.updated:
        bump_revision(session)
    return counts


def _insert_children(writer: Writer, records: list[IncidentRecord]) -> None:
    writer.insert("munition_lines", LINE_COLUMNS,
                  [(r.id, i, *munition_values(m)) for r in records for i, m in enumerate(r.munitions)])


def _update(session, writer, records, hashes, now, user, reason) -> int:
    """Write changed incidents with an audit entry each; returns how many really changed.

    An incident whose digest differs but whose values are equal (a digest from
    another version of the hash) only gets its stored digest refreshed.
    """
    ids = [r.id for r in records]
    old = {row.id: (to_record(row), row.version)
           for row in session.scalars(select(Incident).where(Incident.id.in_(ids)))}
    same = [r for r in records if old[r.id][0] == r]
    if same:
        writer.update("incidents", ("content_hash",), "id", [(hashes[r.id], r.id) for r in same])
    records = [r for r in records if old[r.id][0] != r]
    if records:
        writer.conn.execute(delete(_lines).where(_lines.c.incident_id.in_([r.id for r in records])))
        writer.update("incidents", UPDATE_COLUMNS, "id",
                      [(*scalar_values(r)[1:], json.dumps(r.sources), hashes[r.id], old[r.id][1] + 1, now, r.id)
                       for r in records])
        _insert_children(writer, records)
        writer.insert("audit_log", AUDIT_COLUMNS, [
            (now, user, "incident", r.id, "update", json.dumps(audit_changes(old[r.id][0], r)), reason)
            for r in records
        ])
    session.expire_all()
    return len(records)


def ensure_places(writer: Writer, place_ids: list[str], known: set[str]) -> None:
    """Add the gazetteer towns referred to, so place_id always points at a row."""
    missing = {place_id for place_id in place_ids if place_id not in known}
    if not missing:
        return
    from salvo import gazetteer

    rows = []
    for place_id in sorted(missing):
        place = gazetteer.place_by_id(place_id)
        if place is None:
            raise ValueError(f"unknown place id {place_id!r}")
        rows.append((place.id, place.name, place.kind, place.country, place.lat, place.lon,
                     place.precision, place.source))
    writer.insert("places", PLACE_COLUMNS, rows)
    known.update(missing)


def has_incidents(session: Session) -> bool:
    """Whether any incident is stored yet."""
    return session.execute(select(_incidents.c.id).limit(1)).first() is not None
