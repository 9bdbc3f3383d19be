"""A SQLite annotation store with stable ids, versions and an append-only change history.

Schema:
- `annotations(id, label_set, frame, kind, version, deleted, data)`: the current state; `data`
  is the annotation's JSON (LiDAR frame). `version` grows by one with every change.
- `history(seq, txn, ts, author, label_set, frame, annotation_id, op, version, before, after)`:
  every change ever made, never rewritten. `op` is create / update / delete; undo and redo are
  new changes that restore `before` (or `after`), so the log stays append-only.
- `undo_state(label_set, txn, undone)`: which transactions are currently undone (for redo).
- `meta(key, value)`: dataset settings (e.g. up axis, units) and bookkeeping.

Each public write is one transaction. A label set names a set of annotations: `default` (the
labellers' work), `reference` (ground truth), or one per annotator.
"""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from pointlabel.datasets.access import writable_folder
from pointlabel.errors import PointlabelError
from pointlabel.model import Annotation, Cuboid, FrameAnnotations, annotation_from_dict

DEFAULT_SET = "default"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS annotations (
    id TEXT NOT NULL, label_set TEXT NOT NULL, frame TEXT NOT NULL, kind TEXT NOT NULL,
    version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL,
    PRIMARY KEY (label_set, id));
CREATE INDEX IF NOT EXISTS ann_frame ON annotations(label_set, frame);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, txn INTEGER NOT NULL, ts REAL NOT NULL, author TEXT,
    label_set TEXT NOT NULL, frame TEXT NOT NULL, annotation_id TEXT NOT NULL, op TEXT NOT NULL,
    version INTEGER NOT NULL, before TEXT, after TEXT, kind TEXT NOT NULL DEFAULT 'edit');
CREATE INDEX IF NOT EXISTS hist_txn ON history(txn);
CREATE TABLE IF NOT EXISTS undo_state (
    label_set TEXT NOT NULL, txn INTEGER NOT NULL, undone INTEGER NOT NULL,
    PRIMARY KEY (label_set, txn));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class VersionConflict(PointlabelError):
    """Someone else changed the annotation since the caller read it."""


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


def _kind(a: Annotation) -> str:
    return a.to_dict()["type"]


class AnnotationStore:
    """Annotations per (label set, frame), each change one transaction, history append-only."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as e:
            raise PointlabelError(f"cannot open annotation store ({e})", self.path) from None

    def close(self) -> None:
        self._db.close()

    # -- reading -------------------------------------------------------------------------
    def frame(self, frame_id: str, label_set: str = DEFAULT_SET) -> FrameAnnotations:
        rows = self._db.execute(
            "SELECT data FROM annotations WHERE label_set=? AND frame=? AND deleted=0 ORDER BY rowid",
            (label_set, str(frame_id))).fetchall()
        return FrameAnnotations.from_annotations(str(frame_id), (annotation_from_dict(json.loads(r[0])) for r in rows))

    def get(self, annotation_id: str, label_set: str = DEFAULT_SET) -> tuple[Annotation, str, int] | None:
        """(annotation, frame, version) of a live annotation, or None."""
        row = self._db.execute(
            "SELECT data, frame, version FROM annotations WHERE label_set=? AND id=? AND deleted=0",
            (label_set, annotation_id)).fetchone()
        return None if row is None else (annotation_from_dict(json.loads(row[0])), row[1], row[2])

    def version(self, annotation_id: str, label_set: str = DEFAULT_SET) -> int:
        row = self._db.execute("SELECT version FROM annotations WHERE label_set=? AND id=?",
                               (label_set, annotation_id)).fetchone()
        return 0 if row is None else int(row[0])

    def frames(self, label_set: str = DEFAULT_SET) -> list[str]:
        rows = self._db.execute("SELECT DISTINCT frame FROM annotations WHERE label_set=? AND deleted=0 "
                                "ORDER BY frame", (label_set,)).fetchall()
        return [r[0] for r in rows]

    def label_sets(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT label_set FROM annotations ORDER BY 1")]

    def track(self, track_id: int, label_set: str = DEFAULT_SET) -> dict[str, Cuboid]:
        """frame -> cuboid of one track (one query over the label set's live cuboids)."""
        rows = self._db.execute(
            "SELECT frame, data FROM annotations WHERE label_set=? AND kind='cuboid' AND deleted=0 "
            "ORDER BY frame", (label_set,)).fetchall()
        out = {}
        for frame, data in rows:
            d = json.loads(data)
            if d.get("track_id") == track_id:
                out[frame] = Cuboid.from_dict(d)
        return out

    def history(self, label_set: str | None = None, frame: str | None = None,
                limit: int | None = None) -> list[Change]:
        q, args = "SELECT * FROM history WHERE 1=1", []
        if label_set is not None:
            q, args = q + " AND label_set=?", args + [label_set]
        if frame is not None:
            q, args = q + " AND frame=?", args + [str(frame)]
        q += " ORDER BY seq DESC" + (f" LIMIT {int(limit)}" if limit else "")
        return [Change(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
                       None if r[9] is None else json.loads(r[9]),
                       None if r[10] is None else json.loads(r[10]), r[11])
                for r in self._db.execute(q, args)]

    # -- writing -------------------------------------------------------------------------
    def put(self, frame_id: str, annotation: Annotation, label_set: str = DEFAULT_SET,
            author: str | None = None, expected_version: int | None = None) -> int:
        """Create or update one annotation; returns its new version."""
        return self.apply(frame_id, upserts=[annotation], label_set=label_set, author=author,
                          expected={annotation.id: expected_version} if expected_version is not None else None)[annotation.id]

    def put_many(self, frame_id: str, annotations, label_set: str = DEFAULT_SET,
                 author: str | None = None) -> dict[str, int]:
        return self.apply(frame_id, upserts=list(annotations), label_set=label_set, author=author)

    def delete(self, frame_id: str, annotation_id: str, label_set: str = DEFAULT_SET,
               author: str | None = None) -> int:
        return self.apply(frame_id, deletes=[annotation_id], label_set=label_set, author=author)[annotation_id]

    def replace_frame(self, frame_id: str, annotations, label_set: str = DEFAULT_SET,
                      author: str | None = None) -> dict[str, int]:
        """Make the frame hold exactly `annotations` (one transaction)."""
        annotations = list(annotations)
        keep = {a.id for a in annotations}
        gone = [a.id for a in self.frame(frame_id, label_set) if a.id not in keep]
        return self.apply(frame_id, upserts=annotations, deletes=gone, label_set=label_set, author=author)

    def apply(self, frame_id: str, upserts=(), deletes=(), label_set: str = DEFAULT_SET,
              author: str | None = None, expected: dict | None = None, kind: str = "edit") -> dict[str, int]:
        """Upsert and delete annotations of one frame in one transaction -> id: new version."""
        frame_id = str(frame_id)
        out: dict[str, int] = {}
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            txn = self._next_txn(cur)
            for a in upserts:
                out[a.id] = self._write(cur, txn, label_set, frame_id, a.id, a.to_dict(), author, expected, kind)
            for aid in deletes:
                out[aid] = self._write(cur, txn, label_set, frame_id, aid, None, author, expected, kind)
            if kind == "edit" and out:
                cur.execute("DELETE FROM undo_state WHERE label_set=? AND undone=1", (label_set,))
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        return out

    def _next_txn(self, cur) -> int:
        return int(cur.execute("SELECT COALESCE(MAX(txn), 0) + 1 FROM history").fetchone()[0])

    def _write(self, cur, txn, label_set, frame_id, aid, after: dict | None, author, expected, kind) -> int:
        row = cur.execute("SELECT data, version, deleted, frame FROM annotations WHERE label_set=? AND id=?",
                          (label_set, aid)).fetchone()
        before = None if row is None or row[2] else json.loads(row[0])
        version = 0 if row is None else int(row[1])
        if expected and aid in expected and expected[aid] is not None and expected[aid] != version:
            raise VersionConflict(f"annotation {aid} is at version {version}, not {expected[aid]}")
        if after is None and before is None:
            raise PointlabelError(f"no annotation {aid} in frame {frame_id}")
        if after is not None and before == after:
            return version
        version += 1
        frame = frame_id if row is None or after is not None else row[3]
        data = json.dumps(after if after is not None else before)
        # An upsert (not INSERT OR REPLACE) keeps the row's position, so a frame keeps its order.
        cur.execute("INSERT INTO annotations(id, label_set, frame, kind, version, deleted, data) "
                    "VALUES (?,?,?,?,?,?,?) ON CONFLICT(label_set, id) DO UPDATE SET frame=excluded.frame, "
                    "kind=excluded.kind, version=excluded.version, deleted=excluded.deleted, data=excluded.data",
                    (aid, label_set, frame, (after or before)["type"], version, int(after is None), data))
        op = "delete" if after is None else ("create" if before is None else "update")
        cur.execute("INSERT INTO history(txn, ts, author, label_set, frame, annotation_id, op, version, "
                    "before, after, kind) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (txn, time.time(), author, label_set, frame, aid, op, version,
                     None if before is None else json.dumps(before),
                     None if after is None else json.dumps(after), kind))
        return version

    # -- undo / redo ---------------------------------------------------------------------
    def _last_txn(self, label_set: str, undone: bool) -> int | None:
        if undone:
            row = self._db.execute("SELECT MIN(txn) FROM undo_state WHERE label_set=? AND undone=1",
                                   (label_set,)).fetchone()
        else:
            row = self._db.execute(
                "SELECT MAX(txn) FROM history WHERE label_set=? AND kind='edit' AND txn NOT IN "
                "(SELECT txn FROM undo_state WHERE label_set=? AND undone=1)", (label_set, label_set)).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def _replay(self, label_set: str, txn: int, undo: bool, author) -> str | None:
        changes = [c for c in self.history(label_set) if c.txn == txn]
        if not changes:
            return None
        frame = changes[0].frame
        ups, dels = [], []
        for c in changes:
            target = c.before if undo else c.after
            (ups.append(annotation_from_dict(target)) if target is not None else dels.append(c.annotation_id))
        self.apply(frame, ups, dels, label_set, author, kind="undo" if undo else "redo")
        self._db.execute("INSERT OR REPLACE INTO undo_state VALUES (?,?,?)", (label_set, txn, int(undo)))
        return frame

    def undo(self, label_set: str = DEFAULT_SET, author: str | None = None) -> str | None:
        """Revert the last edit transaction not yet undone; returns its frame (None: nothing)."""
        txn = self._last_txn(label_set, undone=False)
        return None if txn is None else self._replay(label_set, txn, True, author)

    def redo(self, label_set: str = DEFAULT_SET, author: str | None = None) -> str | None:
        txn = self._last_txn(label_set, undone=True)
        return None if txn is None else self._replay(label_set, txn, False, author)

    # -- meta ----------------------------------------------------------------------------
    def get_meta(self, key: str, default=None):
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_meta(self, key: str, value) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))


def default_db_path(dataset_root: str | Path) -> Path:
    """`<dataset>/pointlabel.sqlite` (beside the dataset's files), or for a single-file dataset
    `<file>.pointlabel.sqlite`."""
    root = Path(dataset_root)
    return root / "pointlabel.sqlite" if root.is_dir() else root.with_name(root.name + ".pointlabel.sqlite")


def open_store(dataset, db_path: str | Path | None = None) -> AnnotationStore:
    """The store of a dataset: `db_path` if given, else the default beside the dataset."""
    path = Path(db_path) if db_path else default_db_path(dataset.root)
    if not db_path and not writable_folder(path.parent):
        raise PointlabelError("the dataset folder is read-only; choose a store with --db FILE", path.parent)
    return AnnotationStore(path)


__all__ = ["AnnotationStore", "Change", "VersionConflict", "open_store", "default_db_path",
           "DEFAULT_SET"]
