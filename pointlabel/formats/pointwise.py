"""Point-wise labels: each cloud written back (PCD or PLY) with `label` and `instance` fields.

`label` is the class id of the cuboid holding the point (0 for none) and `instance` its track
id (cuboids without one get ids above the largest track id of the frame). The class table is
`classes.json` beside the clouds.

Painted point labels (pointlabel.pointlabels) win: when the label set is a store set with
painted frames, those frames are written with their painted class and instance, the other
frames from their cuboids, and every class id is the label set's class map's (SemanticKITTI's
ids by default; cuboid classes through `ClassMap.box_class_id`). Coordinates and units are the source file's own: the raw
file is re-read and written with the new fields, so the dataset's up-axis/unit view never
leaks into the output.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from pointlabel.datasets.clouds import read_cloud, write_pcd, write_ply
from pointlabel.formats.atomic import MARKER, atomic_folder
from pointlabel.geometry.boxes import points_in_cuboid_mask


def point_labels(pts: np.ndarray, cuboids, class_ids: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """pts: (N, 3) dataset frame -> (label (N,) uint16, instance (N,) uint32); later boxes win."""
    label = np.zeros(len(pts), np.uint16)
    instance = np.zeros(len(pts), np.uint32)
    next_free = max([c.track_id for c in cuboids if c.track_id is not None] + [0]) + 1
    for c in cuboids:
        inst = c.track_id if c.track_id is not None else next_free
        next_free += c.track_id is None
        inside = points_in_cuboid_mask(pts, c)
        label[inside] = class_ids[c.label]
        instance[inside] = inst
    return label, instance


def export_pointwise(dataset, labels, out: str | Path, fmt: str) -> dict:
    """labels: anything with `.frame(frame_id) -> FrameAnnotations`. Atomic: written beside
    `out` and renamed into place when complete (formats.atomic)."""
    with atomic_folder(out, {f"*.{fmt}", "classes.json", MARKER}, {"format": fmt}) as tmp:
        return _export_into(tmp, dataset, labels, fmt)


def _painted(labels):
    """(PointLabelStore, label set) when `labels` is a store set with painted frames, else None."""
    if getattr(labels, "kind", None) != "store":
        return None
    from pointlabel.pointlabels.storage import PointLabelStore
    store = PointLabelStore.for_store(labels.store)
    return (store, labels.name) if store.frames(labels.name) else None


def _export_into(out: Path, dataset, labels, fmt: str) -> dict:
    frames = {fid: [c for c in labels.frame(fid).cuboids if c.status != "rejected"]
              for fid in dataset.frame_ids}
    painted = _painted(labels)
    if painted is None:
        names = sorted({c.label for cs in frames.values() for c in cs})
        class_ids = {n: i + 1 for i, n in enumerate(names)}
    else:
        class_map = painted[0].class_map(painted[1])
        class_ids = {c.label: class_map.box_class_id(c.label) for cs in frames.values() for c in cs}
        used: set[int] = set()
    labelled = 0
    for fid, cuboids in frames.items():
        cloud = dataset.load_cloud(fid)
        got = None if painted is None else painted[0].get(fid, painted[1])
        if got is not None:
            label, instance = got.semantic, got.instance.astype(np.uint32)
        else:
            label, instance = point_labels(cloud.xyz, cuboids, class_ids)
        if painted is not None:
            used |= set(np.unique(label).tolist()) - {0}
        raw = read_cloud(dataset.frame(fid).cloud)
        fields = {"label": label, "instance": instance}
        target = out / f"{fid}.{fmt}"
        (write_pcd if fmt == "pcd" else write_ply)(target, raw, fields)
        labelled += int((label > 0).sum())
    if painted is not None:
        class_ids = {class_map.names.get(i, f"class {i}"): i for i in sorted(used)}
    (out / "classes.json").write_text(json.dumps({"0": "unlabelled", **{str(i): n for n, i in class_ids.items()}}, indent=1))
    return {"frames": len(frames), "classes": len(class_ids), "labelled_points": labelled,
            "painted_frames": 0 if painted is None else len(painted[0].frames(painted[1]))}
