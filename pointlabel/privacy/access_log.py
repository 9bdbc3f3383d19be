"""The privacy log: who opened, exported, redacted or erased what, and why.

Kept in the annotation store's SQLite file, in one table of this module's own::

    privacy_log(seq, ts, who, action, target, why, detail)

`who` is the OS user (`getpass.getuser()`) until pointlabel has accounts; `action` is one of
ACTIONS; `target` the dataset; `detail` a JSON object of counts, frame ids, folders and, for an
erasure, SHA-256 digests of the erased annotation ids. Never annotation content or raw ids: an
erasure must leave nothing of what it erased in the file, its own log line included.
"""
from __future__ import annotations

import getpass
import json
import os
import sqlite3
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pointlabel.errors import PointlabelError

ACTIONS = ("open", "export", "redact", "erase", "retention")
TABLE = "privacy_log"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, who TEXT NOT NULL,
    action TEXT NOT NULL, target TEXT NOT NULL, why TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{{}}');
"""


def current_user() -> str:
    """The OS user running pointlabel (accounts do not exist yet)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


@dataclass(frozen=True)
class LogEntry:
    seq: int
    ts: float
    who: str
    action: str
    target: str
    why: str
    detail: dict

    def to_dict(self) -> dict:
        return asdict(self)


def ensure_table(db: sqlite3.Connection) -> None:
    db.executescript(_SCHEMA)


def insert_entry(db: sqlite3.Connection, action: str, target: str, detail: dict | None = None,
                 why: str = "", who: str | None = None) -> int:
    """One log line through an open connection (inside the caller's transaction, if any)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown privacy log action {action!r}")
    cur = db.execute(f"INSERT INTO {TABLE}(ts, who, action, target, why, detail) VALUES (?,?,?,?,?,?)",
                     (time.time(), who or current_user(), action, str(target), why or "",
                      json.dumps(detail or {}, sort_keys=True)))
    return int(cur.lastrowid)


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection to the store's file with the log's table (waits up to 10 s for a writer)."""
    path = Path(path)
    if not path.is_file():
        raise PointlabelError("no annotation store here", path)
    try:
        db = sqlite3.connect(str(path), isolation_level=None, timeout=10.0)
        ensure_table(db)
    except sqlite3.Error as e:
        raise PointlabelError(f"cannot open the privacy log ({e})", path) from None
    return db


def log_access(db_path: str | Path, action: str, target, detail: dict | None = None,
               why: str = "", who: str | None = None) -> int:
    """Append one entry to the log in the store file at `db_path`; returns its sequence number."""
    db = connect(db_path)
    try:
        return insert_entry(db, action, str(target), detail, why, who)
    except sqlite3.Error as e:
        raise PointlabelError(f"cannot write the privacy log ({e})", db_path) from None
    finally:
        db.close()


def read_log(db_path: str | Path, action: str | None = None, limit: int | None = None) -> list[LogEntry]:
    """Entries oldest first (the last `limit` of them), optionally of one action."""
    db = connect(db_path)
    try:
        q, args = f"SELECT seq, ts, who, action, target, why, detail FROM {TABLE}", []
        if action is not None:
            q, args = q + " WHERE action=?", [action]
        q += " ORDER BY seq DESC" + (f" LIMIT {int(limit)}" if limit else "")
        rows = db.execute(q, args).fetchall()
    finally:
        db.close()
    return [LogEntry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6])) for r in reversed(rows)]


def format_log(entries: list[LogEntry]) -> str:
    """One line per entry: time (UTC), who, action, target, why, detail."""
    lines = []
    for e in entries:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(e.ts))
        detail = " ".join(f"{k}={_short(v)}" for k, v in e.detail.items())
        why = f" why={e.why!r}" if e.why else ""
        lines.append(f"{e.seq:>5} {when}Z {e.who:<12} {e.action:<9} {e.target}{why} {detail}".rstrip())
    return "\n".join(lines)


def _short(v) -> str:
    if isinstance(v, list) and len(v) > 6:
        return json.dumps(v[:3])[:-1] + f", ... ({len(v)})]"
    return json.dumps(v) if not isinstance(v, str) else v


def log_store_access(store, action: str, target, detail: dict | None = None, why: str = "") -> int | None:
    """Log through an AnnotationStore: into its SQLite file. A store that is no SQLite file
    (PostgreSQL) is not logged yet: returns None."""
    path = getattr(store, "path", None)
    return None if path is None else log_access(path, action, target, detail, why)


def log_if_stored(db_path: str | Path, action: str, target, detail: dict | None = None) -> int | None:
    """Log into an existing, writable store file (commands that do not need a store, such as
    `info`, log only when the dataset already has one); None when there is none."""
    path = Path(db_path)
    if not path.is_file() or not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        return None
    return log_access(path, action, target, detail)
