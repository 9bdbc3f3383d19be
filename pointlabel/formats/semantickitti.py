"""SemanticKITTI point labels: one `<frame>.label` per scan, uint32 little-endian per point
(semantic class in the low 16 bits, instance id in the high 16), in the scan file's own
point order, with a class-map file (`semantic-kitti.yaml`'s `labels:` / `color_map:`).

A `.label` counts every point of the `.bin`, including those our reader drops (NaN, exactly
(0, 0, 0)); their labels are kept in the store's `dropped` record, so import -> export is
byte-identical. Layout written: `<out>/labels/<frame>.label` and `<out>/classes.yaml`.
`--from` accepts the `labels/` folder itself or the folder holding it; the class map is the
first of `CLASS_MAP_NAMES` found there (SemanticKITTI's table when there is none).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from pointlabel.datasets.clouds import _keep_mask
from pointlabel.errors import PointlabelError
from pointlabel.model import STATUS_REJECTED
from pointlabel.pointlabels.classmap import ClassMap, read_class_map
from pointlabel.pointlabels.storage import PointLabelStore

CLASS_MAP_NAMES = ("classes.yaml", "semantic-kitti.yaml", "classes.json")


# -- codec --------------------------------------------------------------------------------
def decode_label(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """`.label` bytes -> (semantic (N,) uint16, instance (N,) uint16)."""
    if len(data) % 4:
        raise PointlabelError(f".label is {len(data)} bytes, not a multiple of 4 (uint32 per point)")
    packed = np.frombuffer(data, "<u4")
    return (packed & 0xFFFF).astype(np.uint16), (packed >> 16).astype(np.uint16)


def encode_label(semantic: np.ndarray, instance: np.ndarray) -> bytes:
    """(N,) class and instance -> `.label` bytes."""
    packed = np.asarray(semantic, np.uint32) | (np.asarray(instance, np.uint32) << 16)
    return packed.astype("<u4").tobytes()


# -- source order <-> loaded order ----------------------------------------------------------
def source_keep_index(dataset, frame_id: str, n_loaded: int) -> tuple[int, np.ndarray]:
    """(points in the scan file, (n_loaded,) file index of each loaded point). A KITTI-style
    `.bin` is read for the reader's drop rule; other files must have lost no point."""
    path = Path(dataset.frame(frame_id).cloud)
    if path.suffix.lower() == ".bin":
        size = path.stat().st_size
        raw = np.fromfile(path, "<f4").reshape(-1, 4)[:, :3] if size % 16 == 0 else None
        if raw is not None:
            keep, _ = _keep_mask(raw.astype(np.float64), keep_zero=False)
            kept = np.flatnonzero(keep)
            if len(kept) == n_loaded:
                return len(raw), kept
    return n_loaded, np.arange(n_loaded)


def source_count(dataset, frame_id: str) -> int:
    """Points in the frame's scan file, dropped ones included (a `.bin`: from its size)."""
    path = Path(dataset.frame(frame_id).cloud)
    if path.suffix.lower() == ".bin" and path.stat().st_size % 16 == 0:
        return path.stat().st_size // 16
    from pointlabel.pointlabels.ops import FramePoints
    return FramePoints(dataset, frame_id).n_points


def label_dir(src: str | Path) -> Path:
    src = Path(src)
    if (src / "labels").is_dir():
        return src / "labels"
    if src.is_dir():
        return src
    raise PointlabelError("no SemanticKITTI labels folder (expected <dir>/labels/*.label or <dir>/*.label)", src)


def find_class_map(folder: Path) -> ClassMap:
    for where in (folder, folder.parent):
        for name in CLASS_MAP_NAMES:
            if (where / name).is_file():
                return read_class_map(where / name)
    return ClassMap.semantic_kitti()


# -- import / export ------------------------------------------------------------------------
def import_semantickitti(dataset, annotations, src, label_set: str = "default", client: str = "import") -> dict:
    """Every `<frame>.label` of the folder into the point-label store (one op per frame)."""
    from pointlabel.pointlabels.ops import FramePoints
    folder = label_dir(src)
    files = sorted(folder.glob("*.label"))
    if not files:
        raise PointlabelError("no .label files", folder)
    known = set(dataset.frame_ids)
    unknown = [f.stem for f in files if f.stem not in known]
    if unknown:
        raise PointlabelError(f"labels for frames the dataset does not have: {', '.join(unknown[:5])}", folder)
    for f in files:  # every file checked before anything is written: a bad one imports nothing
        n_src = source_count(dataset, f.stem)
        if f.stat().st_size != 4 * n_src:
            raise PointlabelError(f"{f.stat().st_size} bytes: a scan of {n_src} points needs {4 * n_src} "
                                  "(one uint32 a point)", f)
    class_map = find_class_map(folder)
    store = PointLabelStore.for_store(annotations)
    store.set_class_map(class_map, label_set)
    changed = points = labelled = 0
    for f in files:
        n_loaded = FramePoints(dataset, f.stem).n_points
        n_src, kept = source_keep_index(dataset, f.stem, n_loaded)
        sem, inst = decode_label(f.read_bytes())
        if len(sem) != n_src:
            raise PointlabelError(f"{len(sem)} labels for a scan of {n_src} points", f)
        dropped_idx = np.setdiff1d(np.arange(n_src), kept)
        dropped = (dropped_idx, sem[dropped_idx], inst[dropped_idx]) if len(dropped_idx) else None
        res = store.replace(f.stem, sem[kept], inst[kept], label_set, client=client, tool="import",
                            params={"format": "semantickitti", "file": f.name}, dropped=dropped)
        changed += res.changed
        points += n_src
        labelled += int((sem > 0).sum())
    return {"frames": len(files), "points": points, "labelled_points": labelled, "changed": changed,
            "classes": len(class_map.names)}


def frame_point_labels(dataset, frame_id: str, store: PointLabelStore, label_set: str, cuboids,
                       class_map: ClassMap, pts_lidar: np.ndarray) -> tuple[np.ndarray, np.ndarray, str] | None:
    """(semantic, instance, source) of a frame's loaded points: the painted labels when the
    frame has any, else labels derived from its cuboids (class through the class map,
    instance = track id), else None."""
    got = store.get(frame_id, label_set)
    if got is not None:
        return got.semantic, got.instance, "painted"
    live = [c for c in cuboids if c.status != STATUS_REJECTED]
    if not live:
        return None
    from pointlabel.pointlabels.select import box_mask
    sem = np.zeros(len(pts_lidar), np.uint16)
    inst = np.zeros(len(pts_lidar), np.uint16)
    next_free = max([c.track_id for c in live if c.track_id is not None] + [0]) + 1
    for c in live:
        m = box_mask(pts_lidar, c)
        i = c.track_id if c.track_id is not None else next_free
        next_free += c.track_id is None
        sem[m] = class_map.box_class_id(c.label)
        inst[m] = i & 0xFFFF
    return sem, inst, "boxes"


def export_semantickitti(dataset, labels, store: PointLabelStore, out, label_set: str = "default") -> dict:
    """`<out>/labels/<frame>.label` for every frame with painted labels or cuboids, and
    `<out>/classes.yaml`. labels: anything with `.frame(frame_id) -> FrameAnnotations`."""
    from pointlabel.pointlabels.ops import FramePoints
    out = Path(out)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    class_map = store.class_map(label_set)
    counts = {"painted": 0, "boxes": 0, "skipped": 0}
    for fid in dataset.frame_ids:
        pts = FramePoints(dataset, fid).pts_lidar
        got = frame_point_labels(dataset, fid, store, label_set, labels.frame(fid).cuboids, class_map, pts)
        if got is None:
            counts["skipped"] += 1
            continue
        sem, inst, how = got
        n_src, kept = source_keep_index(dataset, fid, len(pts))
        full_sem = np.zeros(n_src, np.uint16)
        full_inst = np.zeros(n_src, np.uint16)
        full_sem[kept], full_inst[kept] = sem, inst
        stored = store.get(fid, label_set) if how == "painted" else None
        if stored is not None and stored.dropped is not None:
            idx, s, i = stored.dropped
            full_sem[idx], full_inst[idx] = s, i
        (out / "labels" / f"{fid}.label").write_bytes(encode_label(full_sem, full_inst))
        counts[how] += 1
    class_map.write_yaml(out / "classes.yaml")
    return {"frames": counts["painted"] + counts["boxes"], "from_painted": counts["painted"],
            "from_boxes": counts["boxes"], "without_labels": counts["skipped"]}
