"""A plain connection to the store's database for the privacy tables and erasure: a SQLite
file through sqlite3, or PostgreSQL through SQLAlchemy + psycopg (the store's own driver).

Erasure needs control the store's API does not give: `PRAGMA secure_delete`, transactions it
begins itself, VACUUM outside any transaction. So this module speaks SQL directly, with `?`
placeholders on both backends, and `begin()` / `commit()` / `rollback()` of its own.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from pointlabel.errors import PointlabelError


def target_of(store_or_target):
    """What to connect to: a store's SQLite path or URL, or a path / URL as given."""
    if hasattr(store_or_target, "engine"):
        path = getattr(store_or_target, "path", None)
        return path if path is not None else store_or_target.url_string()
    return store_or_target


class PrivacyDB:
    """One connection; `kind` is "sqlite" or "postgresql"."""

    def __init__(self, target, must_exist: bool = True, timeout: float = 10.0):
        from pointlabel.store.engine import resolve
        url, path = resolve(str(target))
        self.target = str(target)
        self.path, self.kind = path, ("sqlite" if path is not None else "postgresql")
        try:
            if path is not None:
                if must_exist and not Path(path).is_file():
                    raise PointlabelError("no annotation store here", path)
                self._db = sqlite3.connect(str(path), isolation_level=None, timeout=timeout)
                # other features' text is not ours to judge: undecodable bytes never stop a scan
                self._db.text_factory = lambda b: b.decode("utf-8", "replace")
            else:
                from sqlalchemy import create_engine
                from sqlalchemy.pool import NullPool
                self._engine = create_engine(url, poolclass=NullPool)
                self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except (sqlite3.Error, OSError) as e:
            raise PointlabelError(f"cannot open the annotation store ({e})", path) from None
        except ImportError as e:
            raise PointlabelError(f"cannot open the annotation store ({e})") from None
        except Exception as e:  # SQLAlchemy / psycopg connection errors
            if path is not None or "sqlalchemy" not in type(e).__module__:
                raise
            raise PointlabelError(f"cannot connect to the annotation store ({e.__class__.__name__})") from None

    def execute(self, sql: str, params=()):
        """Run one statement (`?` placeholders); the result has fetchone/fetchall/rowcount."""
        if self.kind == "sqlite":
            return self._db.execute(sql, tuple(params))
        return self._conn.exec_driver_sql(sql.replace("?", "%s"), tuple(params))

    def executemany(self, sql: str, rows) -> None:
        rows = [tuple(r) for r in rows]
        if not rows:
            return
        if self.kind == "sqlite":
            self._db.executemany(sql, rows)
        else:
            self._conn.exec_driver_sql(sql.replace("?", "%s"), rows)

    def begin(self) -> None:
        self.execute("BEGIN IMMEDIATE" if self.kind == "sqlite" else "BEGIN")

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        self.execute("ROLLBACK")

    def tables(self) -> list[str]:
        if self.kind == "sqlite":
            return [r[0] for r in self.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [r[0] for r in self.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = current_schema()")]

    def columns(self, table: str) -> list[tuple[str, str]]:
        """[(name, declared type upper-case)] of a table."""
        if self.kind == "sqlite":
            return [(r[1], (r[2] or "").upper()) for r in self.execute(f'PRAGMA table_info("{table}")')]
        return [(r[0], r[1].upper()) for r in self.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position", (table,))]

    def json_int(self, column: str, key: str) -> str:
        """SQL for the integer at `key` of a JSON text column."""
        if self.kind == "sqlite":
            return f"json_extract({column}, '$.{key}')"
        return f"(CAST({column} AS json)->>'{key}')::bigint"

    def close(self) -> None:
        if self.kind == "sqlite":
            self._db.close()
        else:
            self._conn.close()
            self._engine.dispose()
