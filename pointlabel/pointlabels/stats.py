"""Per-class point counts of a frame or a whole label set (for reports and the CLI)."""
from __future__ import annotations

import numpy as np

from pointlabel.pointlabels.storage import DEFAULT_SET, PointLabelStore


def frame_counts(semantic: np.ndarray, instance: np.ndarray) -> dict:
    """{"labelled": points with a class, "classes": {id: points} (0 included), "instances":
    distinct non-zero instance ids} of one frame's arrays (N,)."""
    ids, n = np.unique(np.asarray(semantic), return_counts=True)
    inst = np.unique(np.asarray(instance))
    return {"labelled": int(np.count_nonzero(semantic)),
            "classes": {int(i): int(c) for i, c in zip(ids, n)},
            "instances": int(np.count_nonzero(inst))}


def label_set_counts(store: PointLabelStore, label_set: str = DEFAULT_SET) -> dict:
    """Per-class point counts over every labelled frame of a label set, with class names:
    {"frames": k, "points": N, "labelled": n, "classes": [{"id", "name", "points", "frames"}],
    "per_frame": {frame: {"version", "points", "labelled", "classes", "instances"}}}."""
    names = store.class_map(label_set).names
    total: dict[int, int] = {}
    in_frames: dict[int, int] = {}
    per_frame = {}
    for fid in store.frames(label_set):
        got = store.get(fid, label_set)
        c = frame_counts(got.semantic, got.instance)
        per_frame[fid] = {"version": got.version, "points": got.n_points, **c}
        for k, v in c["classes"].items():
            total[k] = total.get(k, 0) + v
            in_frames[k] = in_frames.get(k, 0) + 1
    return {"frames": len(per_frame), "points": sum(f["points"] for f in per_frame.values()),
            "labelled": sum(f["labelled"] for f in per_frame.values()),
            "classes": [{"id": k, "name": names.get(k, f"class {k}"), "points": total[k], "frames": in_frames[k]}
                        for k in sorted(total)],
            "per_frame": per_frame}
