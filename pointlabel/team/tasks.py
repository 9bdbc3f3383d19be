"""Tasks: frames of a dataset assigned to one person, and the review loop

    todo → in_progress → submitted → accepted
                            └──────→ rework (the reviewer's comment) → in_progress | submitted ...

Every change of state or assignee is a row of `task_events` (who, when, from, to, comment);
the task row keeps the time of the latest transition into each state for quick reading.
`can_edit(user, dataset, frame)` is the one edit permission: an admin or reviewer edits
everywhere; a labeller, once they have tasks in the dataset, only in those tasks' frames."""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import insert, select, update

from pointlabel.errors import PointlabelError
from pointlabel.store.schema import task_events as E, tasks as T

STATES = ("todo", "in_progress", "submitted", "accepted", "rework")
# (from, to) -> who may make it: "assignee" (the task's labeller), "reviewer" (reviewer or admin)
TRANSITIONS = {
    ("todo", "in_progress"): "assignee", ("todo", "submitted"): "assignee",
    ("in_progress", "submitted"): "assignee", ("rework", "in_progress"): "assignee",
    ("rework", "submitted"): "assignee",
    ("submitted", "accepted"): "reviewer", ("submitted", "rework"): "reviewer",
}
_STAMP = {"in_progress": "started_ts", "submitted": "submitted_ts", "accepted": "accepted_ts", "rework": "rework_ts"}


class Forbidden(PointlabelError):
    """The user is known but may not do this (HTTP 403)."""


def dataset_key(root) -> str:
    """The name tasks know a dataset by: its folder's (or file's) name."""
    return Path(str(root)).resolve().name


@dataclass
class Task:
    id: int
    dataset: str
    label_set: str
    first_frame: str
    last_frame: str
    frames: list[str]
    assignee: str | None
    state: str
    comments: list[dict] = field(default_factory=list)
    created_ts: float = 0.0
    started_ts: float | None = None
    submitted_ts: float | None = None
    accepted_ts: float | None = None
    rework_ts: float | None = None
    updated_ts: float = 0.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["frames"] = f"{self.first_frame}:{self.last_frame}"
        d["n_frames"] = len(self.frames)
        return d


def _task(r) -> Task:
    d = dict(r._mapping)
    d["frames"] = json.loads(d["frames"])
    d["comments"] = json.loads(d["comments"] or "[]")
    return Task(**d)


def frame_range(spec: str, frame_ids: list[str]) -> list[str]:
    """'000000:000049' (inclusive, in the dataset's order) -> the frame ids; one id alone is one frame."""
    first, _, last = spec.partition(":")
    last = last or first
    for f in (first, last):
        if f not in frame_ids:
            raise PointlabelError(f"no frame {f!r} in the dataset (frames {frame_ids[0]} … {frame_ids[-1]})"
                                  if frame_ids else "the dataset has no frames")
    i, j = frame_ids.index(first), frame_ids.index(last)
    if j < i:
        raise PointlabelError(f"the range {spec!r} ends before it starts")
    return frame_ids[i:j + 1]


def split(frames: list[str], per_task: int | None = None, parts: int | None = None) -> list[list[str]]:
    """Consecutive chunks (in sequence order): `per_task` frames each, or `parts` equal parts."""
    if per_task is not None and per_task < 1 or parts is not None and parts < 1:
        raise PointlabelError("--split and --parts take a positive number")
    if parts:
        per_task = -(-len(frames) // parts)
    per_task = per_task or len(frames)
    return [frames[k:k + per_task] for k in range(0, len(frames), per_task)]


class TaskBook:
    """The tasks of a store's database (`store`: an AnnotationStore)."""

    def __init__(self, store):
        self.store = store
        self.engine = store.engine

    def _rows(self, q):
        with self.engine.connect() as c:
            return c.execute(q).all()

    def create(self, dataset: str, frames: list[str], assignee: str | None, actor: str | None = None,
               label_set: str = "default") -> Task:
        if not frames:
            raise PointlabelError("a task needs at least one frame")
        if assignee is not None:
            from pointlabel.team.users import UserBook
            UserBook(self.store).need(assignee)
        now = time.time()
        row = {"dataset": dataset, "label_set": label_set, "first_frame": frames[0], "last_frame": frames[-1],
               "frames": json.dumps(list(frames)), "assignee": assignee, "state": "todo", "comments": "[]",
               "created_ts": now, "updated_ts": now}
        with self.store.write() as c:
            tid = c.execute(insert(T).values(**row)).inserted_primary_key[0]
            c.execute(insert(E).values(task=tid, ts=now, actor=actor, from_state=None, to_state="todo",
                                       assignee=assignee, comment=""))
        return self.get(tid)

    def get(self, task_id: int) -> Task:
        if not 0 <= int(task_id) < 2**31:  # beyond any id (and the databases' integers)
            raise PointlabelError(f"no task {task_id}")
        rows = self._rows(select(T).where(T.c.id == int(task_id)))
        if not rows:
            raise PointlabelError(f"no task {task_id}")
        return _task(rows[0])

    def list(self, dataset: str | None = None, assignee: str | None = None, state: str | None = None) -> list[Task]:
        q = select(T)
        if dataset is not None:
            q = q.where(T.c.dataset == dataset)
        if assignee is not None:
            q = q.where(T.c.assignee == assignee)
        if state is not None:
            q = q.where(T.c.state == state)
        return [_task(r) for r in self._rows(q.order_by(T.c.id))]

    def events(self, dataset: str | None = None) -> list[dict]:
        q = select(E, T.c.dataset).join(T, T.c.id == E.c.task)
        if dataset is not None:
            q = q.where(T.c.dataset == dataset)
        return [dict(r._mapping) for r in self._rows(q.order_by(E.c.seq))]

    def move(self, task_id: int, to: str, user, comment: str = "") -> Task:
        """Change a task's state as `user` (a team.users.User; None: the command line, an admin)."""
        if to not in STATES:
            raise PointlabelError(f"state must be one of {', '.join(STATES)}, not {to!r}")
        comment = (comment or "").strip()
        self.get(task_id)  # a task id out of range: "no task"
        with self.store.write() as c:
            r = c.execute(select(T).where(T.c.id == int(task_id)).with_for_update()).first()
            if r is None:
                raise PointlabelError(f"no task {task_id}")
            t = _task(r)
            if t.state == to:
                return t
            who = TRANSITIONS.get((t.state, to))
            admin = user is None or user.is_admin
            if not admin:
                if who is None:
                    raise Forbidden(f"a task cannot go from {t.state} to {to} (only an admin may force it)")
                if who == "assignee" and user.name != t.assignee:
                    raise Forbidden(f"task {t.id} is {t.assignee}'s; only they (or an admin) may move it to {to}")
                if who == "reviewer" and not user.reviews:
                    raise Forbidden(f"only a reviewer or an admin may move a task to {to}")
            if to == "rework" and not comment:
                raise PointlabelError("sending a task back to rework needs a comment saying what to fix")
            now = time.time()
            values = {"state": to, "updated_ts": now}
            if to in _STAMP:
                values[_STAMP[to]] = now
            if to == "submitted" and t.started_ts is None:
                values["started_ts"] = t.created_ts
            if comment:
                values["comments"] = json.dumps(t.comments + [{"ts": now, "author": user.name if user else None,
                                                               "state": to, "text": comment}])
            c.execute(update(T).where(T.c.id == t.id).values(**values))
            c.execute(insert(E).values(task=t.id, ts=now, actor=user.name if user else None, from_state=t.state,
                                       to_state=to, assignee=t.assignee, comment=comment))
        return self.get(task_id)

    def assign(self, task_id: int, assignee: str | None, user=None) -> Task:
        if user is not None and not user.is_admin:
            raise Forbidden("only an admin may assign tasks")
        if assignee is not None:
            from pointlabel.team.users import UserBook
            UserBook(self.store).need(assignee)
        t = self.get(task_id)
        now = time.time()
        with self.store.write() as c:
            c.execute(update(T).where(T.c.id == t.id).values(assignee=assignee, updated_ts=now))
            c.execute(insert(E).values(task=t.id, ts=now, actor=user.name if user else None, from_state=t.state,
                                       to_state=t.state, assignee=assignee, comment="assigned"))
        return self.get(task_id)

    def frames_of(self, dataset: str, assignee: str) -> set[str] | None:
        """The frames of `assignee`'s tasks in `dataset`; None when they have no task there."""
        rows = self._rows(select(T.c.frames).where(T.c.dataset == dataset, T.c.assignee == assignee))
        if not rows:
            return None
        return {f for (fs,) in rows for f in json.loads(fs)}

    def can_edit(self, user, dataset: str, frame: str) -> bool:
        """An admin or reviewer edits anywhere; a labeller with tasks in `dataset` only in their frames."""
        if user is None or user.role in ("admin", "reviewer"):
            return True
        frames = self.frames_of(dataset, user.name)
        return frames is None or frame in frames
