"""Flask extensions, created unbound here and bound to an app in ``create_app``."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

from flask import has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, Row, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase

try:
    import fcntl
except ImportError:  # not a POSIX system: SQLite writers wait in SQLite's own way
    fcntl = None  # type: ignore[assignment]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraints get predictable names (Alembic needs them)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Requests commit once, at the end: objects stay readable after it without a reload (the
# redirect reads the new row's id, the audit hook the user's role), and nothing in a request
# relies on a commit to refresh what it already read.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _safe_method() -> bool:
    """Every limit in the app is on a form POST (sign-in, resets, invitations): reads skip the
    limiter's per-request work. A limit on a GET would need this filter changed."""
    return request.method in ("GET", "HEAD", "OPTIONS")

SQLITE_BUSY_TIMEOUT_MS = 5000  # security.md: busy_timeout >= 5 s with BEGIN IMMEDIATE
WRITERS_LOCK = "writers_lock"  # a connection's descriptor of the database's writer lock file
WRITERS_LOCK_HELD = "writers_lock_held"
WRITERS_POLL_SECONDS = 0.0005


def insert_or_skip(table: Any, dialect: str | None = None) -> Any:
    """An INSERT into ``table`` that can take ``on_conflict_do_nothing``, for the database in
    use (``dialect``, else the session's): PostgreSQL and SQLite both have it, each through
    its own construct."""
    name = dialect or db.session.get_bind().dialect.name
    return (postgresql_insert if name == "postgresql" else sqlite_insert)(table)


def read_rows(statement: Any, params: dict[str, Any]) -> Sequence[Row[Any]]:
    """Run a prebuilt read of plain columns on the session's connection: the same transaction
    as ``db.session.execute``, without the ORM layer (about half the Python work of a small
    query). Pending ORM changes are flushed first, as the session's autoflush would.

    The rows come in one fetch: iterating the result fetches them one at a time, a Python
    call each through psycopg (the caseload's 200 rows took 0.5 ms longer that way)."""
    session = db.session
    session.flush()
    return session.connection().execute(statement, params).all()


def form_email() -> str:
    """The e-mail address typed into the form, as per-account limits compare it."""
    return (request.form.get("email") or "").strip().casefold()[:254]


def form_email_key() -> str:
    """Rate-limit key for per-account limits: the e-mail typed into the form."""
    return "account:" + form_email()


def wait_for_writers_turn(descriptor: int, timeout: float) -> bool:
    """Take the writer lock file (``flock``) for a connection about to write, waiting at most
    ``timeout`` seconds; False if it could not be had (the write then waits in SQLite's own
    way). The lock is only a queue in front of SQLite's write lock, never a replacement."""
    deadline = None
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            now = time.monotonic()
            deadline = deadline or now + timeout
            if now >= deadline:
                return False
            time.sleep(WRITERS_POLL_SECONDS)


def configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, foreign keys and ``BEGIN IMMEDIATE`` writes for SQLite engines.

    With a plain deferred ``BEGIN`` concurrent writers fail with "database is locked" instead of
    waiting (security.md trap 7). pysqlite's own transaction handling is switched off so that
    SQLAlchemy's ``begin`` event decides how each transaction starts.

    Writers queue on a lock file beside the database before ``BEGIN IMMEDIATE``. SQLite makes a
    writer that finds the database locked sleep and retry, for 1, 2, 5, 10 ... 100 ms at a time:
    under a steady stream of log POSTs from two workers, one slept while the other took the lock
    again and again (a log POST p99 of 0.6 to 1.3 s in ``make bench``). A writer waiting on the
    file takes its turn within half a millisecond of the lock's release. The file lock is taken
    for the transaction and let go when the connection goes back to the pool (the session gives
    it back at every commit), or by the system if the process dies; a writer that cannot have
    it within the busy timeout goes on to SQLite's own wait.
    """
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    on_disk = database not in (None, "", ":memory:") and not database.startswith("file:")
    lock_path = f"{database}-writers" if on_disk and fcntl is not None else None

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()
        if lock_path is not None:
            record.info[WRITERS_LOCK] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)

    @event.listens_for(engine, "checkin")
    def _let_writers_lock_go(_dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(WRITERS_LOCK_HELD, False):
            fcntl.flock(record.info[WRITERS_LOCK], fcntl.LOCK_UN)

    @event.listens_for(engine, "close")
    def _close_writers_lock(_dbapi_connection: Any, record: Any) -> None:
        descriptor = record.info.pop(WRITERS_LOCK, None) if record is not None else None
        if descriptor is not None:
            record.info.pop(WRITERS_LOCK_HELD, None)
            os.close(descriptor)  # lets the lock go with it

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Reads (GET, HEAD) start deferred so that workers read side by side under WAL; every
        # other transaction takes the write lock up front and waits for it (busy_timeout).
        # A GET that must write should do so in its own transaction.
        # The statement goes to the driver's connection directly: through ``exec_driver_sql``
        # it took SQLAlchemy's whole execution path and events for every transaction.
        reading = has_request_context() and request.method in ("GET", "HEAD")
        pooled = connection.connection
        info = pooled.info
        if (not reading and WRITERS_LOCK in info and WRITERS_LOCK_HELD not in info
                and wait_for_writers_turn(info[WRITERS_LOCK], SQLITE_BUSY_TIMEOUT_MS / 1000)):
            info[WRITERS_LOCK_HELD] = True
        pooled.dbapi_connection.execute("BEGIN" if reading else "BEGIN IMMEDIATE")


GENERIC_PLANS_SINCE = 120000  # plan_cache_mode is in PostgreSQL 12 and later
IDLE_SINCE = "idle_since"
PING_AFTER_IDLE_SECONDS = 10.0  # a connection unused this long is pinged before use


def configure_postgresql(engine: Engine) -> None:
    """Reads (GET, HEAD) run in autocommit on PostgreSQL, as Django runs every request by
    default: no BEGIN and ROLLBACK round trips around a page's few SELECTs, each of which
    sees committed data as of its own start. Every other request keeps one transaction.
    Pooled connections are pinged only after sitting idle (``pool_pre_ping`` is off), and
    keep generic plans for their prepared statements."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _generic_plans(dbapi_connection: Any, _record: Any) -> None:
        # Prepared statements (psycopg prepares a query from its fifth run on a connection)
        # keep one generic plan rather than being planned again at every run: PostgreSQL chose
        # a fresh custom plan for the patient state query each time, and planning its seven
        # subqueries took longer than running them (0.60 to 0.25 ms a query, Today 2.3 to
        # 1.6 ms). Every query here is per patient or per physio through an index, which a
        # generic plan uses as well.
        if dbapi_connection.info.server_version >= GENERIC_PLANS_SINCE:
            dbapi_connection.execute("SET plan_cache_mode = force_generic_plan")
            dbapi_connection.commit()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Set either way, so that a write never runs in autocommit whatever the connection's
        # last use left (psycopg starts its transaction lazily: nothing is open here yet).
        reading = has_request_context() and request.method in ("GET", "HEAD")
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection.autocommit != reading:
            dbapi_connection.autocommit = reading

    @event.listens_for(engine, "before_cursor_execute")
    def _stream_in_a_transaction(connection: Any, _cursor: Any, _statement: str,
                                 _parameters: Any, context: Any, _executemany: bool) -> None:
        # A streamed read (a server-side cursor, e.g. the CSV of logs) lives only inside a
        # transaction: the read in autocommit turns into one from here on.
        if context is not None and context.execution_options.get("stream_results"):
            dbapi_connection = connection.connection.dbapi_connection
            if dbapi_connection.autocommit:
                dbapi_connection.autocommit = False

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        record.info[IDLE_SINCE] = time.monotonic()
        # Back to transactions before anyone else takes the connection.
        if dbapi_connection is not None and not dbapi_connection.closed:
            dbapi_connection.autocommit = False

    @event.listens_for(engine, "checkout")
    def _ping_after_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        """A connection that sat unused may have been dropped (a database restart, a proxy's
        idle timeout): ping it, and have the pool open a new one if it is gone. One in steady
        use is not pinged, which ``pool_pre_ping`` did with a round trip on every request."""
        idle_since = record.info.get(IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the pooled connection was closed while idle") from error
