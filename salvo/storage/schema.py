"""Creating and upgrading the schema with Alembic, and seeding reference rows."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from sqlalchemy import select, text

from salvo.model import ActorRow, Meta, PlaceRow
from salvo.storage.store import Store, initialise_meta
from salvo.errors import Conflict

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD = "0004"


class SchemaOutOfDate(Conflict, RuntimeError):
    """The database's schema is older than this version of Salvo expects."""


def current_revision(store: Store) -> str | None:
    """The Alembic revision the database is at, or None for an empty database."""
    with store.engine.connect() as conn:
        if not conn.dialect.has_table(conn, "alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(store: Store, target: str = "head") -> None:
    """Run Alembic migrations up to `target` on the store's database."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, target)


def ensure(store: Store, *, migrate: bool = True) -> None:
    """Bring the schema to head (importing Alembic only when there is work) and the reference rows up to date."""
    if current_revision(store) != HEAD:
        if not migrate:
            raise SchemaOutOfDate(f"{store.url} is not at schema revision {HEAD}; run `salvo init`")
        upgrade(store)
        with store.session() as session:
            initialise_meta(session)
    digest = reference_digest()
    with store.engine.connect() as conn:
        stored = conn.execute(select(Meta.value).where(Meta.key == "reference_digest")).scalar()
    if stored != digest:
        with store.session() as session:
            sync_reference(session)
            session.merge(Meta(key="reference_digest", value=digest))


def reference_digest() -> str:
    """A digest of the codebook's actors and the gazetteer's sites, to tell when the store's copy is stale."""
    digest = hashlib.sha256()
    for package, name in (("salvo.codebook", "actors.yaml"), ("salvo.gazetteer", "sites.yaml")):
        digest.update(resources.files(package).joinpath(name).read_bytes())
    return digest.hexdigest()[:32]


def sync_reference(session) -> None:
    """Copy the codebook's actors and the gazetteer's sites into the store (insert or update)."""
    from salvo import codebook, gazetteer

    existing_actors = {row.id: row for row in session.scalars(select(ActorRow))}
    pending = list(codebook.actors())
    # Parents first, so foreign keys hold at every insert.
    ordered: list = []
    placed: set[str] = set(existing_actors)
    while pending:
        ready = [a for a in pending if not a.parent or a.parent in placed or a.parent == a.id]
        for actor in ready:
            ordered.append(actor)
            placed.add(actor.id)
        pending = [a for a in pending if a.id not in placed]
        if not ready:
            ordered.extend(pending)
            break
    for actor in ordered:
        row = existing_actors.get(actor.id) or ActorRow(id=actor.id)
        row.name, row.affiliation, row.kind = actor.name, actor.affiliation, actor.kind
        row.parent_id, row.country = actor.parent, actor.country
        session.add(row)
        session.flush()
    existing_places = {row.id: row for row in session.scalars(select(PlaceRow))}
    for place in gazetteer.sites():
        row = existing_places.get(place.id) or PlaceRow(id=place.id)
        row.name, row.kind, row.country = place.name, place.kind, place.country
        row.latitude, row.longitude, row.precision, row.source = place.lat, place.lon, place.precision, place.source
        session.add(row)
