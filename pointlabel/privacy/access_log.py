"""The privacy log: who opened, exported, redacted or erased what, and why.

Kept in the annotation store's database (SQLite file or PostgreSQL), in one table of the
store's schema::

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
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pointlabel.errors import PointlabelError
from pointlabel.privacy.db import PrivacyDB, target_of

ACTIONS = ("open", "export", "redact", "erase", "retention")
TABLE = "privacy_log"  # defined in pointlabel.store.schema, made by its revision 0003


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


def ensure_table(db: PrivacyDB) -> None:
    """The log's table is part of the store's schema: a store last opened by an older
    pointlabel is brought to the newest revision first."""
    if TABLE not in db.tables():
        from pointlabel.store.engine import open_engine
        open_engine(db.target)[0].dispose()


def insert_entry(db: PrivacyDB, action: str, target: str, detail: dict | None = None,
                 why: str = "", who: str | None = None) -> int:
    """One log line through an open connection (inside the caller's transaction, if any)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown privacy log action {action!r}")
    row = db.execute(f"INSERT INTO {TABLE}(ts, who, action, target, why, detail) VALUES (?,?,?,?,?,?) RETURNING seq",
                     (time.time(), who or current_user(), action, str(target), why or "",
                      json.dumps(detail or {}, sort_keys=True))).fetchone()
    return int(row[0])


def connect(target) -> PrivacyDB:
    """A connection to the store's database (a SQLite path or a URL) with the log's table."""
    db = PrivacyDB(target)
    try:
        ensure_table(db)
    except Exception as e:
        db.close()
        raise PointlabelError(f"cannot open the privacy log ({e.__class__.__name__}: {e})", db.path) from None
    return db


def log_access(target, action: str, where, detail: dict | None = None, why: str = "",
               who: str | None = None) -> int:
    """Append one entry to the log of the store at `target` (SQLite path or URL); returns its
    sequence number. `where` names what was accessed (the dataset)."""
    db = connect(target)
    try:
        return insert_entry(db, action, str(where), detail, why, who)
    finally:
        db.close()


def read_log(target, action: str | None = None, limit: int | None = None) -> list[LogEntry]:
    """Entries oldest first (the last `limit` of them), optionally of one action."""
    db = connect(target)
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


def log_store_access(store, action: str, where, detail: dict | None = None, why: str = "") -> int:
    """Log through an AnnotationStore: into its database (SQLite file or PostgreSQL)."""
    return log_access(target_of(store), action, where, detail, why)


def log_if_stored(db_path: str | Path, action: str, target, detail: dict | None = None) -> int | None:
    """Log into an existing, writable store file (commands that do not need a store, such as
    `info`, log only when the dataset already has one); None when there is none."""
    path = Path(db_path)
    if not path.is_file() or not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        return None
    return log_access(path, action, target, detail)
