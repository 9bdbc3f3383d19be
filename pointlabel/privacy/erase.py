"""Erasure on request: annotations with their history and review rows, optionally the frames'
sweeps and images, leaving an audit entry (who, when, what, why; no content) and a database
file from which the erased content cannot be recovered.

This module works on the tables of the store's SQLite file directly (the store's own API
keeps history append-only on purpose; erasure is the one thing allowed to rewrite it):

- `annotations(label_set, id, frame, data)` and `history(label_set, annotation_id, frame, txn,
  before, after)` of pointlabel.store, and the transaction bookkeeping left empty by the
  erasure: `txns(id)` (the SQLAlchemy store) or `undo_state(label_set, txn)` (the older one);
- `qa_review` and `qa_review_log(label_set, annotation_id)` of pointlabel.qa.review;
- the point-wise labels of pointlabel.pointlabels, `pointlabel_frames` and `pointlabel_ops`
  (label_set, frame): erased with their frames; an op's `params` naming an erased box id
  (the box tool's `box_id`) has the id replaced by "erased";
- the audit line goes to pointlabel.privacy.access_log's table.

Every other table is scanned for the erased ids before the commit: a table this module does
not know that holds them stops the erasure (rolled back, nothing lost) instead of leaving
content behind. SQLite: deleted rows are zeroed (`PRAGMA secure_delete`), the write-ahead log
is checkpointed and truncated, and the file is rebuilt with VACUUM. PostgreSQL: the tables are
rewritten with VACUUM FULL, so their files hold no dead rows; the server's own write-ahead
log and backups keep old pages until they are recycled (the operator's retention).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from pointlabel.datasets.access import writable_folder
from pointlabel.errors import PointlabelError
from pointlabel.privacy import access_log
from pointlabel.privacy.db import PrivacyDB

# table -> columns this module relies on (checked before anything is deleted)
REQUIRED = {
    "annotations": ("label_set", "id", "frame", "data"),
    "history": ("label_set", "annotation_id", "frame", "txn", "before", "after"),
}
TXN_TABLES = {"txns": "id", "undo_state": "txn"}  # optional: rows of a transaction, by this column
REVIEW_TABLES = ("qa_review", "qa_review_log")  # optional: (label_set, annotation_id)
POINT_TABLES = ("pointlabel_frames", "pointlabel_ops")  # optional: (label_set, frame)
OPS_PARAMS = ("pointlabel_ops", "params")  # may name a cuboid (the box tool's box_id)
HANDLED = set(REQUIRED) | set(TXN_TABLES) | set(REVIEW_TABLES) | {access_log.TABLE, "alembic_version"}


@dataclass(frozen=True)
class Selection:
    """What to erase: whole frames, one track, or one annotation; in the given label sets
    (None: every set in the file). Track ids belong to a label set, so `--track` usually
    comes with a set."""

    frames: tuple[str, ...] | None = None
    track: int | None = None
    annotation: str | None = None
    label_sets: tuple[str, ...] | None = None

    def __post_init__(self):
        if sum(x is not None for x in (self.frames, self.track, self.annotation)) != 1:
            raise PointlabelError("erase exactly one of: frames, a track, an annotation")

    def describe(self) -> dict:
        """The request as the audit keeps it (an annotation id only as its digest)."""
        if self.frames is not None:
            d = {"frames": list(self.frames)}
        elif self.track is not None:
            d = {"track": self.track}
        else:
            d = {"annotation_sha256": digest(self.annotation)}
        return d | ({"label_sets": list(self.label_sets)} if self.label_sets else {})


@dataclass
class ErasureReport:
    annotations: int = 0
    history_rows: int = 0
    undo_rows: int = 0
    review_rows: int = 0
    point_label_rows: int = 0
    by_label_set: dict = field(default_factory=dict)
    frames: list = field(default_factory=list)  # frames the erased annotations were in
    files_deleted: int = 0
    audit_seq: int | None = None
    db_bytes_before: int = 0
    db_bytes_after: int = 0

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def digest(annotation_id: str) -> str:
    """SHA-256 of an id: lets an auditor confirm "was X erased?" without the file keeping X."""
    return hashlib.sha256(annotation_id.encode()).hexdigest()


def erase(db_path, selection: Selection, why: str, who: str | None = None,
          target: str | Path | None = None, dataset=None, data: bool = False) -> ErasureReport:
    """Erase what `selection` names from the store at `db_path` (a SQLite file or a database
    URL); with `data`, also delete the
    selected frames' sweeps, images and ground truth from `dataset` (a native dataset we
    manage). `target` names the dataset in the audit. Raises PointlabelError (nothing
    changed) when the request cannot be carried out completely."""
    why = (why or "").strip()
    if not why:
        raise PointlabelError("say why (--why): the audit keeps the reason of every erasure")
    if data:
        if selection.frames is None:
            raise PointlabelError("--data deletes whole frames: use it with --frames")
        check_managed(dataset)
    db = _open(db_path)
    report = ErasureReport(db_bytes_before=_db_bytes(db.path))
    try:
        _check_schema(db)
        cur = db
        db.begin()
        try:
            if db.kind == "postgresql":  # writers wait; readers go on
                cur.execute("LOCK TABLE annotations, history IN EXCLUSIVE MODE")
            pairs = _select(cur, selection)
            _delete(cur, pairs, report)
            _delete_point_labels(cur, selection, {aid for _, aid in pairs}, report)
            _refuse_unknown_copies(cur, {aid for _, aid in pairs})
            if data:
                report.files_deleted = len(_data_files(dataset, selection.frames))
            detail = {"request": selection.describe(), "annotations": report.annotations,
                      "history_rows": report.history_rows, "review_rows": report.review_rows,
                      "point_label_rows": report.point_label_rows,
                      "undo_rows": report.undo_rows, "by_label_set": report.by_label_set,
                      "frames": report.frames, "files": report.files_deleted, "data": bool(data),
                      "id_sha256": sorted(digest(aid) for _, aid in pairs)}
            report.audit_seq = access_log.insert_entry(cur, "erase", str(target or db_path), detail, why, who)
            db.commit()
        except BaseException:
            db.rollback()
            raise
        compact(db)
    finally:
        db.close()
    if data:
        delete_frames_data(dataset, selection.frames)
    report.db_bytes_after = _db_bytes(db.path)
    return report


def compact(db: PrivacyDB, attempts: int = 20) -> None:
    """SQLite: move the write-ahead log into the file, truncate it, rebuild the file (VACUUM)
    and truncate the log again, so no old page survives in either file. PostgreSQL: rewrite
    the tables erasure touches (VACUUM FULL)."""
    if db.kind == "postgresql":
        tables = [t for t in (*REQUIRED, *TXN_TABLES, *REVIEW_TABLES, *POINT_TABLES) if t in set(db.tables())]
        try:
            db.execute("SET lock_timeout = '30s'")
            db.execute(f"VACUUM FULL {', '.join(tables)}")
        except Exception as e:
            raise PointlabelError(f"erased, but the tables could not be rewritten ({e.__class__.__name__}): "
                                  "run the same command again when the store is idle") from None
        return
    for step in ("checkpoint", "vacuum", "checkpoint"):
        for _ in range(attempts):
            try:
                if step == "vacuum":
                    db.execute("VACUUM")
                    break
                busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                if not busy:
                    break
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e):
                    raise
            time.sleep(0.25)
        else:
            raise PointlabelError("erased, but another program (the app?) holds the store open, so old "
                                  "pages may remain in its log: close it and run the same command again")


def _open(target) -> PrivacyDB:
    db = PrivacyDB(target)
    if db.kind == "sqlite":
        db.execute("PRAGMA secure_delete=ON")  # freed pages and cells are overwritten with zeros
        db.execute("PRAGMA temp_store=MEMORY")
    access_log.ensure_table(db)
    return db


def _columns(db: PrivacyDB, table: str) -> list[str]:
    return [name for name, _ in db.columns(table)]


def _tables(db: PrivacyDB) -> list[str]:
    return db.tables()


def _check_schema(db) -> None:
    tables = set(_tables(db))
    for table, cols in REQUIRED.items():
        missing = [c for c in cols if c not in _columns(db, table)] if table in tables else ["(table)"]
        if missing:
            raise PointlabelError(f"the store's table {table!r} lacks {', '.join(missing)}: this "
                                  "pointlabel cannot erase from it safely (nothing was changed)")


def _label_sets(cur, selection: Selection) -> list[str]:
    if selection.label_sets:
        return list(selection.label_sets)
    rows = cur.execute("SELECT label_set FROM annotations UNION SELECT label_set FROM history").fetchall()
    return [r[0] for r in rows]


def _select(cur, selection: Selection) -> set[tuple[str, str]]:
    """(label_set, annotation id) of everything to erase: matched in the current state or in
    any history row (an annotation that moved out of a frame or left a track is caught too)."""
    out: set[tuple[str, str]] = set()
    for ls in _label_sets(cur, selection):
        if selection.annotation is not None:
            q = ("SELECT label_set, id FROM annotations WHERE label_set=? AND id=? UNION "
                 "SELECT label_set, annotation_id FROM history WHERE label_set=? AND annotation_id=?")
            args = [ls, selection.annotation] * 2
            out.update(cur.execute(q, args).fetchall())
        elif selection.track is not None:
            t = int(selection.track)
            q = (f"SELECT label_set, id FROM annotations WHERE label_set=? AND {cur.json_int('data', 'track_id')}=? "
                 "UNION SELECT label_set, annotation_id FROM history WHERE label_set=? AND "
                 f"({cur.json_int('before', 'track_id')}=? OR {cur.json_int('after', 'track_id')}=?)")
            out.update(cur.execute(q, (ls, t, ls, t, t)).fetchall())
        else:
            for fid in selection.frames:
                q = ("SELECT label_set, id FROM annotations WHERE label_set=? AND frame=? UNION "
                     "SELECT label_set, annotation_id FROM history WHERE label_set=? AND frame=?")
                out.update(cur.execute(q, (ls, fid, ls, fid)).fetchall())
    return out


def _delete(cur, pairs: set[tuple[str, str]], report: ErasureReport) -> None:
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS erase_ids (label_set TEXT, id TEXT, PRIMARY KEY (label_set, id))")
    cur.execute("DELETE FROM erase_ids")
    cur.executemany("INSERT INTO erase_ids VALUES (?, ?)", sorted(pairs))
    match = "(label_set, {col}) IN (SELECT label_set, id FROM erase_ids)"
    frames = cur.execute("SELECT DISTINCT frame FROM annotations WHERE " + match.format(col="id")
                         + " UNION SELECT DISTINCT frame FROM history WHERE " + match.format(col="annotation_id"))
    report.frames = sorted(r[0] for r in frames)
    for ls, n in cur.execute("SELECT label_set, COUNT(*) FROM erase_ids GROUP BY label_set"):
        report.by_label_set[ls] = n
    touched_txns = cur.execute("SELECT DISTINCT label_set, txn FROM history WHERE "
                               + match.format(col="annotation_id")).fetchall()
    report.annotations = len(pairs)
    cur.execute("DELETE FROM annotations WHERE " + match.format(col="id"))
    report.history_rows = cur.execute("DELETE FROM history WHERE " + match.format(col="annotation_id")).rowcount
    tables = set(_tables(cur))
    for txn in sorted({t for _, t in touched_txns}):  # a transaction now empty goes too
        if cur.execute("SELECT 1 FROM history WHERE txn=? LIMIT 1", (txn,)).fetchone() is None:
            for table, col in TXN_TABLES.items():
                if table in tables:
                    report.undo_rows += cur.execute(f"DELETE FROM {table} WHERE {col}=?", (txn,)).rowcount
    for table in REVIEW_TABLES:
        if table in tables:
            report.review_rows += cur.execute(f"DELETE FROM {table} WHERE " + match.format(col="annotation_id")).rowcount
    cur.execute("DELETE FROM erase_ids")


def _delete_point_labels(cur, selection: Selection, ids: set[str], report: ErasureReport) -> None:
    """Point-wise labels of erased frames; erased ids named in point-label ops' params."""
    tables = set(_tables(cur))
    if selection.frames is not None:
        sets = _label_sets(cur, selection) if selection.label_sets else None
        for table in POINT_TABLES:
            if table not in tables:
                continue
            for fid in selection.frames:
                q, args = f"DELETE FROM {table} WHERE frame=?", [fid]
                if sets is not None:
                    q += f" AND label_set IN ({','.join('?' * len(sets))})"
                    args += sets
                report.point_label_rows += cur.execute(q, args).rowcount
    table, col = OPS_PARAMS
    if table in tables and col in _columns(cur, table):
        for aid in ids:
            cur.execute(f"UPDATE {table} SET {col}=replace({col}, ?, 'erased') WHERE {col} LIKE ?", (aid, f"%{aid}%"))


def _refuse_unknown_copies(cur, ids: set[str]) -> None:
    """Any table this module does not handle (a newer store's, another feature's) that still
    holds an erased id stops the erasure: better nothing than a false promise."""
    if not ids:
        return
    pattern = re.compile("|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True)))
    for table in _tables(cur):
        if table in HANDLED or table.startswith("sqlite_"):
            continue
        cols = ", ".join(f'CAST("{name}" AS TEXT)' for name, kind in cur.columns(table)
                         if "BLOB" not in kind and "BYTEA" not in kind)
        if not cols:
            continue
        for row in cur.execute(f'SELECT {cols} FROM "{table}"'):
            if any(v is not None and pattern.search(v) for v in row):
                raise PointlabelError(f"table {table!r} holds erased annotations and pointlabel.privacy does not "
                                      "know how to erase from it: nothing was changed")


# -- data files -------------------------------------------------------------------------------
def check_managed(dataset) -> None:
    """Files are deleted only from a native dataset (the layout pointlabel writes) in a
    writable folder; KITTI, plain scan folders and read-only data are refused."""
    if dataset is None or getattr(dataset, "kind", None) != "native":
        kind = getattr(dataset, "kind", "unknown")
        raise PointlabelError(f"--data deletes files only in a native dataset that pointlabel manages; this is a "
                              f"{kind} dataset (foreign data is never modified)", getattr(dataset, "root", None))
    folders = [dataset.root, dataset.root / "lidar", *[p for p in (dataset.root / "cameras").glob("*") if p.is_dir()]]
    locked = [f for f in folders if not writable_folder(f)]
    if locked:
        raise PointlabelError("--data: the dataset is read-only (nothing was changed)", locked[0])


def _data_files(dataset, frames) -> list[Path]:
    """The sweep, ground truth and synced images (within tolerance) of the given frames."""
    files = []
    for fid in frames:
        info = dataset.frame(fid)
        files.append(info.cloud)
        if info.extra.get("reference"):
            files.append(info.extra["reference"])
        files += [m.image for m in dataset.sync(fid).values() if m.ok and m.image is not None]
    return files


def delete_frames_data(dataset, frames) -> list[Path]:
    """Delete the frames' files and drop them from timestamps.json / poses.json (rewritten
    atomically). Returns the files deleted."""
    frames = list(frames)
    files = _data_files(dataset, frames)
    images = {f for f in files if f.parent.parent.name == "cameras"}
    for f in files:
        f.unlink(missing_ok=True)
    stamps = dataset.root / "timestamps.json"
    if stamps.is_file():
        d = json.loads(stamps.read_text())
        for fid in frames:
            d.get("lidar", {}).pop(fid, None)
        for img in images:
            d.get("cameras", {}).get(img.parent.name, {}).pop(img.stem, None)
        _write_atomic(stamps, json.dumps(d, indent=1))
    poses = dataset.root / "poses.json"
    if poses.is_file():
        d = json.loads(poses.read_text())
        for fid in frames:
            d.get("lidar", {}).pop(fid, None)
        _write_atomic(poses, json.dumps(d))
    return files


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _db_bytes(path: Path | None) -> int:
    """Size of a SQLite store file and its log (0 for a server database)."""
    return 0 if path is None else sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.is_file())


def stored_frames(db_path) -> set[str]:
    """Frames the store holds anything about (current state or history)."""
    db = _open(db_path)
    try:
        return {r[0] for r in db.execute("SELECT frame FROM annotations UNION SELECT frame FROM history")}
    finally:
        db.close()


def frames_in(spec: str, known) -> tuple[str, ...]:
    """'A:B' (inclusive, by id order), 'A' or 'A,B,C' -> the known frame ids it names."""
    known = sorted(set(known))
    spec = (spec or "").strip()
    if ":" in spec:
        lo, _, hi = spec.partition(":")
        lo, hi = lo.strip() or known[0] if known else "", hi.strip() or known[-1] if known else ""
        picked = [f for f in known if lo <= f <= hi]
    else:
        wanted = [s.strip() for s in spec.split(",") if s.strip()]
        picked = [f for f in wanted if f in known]
        missing = [f for f in wanted if f not in known]
        if missing:
            raise PointlabelError(f"no frame {missing[0]!r} in the dataset or the store")
    if not picked:
        raise PointlabelError(f"--frames {spec!r} names no frame of the dataset or the store")
    return tuple(picked)
