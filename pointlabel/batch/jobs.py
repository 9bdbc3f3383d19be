"""The job table of batch runs: which frames of a job are done, failed or being written.

It lives in the annotation store's database file, in two tables of its own:

- `batch_jobs(id, command, dataset, params, created, updated, state)`: one row per job. A job is
  identified by what decides its results (command, dataset path, label set, parameters), so the
  same command run again is the same job and resumes it; `--frames` only selects which of the
  job's frames to run.
- `batch_frames(job, frame, status, error, result, score, attempts, updated)`: one row per frame
  that was tried. `status` is `done`, `failed` (with `error`) or `pending` (results received,
  being written to the store: `result` then lists the annotation ids about to be written, so a
  run killed between the store's write and the job table's `done` is resolved on resume without
  writing the frame twice). `result` is the frame's small JSON result (findings, a score,
  written files); `score` orders `rank` jobs.

`JobTable` is the only code that knows these tables. It uses its own sqlite3 connection (WAL,
one transaction per batch of frames) because the store's own connection is private to the
store; when the store moves to SQLAlchemy Core, only this class moves onto its engine.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pointlabel.errors import PointlabelError

DONE, FAILED, PENDING = "done", "failed", "pending"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batch_jobs (
    id TEXT PRIMARY KEY, command TEXT NOT NULL, dataset TEXT NOT NULL, params TEXT NOT NULL,
    created REAL NOT NULL, updated REAL NOT NULL, state TEXT NOT NULL DEFAULT 'open');
CREATE TABLE IF NOT EXISTS batch_frames (
    job TEXT NOT NULL, frame TEXT NOT NULL, status TEXT NOT NULL, error TEXT, result TEXT,
    score REAL, attempts INTEGER NOT NULL DEFAULT 0, updated REAL NOT NULL,
    PRIMARY KEY (job, frame));
CREATE INDEX IF NOT EXISTS batch_frames_score ON batch_frames(job, status, score);
"""


@dataclass(frozen=True)
class Outcome:
    """What became of one frame: `result` (JSON-ready) when done, `error` when failed."""

    frame: str
    status: str
    result: object = None
    error: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class Job:
    id: str
    command: str
    dataset: str
    params: dict
    state: str


def job_id(command: str, dataset: str, params: dict) -> str:
    """A stable id of what decides a job's results (16 hex digits)."""
    doc = json.dumps({"command": command, "dataset": dataset, "params": params}, sort_keys=True)
    return hashlib.sha256(doc.encode()).hexdigest()[:16]


class JobTable:
    """The batch job tables of one database file (see the module docstring)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(str(self.path), isolation_level=None, timeout=60.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as e:
            raise PointlabelError(f"cannot open the batch job table ({e})", self.path) from None

    def close(self) -> None:
        self._db.close()

    # -- jobs ----------------------------------------------------------------------------
    def open_job(self, command: str, dataset: str, params: dict) -> Job:
        """The job of this command, dataset and parameters, created on first use."""
        jid = job_id(command, dataset, params)
        now = time.time()
        self._db.execute("INSERT OR IGNORE INTO batch_jobs(id, command, dataset, params, created, updated) "
                         "VALUES (?,?,?,?,?,?)", (jid, command, dataset, json.dumps(params, sort_keys=True), now, now))
        return self.job(jid)

    def job(self, jid: str) -> Job:
        row = self._db.execute("SELECT id, command, dataset, params, state FROM batch_jobs WHERE id=?",
                               (jid,)).fetchone()
        if row is None:
            raise PointlabelError(f"no batch job {jid}", self.path)
        return Job(row[0], row[1], row[2], json.loads(row[3]), row[4])

    def set_state(self, jid: str, state: str) -> None:
        self._db.execute("UPDATE batch_jobs SET state=?, updated=? WHERE id=?", (state, time.time(), jid))

    def forget(self, jid: str, frames: Iterable[str]) -> None:
        """Forget what became of these frames (they run again)."""
        self._db.executemany("DELETE FROM batch_frames WHERE job=? AND frame=?", [(jid, f) for f in frames])

    def reset(self, jid: str) -> None:
        """Forget what the job did (its frames run again); the job itself stays."""
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        cur.execute("DELETE FROM batch_frames WHERE job=?", (jid,))
        cur.execute("UPDATE batch_jobs SET state='open', updated=? WHERE id=?", (time.time(), jid))
        cur.execute("COMMIT")

    # -- frames --------------------------------------------------------------------------
    def statuses(self, jid: str, frames: Iterable[str] | None = None) -> dict[str, str]:
        """frame -> status of the frames of a job that were tried (all, or those of `frames`)."""
        rows = self._db.execute("SELECT frame, status FROM batch_frames WHERE job=?", (jid,))
        if frames is None:
            return dict(rows)
        wanted = set(frames)
        return {f: s for f, s in rows if f in wanted}

    def failures(self, jid: str) -> list[tuple[str, str]]:
        """(frame, error) of the failed frames of a job, in frame order."""
        return list(self._db.execute("SELECT frame, error FROM batch_frames WHERE job=? AND status=? "
                                     "ORDER BY frame", (jid, FAILED)))

    def pending(self, jid: str) -> dict[str, object]:
        """frame -> result of the frames whose write to the store may not have finished."""
        return {f: json.loads(r) if r is not None else None for f, r in self._db.execute(
            "SELECT frame, result FROM batch_frames WHERE job=? AND status=?", (jid, PENDING))}

    def record(self, jid: str, outcomes: Iterable[Outcome]) -> None:
        """Record outcomes (done / failed / pending) in one transaction; attempts count up."""
        now = time.time()
        rows = [(jid, o.frame, o.status, o.error, None if o.result is None else json.dumps(o.result),
                 o.score, now) for o in outcomes]
        if not rows:
            return
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            cur.executemany(
                "INSERT INTO batch_frames(job, frame, status, error, result, score, attempts, updated) "
                "VALUES (?,?,?,?,?,?,1,?) ON CONFLICT(job, frame) DO UPDATE SET status=excluded.status, "
                "error=excluded.error, result=excluded.result, score=excluded.score, updated=excluded.updated, "
                "attempts=batch_frames.attempts + (excluded.status != 'done' OR batch_frames.status != 'pending')",
                rows)
            cur.execute("UPDATE batch_jobs SET updated=? WHERE id=?", (now, jid))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    def counts(self, jid: str) -> dict[str, int]:
        return dict(self._db.execute("SELECT status, COUNT(*) FROM batch_frames WHERE job=? GROUP BY status",
                                     (jid,)))

    def attempts(self, jid: str) -> dict[str, int]:
        return dict(self._db.execute("SELECT frame, attempts FROM batch_frames WHERE job=?", (jid,)))

    def results(self, jid: str, frames: Iterable[str] | None = None,
                by_score: bool = False) -> Iterator[tuple[str, object]]:
        """(frame, result) of the done frames, streamed (never all in memory): in frame order,
        or highest score first (then frame) with `by_score`. `frames`: only these."""
        wanted = None if frames is None else set(frames)
        order = "score DESC, frame" if by_score else "frame"
        cur = self._db.execute(f"SELECT frame, result FROM batch_frames WHERE job=? AND status=? ORDER BY {order}",
                               (jid, DONE))
        for frame, result in cur:
            if wanted is None or frame in wanted:
                yield frame, None if result is None else json.loads(result)


def error_text(exc: BaseException) -> str:
    """One line saying what went wrong in a frame (exception class and message)."""
    msg = " ".join(str(exc).split())
    return f"{exc.__class__.__name__}: {msg}" if msg else exc.__class__.__name__
