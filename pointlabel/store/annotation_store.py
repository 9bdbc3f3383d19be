"""The annotation store: stable ids, versions, per-person undo and an append-only history, on
SQLite or PostgreSQL (SQLAlchemy Core; the tables are in pointlabel.store.schema).

Every public write is one transaction and one row of `txns` (who: `author`, and `client`, the
browser session or API client that made it; when: `ts`). A write may carry the versions it
was based on (`expected`); if the stored version differs the write is refused with
`VersionConflict`, which carries the stored annotation, and nothing is written.

Undo is per client: `undo(client=c)` reverts c's last edit not yet undone, and is refused
(`UndoConflict`) when someone else changed one of its annotations since. Undo and redo are new
changes, so the history stays append-only. A label set names a set of annotations: `default`
(the labellers' work), `reference` (ground truth), or one per annotator.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from pointlabel.errors import PointlabelError
from pointlabel.model import Annotation, Cuboid, FrameAnnotations, annotation_from_dict
from pointlabel.store import schema
from pointlabel.store.engine import open_engine, write_transaction

DEFAULT_SET = "default"
A, T, H = schema.annotations, schema.txns, schema.history
LIVE, UNDONE, DROPPED = "live", "undone", "dropped"


class VersionConflict(PointlabelError):
    """Someone else changed the annotation since the caller read it. `current`: the stored
    annotation's dict (None: deleted or absent), `version`: its stored version."""

    def __init__(self, message: str, annotation_id: str | None = None, current: dict | None = None,
                 version: int = 0, frame: str | None = None):
        super().__init__(message)
        self.annotation_id, self.current, self.version, self.frame = annotation_id, current, version, frame


class UndoConflict(PointlabelError):
    """An undo (redo) refused: someone else changed the annotation since."""


@dataclass(frozen=True)
class Change:
    """One row of the history."""

    seq: int
    txn: int
    ts: float
    author: str | None
    label_set: str
    frame: str
    annotation_id: str
    op: str
    version: int
    before: dict | None
    after: dict | None
    kind: str
    client: str = ""


def _loads(s):
    return None if s is None else json.loads(s)


def _change(r) -> Change:
    return Change(r.seq, r.txn, r.ts, r.author, r.label_set, r.frame, r.annotation_id, r.op, r.version,
                  _loads(r.before), _loads(r.after), r.kind, r.client)


def _describe(d: dict | None, aid: str) -> str:
    if not d:
        return f"annotation {aid[:8]}"
    track = f" (track {d['track_id']})" if d.get("track_id") is not None else ""
    return f"{d.get('label', d.get('type', 'annotation'))}{track}"


class AnnotationStore:
    """Annotations per (label set, frame). `target`: a SQLite file path, or a URL
    (`sqlite:///file`, `postgresql://user@host/db`). `engine` is the SQLAlchemy engine (pooled,
    thread-safe), `url` its URL, `path` the SQLite file (None on PostgreSQL)."""

    def __init__(self, target: str | Path):
        self.engine, self.url, self.path = open_engine(target)
        self.metadata = schema.metadata

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def url_string(self) -> str:
        """The URL with its password (to open the same store in another process)."""
        return self.url.render_as_string(hide_password=False)

    def close(self) -> None:
        self.engine.dispose()

    def write(self):
        """A connection in a write transaction (see pointlabel.store.engine.write_transaction),
        for modules with tables of their own in the same database."""
        return write_transaction(self.engine)

    # -- reading -------------------------------------------------------------------------
    def _rows(self, q):
        with self.engine.connect() as c:
            return c.execute(q).all()

    def frame(self, frame_id: str, label_set: str = DEFAULT_SET) -> FrameAnnotations:
        return FrameAnnotations.from_annotations(
            str(frame_id), (annotation_from_dict(json.loads(d)) for d, _ in self.frame_versions(frame_id, label_set)))

    def frame_state(self, frame_id: str, label_set: str = DEFAULT_SET) -> tuple[FrameAnnotations, dict[str, int]]:
        """(the frame's annotations, id -> version) read together: a writer that computes a
        change from them passes the versions as `expected`, so a change someone made meanwhile
        is refused (VersionConflict) instead of overwritten."""
        rows = self.frame_versions(frame_id, label_set)
        anns = [annotation_from_dict(json.loads(d)) for d, _ in rows]
        return (FrameAnnotations.from_annotations(str(frame_id), anns),
                {a.id: v for a, (_, v) in zip(anns, rows)})

    def frame_versions(self, frame_id: str, label_set: str = DEFAULT_SET) -> list[tuple[str, int]]:
        """(data JSON, version) of the frame's live annotations, in creation order."""
        return [(r.data, r.version) for r in self._rows(
            select(A.c.data, A.c.version).where(A.c.label_set == label_set, A.c.frame == str(frame_id),
                                                A.c.deleted.is_(False)).order_by(A.c.row_id))]

    def versions(self, frame_id: str, label_set: str = DEFAULT_SET) -> dict[str, int]:
        """id -> version of the frame's live annotations."""
        return {r.id: r.version for r in self._rows(
            select(A.c.id, A.c.version).where(A.c.label_set == label_set, A.c.frame == str(frame_id),
                                              A.c.deleted.is_(False)))}

    def get(self, annotation_id: str, label_set: str = DEFAULT_SET) -> tuple[Annotation, str, int] | None:
        """(annotation, frame, version) of a live annotation, or None."""
        rows = self._rows(select(A.c.data, A.c.frame, A.c.version).where(
            A.c.label_set == label_set, A.c.id == annotation_id, A.c.deleted.is_(False)))
        return None if not rows else (annotation_from_dict(json.loads(rows[0].data)), rows[0].frame, rows[0].version)

    def version(self, annotation_id: str, label_set: str = DEFAULT_SET) -> int:
        rows = self._rows(select(A.c.version).where(A.c.label_set == label_set, A.c.id == annotation_id))
        return 0 if not rows else int(rows[0].version)

    def frames(self, label_set: str = DEFAULT_SET) -> list[str]:
        return [r.frame for r in self._rows(select(A.c.frame).distinct().where(
            A.c.label_set == label_set, A.c.deleted.is_(False)).order_by(A.c.frame))]

    def label_sets(self) -> list[str]:
        return [r.label_set for r in self._rows(select(A.c.label_set).distinct().order_by(A.c.label_set))]

    def track(self, track_id: int, label_set: str = DEFAULT_SET) -> dict[str, Cuboid]:
        """frame -> cuboid of one track (one query over the label set's live cuboids)."""
        out = {}
        for r in self._rows(select(A.c.frame, A.c.data).where(
                A.c.label_set == label_set, A.c.kind == "cuboid", A.c.deleted.is_(False)).order_by(A.c.frame)):
            d = json.loads(r.data)
            if d.get("track_id") == track_id:
                out[r.frame] = Cuboid.from_dict(d)
        return out

    def history(self, label_set: str | None = None, frame: str | None = None, limit: int | None = None,
                annotation_id: str | None = None, txn: int | None = None) -> list[Change]:
        """Changes, newest first (optionally of one label set, frame, annotation or transaction)."""
        q = select(H)
        for col, val in ((H.c.label_set, label_set), (H.c.frame, None if frame is None else str(frame)),
                         (H.c.annotation_id, annotation_id), (H.c.txn, txn)):
            if val is not None:
                q = q.where(col == val)
        q = q.order_by(H.c.seq.desc())
        if limit:
            q = q.limit(int(limit))
        return [_change(r) for r in self._rows(q)]

    def last_seq(self, label_set: str | None = None) -> tuple[int, float | None]:
        """(seq, ts) of the newest history row (0, None: none)."""
        h = self.history(label_set, limit=1)
        return (h[0].seq, h[0].ts) if h else (0, None)

    # -- writing -------------------------------------------------------------------------
    def put(self, frame_id: str, annotation: Annotation, label_set: str = DEFAULT_SET,
            author: str | None = None, expected_version: int | None = None, client: str | None = None) -> int:
        """Create or update one annotation; returns its new version."""
        return self.apply(frame_id, upserts=[annotation], label_set=label_set, author=author, client=client,
                          expected={annotation.id: expected_version} if expected_version is not None else None)[annotation.id]

    def put_many(self, frame_id: str, annotations, label_set: str = DEFAULT_SET,
                 author: str | None = None, client: str | None = None) -> dict[str, int]:
        return self.apply(frame_id, upserts=list(annotations), label_set=label_set, author=author, client=client)

    def delete(self, frame_id: str, annotation_id: str, label_set: str = DEFAULT_SET,
               author: str | None = None, expected_version: int | None = None, client: str | None = None) -> int:
        return self.apply(frame_id, deletes=[annotation_id], label_set=label_set, author=author, client=client,
                          expected={annotation_id: expected_version} if expected_version is not None else None)[annotation_id]

    def replace_frame(self, frame_id: str, annotations, label_set: str = DEFAULT_SET,
                      author: str | None = None, client: str | None = None) -> dict[str, int]:
        """Make the frame hold exactly `annotations` (one transaction)."""
        annotations = list(annotations)
        keep = {a.id for a in annotations}
        gone = [a.id for a in self.frame(frame_id, label_set) if a.id not in keep]
        return self.apply(frame_id, upserts=annotations, deletes=gone, label_set=label_set, author=author,
                          client=client)

    def apply(self, frame_id: str, upserts=(), deletes=(), label_set: str = DEFAULT_SET,
              author: str | None = None, expected: dict | None = None, kind: str = "edit",
              client: str | None = None) -> dict[str, int]:
        """Upsert and delete annotations of one frame in one transaction -> id: new version.
        `expected`: id -> the version the change was based on (0: new); a stored version that
        differs raises VersionConflict and nothing is written."""
        changes = [(a.id, a.to_dict()) for a in upserts] + [(aid, None) for aid in deletes]
        try:
            with write_transaction(self.engine) as c:
                return self._apply(c, str(frame_id), changes, label_set, author, client or "", expected or {}, kind)
        except IntegrityError:  # PostgreSQL: a concurrent create of the same id
            raise VersionConflict("the annotation was created by someone else at the same moment") from None

    def apply_frames(self, upserts_by_frame: dict, label_set: str = DEFAULT_SET, author: str | None = None,
                     client: str | None = None) -> dict[str, int]:
        """Upsert annotations of several frames ({frame id: annotations}) in one transaction:
        one undo step (an action over a whole track) -> id: new version."""
        changes = [(a.id, a.to_dict(), str(f)) for f, anns in upserts_by_frame.items() for a in anns]
        if not changes:
            return {}
        with write_transaction(self.engine) as c:
            return self._apply(c, changes[0][2], changes, label_set, author, client or "", {}, "edit")

    def update(self, annotation_id: str, fn, label_set: str = DEFAULT_SET, author: str | None = None,
               client: str | None = None) -> tuple[Annotation, str, int]:
        """Apply `fn(annotation) -> annotation` to the STORED annotation, atomically: the read
        and the write are one transaction holding the row, so concurrent updates serialise and
        none is lost. Returns (annotation, frame, version) as stored afterwards."""
        with write_transaction(self.engine) as c:
            rows = self._lock(c, label_set, [annotation_id])
            row = rows.get(annotation_id)
            if row is None or row.deleted:
                raise PointlabelError(f"no annotation {annotation_id} in label set {label_set!r}")
            old = annotation_from_dict(json.loads(row.data))
            new = fn(old)
            if new is None or new.to_dict() == old.to_dict():
                return old, row.frame, row.version
            if new.id != annotation_id:
                raise PointlabelError("an update must keep the annotation's id")
            v = self._apply(c, row.frame, [(annotation_id, new.to_dict())], label_set, author, client or "",
                            {}, "edit", rows)
            return new, row.frame, v[annotation_id]

    def _lock(self, c, label_set, ids) -> dict:
        """The annotations rows of `ids`, locked for this transaction (PostgreSQL: FOR UPDATE,
        in id order so two writers never deadlock; SQLite: the write lock is held already)."""
        if not ids:
            return {}
        q = select(A).where(A.c.label_set == label_set, A.c.id.in_(sorted(set(ids)))).order_by(A.c.id)
        return {r.id: r for r in c.execute(q.with_for_update())}

    def _apply(self, c, frame_id, changes, label_set, author, client, expected, kind, rows=None) -> dict[str, int]:
        rows = rows if rows is not None else self._lock(c, label_set, [ch[0] for ch in changes])
        for aid, *_ in changes:
            want = expected.get(aid)
            row = rows.get(aid)
            have = 0 if row is None else int(row.version)
            if want is not None and int(want) != have:
                current = None if row is None or row.deleted else json.loads(row.data)
                raise VersionConflict(
                    f"{_describe(current, aid)} was changed by someone else (version {have}, yours was {want}); "
                    "showing the stored state", aid, current, have, None if row is None else row.frame)
        now, txn, out = time.time(), None, {}
        for aid, after, *where in changes:  # (id, data[, frame]): a change may name its own frame
            row = rows.get(aid)
            before = None if row is None or row.deleted else json.loads(row.data)
            version = 0 if row is None else int(row.version)
            if after is None and before is None:
                raise PointlabelError(f"no annotation {aid} in frame {frame_id}")
            if after is not None and before == after:
                out[aid] = version
                continue
            if txn is None:
                txn = c.execute(insert(T).values(ts=now, author=author, client=client, label_set=label_set,
                                                 frame=frame_id, kind=kind, state=LIVE)).inserted_primary_key[0]
            version += 1
            frame = (where[0] if where else frame_id) if row is None or after is not None else row.frame
            values = dict(frame=frame, kind=(after or before)["type"], version=version, deleted=after is None,
                          data=json.dumps(after if after is not None else before))
            if row is None:
                c.execute(insert(A).values(label_set=label_set, id=aid, **values))
            else:
                c.execute(update(A).where(A.c.row_id == row.row_id).values(**values))
            op = "delete" if after is None else ("create" if before is None else "update")
            c.execute(insert(H).values(txn=txn, ts=now, author=author, client=client, label_set=label_set,
                                       frame=frame, annotation_id=aid, op=op, version=version,
                                       before=None if before is None else json.dumps(before),
                                       after=None if after is None else json.dumps(after), kind=kind))
            out[aid] = version
        if kind == "edit" and txn is not None:  # a new edit ends its author's redo
            c.execute(update(T).where(T.c.label_set == label_set, T.c.client == client, T.c.state == UNDONE)
                      .values(state=DROPPED))
        return out

    # -- undo / redo (per client) --------------------------------------------------------
    def _step(self, label_set: str, client: str, author, undo: bool) -> str | None:
        with write_transaction(self.engine) as c:
            mine = and_(T.c.label_set == label_set, T.c.client == client, T.c.kind == "edit")
            if undo:
                q = select(T.c.id).where(mine, T.c.state == LIVE).order_by(T.c.id.desc())
            else:
                q = select(T.c.id).where(mine, T.c.state == UNDONE).order_by(T.c.id)
            txn = c.execute(q.limit(1)).scalar()
            if txn is None:
                return None
            changes = [_change(r) for r in c.execute(select(H).where(H.c.txn == txn).order_by(H.c.seq))]
            rows = self._lock(c, label_set, [ch.annotation_id for ch in changes])
            for ch in changes:  # the object must still be as this step left it
                row = rows.get(ch.annotation_id)
                now = None if row is None or row.deleted else json.loads(row.data)
                if now != (ch.after if undo else ch.before):
                    by = c.execute(select(H.c.author, H.c.client).where(
                        H.c.label_set == label_set, H.c.annotation_id == ch.annotation_id)
                        .order_by(H.c.seq.desc()).limit(1)).first()
                    who = f" ({by.author or by.client or 'someone'})" if by is not None and by.client != client else ""
                    raise UndoConflict(
                        f"not {'undone' if undo else 'redone'}: {_describe(now or ch.after or ch.before, ch.annotation_id)} "
                        f"in frame {ch.frame} was changed by someone else since{who}")
            changes_back = [(ch.annotation_id, ch.before if undo else ch.after, ch.frame) for ch in changes]
            frame = changes[0].frame
            self._apply(c, frame, changes_back, label_set, author, client, {}, "undo" if undo else "redo", rows)
            c.execute(update(T).where(T.c.id == txn).values(state=UNDONE if undo else LIVE))
            return frame

    def _step_or_drop(self, label_set, client, author, undo) -> str | None:
        try:
            return self._step(label_set, client, author, undo)
        except UndoConflict:
            # The refused step leaves the client's stack, so the next undo goes further back.
            with write_transaction(self.engine) as c:
                mine = and_(T.c.label_set == label_set, T.c.client == client, T.c.kind == "edit",
                            T.c.state == (LIVE if undo else UNDONE))
                pick = func.max(T.c.id) if undo else func.min(T.c.id)
                txn = c.execute(select(pick).where(mine)).scalar()
                if txn is not None:
                    c.execute(update(T).where(T.c.id == txn).values(state=DROPPED))
            raise

    def undo(self, label_set: str = DEFAULT_SET, author: str | None = None, client: str | None = None) -> str | None:
        """Revert `client`'s last edit not yet undone; returns its frame (None: nothing to undo).
        Raises UndoConflict (and drops that step) if someone else changed it since."""
        return self._step_or_drop(label_set, client or "", author, True)

    def redo(self, label_set: str = DEFAULT_SET, author: str | None = None, client: str | None = None) -> str | None:
        return self._step_or_drop(label_set, client or "", author, False)

    def can_undo(self, label_set: str = DEFAULT_SET, client: str | None = None) -> tuple[bool, bool]:
        """(anything to undo, anything to redo) for a client."""
        rows = self._rows(select(T.c.state, func.count()).where(
            T.c.label_set == label_set, T.c.client == (client or ""), T.c.kind == "edit").group_by(T.c.state))
        n = {r[0]: r[1] for r in rows}
        return n.get(LIVE, 0) > 0, n.get(UNDONE, 0) > 0

    # -- meta ----------------------------------------------------------------------------
    def get_meta(self, key: str, default=None):
        rows = self._rows(select(schema.meta.c.value).where(schema.meta.c.key == key))
        return default if not rows else json.loads(rows[0].value)

    def set_meta(self, key: str, value) -> None:
        m = schema.meta
        with write_transaction(self.engine) as c:
            if c.execute(select(m.c.key).where(m.c.key == key).with_for_update()).first() is None:
                c.execute(insert(m).values(key=key, value=json.dumps(value)))
            else:
                c.execute(update(m).where(m.c.key == key).values(value=json.dumps(value)))
