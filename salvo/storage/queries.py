"""Reading incidents and reports as plain records, in keyset pages: the read path of listings, exports and the web.

Every read here is SQLAlchemy Core over the store's tables, never ORM
objects, and selects in SQL what the caller's filters keep. A page is ordered
by a stable key and starts after the last key of the page before (keyset
pagination), so a page deep in the list costs what the first does; a stream
is one ordered query read in batches, each batch's munition lines read beside
it, so memory stays flat and no list of ids is sent back to the database.

Two orders are offered: ``"date"`` (date, then id; undated incidents last),
the order listings show, and ``"id"``, the order of exports, which walks the
primary key. A page's ``next_cursor`` is a short string to hand back as
``after``:

>>> from salvo.storage import connect
>>> store = connect("sqlite:///:memory:")
>>> page(store, None, limit=50)
([], None)

Filters are the analysis stage's ``Filters`` (or anything with the same
attributes), already normalised to codes; ``None`` selects every stored
incident, merged-away and out-of-scope ones included, which is what an
export writes. With filters, only live, in-scope incidents are read, as
statistics count them: the selection is the one ``salvo.analysis.incident_ids``
makes from its fact table, made here in SQL.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Integer, String, Text, and_, case, exists, extract, false, func, literal, or_, select, true, type_coerce,
)
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from salvo.model import ActorRow, Incident, LinkDecision, MunitionLine, Provenance, Report
from salvo.records import (
    INCIDENT_SCALARS, MUNITION_FIELDS, REPORT_FIELDS, IncidentRecord, MunitionRecord, ReportRecord, munition_record,
)
from salvo.storage.store import Store
from salvo.errors import InputError

ORDERS = ("date", "id")
COUNTED_STATUSES = ("reviewed", "published")
BATCH = 2000

_incidents = Incident.__table__
_lines = MunitionLine.__table__
_actors = ActorRow.__table__
_reports = Report.__table__
_provenance = Provenance.__table__
_decisions = LinkDecision.__table__
_INCIDENT_COLUMNS = [*(type_coerce(_incidents.c[name], String) if name == "date" else _incidents.c[name]
                      for name in INCIDENT_SCALARS), type_coerce(_incidents.c.sources, Text)]
_WIDTH = len(INCIDENT_SCALARS)
_decode = json.JSONDecoder().raw_decode
_date = dt.date.fromisoformat
_LINE_COLUMNS = [_lines.c.incident_id, *(type_coerce(_lines.c[name], Integer) if name == "count_estimate"
                                         else _lines.c[name] for name in MUNITION_FIELDS)]
_REPORT_COLUMNS = [_reports.c[name] for name in
                   ("id", "dataset", "row_key", "incident_id", "withdrawn", *REPORT_FIELDS)]


# Selecting incidents


def incident_conditions(filters) -> list[ColumnElement]:
    """The SQL conditions on the incidents table that select what `filters` keep ([] for None: every row).

    The same selection as the statistics' fact table: live, in-scope incidents,
    reviewed or published unless candidates are asked for, and each dimension
    as the fact table defines it (an incident with no munition line counts as
    ``unknown``; quarter and month need a date precise to the month).
    """
    if filters is None:
        return []
    c = _incidents.c
    conditions = [_live(), c.in_scope.is_(True)]
    if not filters.include_candidates:
        conditions.append(c.status.in_(COUNTED_STATUSES))
    for name in ("country", "target_category", "attribution"):
        if getattr(filters, name):
            conditions.append(c[name].in_(getattr(filters, name)))
    if filters.actor:
        conditions.append(func.coalesce(c.actor_id, c.actor_name).in_(filters.actor))
    if filters.affiliation:
        conditions.append(c.actor_id.in_(select(_actors.c.id).where(_actors.c.affiliation.in_(filters.affiliation))))
    if filters.munition:
        conditions.append(_munition_condition(filters.munition))
    if filters.year:
        conditions.append(or_(*(_between(dt.date(y, 1, 1), dt.date(y + 1, 1, 1)) for y in filters.year)))
    fine = c.date_precision.in_(("day", "week", "month"))
    if filters.quarter:
        conditions.append(and_(fine, or_(*(_between(*_quarter_range(q)) for q in filters.quarter))))
    if filters.month:
        conditions.append(and_(fine, or_(*(_between(*_month_range(m)) for m in filters.month))))
    if filters.since:
        conditions.append(c.date >= filters.since)
    if filters.until:
        conditions.append(c.date <= filters.until)
    return conditions


def _live() -> ColumnElement:
    """Not merged into another incident.

    Written through COALESCE so that SQLite does not walk the merged_into
    index, which every live incident shares, in place of a scan or an index
    that serves the order.
    """
    return func.coalesce(_incidents.c.merged_into, None).is_(None)


def _munition_condition(types: list[str]) -> ColumnElement:
    """Has a line of one of these types (or, for ``unknown``, no line at all)."""
    lines = _lines.c
    typed = exists().where(lines.incident_id == _incidents.c.id, lines.munition_type.in_(types))
    if "unknown" not in types:
        return typed
    return or_(typed, ~exists().where(lines.incident_id == _incidents.c.id))


def _between(first: dt.date, end: dt.date) -> ColumnElement:
    """On or after `first` and before `end`: a date range that an index on date can serve."""
    return and_(_incidents.c.date >= first, _incidents.c.date < end)


def _quarter_range(quarter: str) -> tuple[dt.date, dt.date]:
    year, number = int(quarter[:4]), int(quarter[-1])
    return dt.date(year, 3 * number - 2, 1), _next_month(dt.date(year, 3 * number, 1))


def _month_range(month: str) -> tuple[dt.date, dt.date]:
    first = dt.date(int(month[:4]), int(month[5:7]), 1)
    return first, _next_month(first)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def ytd_cut(conn: Connection, conditions: list[ColumnElement], *, until: dt.date | None = None,
            today: dt.date | None = None) -> dt.date | None:
    """The day every year is cut at for "year to date" among the incidents the conditions select.

    The rule of ``salvo.analysis.stats.ytd_cut``: `until` when given; else the
    latest date given to the day or week (or any latest date, when none is),
    but never later than `today`; None when nothing is dated.
    """
    if until is not None:
        return until
    c = _incidents.c
    precise = case((c.date_precision.in_(("day", "week")), c.date))
    latest_day, latest_any = conn.execute(select(func.max(precise), func.max(c.date)).where(*conditions)).one()
    latest = _as_date(latest_day or latest_any)
    if latest is None:
        return None
    return min(latest, today or dt.date.today())


def year_to_date_condition(cut: dt.date | None) -> ColumnElement:
    """Dated incidents that fall, in their year, on or before the month and day of `cut`.

    The rule of ``salvo.analysis.stats.year_to_date``: an incident dated to a
    month counts when that month ends by the cut, one dated to a year only
    when the cut is 31 December; undated incidents are left out.
    """
    c = _incidents.c
    dated = c.date.is_not(None)
    if cut is None:
        return dated
    month, day = extract("month", c.date), extract("day", c.date)
    end_of_month = cut.day == calendar.monthrange(cut.year, cut.month)[1] or (cut.month == 2 and cut.day >= 28)
    day_kept = or_(month < cut.month, and_(month == cut.month, day <= cut.day))
    month_kept = or_(month < cut.month, and_(month == cut.month, literal(end_of_month)))
    year_kept = literal(cut.month == 12 and cut.day == 31)
    keep = case((c.date_precision == "month", month_kept), (c.date_precision == "year", year_kept), else_=day_kept)
    return and_(dated, keep)


def _as_date(value) -> dt.date | None:
    """A date from a query: SQLite's aggregates hand back ISO text."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _selection(conn: Connection, filters, ytd: bool, conflicts: bool) -> list[ColumnElement]:
    conditions = incident_conditions(filters)
    if conflicts:
        conditions += [_incidents.c.conflicts.is_not(None), _live()]
    if ytd:
        cut = ytd_cut(conn, conditions, until=getattr(filters, "until", None))
        conditions.append(year_to_date_condition(cut))
    return conditions


# Keys and cursors


def _ordered(order: str, cursor: str | None, conditions: list[ColumnElement]):
    """The query of the incidents the conditions select after `cursor`, in `order`.

    The date order puts undated incidents last on every backend; without an
    index on the date, one scan and one sort of what the filters keep serve a
    page, whatever the filters select.
    """
    c = _incidents.c
    query = select(*_INCIDENT_COLUMNS).where(*conditions)
    if order == "id":
        return (query.where(c.id > cursor) if cursor is not None else query).order_by(c.id)
    query = query.order_by(c.date.is_(None), c.date, c.id)
    if cursor is None:
        return query
    day, last_id = decode_cursor(cursor)
    if day is None:
        return query.where(c.date.is_(None), c.id > last_id)
    return query.where(or_(c.date > day, and_(c.date == day, c.id > last_id), c.date.is_(None)))


def encode_cursor(record: IncidentRecord, order: str = "date") -> str:
    """The cursor of the page after this record: its id, or for the date order ``DATE:ID`` (``:ID`` undated)."""
    if order == "id":
        return record.id
    return f"{record.date.isoformat() if record.date else ''}:{record.id}"


class CursorError(InputError, ValueError):
    """A cursor that no page of this order could have given."""


def decode_cursor(cursor: str) -> tuple[dt.date | None, str]:
    """The (date, id) a date-order cursor names."""
    day, sep, last_id = cursor.partition(":")
    if not sep or not last_id:
        raise CursorError(f"{cursor!r} is not a cursor (DATE:ID, as the previous page printed it)")
    try:
        return (dt.date.fromisoformat(day) if day else None), last_id
    except ValueError:
        raise CursorError(f"{cursor!r} is not a cursor: {day!r} is not a date") from None


# Reading incidents


def page(store: Store, filters=None, *, after: str | None = None, limit: int = 50, order: str = "date",
         ytd: bool = False, conflicts: bool = False) -> tuple[list[IncidentRecord], str | None]:
    """One page of incidents: at most `limit` records after the cursor `after`, and the cursor of the next page.

    The next cursor is None on the last page. `ytd` cuts every year at one
    day, as statistics do (:func:`ytd_cut`); `conflicts` keeps only incidents
    whose reports disagree beyond their precision.
    """
    _check(order, limit, after)
    with store.engine.connect() as conn:
        query = _ordered(order, after, _selection(conn, filters, ytd, conflicts))
        records = _read(conn, query.limit(limit + 1))
    if len(records) <= limit:
        return records, None
    records = records[:limit]
    return records, encode_cursor(records[-1], order)


def iter_incidents(store: Store, filters=None, *, order: str = "id", ytd: bool = False, conflicts: bool = False,
                   after: str | None = None, batch: int = BATCH) -> Iterator[IncidentRecord]:
    """Every incident the filters keep (after the cursor `after`, if given), as records in `order`.

    One query, streamed `batch` rows at a time (a server-side cursor on
    PostgreSQL), so memory stays flat and the database sorts once; each
    batch's munition lines are read beside it.
    """
    _check(order, batch, after)
    return _stream(store, filters, order, after, ytd, conflicts, batch)


def _stream(store: Store, filters, order: str, after: str | None, ytd: bool, conflicts: bool,
            batch: int) -> Iterator[IncidentRecord]:
    with store.engine.connect() as conn:
        conditions = _selection(conn, filters, ytd, conflicts)
        for rows in _batches(conn, _ordered(order, after, conditions), batch):
            records = [_record(row) for row in rows]
            _attach_lines(conn, records, consecutive=order == "id" and not conditions)
            yield from records


def incidents_by_id(store: Store, ids: Iterable[str], *, batch: int = BATCH) -> Iterator[IncidentRecord]:
    """The stored incidents among `ids`, as records in id order, asking for `batch` ids at a time."""
    wanted = sorted(set(ids))
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), batch):
            chunk = wanted[start:start + batch]
            query = select(*_INCIDENT_COLUMNS).where(_incidents.c.id.in_(chunk)).order_by(_incidents.c.id)
            yield from _read(conn, query)


def count(store: Store, filters=None, *, ytd: bool = False, conflicts: bool = False) -> int:
    """How many incidents the filters keep (a scan: for a page's 'of N', not for every request)."""
    with store.engine.connect() as conn:
        conditions = _selection(conn, filters, ytd, conflicts)
        return conn.execute(select(func.count()).select_from(_incidents).where(*conditions)).scalar_one()


def _check(order: str, limit: int, cursor: str | None) -> None:
    """Refuse an unknown order, an empty page or a malformed cursor before any reading starts."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    if limit < 1:
        raise ValueError("a page holds at least one incident")
    if order == "date" and cursor is not None:
        decode_cursor(cursor)


def _batches(conn: Connection, query, size: int) -> Iterator[list]:
    """The rows of a query in lists of `size`, streamed, as the driver gives them.

    On SQLite straight from the driver's cursor, which reads lazily and is
    cheaper than result rows; elsewhere through a server-side cursor, so
    that the client never holds more than a batch.
    """
    if conn.dialect.name != "sqlite":
        yield from conn.execution_options(yield_per=size).execute(query).partitions()
        return
    result = conn.execute(query)
    try:
        while rows := result.cursor.fetchmany(size):
            yield rows
    finally:
        result.close()


def _read(conn: Connection, query) -> list[IncidentRecord]:
    """The incidents a query of _INCIDENT_COLUMNS selects, with their munition lines and sources."""
    records = [_record(row) for rows in _batches(conn, query, BATCH) for row in rows]
    _attach_lines(conn, records, consecutive=False)
    return records


def _record(row) -> IncidentRecord:
    """An incident record from a row of _INCIDENT_COLUMNS (its lines still to come).

    Dates and sources are taken as the driver gives them, and converted here
    at a fraction of the cost of SQLAlchemy's own processing: SQLite hands
    back ISO text and JSON text, PostgreSQL dates and lists.
    """
    record = IncidentRecord(*row[:_WIDTH])
    if record.date.__class__ is str:
        record.date = _date(record.date)
    sources = row[_WIDTH]
    if sources.__class__ is str:
        sources = [] if sources == "[]" else _decode(sources)[0]
    record.sources = list(sources or ())
    return record


def _attach_lines(conn: Connection, records: list[IncidentRecord], *, consecutive: bool) -> None:
    """Read the munition lines of these incidents and give each its own, in their stored order.

    When the records are a run of consecutive ids (an unfiltered read in id
    order), their lines are one range of the lines' primary key; otherwise
    they are asked for by id.
    """
    if not records:
        return
    by_id = {record.id: record.munitions for record in records}
    lines = _lines.c
    if consecutive:
        where = [lines.incident_id >= records[0].id, lines.incident_id <= records[-1].id]
    else:
        where = [lines.incident_id.in_(list(by_id))]
    query = select(*_LINE_COLUMNS).where(*where).order_by(lines.incident_id, lines.position)
    rows = (row for batch in _batches(conn, query, BATCH) for row in batch)
    for incident_id, munition_type, launched, estimate, intercepted, impacted, failed in rows:
        munitions = by_id.get(incident_id)
        if munitions is not None:
            munitions.append(MunitionRecord(munition_type, launched, bool(estimate), intercepted, impacted, failed))


# Reports


@dataclass
class ReportFilters:
    """Which reports to list. Lists keep reports whose value is one of their items; None means either."""

    dataset: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    in_scope: bool | None = None
    linked: bool | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def report_conditions(filters: ReportFilters | None) -> list[ColumnElement]:
    """The SQL conditions on the reports table that select what `filters` keep."""
    if filters is None:
        return []
    c = _reports.c
    conditions = []
    if filters.dataset:
        conditions.append(c.dataset.in_(filters.dataset))
    if filters.country:
        conditions.append(c.country.in_(filters.country))
    if filters.in_scope is not None:
        conditions.append(c.in_scope.is_(true() if filters.in_scope else false()))
    if filters.linked is not None:
        conditions.append(c.incident_id.is_not(None) if filters.linked else c.incident_id.is_(None))
    if filters.since:
        conditions.append(c.date >= filters.since)
    if filters.until:
        conditions.append(c.date <= filters.until)
    return conditions


def report_page(store: Store, filters: ReportFilters | None = None, *, after: str | None = None,
                limit: int = 50) -> tuple[list[ReportRecord], str | None]:
    """One page of reports in the order they were stored (by id), and the cursor of the next page (or None)."""
    if limit < 1:
        raise ValueError("a page holds at least one report")
    with store.engine.connect() as conn:
        reports = _report_batch(conn, report_conditions(filters), _report_cursor(after), limit + 1)
    if len(reports) <= limit:
        return reports, None
    return reports[:limit], str(reports[limit - 1].id)


def iter_reports(store: Store, filters: ReportFilters | None = None, *, after: str | None = None,
                 batch: int = BATCH) -> Iterator[ReportRecord]:
    """Every report the filters keep (after the cursor `after`, if given), by id, `batch` at a time."""
    return _report_stream(store, filters, _report_cursor(after), batch)


def _report_stream(store: Store, filters: ReportFilters | None, last: int, batch: int) -> Iterator[ReportRecord]:
    with store.engine.connect() as conn:
        conditions = report_conditions(filters)
        while reports := _report_batch(conn, conditions, last, batch):
            yield from reports
            last = reports[-1].id


def count_reports(store: Store, filters: ReportFilters | None = None) -> int:
    """How many reports the filters keep."""
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(_reports).where(*report_conditions(filters))).scalar_one()


def _report_cursor(after: str | None) -> int:
    if after is None:
        return 0
    try:
        return int(after)
    except ValueError:
        raise CursorError(f"{after!r} is not a report cursor (a report id, as the previous page printed it)") from None


def _report_batch(conn: Connection, conditions: list[ColumnElement], after: int, limit: int) -> list[ReportRecord]:
    query = (select(*_REPORT_COLUMNS).where(*conditions, _reports.c.id > after)
             .order_by(_reports.c.id).limit(limit))
    return [_report_record(row) for row in conn.execute(query)]


def _report_record(row) -> ReportRecord:
    values = row._asdict()
    values["munitions"] = [munition_record(line) for line in values["munitions"] or []]
    values["withdrawn"] = bool(values["withdrawn"])
    return ReportRecord(**values)


def report_detail(store: Store, report_id: int) -> dict[str, Any] | None:
    """Everything about one report: its values, where it was read (with the raw rows), and its incident.

    ``incident`` is the record of the live incident the report belongs to
    (its stored incident followed through any merges; ``resolved_from``
    names the stored id when it was merged away); ``decisions`` are the
    analysts' link decisions that name the report.
    """
    with store.engine.connect() as conn:
        reports = _report_batch(conn, [_reports.c.id == report_id], report_id - 1, 1)
        if not reports:
            return None
        report = reports[0]
        p = _provenance.c
        provenance = [
            {"file": f, "row": n, "raw": raw, "imported_at": at.isoformat(sep=" ", timespec="seconds") if at else None}
            for f, n, raw, at in conn.execute(select(p.source_file, p.row_number, p.raw, p.imported_at)
                                              .where(p.report_id == report_id).order_by(p.id))
        ]
        live = _live_incident(conn, report.incident_id)
        found = _read(conn, select(*_INCIDENT_COLUMNS).where(_incidents.c.id == live)) if live else []
        incident = found[0] if found else None
        d = _decisions.c
        decisions = [
            {"id": row.id, "kind": row.kind, "reports": [row.report_a, row.report_b], "user": row.user,
             "at": row.at.isoformat(sep=" ", timespec="seconds"), "reason": row.reason,
             "revoked_at": row.revoked_at.isoformat(sep=" ", timespec="seconds") if row.revoked_at else None}
            for row in conn.execute(select(_decisions).where(or_(d.report_a == report_id, d.report_b == report_id))
                                    .order_by(d.id))
        ]
    return {"report": report, "provenance": provenance, "incident": incident,
            "resolved_from": report.incident_id if live and live != report.incident_id else None,
            "decisions": decisions}


def _live_incident(conn: Connection, incident_id: str | None) -> str | None:
    """The live incident an id stands for, following merges; None when there is none."""
    seen = set()
    while incident_id and incident_id not in seen:
        seen.add(incident_id)
        merged_into = conn.execute(select(_incidents.c.merged_into).where(_incidents.c.id == incident_id)).first()
        if merged_into is None:
            return None
        if merged_into[0] is None:
            return incident_id
        incident_id = merged_into[0]
    return None


__all__ = [
    "CursorError", "ORDERS", "ReportFilters", "count", "count_reports", "decode_cursor", "encode_cursor",
    "incident_conditions", "incidents_by_id", "iter_incidents", "iter_reports", "page", "report_conditions",
    "report_detail", "report_page", "year_to_date_condition", "ytd_cut",
]
