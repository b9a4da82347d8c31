"""Salvo's data model: incidents, their munition lines and sources, reports, actors,
places, responses and the audit log, as SQLAlchemy 2 declarative classes.

The same schema runs on SQLite (the embedded default) and PostgreSQL. Codes
stored in columns such as ``munition_type`` come from the codebook; the
database does not duplicate the vocabularies, so a vocabulary change needs no
migration. Counts that a source does not report are NULL, never zero.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> dt.datetime:
    """The current time in UTC, as stored in every timestamp column."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base of every Salvo table."""


class Meta(Base):
    """Key/value facts about the store: its id, its revision counter and (on PostgreSQL) its state token.

    The revision counts committed changes to incidents, for people; caches
    rely on the state token instead (salvo.storage.store.Store.state_token),
    which any write changes.
    """

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ActorRow(Base):
    """An actor known to this store: the codebook's, plus any added by analysts."""

    __tablename__ = "actors"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    affiliation: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"))
    country: Mapped[str | None] = mapped_column(String(2))


class PlaceRow(Base):
    """A place an incident refers to: a curated site or a GeoNames town."""

    __tablename__ = "places"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(2))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    precision: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(Text, default="")


class ImportRun(Base):
    """One import of a file: who ran it, when, the file's digest and what it did.

    Incidents created by an import point to it; that is their creation entry in
    the history, so a million-row import does not write a million audit rows.
    """

    __tablename__ = "imports"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    file: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class Incident(Base):
    """The canonical event: one attack on one target area at one time, with reconciled values."""

    __tablename__ = "incidents"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    date: Mapped[dt.date | None] = mapped_column(Date)
    date_precision: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    location: Mapped[str | None] = mapped_column(Text)
    place_id: Mapped[str | None] = mapped_column(ForeignKey("places.id"))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_precision: Mapped[str | None] = mapped_column(String(16))
    target: Mapped[str | None] = mapped_column(Text)
    target_category: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"))
    actor_name: Mapped[str | None] = mapped_column(Text)
    attribution: Mapped[str | None] = mapped_column(String(32))
    killed: Mapped[int | None] = mapped_column(Integer)
    killed_low: Mapped[int | None] = mapped_column(Integer)
    killed_high: Mapped[int | None] = mapped_column(Integer)
    injured: Mapped[int | None] = mapped_column(Integer)
    injured_low: Mapped[int | None] = mapped_column(Integer)
    injured_high: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    notes: Mapped[str | None] = mapped_column(Text)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    import_id: Mapped[str | None] = mapped_column(ForeignKey("imports.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Linkage: an incident merged into another keeps its row as a tombstone pointing there,
    # so an id once cited still resolves; out-of-scope incidents are kept but never counted.
    merged_into: Mapped[str | None] = mapped_column(String(128), index=True)
    in_scope: Mapped[bool] = mapped_column(Boolean, default=True)
    conflicts: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    derivation: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    munitions: Mapped[list[MunitionLine]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="MunitionLine.position"
    )


class MunitionLine(Base):
    """How many projectiles of one type an incident involved, and what became of them.

    Only reported outcomes are stored: ``count - intercepted - impacted - failed``
    is unknown, never guessed. An incident has at most one line per munition type.
    Salvo-format imports hold each figure to the codebook's ``limits.max_count``, so a 32-bit
    Integer column (PostgreSQL's) holds it and totals over the lines fit 64 bits.
    """

    __tablename__ = "munition_lines"
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)
    munition_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    count: Mapped[int | None] = mapped_column(Integer)
    count_estimate: Mapped[bool] = mapped_column(Boolean, default=False)
    intercepted: Mapped[int | None] = mapped_column(Integer)
    impacted: Mapped[int | None] = mapped_column(Integer)
    failed: Mapped[int | None] = mapped_column(Integer)

    incident: Mapped[Incident] = relationship(back_populates="munitions")
    # Lines are looked up by incident only; on SQLite the key is the table.
    __table_args__ = ({"sqlite_with_rowid": False},)


class Report(Base):
    """One source's account of an event: a dataset row, an article, an analyst entry.

    Its values are what that source says, before reconciliation; `incident_id`
    is set once linkage or review has placed it in an incident.
    """

    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[str] = mapped_column(String(256))
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.date | None] = mapped_column(Date)
    in_scope: Mapped[bool] = mapped_column(Boolean, default=True)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    date: Mapped[dt.date | None] = mapped_column(Date)
    date_precision: Mapped[str | None] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(2))
    location: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # A gazetteer id, not a foreign key: towns enter the places table only when an incident uses them.
    place_id: Mapped[str | None] = mapped_column(String(80))
    location_precision: Mapped[str | None] = mapped_column(String(16))
    target: Mapped[str | None] = mapped_column(Text)
    target_category: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"))
    actor_name: Mapped[str | None] = mapped_column(Text)
    attribution: Mapped[str | None] = mapped_column(String(32))
    killed: Mapped[int | None] = mapped_column(Integer)
    injured: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[str | None] = mapped_column(String(16))
    munitions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    provenance: Mapped[list[Provenance]] = relationship(back_populates="report", cascade="all, delete-orphan")
    __table_args__ = (UniqueConstraint("dataset", "row_key", name="uq_report_key"),)


class Provenance(Base):
    """Where a report was read: file, row, the raw row as JSON, and when.

    One report may have several (the same dataset row arriving in two files),
    one per file: reading a newer release of the file refreshes its entry.
    """

    __tablename__ = "provenance"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    source_file: Mapped[str] = mapped_column(Text)
    row_number: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    raw_hash: Mapped[str | None] = mapped_column(String(32))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="provenance")


class Response(Base):
    """A reaction (airstrike, sanction, ...) that may answer one or more incidents."""

    __tablename__ = "responses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    date: Mapped[dt.date | None] = mapped_column(Date)
    date_precision: Mapped[str | None] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32))
    responder_id: Mapped[str | None] = mapped_column(ForeignKey("actors.id"))
    responder_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)


class ResponseIncident(Base):
    """Links a response to an incident it answered."""

    __tablename__ = "response_incidents"
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True)


class AuditEntry(Base):
    """One change to a record: who, when, what changed (old and new values) and why."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[str] = mapped_column(String(128))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(16))
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)


class LinkRun(Base):
    """One run of the linker: when, by whom, with which settings, and what it did."""

    __tablename__ = "link_runs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    user: Mapped[str] = mapped_column(String(128))
    settings_digest: Mapped[str] = mapped_column(String(64))
    engine: Mapped[str] = mapped_column(String(16), default="polars")
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class LinkPair(Base):
    """A scored pair of reports between the two thresholds: the review queue.

    `report_a` is always the smaller report id. `reasons` lists each
    comparison's level and weight, so a reviewer sees why the pair scored as it did.
    """

    __tablename__ = "link_pairs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_a: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    report_b: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    probability: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    run_id: Mapped[str | None] = mapped_column(ForeignKey("link_runs.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    __table_args__ = (UniqueConstraint("report_a", "report_b", name="uq_link_pair"),)


class LinkDecision(Base):
    """An analyst's decision about linkage: a pair accepted or rejected, a report moved.

    Decisions are never deleted: undoing one sets `revoked_at`, and the
    incidents are rebuilt from their reports. The linker obeys every
    decision that is not revoked.
    """

    __tablename__ = "link_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    report_a: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    report_b: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    incident_id: Mapped[str | None] = mapped_column(String(128))
    pair_id: Mapped[int | None] = mapped_column(Integer)
    user: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(128))


class ClaimEntry(Base):
    """One entry of an incident's claims ledger: a claim, denial, official attribution or suspicion.

    Rebuilt from the incident's reports whenever they change; `report_id`
    names the report it came from.
    """

    __tablename__ = "claims"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(80))
    actor_name: Mapped[str | None] = mapped_column(Text)
    made_by: Mapped[str | None] = mapped_column(Text)
    stated_on: Mapped[dt.date | None] = mapped_column(Date)


class OutcomeEntry(Base):
    """One entry of an incident's outcome ledger: what one report says of one munition type."""

    __tablename__ = "outcomes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    munition_type: Mapped[str] = mapped_column(String(32))
    launched: Mapped[int | None] = mapped_column(Integer)
    intercepted: Mapped[int | None] = mapped_column(Integer)
    impacted: Mapped[int | None] = mapped_column(Integer)
    failed: Mapped[int | None] = mapped_column(Integer)


class IncidentOverride(Base):
    """An analyst's value for one field of an incident: it wins over the reconciliation rule and survives re-links."""

    __tablename__ = "incident_overrides"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(String(128), index=True)
    field: Mapped[str] = mapped_column(String(32))
    value: Mapped[Any] = mapped_column(JSON)
    user: Mapped[str] = mapped_column(String(128))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
