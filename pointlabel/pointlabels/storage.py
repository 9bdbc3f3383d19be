"""Point labels in their own tables of the annotation database, versioned and undoable.

Tables (`pointlabels.tables`, SQLAlchemy Core, on the annotation store's engine: SQLite or
PostgreSQL):
- `pointlabel_frames(label_set, frame, n_points, version, semantic, instance, dropped, ts)`:
  the current labels of a frame, each array run-length + zlib (`codec`); `n_points` is the
  loaded cloud's point count; `dropped` keeps the labels an imported file gave the points
  the cloud reader drops (NaN / (0, 0, 0)), so an export writes them back unchanged.
- `pointlabel_ops(seq, label_set, frame, client, ts, kind, state, tool, params, version,
  target, n_changed, diff)`: every change ever made, append-only but for an edit's `state`
  (live / undone, for redo). `diff` holds only the changed points: indices, old and new class
  and instance. `kind` is edit / undo / redo; an undo or redo names its edit in `target`.
- `pointlabel_classes(label_set, class_map)`: the label set's class table (JSON).

Every write is one transaction (the frame's row locked) and bumps the frame's version by
one. Undo is per client (each labeller undoes their own ops, as with the annotations): it
restores the old values only on the points that still hold what the op wrote, so a later
edit of someone else is kept (`OpResult.kept` counts those points).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from pointlabel.errors import PointlabelError
from pointlabel.pointlabels import tables
from pointlabel.pointlabels.classmap import ClassMap
from pointlabel.pointlabels.codec import decode_diff, decode_labels, encode_diff, encode_labels

DEFAULT_SET = "default"
F, O, C = tables.frames, tables.ops, tables.classes


@dataclass(frozen=True)
class FrameLabels:
    """semantic, instance: (N,) uint16 in the loaded cloud's point order; version 0 = never
    labelled; dropped: (source index (K,), semantic (K,), instance (K,)) or None."""

    frame: str
    semantic: np.ndarray
    instance: np.ndarray
    version: int
    dropped: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def n_points(self) -> int:
        return len(self.semantic)

    def packed(self) -> np.ndarray:
        """(N,) uint32: SemanticKITTI's packing, class in the low 16 bits, instance high."""
        return self.semantic.astype(np.uint32) | (self.instance.astype(np.uint32) << 16)


@dataclass(frozen=True)
class OpResult:
    """What one operation did: the frame's version after it, points changed (and selected),
    and the op's history seq (None when nothing changed, so nothing was recorded)."""

    frame: str | None
    version: int
    changed: int
    selected: int = 0
    seq: int | None = None
    kept: int = 0  # undo/redo: points left alone because someone changed them since

    def to_dict(self) -> dict:
        return {"frame": self.frame, "version": self.version, "changed": self.changed,
                "selected": self.selected, "seq": self.seq, "kept": self.kept}


class PointLabelStore:
    """Per-point class and instance of every frame of every label set (see module docstring).
    `engine`: the annotation store's SQLAlchemy engine (`for_store`), or `open(path or URL)`."""

    def __init__(self, engine):
        from pointlabel.store.engine import migrate
        self.engine = engine
        try:
            migrate(engine)  # the tables come with the store's schema (a no-op on an opened store)
        except SQLAlchemyError as e:
            raise PointlabelError(f"cannot open the point-label tables ({str(e).splitlines()[0]})") from None

    @classmethod
    def for_store(cls, store) -> "PointLabelStore":
        """The point labels kept in the same database as an AnnotationStore."""
        return cls(store.engine)

    @classmethod
    def open(cls, target: str | Path) -> "PointLabelStore":
        """A store file (SQLite path) or URL on its own (opening it migrates the store's schema)."""
        from pointlabel.store.engine import open_engine
        return cls(open_engine(target)[0])

    def close(self) -> None:
        self.engine.dispose()

    def _write(self):
        from pointlabel.store.engine import write_transaction
        return write_transaction(self.engine)

    def _one(self, q):
        with self.engine.connect() as c:
            return c.execute(q).first()

    def _all(self, q):
        with self.engine.connect() as c:
            return c.execute(q).all()

    # -- reading -------------------------------------------------------------------------
    def get(self, frame: str, label_set: str = DEFAULT_SET) -> FrameLabels | None:
        row = self._one(select(F).where(F.c.label_set == label_set, F.c.frame == str(frame)))
        return None if row is None else _frame_labels(row)

    def labels(self, frame: str, n_points: int, label_set: str = DEFAULT_SET) -> FrameLabels:
        """The frame's labels; all zeros (version 0) for a frame never labelled. A stored
        frame whose point count differs from `n_points` is an error (the cloud changed)."""
        return _checked(self.get(frame, label_set), frame, n_points)

    def version(self, frame: str, label_set: str = DEFAULT_SET) -> int:
        row = self._one(select(F.c.version).where(F.c.label_set == label_set, F.c.frame == str(frame)))
        return 0 if row is None else int(row[0])

    def frames(self, label_set: str = DEFAULT_SET) -> list[str]:
        return [r[0] for r in self._all(select(F.c.frame).where(F.c.label_set == label_set).order_by(F.c.frame))]

    def label_sets(self) -> list[str]:
        return [r[0] for r in self._all(select(F.c.label_set).distinct().order_by(F.c.label_set))]

    def history(self, label_set: str = DEFAULT_SET, frame: str | None = None) -> list[dict]:
        """The ops (newest first) without their diffs."""
        q = select(O.c.seq, O.c.frame, O.c.client, O.c.ts, O.c.kind, O.c.state, O.c.tool, O.c.params,
                   O.c.version, O.c.target, O.c.n_changed).where(O.c.label_set == label_set)
        if frame is not None:
            q = q.where(O.c.frame == str(frame))
        out = []
        for r in self._all(q.order_by(O.c.seq.desc())):
            d = r._asdict()
            d["params"] = json.loads(d["params"]) if d["params"] else None
            d["changed"] = d.pop("n_changed")
            out.append(d)
        return out

    def stored_bytes(self, label_set: str | None = None) -> dict[str, int]:
        """Bytes of the current label blobs and of the history diffs (for the benchmark)."""
        fq = select(F.c.semantic, F.c.instance, F.c.n_points)
        oq = select(O.c.diff)
        if label_set:
            fq, oq = fq.where(F.c.label_set == label_set), oq.where(O.c.label_set == label_set)
        rows = self._all(fq)
        return {"labels": sum(len(r[0]) + len(r[1]) for r in rows), "points": sum(int(r[2]) for r in rows),
                "history": sum(len(r[0]) for r in self._all(oq))}

    def max_instance(self, label_set: str = DEFAULT_SET) -> int:
        """The largest instance id used in any frame of the label set (0: none)."""
        top = 0
        for r in self._all(select(F.c.instance).where(F.c.label_set == label_set)):
            inst = decode_labels(r[0])
            top = max(top, int(inst.max()) if len(inst) else 0)
        return top

    # -- class map -----------------------------------------------------------------------
    def class_map(self, label_set: str = DEFAULT_SET) -> ClassMap:
        """The label set's class table (SemanticKITTI's until one is set)."""
        row = self._one(select(C.c.class_map).where(C.c.label_set == label_set))
        return ClassMap.semantic_kitti() if row is None else ClassMap.from_dict(json.loads(row[0]))

    def set_class_map(self, class_map: ClassMap, label_set: str = DEFAULT_SET) -> None:
        data = json.dumps(class_map.to_dict())
        with self._write() as c:
            if c.execute(select(C.c.label_set).where(C.c.label_set == label_set).with_for_update()).first() is None:
                c.execute(insert(C).values(label_set=label_set, class_map=data))
            else:
                c.execute(update(C).where(C.c.label_set == label_set).values(class_map=data))

    # -- writing -------------------------------------------------------------------------
    def paint(self, frame: str, n_points: int, idx: np.ndarray, semantic, instance=None,
              label_set: str = DEFAULT_SET, client: str | None = None, tool: str | None = None,
              params: dict | None = None, only_unlabelled: bool = False) -> OpResult:
        """Set class `semantic` (and instance, None: keep each point's) on the points `idx`
        (indices into the loaded cloud, or an (N,) bool mask) as one undoable op.
        semantic / instance: a scalar or one value per selected point."""
        idx = _as_indices(idx, n_points)

        def write():
            with self._write() as c:
                before = _checked(self._locked(c, frame, label_set), frame, n_points)
                sem, inst = before.semantic, before.instance
                sel = idx[sem[idx] == 0] if only_unlabelled else idx
                new_sem, new_inst = sem.copy(), inst.copy()
                new_sem[sel] = _values(semantic, idx, only_unlabelled, sem)
                if instance is not None:
                    new_inst[sel] = _values(instance, idx, only_unlabelled, sem)
                return self._commit(c, label_set, frame, before, new_sem, new_inst, client, "edit",
                                    tool, params, selected=len(idx))
        return _first_row_race(write)

    def replace(self, frame: str, semantic: np.ndarray, instance: np.ndarray, label_set: str = DEFAULT_SET,
                client: str | None = None, tool: str = "import", params: dict | None = None,
                dropped: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> OpResult:
        """Make the frame hold exactly these arrays (N,) uint16 (one undoable op); `dropped`
        keeps labels of source points the reader drops (see module docstring)."""
        semantic = np.asarray(semantic, dtype=np.uint16)
        instance = np.asarray(instance, dtype=np.uint16)
        if semantic.shape != instance.shape or semantic.ndim != 1:
            raise PointlabelError("semantic and instance must be (N,) arrays of one length")
        def write():
            with self._write() as c:
                before = _checked(self._locked(c, frame, label_set), frame, len(semantic))
                return self._commit(c, label_set, frame, before, semantic, instance, client, "edit",
                                    tool, params, selected=len(semantic), dropped=dropped)
        return _first_row_race(write)

    # -- undo / redo ---------------------------------------------------------------------
    def undo(self, label_set: str = DEFAULT_SET, client: str | None = None, frame: str | None = None) -> OpResult | None:
        """Revert the client's last live edit (in `frame` if given); None: nothing to undo."""
        return self._revert(label_set, client, frame, undo=True)

    def redo(self, label_set: str = DEFAULT_SET, client: str | None = None, frame: str | None = None) -> OpResult | None:
        """Re-apply the client's most recently undone edit; None: nothing to redo."""
        return self._revert(label_set, client, frame, undo=False)

    def _revert(self, label_set, client, frame, undo: bool) -> OpResult | None:
        q = select(O.c.seq, O.c.frame, O.c.diff).where(
            O.c.label_set == label_set, O.c.kind == "edit", O.c.client == (client or ""),
            O.c.state == ("live" if undo else "undone"))
        if frame is not None:
            q = q.where(O.c.frame == str(frame))
        # undo: the newest live edit; redo: the edit undone last, i.e. the oldest undone one
        q = q.order_by(O.c.seq.desc() if undo else O.c.seq.asc()).limit(1)
        with self._write() as c:
            row = c.execute(q.with_for_update()).first()
            if row is None:
                return None
            seq, op_frame, blob = row
            idx, (old_sem, old_inst, new_sem, new_inst) = decode_diff(blob)
            got = self._locked(c, op_frame, label_set)
            if got is None:
                raise PointlabelError(f"frame {op_frame} has no point labels (damaged store?)")
            sem, inst = got.semantic.copy(), got.instance.copy()
            have = (new_sem, new_inst) if undo else (old_sem, old_inst)
            put = (old_sem, old_inst) if undo else (new_sem, new_inst)
            same = (sem[idx] == have[0]) & (inst[idx] == have[1])
            sem[idx[same]] = put[0][same]
            inst[idx[same]] = put[1][same]
            res = self._commit(c, label_set, op_frame, got, sem, inst, client, "undo" if undo else "redo",
                               None, None, selected=len(idx), target=seq, force_record=True)
            c.execute(update(O).where(O.c.seq == seq).values(state="undone" if undo else "live"))
            return OpResult(op_frame, res.version, res.changed, len(idx), res.seq, int((~same).sum()))

    # -- internals -----------------------------------------------------------------------
    def _locked(self, c, frame, label_set) -> FrameLabels | None:
        row = c.execute(select(F).where(F.c.label_set == label_set, F.c.frame == str(frame))
                        .with_for_update()).first()
        return None if row is None else _frame_labels(row)

    def _commit(self, c, label_set, frame, before: FrameLabels, sem, inst, client, kind, tool, params,
                selected: int, target: int | None = None, dropped=None, force_record: bool = False) -> OpResult:
        changed = np.flatnonzero((sem != before.semantic) | (inst != before.instance))
        dropped_changed = dropped is not None and not _same_dropped(dropped, before.dropped)
        if not len(changed) and not dropped_changed and not force_record:
            return OpResult(str(frame), before.version, 0, selected)
        version = before.version + 1
        now = time.time()
        keep_dropped = dropped if dropped is not None else before.dropped
        values = dict(n_points=len(sem), version=version, semantic=encode_labels(sem), instance=encode_labels(inst),
                      dropped=None if keep_dropped is None else encode_diff(*keep_dropped), ts=now)
        if before.version == 0:
            c.execute(insert(F).values(label_set=label_set, frame=str(frame), **values))
        else:
            c.execute(update(F).where(F.c.label_set == label_set, F.c.frame == str(frame)).values(**values))
        diff = encode_diff(changed, before.semantic[changed], before.instance[changed], sem[changed], inst[changed])
        seq = c.execute(insert(O).values(
            label_set=label_set, frame=str(frame), client=client or "", ts=now, kind=kind, state="live", tool=tool,
            params=None if params is None else json.dumps(params), version=version, target=target,
            n_changed=len(changed), diff=diff)).inserted_primary_key[0]
        if kind == "edit":  # a new edit ends the client's redo chain
            c.execute(update(O).where(O.c.label_set == label_set, O.c.client == (client or ""), O.c.kind == "edit",
                                      O.c.state == "undone").values(state="dropped"))
        return OpResult(str(frame), version, len(changed), selected, int(seq))


def _first_row_race(write):
    """Run a write; once more if another writer created the frame's row first (PostgreSQL:
    two first ops on a frame both see no row; the second insert fails, its retry updates)."""
    try:
        return write()
    except IntegrityError:
        return write()


def _frame_labels(row) -> FrameLabels:
    dropped = None
    if row.dropped is not None:
        idx, (sem, inst) = decode_diff(row.dropped)
        dropped = (idx, sem, inst)
    return FrameLabels(row.frame, decode_labels(row.semantic), decode_labels(row.instance), int(row.version), dropped)


def _checked(got: FrameLabels | None, frame, n_points: int) -> FrameLabels:
    if got is None:
        return FrameLabels(str(frame), np.zeros(n_points, np.uint16), np.zeros(n_points, np.uint16), 0)
    if got.n_points != n_points:
        raise PointlabelError(f"frame {frame}: point labels are for {got.n_points} points, the cloud has {n_points}")
    return got


def _as_indices(idx, n_points: int) -> np.ndarray:
    a = np.asarray(idx)
    if a.dtype == bool:
        if a.shape != (n_points,):
            raise PointlabelError(f"a point mask must have {n_points} entries, not {a.shape}")
        return np.flatnonzero(a)
    a = a.astype(np.int64).ravel()
    if len(a) and (a.min() < 0 or a.max() >= n_points):
        raise PointlabelError(f"point indices must be in 0..{n_points - 1}")
    return a


def _values(v, idx, filtered: bool, sem) -> np.ndarray | int:
    """A scalar, or per-index values (restricted to the unlabelled points when filtered)."""
    a = np.asarray(v)
    if a.ndim == 0:
        if not 0 <= int(a) <= 0xFFFF:
            raise PointlabelError(f"label value {int(a)} is outside 0..65535")
        return int(a)
    if len(a) != len(idx):
        raise PointlabelError("one label value per selected point, or one for all")
    return (a[sem[idx] == 0] if filtered else a).astype(np.uint16)


def _same_dropped(a, b) -> bool:
    if b is None:
        return a is None or len(a[0]) == 0
    return all(np.array_equal(x, y) for x, y in zip(a, b))
