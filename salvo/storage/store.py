"""Opening a store: the database URL, the engine, sessions, schema, revision and state token."""

from __future__ import annotations

import logging
import math
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from salvo.errors import Conflict, Unavailable
from salvo.model import Incident, Meta, MunitionLine
from salvo.safe_text import redact

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///salvo.db"
BUSY_TIMEOUT_MS = 60_000
"""How long a write waits for another writer's lock unless $SALVO_BUSY_TIMEOUT says otherwise (see busy_timeout)."""
WAITING = "waiting for another write to finish…"
"""What a bulk write logs, as a warning, while another writer holds the lock (see prepare_bulk_write)."""
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
        """How many committed changes the incidents have seen through Salvo; 0 for a new store.

        A count for people (``salvo init`` shows it). Cached copies go by
        :meth:`state_token` instead, which also sees changes made outside Salvo.
        """
        with self.engine.connect() as conn:
            value = conn.execute(select(Meta.value).where(Meta.key == "revision")).scalar()
        return int(value or 0)

    def store_id(self) -> str:
        """A random id given to this database when its schema was created."""
        with self.engine.connect() as conn:
            return conn.execute(select(Meta.value).where(Meta.key == "store_id")).scalar() or ""

    def state_token(self) -> str | None:
        """A value that changes whenever the data changes, however it was changed; None if it cannot tell.

        Salvo's writes, a codebook sync, plain SQL from another program and a
        database file restored from a backup all change it, so a copy of the
        data kept under a token (taken with :meth:`snapshot`) is exact for as
        long as the store shows the same token. It is cheap, for a check on
        every use of such a copy:

        * a SQLite file: the device, inode, size and modification time of the
          database file and of its write-ahead log when that holds any frames
          (two ``stat`` calls, no query; opening and reading leave it alone);
        * an in-memory SQLite database: its store id, its connection, and that
          connection's ``total_changes()`` and ``schema_version``;
        * PostgreSQL: the store id and the random ``state_token`` in ``meta``
          that triggers renew with every committed write to the tables the
          statistics read (migration 0004).

        See docs/caching.md for why each is exact.
        """
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                return _postgres_token(conn)
        if not self.is_sqlite:
            return None
        if self._sqlite_file is None:
            with self.engine.connect() as conn:
                return _memory_token(conn.connection.driver_connection)
        state = _file_state(self._sqlite_file)
        return None if state is None else _file_token(state)

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """One read-only transaction over the store, with the state token it shows when that can be proven.

        Every query on ``snapshot.connection`` sees the same committed state
        (an in-memory database, whose one connection everyone shares, is read
        outside a transaction, and given a token only if nothing changed
        meanwhile). Once the block has ended, ``snapshot.token`` is that
        state's :meth:`state_token`, or None when the state could not be told
        apart from a next one (a write under way, files changed a moment ago,
        a transaction already open): what was read is right, but must not be
        kept under a token.
        """
        with self.engine.connect() as conn:
            snapshot = Snapshot(conn)
            if self.engine.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                snapshot.token = _postgres_token(conn)
                yield snapshot
            elif self.is_sqlite and self._sqlite_file is None:
                with _memory_read(conn.connection.driver_connection, snapshot):
                    yield snapshot
            elif self.is_sqlite:
                with _file_read(conn.connection.driver_connection, self._sqlite_file, snapshot):
                    yield snapshot
            else:
                yield snapshot

    @property
    def _sqlite_file(self) -> str | None:
        """The SQLite database file's path; None for an in-memory database."""
        database = self.engine.url.database
        return None if database in (None, "", ":memory:") else database

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


# The state token: see Store.state_token, Store.snapshot and docs/caching.md.

SETTLE_NS = 30_000_000
"""How long a SQLite file must have been left alone before its token is given (its times
having sub-second precision): the kernel stamps writes from a clock that ticks every few
milliseconds, so a next write in the same tick, of the same size, would leave it unchanged."""
COARSE_SETTLE_NS = 2_000_000_000  # for file systems that keep whole seconds (FAT: even ones)
LOCK_WAIT_MS = 100


@dataclass
class Snapshot:
    """A read-only transaction's connection, and the state token it shows (final once its block ends)."""

    connection: Connection
    token: str | None = None


def _postgres_token(conn: Connection) -> str | None:
    """'postgresql:<store id>:<state token>', read in the connection's transaction; None before migration 0004."""
    values = dict(conn.execute(select(Meta.key, Meta.value).where(Meta.key.in_(("store_id", "state_token")))).all())
    token = values.get("state_token")
    return f"postgresql:{values.get('store_id')}:{token}" if token else None


def _memory_token(raw: sqlite3.Connection) -> str:
    """The token of an in-memory database, which lives and dies with its one connection.

    ``total_changes`` counts every row that the connection's statements have
    changed, whoever issued them, and never goes back, not even on rollback;
    ``schema_version`` counts the schema changes it leaves out.
    """
    store_id = raw.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
    version = raw.execute("PRAGMA schema_version").fetchone()[0]
    return f"sqlite-memory:{store_id[0] if store_id else ''}:{id(raw)}:{raw.total_changes}:{version}"


@contextmanager
def _memory_read(raw: sqlite3.Connection, snapshot: Snapshot) -> Iterator[None]:
    """Read an in-memory database; its token is given only if nothing changed meanwhile.

    Everyone shares its one connection, so no transaction is begun (it would
    take in the others' statements, and a rollback would undo them): the
    reads were of one state when the token is the same after them as before,
    with no transaction open (whose changes could still be rolled back).
    """
    before = None if raw.in_transaction else _memory_token(raw)
    yield
    after = None if raw.in_transaction else _memory_token(raw)
    snapshot.token = before if before == after else None


@contextmanager
def _file_read(raw: sqlite3.Connection, path: str, snapshot: Snapshot) -> Iterator[None]:
    """Read a SQLite file in one transaction, under the token pinned just before it began."""
    if raw.in_transaction:
        yield
        return
    snapshot.token = _pinned_file_token(raw, path)
    raw.execute("BEGIN")
    try:
        yield
    finally:
        raw.rollback()


def _pinned_file_token(raw: sqlite3.Connection, path: str) -> str | None:
    """The file's token, taken while no write can be under way; None when it cannot be pinned.

    A commit writes its pages before other connections can see them, so a
    token taken in between would name a state that is not yet visible: taking
    it under the write lock (BEGIN IMMEDIATE, released at once) rules that
    out. And it is given only once the files have been left alone for longer
    than their clock's tick (waiting out the rest of SETTLE_NS if need be),
    so that any later write changes a modification time. A write under way
    (the lock still busy after LOCK_WAIT_MS) or a file that cannot be locked
    gives None.
    """
    _wait_until_settled(path)
    try:
        raw.execute(f"PRAGMA busy_timeout={LOCK_WAIT_MS}")
        raw.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return None
    finally:
        raw.execute(f"PRAGMA busy_timeout={_milliseconds(busy_timeout())}")
    try:
        state = _file_state(path)
    finally:
        raw.rollback()
    return _file_token(state) if state is not None and _unsettled_ns(state) <= 0 else None


def _wait_until_settled(path: str) -> None:
    """Sleep out the rest of SETTLE_NS if the file changed a moment ago (never longer)."""
    state = _file_state(path)
    wait = 0 if state is None else _unsettled_ns(state)
    if 0 < wait <= SETTLE_NS:
        time.sleep(wait / 1e9)


def _unsettled_ns(state: tuple) -> int:
    """How long until a token of these files can be given: until their newest time is older than a tick."""
    times = [mtime for *_, mtime in state]
    coarse = all(t % 1_000_000_000 == 0 for t in times)
    return max(times) + (COARSE_SETTLE_NS if coarse else SETTLE_NS) - time.time_ns()


def _file_state(path: str) -> tuple[tuple[int, int, int, int], ...] | None:
    """(device, inode, size, modification time) of a SQLite file and, if it holds frames, of its WAL.

    None when there is no such file. A WAL that is missing and one that is
    empty both mean that the file holds everything; they are not told apart,
    because opening a database creates an empty WAL and closing it deletes it.
    """
    try:
        files = [os.stat(path)]
    except OSError:
        return None
    try:
        wal = os.stat(f"{path}-wal")
    except OSError:
        wal = None
    if wal is not None and wal.st_size:
        files.append(wal)
    return tuple((s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns) for s in files)


def _file_token(state: tuple) -> str:
    """The token of a file state (see :func:`_file_state`)."""
    return "sqlite-file:" + "/".join(":".join(map(str, facts)) for facts in state)


def busy_timeout() -> float:
    """Seconds a write waits for another writer to finish: $SALVO_BUSY_TIMEOUT, else 60.

    Readers never wait for writers (SQLite stays in WAL mode; PostgreSQL's
    readers are never blocked), so this bounds how long a second writer
    waits before it gives up (see :func:`prepare_bulk_write`).
    """
    value = os.environ.get("SALVO_BUSY_TIMEOUT", "").strip()
    if not value:
        return BUSY_TIMEOUT_MS / 1000
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"SALVO_BUSY_TIMEOUT={value!r} is not a number of seconds")
    return seconds


class DatabaseUnavailable(Unavailable, ConnectionError):
    """The database would not open: a bad URL, a server that is down, a refused login (never with its password)."""


class WriteLockTimeout(Conflict):
    """Another writer kept the store's write lock for longer than the busy timeout; nothing was written."""

    def __init__(self, seconds: float):
        super().__init__(f"gave up after {seconds:g} s waiting for the database lock held by another writer "
                         "(SALVO_BUSY_TIMEOUT sets how long to wait)")
        self.seconds = seconds


WAL_SIZE_LIMIT = 64 << 20
"""Bytes of SQLite write-ahead log kept on disk once it has been copied into the database."""
CHECKPOINT_WAIT_MS = 1000
"""How long the end of a bulk write waits for earlier readers before it empties the log (see _empty_log)."""


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    cursor = dbapi_connection.cursor()
    # Larger pages suit reports, whose raw rows run to a kilobyte; it only takes effect in a new file.
    cursor.execute("PRAGMA page_size=16384")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Always WAL: readers then never wait for a writer, nor a writer for readers.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
    cursor.execute(f"PRAGMA busy_timeout={_milliseconds(busy_timeout())}")
    cursor.execute("PRAGMA cache_size=-32768")  # 32 MB: bulk imports touch many index pages
    cursor.close()


def _milliseconds(seconds: float) -> int:
    return round(seconds * 1000)


def _checks_back_on(dbapi_connection, connection_record) -> None:
    """Every pooled SQLite connection goes back with foreign-key checks on, and after a bulk write, an empty log."""
    dbapi_connection.execute("PRAGMA foreign_keys=ON")
    if connection_record.info.pop("bulk_write", False):
        _empty_log(dbapi_connection)


def _empty_log(raw: sqlite3.Connection) -> None:
    """Copy what is left of the write-ahead log into the database and cut the log to nothing, if readers allow.

    A bulk write's log holds every page it wrote, and its commit copies them
    into the database, but the file keeps its size (a million incidents:
    gigabytes) while any connection is open. This waits up to
    CHECKPOINT_WAIT_MS for readers of an older state to finish; when they
    take longer, later writes cut the log back to WAL_SIZE_LIMIT, and the
    last connection to close removes it.
    """
    raw.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
    try:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        raw.execute(f"PRAGMA busy_timeout={_milliseconds(busy_timeout())}")


def prepare_bulk_write(session: Session) -> None:
    """Take the store's write lock for this session's bulk write, waiting while another writer holds it.

    Taken before the write reads anything, so that what it finds (whether
    the store is empty, the largest report id) still holds when it writes:
    on SQLite the transaction begins IMMEDIATE, on PostgreSQL it takes an
    advisory lock that bulk writes to the same schema share. When another
    writer holds the lock, it logs :data:`WAITING` as a warning (the CLI
    shows it on stderr) and waits up to :func:`busy_timeout` seconds, then
    raises :class:`WriteLockTimeout`.

    On SQLite it also skips the per-row foreign-key checks, for bulk writes
    whose references hold by construction (lines written with their
    incident, places and actors written before use), and empties the
    write-ahead log once the connection goes back to the pool. The database
    stays in WAL mode: readers, in other processes too, are never blocked.
    Must come before the transaction's first statement; on SQLite it does
    nothing in a transaction already begun.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _lock_bulk_writes(connection, busy_timeout())
        return
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if raw.in_transaction:
        return
    raw.execute("PRAGMA foreign_keys=OFF")
    _begin_immediate(raw, busy_timeout())
    connection.connection.info["bulk_write"] = True


def _begin_immediate(raw: sqlite3.Connection, seconds: float) -> None:
    """Begin a SQLite write transaction: at once, or after saying so and waiting up to `seconds` for the lock."""
    raw.execute("PRAGMA busy_timeout=0")
    try:
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
        log.warning(WAITING)
        raw.execute(f"PRAGMA busy_timeout={_milliseconds(seconds)}")
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _busy(exc):
                raise WriteLockTimeout(seconds) from None
            raise
    finally:
        raw.execute(f"PRAGMA busy_timeout={_milliseconds(seconds)}")


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite failed because another connection holds the lock."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


def _lock_bulk_writes(connection: Connection, seconds: float) -> None:
    """Take, for this PostgreSQL transaction, the advisory lock of bulk writes to the current schema."""
    key = "hashtext('salvo bulk write'), hashtext(current_schema())"
    if connection.exec_driver_sql(f"SELECT pg_try_advisory_xact_lock({key})").scalar():
        return
    log.warning(WAITING)
    # lock_timeout 0 would mean no limit
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {max(_milliseconds(seconds), 1)}")
    try:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({key})")
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise WriteLockTimeout(seconds) from None
        raise
    connection.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")


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

    With ``migrate=False`` an out-of-date schema raises instead of being upgraded. A database
    that cannot be opened (a malformed URL, an unreachable server, a refused login) raises
    ConnectionError naming it, its password hidden (see :func:`_cannot_open`).
    """
    from salvo.storage import schema

    url = database_url(url)
    try:
        store = Store(create_engine_for(url))
        schema.ensure(store, migrate=migrate)
    except (SQLAlchemyError, ValueError) as exc:
        raise _cannot_open(url, exc) from None
    return store


def _cannot_open(url: str, exc: Exception) -> DatabaseUnavailable:
    """The error for a database that would not open, with no trace of the URL's password.

    The URL is shown as SQLAlchemy renders it with ``hide_password=True``, a ``password``
    in its query hidden too (or masked by pattern when it does not parse); the driver's
    reason is scrubbed of the password; and the caller raises it ``from None``, so the
    driver's own exception, whose text can quote the connection string, is not chained.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return DatabaseUnavailable(f"cannot open the database {redact(url)}: {redact(str(exc))}")
    secrets = (parsed.password, *parsed.normalized_query.get("password", ()))
    shown = parsed.render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", None) or exc)
    return DatabaseUnavailable(f"cannot open the database {redact(shown, *secrets)}: {redact(reason, *secrets)}")


def initialise_meta(session: Session) -> None:
    """Give a new store its id and revision 0."""
    existing = set(session.scalars(select(Meta.key)))
    if "store_id" not in existing:
        session.add(Meta(key="store_id", value=uuid.uuid4().hex))
    if "revision" not in existing:
        session.add(Meta(key="revision", value="0"))

