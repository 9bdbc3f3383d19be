"""Review state: per annotation of a label set, accepted or rejected with a comment, kept in the
annotation store's database in two tables (pointlabel.store.schema):

- `qa_review(label_set, annotation_id, frame, verdict, comment, reviewer, ts, version)`: the
  current verdict; `version` is the annotation's store version when it was judged, so a
  rejected annotation edited since shows up as changed (fixed, to be looked at again);
- `qa_review_log(seq, ...)`: every verdict ever given, append-only.

The app's review workflow uses `ReviewBook`: `set_verdict(annotation_id, verdict, comment)`,
`verdicts()`, `rejected()` (what the labeller sees); `to_dict()` / `export_json(path)` export it.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select

from pointlabel.errors import PointlabelError
from pointlabel.qa.audit import ACCEPTED, REJECTED
from pointlabel.store.schema import qa_review as R, qa_review_log as L

VERDICTS = (ACCEPTED, REJECTED)
FORMAT = "pointlabel-review"
_COLUMNS = ("annotation_id", "frame", "verdict", "comment", "reviewer", "ts", "version")


@dataclass(frozen=True)
class Verdict:
    annotation: str
    frame: str | None
    verdict: str  # 'accepted' | 'rejected' | 'cleared' (log only)
    comment: str
    reviewer: str | None
    ts: float
    version: int | None  # the annotation's store version when judged
    changed_since: bool = False  # the annotation was edited after the verdict

    def to_dict(self) -> dict:
        return asdict(self)


class ReviewBook:
    """Verdicts on one label set of a store (an AnnotationStore, or the path of its file)."""

    def __init__(self, store, label_set: str = "default"):
        from pointlabel.store import AnnotationStore
        if isinstance(store, (str, Path)):  # a store's file or URL: open it (another process)
            store = AnnotationStore(store)
        self.store = store
        self.path = store.path
        self.engine = store.engine
        self.label_set = label_set

    def close(self) -> None:
        pass  # the store owns the engine

    # -- writing -------------------------------------------------------------------------
    def set_verdict(self, annotation_id: str, verdict: str, comment: str = "",
                    reviewer: str | None = None, frame: str | None = None) -> Verdict:
        """Accept or reject an annotation. A rejection needs a comment (the labeller must learn
        what is wrong). The frame and version are looked up in the store when the label set is
        one of its own (a set that lives elsewhere, such as a dataset's reference, is judged
        by id, with the `frame` given)."""
        if verdict not in VERDICTS:
            raise PointlabelError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
        if verdict == REJECTED and not comment.strip():
            raise PointlabelError("a rejection needs a comment saying what is wrong")
        version = None
        if self.store is not None and self.label_set in self.store.label_sets():
            found = self.store.get(annotation_id, self.label_set)
            if found is None:
                raise PointlabelError(f"no annotation {annotation_id} in label set {self.label_set!r}")
            frame, version = found[1], found[2]
        v = Verdict(annotation_id, frame, verdict, comment.strip(), reviewer, time.time(), version)
        row = dict(zip(("label_set",) + _COLUMNS, (self.label_set, v.annotation, v.frame, v.verdict, v.comment,
                                                   v.reviewer, v.ts, v.version)))
        with self.store.write() as c:
            c.execute(delete(R).where(R.c.label_set == self.label_set, R.c.annotation_id == annotation_id))
            c.execute(insert(R).values(**row))
            c.execute(insert(L).values(**row))
        return v

    def clear(self, annotation_id: str, reviewer: str | None = None) -> None:
        """Withdraw the verdict on an annotation (logged as 'cleared')."""
        old = self.verdict(annotation_id)
        if old is None:
            return
        with self.store.write() as c:
            c.execute(delete(R).where(R.c.label_set == self.label_set, R.c.annotation_id == annotation_id))
            c.execute(insert(L).values(label_set=self.label_set, annotation_id=annotation_id, frame=old.frame,
                                       verdict="cleared", comment="", reviewer=reviewer, ts=time.time(),
                                       version=old.version))

    # -- reading -------------------------------------------------------------------------
    def _rows(self, q):
        with self.engine.connect() as c:
            return c.execute(q).all()

    def verdict(self, annotation_id: str) -> Verdict | None:
        rows = self._rows(select(*(R.c[k] for k in _COLUMNS)).where(
            R.c.label_set == self.label_set, R.c.annotation_id == annotation_id))
        return None if not rows else self._verdict(rows[0])

    def verdicts(self, frame: str | None = None, verdict: str | None = None) -> dict[str, Verdict]:
        """annotation id -> current verdict (optionally of one frame, or one kind)."""
        q = select(*(R.c[k] for k in _COLUMNS)).where(R.c.label_set == self.label_set)
        if frame is not None:
            q = q.where(R.c.frame == str(frame))
        if verdict is not None:
            q = q.where(R.c.verdict == verdict)
        return {r[0]: self._verdict(r) for r in self._rows(q.order_by(R.c.frame, R.c.annotation_id))}

    def rejected(self) -> list[Verdict]:
        """What the labeller has to look at: rejected annotations, unfixed ones first."""
        return sorted(self.verdicts(verdict=REJECTED).values(), key=lambda v: (v.changed_since, v.frame or "", v.ts))

    def log(self, annotation_id: str | None = None) -> list[Verdict]:
        """Every verdict given (oldest first), of one annotation or all."""
        q = select(*(L.c[k] for k in _COLUMNS)).where(L.c.label_set == self.label_set)
        if annotation_id is not None:
            q = q.where(L.c.annotation_id == annotation_id)
        return [Verdict(*r) for r in self._rows(q.order_by(L.c.seq))]

    def _verdict(self, row) -> Verdict:
        v = Verdict(*row)
        if self.store is not None and v.version is not None:
            v = Verdict(*row, changed_since=self.store.version(v.annotation, self.label_set) > v.version)
        return v

    # -- export --------------------------------------------------------------------------
    def to_dict(self) -> dict:
        vs = list(self.verdicts().values())
        return {"format": FORMAT, "version": 1, "label_set": self.label_set,
                "counts": {k: sum(v.verdict == k for v in vs) for k in VERDICTS},
                "verdicts": [v.to_dict() for v in vs]}

    def export_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))
