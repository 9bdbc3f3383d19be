"""The job table of batch runs: which frames of a job are done, failed or being written.

It lives in the annotation store's database (SQLite file or PostgreSQL), on the store's own
SQLAlchemy engine, in two tables of its own:

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

`JobTable` is the only code that reads or writes these tables; they are defined in
`pointlabel.store.schema` and created by the store's Alembic revision 0003.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import and_, case, select
from sqlalchemy.exc import SQLAlchemyError

from pointlabel.errors import PointlabelError
from pointlabel.store.schema import batch_frames, batch_jobs

DONE, FAILED, PENDING = "done", "failed", "pending"


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


def _insert(engine):
    """The dialect's INSERT, which has ON CONFLICT (SQLite and PostgreSQL alike)."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


class JobTable:
    """The batch job tables in the database of an AnnotationStore (see the module docstring)."""

    def __init__(self, engine):
        from pointlabel.store.engine import migrate, write_transaction
        self.engine, self._write = engine, write_transaction
        try:
            migrate(engine)  # the tables come with the store's schema (a no-op on an opened store)
        except SQLAlchemyError as e:
            raise PointlabelError(f"cannot open the batch job table ({str(e).splitlines()[0]})") from None

    @classmethod
    def of(cls, store) -> "JobTable":
        """The job table beside `store`'s annotations."""
        return cls(store.engine)

    def close(self) -> None:
        """Nothing to release: the engine is the store's."""

    # -- jobs ----------------------------------------------------------------------------
    def open_job(self, command: str, dataset: str, params: dict) -> Job:
        """The job of this command, dataset and parameters, created on first use."""
        jid = job_id(command, dataset, params)
        now = time.time()
        stmt = _insert(self.engine)(batch_jobs).values(
            id=jid, command=command, dataset=dataset, params=json.dumps(params, sort_keys=True), created=now,
            updated=now, state="open").on_conflict_do_nothing(index_elements=["id"])
        with self._write(self.engine) as c:
            c.execute(stmt)
        return self.job(jid)

    def job(self, jid: str) -> Job:
        with self.engine.connect() as c:
            row = c.execute(select(batch_jobs).where(batch_jobs.c.id == jid)).first()
        if row is None:
            raise PointlabelError(f"no batch job {jid}")
        return Job(row.id, row.command, row.dataset, json.loads(row.params), row.state)

    def jobs(self) -> list[Job]:
        with self.engine.connect() as c:
            rows = c.execute(select(batch_jobs).order_by(batch_jobs.c.created)).all()
        return [Job(r.id, r.command, r.dataset, json.loads(r.params), r.state) for r in rows]

    def set_state(self, jid: str, state: str) -> None:
        with self._write(self.engine) as c:
            c.execute(batch_jobs.update().where(batch_jobs.c.id == jid).values(state=state, updated=time.time()))

    def forget(self, jid: str, frames: Iterable[str]) -> None:
        """Forget what became of these frames (they run again)."""
        frames = list(frames)
        if frames:
            with self._write(self.engine) as c:
                c.execute(batch_frames.delete().where(batch_frames.c.job == jid, batch_frames.c.frame.in_(frames)))

    def reset(self, jid: str) -> None:
        """Forget what the job did (its frames run again); the job itself stays."""
        with self._write(self.engine) as c:
            c.execute(batch_frames.delete().where(batch_frames.c.job == jid))
            c.execute(batch_jobs.update().where(batch_jobs.c.id == jid).values(state="open", updated=time.time()))

    # -- frames --------------------------------------------------------------------------
    def _rows(self, q):
        with self.engine.connect() as c:
            return c.execute(q).all()

    def statuses(self, jid: str, frames: Iterable[str] | None = None) -> dict[str, str]:
        """frame -> status of the frames of a job that were tried (all, or those of `frames`)."""
        rows = self._rows(select(batch_frames.c.frame, batch_frames.c.status).where(batch_frames.c.job == jid))
        if frames is None:
            return dict(rows)
        wanted = set(frames)
        return {f: s for f, s in rows if f in wanted}

    def failures(self, jid: str) -> list[tuple[str, str]]:
        """(frame, error) of the failed frames of a job, in frame order."""
        rows = self._rows(select(batch_frames.c.frame, batch_frames.c.error)
                          .where(batch_frames.c.job == jid, batch_frames.c.status == FAILED)
                          .order_by(batch_frames.c.frame))
        return [tuple(r) for r in rows]

    def pending(self, jid: str) -> dict[str, object]:
        """frame -> result of the frames whose write to the store may not have finished."""
        rows = self._rows(select(batch_frames.c.frame, batch_frames.c.result)
                          .where(batch_frames.c.job == jid, batch_frames.c.status == PENDING))
        return {f: None if r is None else json.loads(r) for f, r in rows}

    def record(self, jid: str, outcomes: Iterable[Outcome]) -> None:
        """Record outcomes (done / failed / pending) in one transaction; attempts count up,
        except from pending to done (the same attempt's write finishing)."""
        now = time.time()
        rows = [{"job": jid, "frame": o.frame, "status": o.status, "error": o.error,
                 "result": None if o.result is None else json.dumps(o.result), "score": o.score,
                 "attempts": 1, "updated": now} for o in outcomes]
        if not rows:
            return
        stmt = _insert(self.engine)(batch_frames)
        new, old = stmt.excluded, batch_frames.c
        same_attempt = and_(new.status == DONE, old.status == PENDING)
        stmt = stmt.on_conflict_do_update(index_elements=["job", "frame"], set_={
            "status": new.status, "error": new.error, "result": new.result, "score": new.score,
            "updated": new.updated, "attempts": old.attempts + case((same_attempt, 0), else_=1)})
        with self._write(self.engine) as c:
            c.execute(stmt, rows)
            c.execute(batch_jobs.update().where(batch_jobs.c.id == jid).values(updated=now))

    def counts(self, jid: str) -> dict[str, int]:
        from sqlalchemy import func
        return dict(self._rows(select(batch_frames.c.status, func.count()).where(batch_frames.c.job == jid)
                               .group_by(batch_frames.c.status)))

    def attempts(self, jid: str) -> dict[str, int]:
        return dict(self._rows(select(batch_frames.c.frame, batch_frames.c.attempts).where(batch_frames.c.job == jid)))

    def results(self, jid: str, frames: Iterable[str] | None = None,
                by_score: bool = False) -> Iterator[tuple[str, object]]:
        """(frame, result) of the done frames, streamed (never all in memory): in frame order,
        or highest score first (then frame) with `by_score`. `frames`: only these."""
        wanted = None if frames is None else set(frames)
        order = (batch_frames.c.score.desc(), batch_frames.c.frame) if by_score else (batch_frames.c.frame,)
        q = (select(batch_frames.c.frame, batch_frames.c.result)
             .where(batch_frames.c.job == jid, batch_frames.c.status == DONE).order_by(*order))
        with self.engine.connect() as c:
            for frame, result in c.execution_options(yield_per=1000).execute(q):
                if wanted is None or frame in wanted:
                    yield frame, None if result is None else json.loads(result)


def error_text(exc: BaseException) -> str:
    """One line saying what went wrong in a frame (exception class and message)."""
    msg = " ".join(str(exc).split())
    return f"{exc.__class__.__name__}: {msg}" if msg else exc.__class__.__name__
