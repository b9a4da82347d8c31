"""Writing many reports at once: the path dataset imports take.

Reports arrive as frames (salvo.storage.report_frames) and go in with the
driver's ``executemany``, like incidents do (salvo.storage.bulk). A report is
keyed by its dataset and row key: one already stored with the same values is
left alone, one with other values is updated, a withdrawn one comes back.
Each report has one provenance entry per file it was read from; reading the
file again refreshes that entry when the raw row changed. A frame with an
``incident_id`` column links its reports too (an analyst's entries, which come
with their incident): new reports get it, stored ones get it when they have
none, and a report the linker or a curator has placed elsewhere stays there.
:func:`insert_beside_incidents` is the short way for such reports when none
is stored yet: bound from the incidents' own insert tuples.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from salvo.model import Provenance, Report, utcnow
from salvo.records import INCIDENT_SCALARS, REPORT_FIELDS
from salvo.storage.bulk import BATCH_SIZE, Prepared, Writer, sqlite_time
from salvo.storage.report_frames import JSON_FIELDS, REPORT_SCHEMA, value_hashes, with_hashes
from salvo.storage.reports import merged_values, readings, release_name, same_values

_reports = Report.__table__
_provenance = Provenance.__table__
REPORT_COLUMNS = ("dataset", "row_key", *REPORT_FIELDS, "content_hash")
PROVENANCE_COLUMNS = ("report_id", "row_number", "raw", "raw_hash")


@dataclass
class ReportCounts:
    """How many reports a write added, updated or found unchanged."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


def write_reports(session: Session, frame: pl.DataFrame, *, source_file: str, fresh: bool = False) -> ReportCounts:
    """Insert new reports, update changed ones, and record that `source_file` holds them.

    The frame's row keys must be unique within each dataset. `fresh` says that
    no report of the frame's datasets is stored yet (their first import), so
    none is looked up. An ``incident_id`` column, when the frame has one, links
    the reports (see the module docstring). Writes in the caller's transaction.
    """
    counts = ReportCounts()
    if frame.is_empty():
        return counts
    if "content_hash" not in frame.columns:
        frame = with_hashes(frame)
    for dataset, part in frame.partition_by("dataset", as_dict=True, maintain_order=True).items():
        _write_dataset(Writer(session), dataset[0], part, source_file, fresh, counts)
    return counts


def _write_dataset(writer: Writer, dataset: str, frame: pl.DataFrame, source_file: str, fresh: bool,
                   counts: ReportCounts) -> None:
    keys = frame["row_key"].to_list()
    stored = {} if fresh else _stored(writer, dataset, keys)
    hashes = frame["content_hash"].to_list()
    new = [i for i, key in enumerate(keys) if key not in stored]
    existing = [i for i, key in enumerate(keys) if key in stored]
    differing = [i for i in existing if stored[keys[i]][1] != hashes[i] or stored[keys[i]][2]]
    entries = _entries(writer, [stored[keys[i]][0] for i in existing]) if existing else {}
    name = release_name(source_file)
    elsewhere = [i for i in differing if entries.get(stored[keys[i]][0], {}).keys() - {name}]
    now = utcnow()
    stamp = sqlite_time(now) if writer.sqlite else now
    if new:
        part = frame if len(new) == len(keys) else frame[new]
        part = part.with_columns(report_id=pl.Series(_next_ids(writer, part.height), dtype=pl.Int64))
        # Columns empty in the whole batch are left to the database's NULL: fewer values to bind.
        nulls = part.null_count().row(0, named=True)
        columns = tuple(c for c in REPORT_COLUMNS if nulls[c] < part.height or c in ("dataset", "row_key"))
        if "incident_id" in part.columns:
            columns = (*columns, "incident_id")
        writer.insert("reports", ("id", *columns), _rows(writer, part, ("report_id", *columns)),
                      adapted=True, constants={"withdrawn": False, "created_at": stamp, "updated_at": stamp})
        writer.insert("provenance", PROVENANCE_COLUMNS, part.select(PROVENANCE_COLUMNS).rows(), adapted=True,
                      constants={"source_file": source_file, "imported_at": stamp})
        counts.added += len(new)
    merged, as_read = _merged(writer, frame, elsewhere, stored, entries, name)
    plain = set(differing) - set(elsewhere)
    changed = _really_changed(writer, frame, sorted(plain.union(as_read)), stored)
    columns = (*REPORT_FIELDS, "content_hash")
    read = frame[changed].with_columns(report_id=pl.Series([stored[keys[i]][0] for i in changed], dtype=pl.Int64))
    for part in (read, merged):
        if part.height:
            rows = [(*row, False, stamp, report_id)
                    for row, report_id in zip(_rows(writer, part, columns), part["report_id"].to_list())]
            writer.update("reports", (*columns, "withdrawn", "updated_at"), "id", rows)
    updated = len(changed) + merged.height
    counts.updated += updated
    counts.unchanged += len(keys) - len(new) - updated
    if existing and "incident_id" in frame.columns:
        _link_unlinked(writer, [(stored[keys[i]][0], incident) for i, incident
                                in zip(existing, frame[existing]["incident_id"].to_list()) if incident])
    if existing:
        _refresh_provenance(writer, frame[existing].with_columns(
            report_id=pl.Series([stored[keys[i]][0] for i in existing], dtype=pl.Int64)), entries, source_file,
            stamp)


def _merged(writer: Writer, frame: pl.DataFrame, positions: list[int], stored: dict, entries: dict, name: str
            ) -> tuple[pl.DataFrame, list[int]]:
    """The stored reports at `positions`, which other files hold too, merged with this file's reading of them.

    Each report's values become the merge of every file's reading
    (salvo.storage.reports.merged_values): the other files' as the stored
    report keeps them, this file's as just read. Returns the reports to write
    (REPORT_FIELDS, content_hash, report_id), and the positions whose merge is
    this reading itself (every file now agrees): those are written as read.
    """
    part = frame[positions]
    ids = [stored[key][0] for key in part["row_key"]]
    old = _values(writer, ids) if ids else {}
    rows, as_read = [], []
    for position, report_id, key, values in zip(positions, ids, part["row_key"], _decoded(part)):
        merged = merged_values({**readings(old[report_id], entries[report_id].keys() - {name}), name: values})
        if same_values(merged, values):
            as_read.append(position)
        elif stored[key][2] or not same_values(merged, old[report_id]):
            rows.append([*(_json(merged[field]) if field in JSON_FIELDS else merged[field]
                           for field in REPORT_FIELDS), report_id])
    written = pl.DataFrame(rows, schema={**{field: REPORT_SCHEMA[field] for field in REPORT_FIELDS},
                                         "report_id": pl.Int64}, orient="row")
    return written.with_columns(value_hashes(written)).select(*REPORT_FIELDS, "content_hash", "report_id"), as_read


def insert_beside_incidents(session: Session, incidents: Prepared, frame: pl.DataFrame, *, source_file: str
                            ) -> ReportCounts:
    """Insert a new report for each incident just written from `incidents`, with its provenance from `source_file`.

    For reports whose values are their incidents' own (an analyst's entries,
    none of which is stored yet), each linked to its incident: `frame` is
    their reports frame with hashes, one row per incident in the same order.
    The values a report shares with its incident are bound from the
    incident's insert tuple, the same objects, so only the report's own
    fields (url, munitions, evidence, digest) and the provenance are
    converted; nothing is looked up. Writes in the caller's transaction.
    """
    if frame.is_empty():
        return ReportCounts()
    if not frame["row_key"].equals(incidents.incidents["id"], check_names=False):
        raise ValueError("the reports frame is not in the order of the incidents")
    writer = Writer(session)
    stamp = sqlite_time(utcnow()) if writer.sqlite else utcnow()
    at = {name: i for i, name in enumerate(incidents.incident_columns)}
    shared = [name for name in REPORT_FIELDS if name in INCIDENT_SCALARS and name in at]  # others are empty here
    pick = itemgetter(at["id"], at["id"], *(at[name] for name in shared))
    if frame["dataset"].n_unique() != 1 or not frame["in_scope"].all():
        raise ValueError("the reports must be of one dataset and in scope")
    constants = {"dataset": frame["dataset"][0], "in_scope": True, "withdrawn": False,
                 "created_at": stamp, "updated_at": stamp}
    ids = _next_ids(writer, frame.height)
    own = ("url", "munitions", "evidence", "content_hash")
    utf8 = ("evidence", "raw") if writer.sqlite else ()  # long texts, passed as they are (see Writer.insert)

    def values(part: pl.DataFrame, name: str) -> list:
        return (part[name].cast(pl.Binary) if name in utf8 else part[name]).to_list()

    # A slice at a time, so that few of these Python objects (the raw rows above all) live at once.
    for start in range(0, frame.height, BATCH_SIZE):
        part, numbers = frame.slice(start, BATCH_SIZE), ids[start:start + BATCH_SIZE]
        rows = list(map(tuple.__add__, map(pick, incidents.incident_rows[start:start + BATCH_SIZE]),
                        zip(*(values(part, name) for name in own), numbers)))
        writer.insert("reports", ("row_key", "incident_id", *shared, *own, "id"), rows, adapted=True,
                      constants=constants, utf8=utf8)
        del rows
        writer.insert("provenance", PROVENANCE_COLUMNS,
                      list(zip(numbers, *(values(part, name) for name in PROVENANCE_COLUMNS[1:]))), adapted=True,
                      constants={"source_file": source_file, "imported_at": stamp}, utf8=utf8)
    return ReportCounts(added=frame.height)


def _link_unlinked(writer: Writer, pairs: list[tuple[int, str]]) -> None:
    """Point the stored reports of `pairs` (report id, incident id) that have no incident at theirs."""
    unlinked: set[int] = set()
    ids = [report_id for report_id, _ in pairs]
    for start in range(0, len(ids), BATCH_SIZE):
        unlinked.update(writer.conn.execute(select(_reports.c.id).where(
            _reports.c.id.in_(ids[start:start + BATCH_SIZE]), _reports.c.incident_id.is_(None))).scalars())
    if unlinked:
        writer.update("reports", ("incident_id",), "id",
                      [(incident, report_id) for report_id, incident in pairs if report_id in unlinked])


def _next_ids(writer: Writer, count: int) -> list[int]:
    """`count` new report ids: drawn from the id sequence on PostgreSQL, after the largest id on SQLite.

    Assigning ids before inserting saves reading them back to write the
    provenance. SQLite lets one writer at a time in, so the largest id stays
    the largest until this transaction ends.
    """
    if writer.sqlite:
        first = writer.conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) + 1 FROM reports").scalar()
        return list(range(first, first + count))
    return list(writer.conn.exec_driver_sql(
        "SELECT nextval(pg_get_serial_sequence('reports', 'id')) FROM generate_series(1, %s)", (count,)).scalars())


def _stored(writer: Writer, dataset: str, keys: list[str]) -> dict[str, tuple[int, str, bool]]:
    """row key -> (id, content hash, withdrawn) of the stored reports among `keys`."""
    found: dict[str, tuple[int, str, bool]] = {}
    for start in range(0, len(keys), BATCH_SIZE):
        query = (select(_reports.c.row_key, _reports.c.id, _reports.c.content_hash, _reports.c.withdrawn)
                 .where(_reports.c.dataset == dataset, _reports.c.row_key.in_(keys[start:start + BATCH_SIZE])))
        found.update((key, (id_, digest, bool(withdrawn))) for key, id_, digest, withdrawn
                     in writer.conn.execute(query))
    return found


def _rows(writer: Writer, frame: pl.DataFrame, columns: tuple[str, ...]) -> list[tuple]:
    """Insert tuples, with dates as SQLite text where the database is SQLite."""
    exprs = [pl.col(name).dt.strftime("%Y-%m-%d") if writer.sqlite and REPORT_SCHEMA.get(name) == pl.Date
             else pl.col(name) for name in columns]
    return frame.select(exprs).rows()


def _really_changed(writer: Writer, frame: pl.DataFrame, positions: list[int], stored: dict) -> list[int]:
    """The positions, among `positions`, of the reports whose values differ from the stored ones.

    A report whose digest differs but whose values are equal (a digest from
    another polars version) only gets its stored digest refreshed; a
    withdrawn one always counts as changed, since reading it brings it back.
    """
    if not positions:
        return []
    part = frame[positions]
    ids = [stored[key][0] for key in part["row_key"]]
    old = _values(writer, ids)
    changed, same = [], []
    rows = zip(positions, ids, part["row_key"], part["content_hash"], _decoded(part))
    for position, report_id, key, digest, new in rows:
        if stored[key][2] or not same_values(old[report_id], new):
            changed.append(position)
        else:
            same.append((digest, report_id))
    if same:
        writer.update("reports", ("content_hash",), "id", same)
    return changed


def _values(writer: Writer, ids: list[int]) -> dict[int, dict]:
    """report id -> its stored values (REPORT_FIELDS; munitions and evidence as Python objects)."""
    found = {}
    for start in range(0, len(ids), BATCH_SIZE):
        query = select(_reports.c.id, *(_reports.c[name] for name in REPORT_FIELDS)).where(
            _reports.c.id.in_(ids[start:start + BATCH_SIZE]))
        found.update((row[0], dict(zip(REPORT_FIELDS, row[1:]))) for row in writer.conn.execute(query))
    return found


def _decoded(frame: pl.DataFrame) -> Iterator[dict]:
    """Each row's values (REPORT_FIELDS), with the JSON text of munitions and evidence decoded."""
    for row in frame.select(REPORT_FIELDS).iter_rows(named=True):
        for name in JSON_FIELDS:
            row[name] = json.loads(row[name]) if row[name] is not None else None
        yield row


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _entries(writer: Writer, ids: list[int]) -> dict[int, dict[str, tuple[int, str | None]]]:
    """report id -> {release name: (provenance entry id, raw digest)}: the files each report was read from."""
    entries: dict[int, dict[str, tuple[int, str | None]]] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        query = select(_provenance.c.report_id, _provenance.c.id, _provenance.c.source_file,
                       _provenance.c.raw_hash).where(_provenance.c.report_id.in_(ids[start:start + BATCH_SIZE]))
        for report_id, entry_id, file, raw_hash in writer.conn.execute(query):
            entries.setdefault(report_id, {})[release_name(file)] = (entry_id, raw_hash)
    return entries


def _refresh_provenance(writer: Writer, frame: pl.DataFrame, entries: dict, source_file: str, stamp) -> None:
    """Add or refresh the provenance entry from this file of reports already stored (`entries` as _entries gives)."""
    name = release_name(source_file)
    added, refreshed = [], []
    for report_id, row_number, raw, raw_hash in frame.select(PROVENANCE_COLUMNS).iter_rows():
        entry = entries.get(report_id, {}).get(name)
        if entry is None:
            added.append((report_id, row_number, raw, raw_hash))
        elif entry[1] != raw_hash:
            refreshed.append((source_file, row_number, raw, raw_hash, stamp, entry[0]))
    writer.insert("provenance", PROVENANCE_COLUMNS, added, adapted=True,
                  constants={"source_file": source_file, "imported_at": stamp})
    if refreshed:
        writer.update("provenance", ("source_file", "row_number", "raw", "raw_hash", "imported_at"), "id",
                      refreshed)


def withdraw_missing(session: Session, dataset: str, source_file: str, keys: set[str]) -> int:
    """Mark withdrawn the reports that a newer release of a file no longer has; returns how many.

    A release is a file of the same name (``conflict_data_irq.csv`` read again
    after the publisher updated it). A report that another file still holds is
    not withdrawn. A withdrawn report stays, with its provenance; reading its
    row again brings it back.
    """
    name = release_name(source_file)
    query = (select(_reports.c.id, _reports.c.row_key, _provenance.c.source_file)
             .join(_provenance, _provenance.c.report_id == _reports.c.id)
             .where(_reports.c.dataset == dataset, _reports.c.withdrawn.is_(False)))
    files: dict[int, set[str]] = {}
    vanished: set[int] = set()
    for report_id, row_key, file in session.execute(query):
        files.setdefault(report_id, set()).add(release_name(file))
        if row_key not in keys:
            vanished.add(report_id)
    gone = [(True, report_id) for report_id in sorted(vanished) if files[report_id] == {name}]
    if gone:
        Writer(session).update("reports", ("withdrawn",), "id", gone)
    return len(gone)


def has_reports(session: Session, dataset: str) -> bool:
    """Whether any report of `dataset` is stored yet."""
    query = select(_reports.c.id).where(_reports.c.dataset == dataset).limit(1)
    return session.execute(query).first() is not None
