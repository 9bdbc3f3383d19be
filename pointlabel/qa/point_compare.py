"""Agreement of two sets of point-wise labels: per-class IoU and mIoU (SemanticKITTI's measure).

For every frame both sets cover, a confusion matrix of (class in A, class in B) over the
points; B is the reference and its unlabelled points (class 0) are ignored, as in the
SemanticKITTI benchmark. Per class c: IoU = TP / (TP + FP + FN) with TP = points both call c,
FP = A says c and B another class, FN = B says c and A another (or nothing). mIoU is the mean
over the classes B has (a class only A uses counts too, with IoU 0: it is all false positives).

A set is a label set of the point-label store, or a folder of SemanticKITTI `.label` files.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class ClassIoU:
    id: int
    name: str
    iou: float
    tp: int
    fp: int
    fn: int
    points_a: int
    points_b: int


@dataclass(frozen=True)
class PointCompare:
    frames: int
    points: int  # points compared (B labelled)
    accuracy: float  # share of those where A agrees
    miou: float
    classes: list[ClassIoU] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def confusion(sem_a: np.ndarray, sem_b: np.ndarray) -> dict[tuple[int, int], int]:
    """(N,) class ids of A and B -> {(a, b): points} over the points B labels (b != 0)."""
    a = np.asarray(sem_a, np.int64)
    b = np.asarray(sem_b, np.int64)
    keep = b != 0
    pair = (a[keep] << 16) | b[keep]
    ids, n = np.unique(pair, return_counts=True)
    return {(int(i >> 16), int(i & 0xFFFF)): int(c) for i, c in zip(ids, n)}


def class_ious(conf: dict[tuple[int, int], int], names: dict[int, str] | None = None) -> PointCompare:
    """Per-class IoU from a summed confusion (see `confusion`)."""
    names = names or {}
    classes = sorted({b for _, b in conf} | {a for a, _ in conf if a != 0})
    out = []
    total = sum(conf.values())
    agree = sum(v for (a, b), v in conf.items() if a == b)
    for c in classes:
        tp = conf.get((c, c), 0)
        fp = sum(v for (a, b), v in conf.items() if a == c and b != c)
        fn = sum(v for (a, b), v in conf.items() if b == c and a != c)
        pa = sum(v for (a, _), v in conf.items() if a == c)
        pb = sum(v for (_, b), v in conf.items() if b == c)
        denom = tp + fp + fn
        out.append(ClassIoU(c, names.get(c, f"class {c}"), tp / denom if denom else float("nan"), tp, fp, fn, pa, pb))
    ious = [c.iou for c in out if not np.isnan(c.iou)]
    return PointCompare(0, total, agree / total if total else float("nan"),
                        float(np.mean(ious)) if ious else float("nan"), out)


class StoreLabels:
    """A label set of the point-label store as a source of (semantic, instance) per frame."""

    def __init__(self, store, label_set: str):
        self.store, self.label_set, self.name = store, label_set, label_set

    def semantic(self, dataset, frame_id: str) -> np.ndarray | None:
        got = self.store.get(frame_id, self.label_set)
        return None if got is None else got.semantic


class LabelFolder:
    """A folder of SemanticKITTI `.label` files (mapped to the loaded cloud's order)."""

    def __init__(self, folder: str | Path):
        from pointlabel.formats.semantickitti import label_dir
        self.folder = label_dir(folder)
        self.name = str(folder)

    def semantic(self, dataset, frame_id: str) -> np.ndarray | None:
        from pointlabel.formats.semantickitti import decode_label, source_keep_index
        from pointlabel.pointlabels.ops import FramePoints
        path = self.folder / f"{frame_id}.label"
        if not path.is_file():
            return None
        sem, _ = decode_label(path.read_bytes())
        n_src, kept = source_keep_index(dataset, frame_id, FramePoints(dataset, frame_id).n_points)
        if len(sem) != n_src:
            from pointlabel.errors import PointlabelError
            raise PointlabelError(f"{len(sem)} labels for a scan of {n_src} points", path)
        return sem[kept]


def open_point_labels(spec: str, store):
    """A folder of .label files if `spec` is one, else a label set of the store."""
    p = Path(spec)
    if p.is_dir():
        return LabelFolder(p)
    return StoreLabels(store, spec)


def compare_point_labels(a, b, dataset, frame_ids, names: dict[int, str] | None = None) -> PointCompare:
    """Per-class IoU of A against the reference B over the frames B labels (A missing a
    frame B has: all of it counts as unlabelled in A)."""
    total: dict[tuple[int, int], int] = {}
    frames = 0
    for fid in frame_ids:
        sem_b = b.semantic(dataset, fid)
        if sem_b is None:
            continue
        sem_a = a.semantic(dataset, fid)
        if sem_a is None:
            sem_a = np.zeros_like(sem_b)
        if len(sem_a) != len(sem_b):
            from pointlabel.errors import PointlabelError
            raise PointlabelError(f"frame {fid}: A labels {len(sem_a)} points, B {len(sem_b)}")
        frames += 1
        for k, v in confusion(sem_a, sem_b).items():
            total[k] = total.get(k, 0) + v
    r = class_ious(total, names)
    return PointCompare(frames, r.points, r.accuracy, r.miou, r.classes)
