"""Open the database a store lives in: a SQLite file (the default) or a PostgreSQL URL.

`open_engine(target)` takes a file path or a URL (`sqlite:///file`, `postgresql://user@host/db`)
and returns a SQLAlchemy engine whose schema is at the newest Alembic revision (the revisions
ship in `pointlabel/store/migrations/` and are applied on open).

SQLite: WAL journal, a 30 s busy timeout, a pool of connections shared by threads, and write
transactions that start with `BEGIN IMMEDIATE` (`write_transaction`), so two writers queue for
the lock instead of failing to upgrade a read lock. PostgreSQL: psycopg 3, READ COMMITTED;
writers lock the rows they change (`SELECT ... FOR UPDATE`).
"""
from __future__ import annotations

import contextlib
import os
import threading
import weakref
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from pointlabel.errors import PointlabelError

MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 30_000
_heads_lock = threading.Lock()
_heads: tuple | None = None


def is_url(target) -> bool:
    return isinstance(target, str) and "://" in target


def resolve(target) -> tuple[URL, Path | None]:
    """(SQLAlchemy URL, SQLite file path or None) of a path or URL."""
    if not is_url(target):
        path = Path(target)
        return URL.create("sqlite+pysqlite", database=str(path)), path
    try:
        url = make_url(target)
    except ArgumentError as e:
        raise PointlabelError(f"not a database URL: {target!r} ({e})") from None
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise PointlabelError("an in-memory SQLite store is not supported; give a file")
        return url.set(drivername="sqlite+pysqlite"), Path(url.database)
    if url.get_backend_name() == "postgresql":
        return url.set(drivername="postgresql+psycopg"), None
    raise PointlabelError(f"unsupported database {url.get_backend_name()!r}: use a SQLite file or postgresql://")


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see on_begin)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("pointlabel_write")
                             else "BEGIN")


def create(url: URL) -> Engine:
    """An engine for a resolved URL (no migrations)."""
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
                               pool_size=8, max_overflow=24, pool_timeout=60)
        _sqlite_events(engine)
        _write_locks[engine] = threading.Lock()
    else:
        engine = create_engine(url, pool_size=8, max_overflow=24, pool_timeout=60, pool_pre_ping=True)
    _engines.add(engine)
    return engine


_engines: weakref.WeakSet = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked process (server workers, job workers) must not use its parent's connections
    or a lock another thread held at the fork: each engine starts a fresh pool and lock."""
    for engine in list(_engines):
        engine.dispose(close=False)
        if engine in _write_locks:
            _write_locks[engine] = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


_write_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # SQLite engine -> its writers' lock


@contextlib.contextmanager
def write_transaction(engine: Engine):
    """A connection in a write transaction: committed on leaving, rolled back on an error.
    On SQLite it holds the database's write lock from its first statement (BEGIN IMMEDIATE);
    the writers of one process queue on a lock first (fair and quick, where SQLite's busy
    handler would poll with sleeps), other processes wait in the busy timeout."""
    lock = _write_locks.get(engine) if engine.dialect.name == "sqlite" else None
    with lock or contextlib.nullcontext():
        with engine.connect() as conn:
            conn = conn.execution_options(pointlabel_write=True)
            with conn.begin():
                yield conn


def _script_heads() -> tuple:
    global _heads
    with _heads_lock:
        if _heads is None:
            from alembic.script import ScriptDirectory
            _heads = tuple(sorted(ScriptDirectory(str(MIGRATIONS)).get_heads()))
        return _heads


def _db_heads(conn) -> tuple:
    from alembic.runtime.migration import MigrationContext
    return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (no-op when it is there already). Concurrent
    openers are serialised: SQLite by the write lock, PostgreSQL by an advisory lock."""
    with engine.connect() as conn:
        if _db_heads(conn) == _script_heads():
            return
    from alembic import command
    from alembic.config import Config
    with write_transaction(engine) as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(70147401)"))
        if _db_heads(conn) == _script_heads():
            return
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def open_engine(target) -> tuple[Engine, URL, Path | None]:
    """(engine at the newest schema, URL, SQLite path or None) of a path or URL."""
    url, path = resolve(target)
    where = str(path) if path is not None else url.render_as_string(hide_password=True)
    try:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create(url)
        migrate(engine)
    except (SQLAlchemyError, DBAPIError, OSError) as e:
        msg = str(getattr(e, "orig", None) or e).splitlines()[0]
        raise PointlabelError(f"cannot open annotation store ({msg})", where) from None
    return engine, url, path
