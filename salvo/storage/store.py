"""Opening a store: the database URL, the engine, sessions, schema and revision."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from salvo.model import Incident, Meta, MunitionLine

DEFAULT_URL = "sqlite:///salvo.db"
BUSY_TIMEOUT_MS = 10_000
_TRACKED = (Incident, MunitionLine)


def database_url(value: str | None = None) -> str:
    """The database URL to use: `value`, else $SALVO_DATABASE_URL, else ./salvo.db.

    A plain file path is taken as a SQLite database file.
    """
    value = value or os.environ.get("SALVO_DATABASE_URL") or DEFAULT_URL
    if "://" not in value:
        value = f"sqlite:///{Path(value)}"
    return value


class Store:
    """A connected database holding Salvo's schema.

    Use :meth:`session` for a unit of work: it commits on success, rolls back
    on error, and bumps the store's revision when incidents changed.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        event.listen(self._sessions, "after_flush", _note_incident_changes)
        event.listen(self._sessions, "before_commit", _bump_if_changed)

    @property
    def url(self) -> str:
        """The database URL, with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        """True when the store is a SQLite database."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def revision(self) -> int:
        """How many committed changes the incidents have seen; 0 for a new store."""
        with self.engine.connect() as conn:
            value = conn.execute(select(Meta.value).where(Meta.key == "revision")).scalar()
        return int(value or 0)

    def store_id(self) -> str:
        """A random id given to this database when its schema was created."""
        with self.engine.connect() as conn:
            return conn.execute(select(Meta.value).where(Meta.key == "store_id")).scalar() or ""

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def bump_revision(session: Session) -> None:
    """Count one more change to the incidents, in the session's transaction."""
    session.execute(
        update(Meta)
        .where(Meta.key == "revision")
        .values(value=text("CAST(CAST(value AS INTEGER) + 1 AS VARCHAR(32))"))
    )
    session.info.pop("incidents_changed", None)


def _note_incident_changes(session: Session, flush_context) -> None:
    if any(isinstance(obj, _TRACKED) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["incidents_changed"] = True


def _bump_if_changed(session: Session) -> None:
    if session.info.get("incidents_changed"):
        session.flush()
        bump_revision(session)


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    # Larger pages suit reports, whose raw rows run to a kilobyte; it only takes effect in a new file.
    cursor.execute("PRAGMA page_size=16384")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA cache_size=-32768")  # 32 MB: bulk imports touch many index pages
    cursor.close()


def _checks_back_on(dbapi_connection, connection_record) -> None:
    """Every pooled SQLite connection goes back as it came: foreign-key checks on, in WAL mode."""
    dbapi_connection.execute("PRAGMA foreign_keys=ON")
    if connection_record.info.pop("bulk_journal", False):
        try:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:  # busy: the next connection to open the file sets WAL mode again
            pass
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def prepare_bulk_write(session: Session) -> None:
    """Prepare this session's SQLite transaction for a bulk write.

    Skips SQLite's per-row foreign-key checks, for bulk writes whose
    references hold by construction (lines written with their incident, places
    and actors written before use). And when no other connection has the
    database open, writes the transaction through a rollback journal rather
    than the write-ahead log: a large import then writes its pages once, not
    into the log and again into the database (a million reports: 5 s of
    commit become 0.5 s); the connection goes back to WAL mode when returned
    to the pool. Must come before the transaction's first write; elsewhere,
    and on PostgreSQL, it does nothing.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if raw.in_transaction:
        return
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("PRAGMA busy_timeout=0")  # another connection open: stay in WAL mode, do not wait
    try:
        mode = raw.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        mode = "wal"
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if mode == "delete":
        raw.execute("PRAGMA synchronous=FULL")
        connection.connection.info["bulk_journal"] = True


def create_engine_for(url: str) -> Engine:
    """An engine for `url` with Salvo's settings (SQLite pragmas, in-memory pooling)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}} if memory else {}
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkin", _checks_back_on)
        return engine
    return create_engine(url, pool_pre_ping=True)


def connect(url: str | None = None, *, migrate: bool = True) -> Store:
    """Open the store at `url` (see :func:`database_url`), creating or upgrading its schema.

    With ``migrate=False`` an out-of-date schema raises instead of being upgraded.
    """
    store = Store(create_engine_for(database_url(url)))
    from salvo.storage import schema

    schema.ensure(store, migrate=migrate)
    return store


def initialise_meta(session: Session) -> None:
    """Give a new store its id and revision 0."""
    existing = set(session.scalars(select(Meta.key)))
    if "store_id" not in existing:
        session.add(Meta(key="store_id", value=uuid.uuid4().hex))
    if "revision" not in existing:
        session.add(Meta(key="revision", value="0"))

