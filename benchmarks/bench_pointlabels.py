"""Point-wise labelling benchmarks: rows for the `pointlabel bench` table.

Run alone: `python benchmarks/bench_pointlabels.py`. On a real KITTI sweep (000002, 127k
points) in a fresh SQLite store: painting 100k points as one op (selection, then the stored
op: read, change, RLE+zlib, write, diff into the history), undoing it, a typical brush stroke
and the ground / cluster tools, and the storage a realistically labelled sweep takes (ground
model band = road, label_2 boxes = their classes with one instance each, tall points
vegetation), current labels and history, in bytes per point. Times are medians of 5 runs.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

KITTI = Path(__file__).resolve().parents[2] / "shared" / "kitti" / "training"
FRAME = "000002"


def _median_ms(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def bench_rows() -> list[tuple[str, float, str]]:
    if not KITTI.is_dir():
        return [("point-label benchmarks need ../shared/kitti", float("nan"), "")]
    from pointlabel.datasets.kitti import KittiDataset
    from pointlabel.fitting.context import context_for
    from pointlabel.geometry.boxes import points_in_cuboid_mask
    from pointlabel.pointlabels.classmap import ClassMap
    from pointlabel.pointlabels.ops import FramePoints, apply_request
    from pointlabel.pointlabels.select import brush_mask
    from pointlabel.pointlabels.storage import PointLabelStore
    ds = KittiDataset(KITTI)
    f = FramePoints(ds, FRAME)
    pts = f.pts_lidar
    n = len(pts)
    ctx = context_for(ds, FRAME)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        store = PointLabelStore.open(Path(tmp) / "s.sqlite")
        # A brush centred on the sensor whose radius takes the 100k nearest points.
        r100k = float(np.sort(np.linalg.norm(pts, axis=1))[99_999])
        t_select = _median_ms(lambda: brush_mask(pts, (0, 0, 0), r100k))
        mask = brush_mask(pts, (0, 0, 0), r100k)
        classes = iter(range(1, 1000))
        t_paint = _median_ms(lambda: store.paint(FRAME, n, mask, next(classes), 1, client="bench"))
        t_undo = _median_ms(lambda: store.undo(client="bench"))
        rows += [(f"pointlabels: select 100k of {n} points (brush)", t_select, "ms"),
                 ("pointlabels: store one op painting 100k points", t_paint, "ms"),
                 ("pointlabels: undo that op", t_undo, "ms")]
        centre = pts[np.argmin(np.abs(np.linalg.norm(pts[:, :2], axis=1) - 12))].tolist()
        stroke = {"tool": "brush", "params": {"centre": centre, "radius": 0.5}, "client": "bench"}
        f.tree()  # built once per frame (~50 ms), like the fitting context
        # every repeat paints another class, so every op really changes its points
        rows.append(("pointlabels: brush stroke r=0.5 m, select + store",
                     _median_ms(lambda: apply_request(store, f, {**stroke, "class": next(classes)})), "ms"))
        rows.append(("pointlabels: ground tool, select + store (context cached)",
                     _median_ms(lambda: apply_request(store, f, {"tool": "ground", "class": next(classes)})), "ms"))
        car = next(c for c in ds.reference(FRAME).cuboids if c.label == "Car")
        inside = points_in_cuboid_mask(pts, car)
        seed = pts[inside][0].tolist() if inside.any() else list(car.center)
        rows.append(("pointlabels: fill-this-cluster on a car, select + store",
                     _median_ms(lambda: apply_request(store, f, {"tool": "cluster", "params": {"seed": seed},
                                                                 "class": next(classes)})), "ms"))
        # Storage of a realistic labelling.
        cm = ClassMap.semantic_kitti()
        sem = np.where(ctx.height < 0.25, cm.id_of("road"), 0).astype(np.uint16)
        sem[ctx.height > 2.5] = cm.id_of("vegetation")
        inst = np.zeros(n, np.uint16)
        for i, c in enumerate(ds.reference(FRAME).cuboids, start=1):
            m = points_in_cuboid_mask(pts, c)
            sem[m], inst[m] = cm.box_class_id(c.label), i
        fresh = PointLabelStore.open(Path(tmp) / "fresh.sqlite")
        fresh.replace(FRAME, sem, inst, client="bench")
        b = fresh.stored_bytes()
        rows += [("pointlabels: labelled sweep, stored class + instance", b["labels"] / n, "bytes/point"),
                 ("pointlabels: its history entry (all points changed)", b["history"] / n, "bytes/point"),
                 ("pointlabels: raw uint16 + uint16 for comparison", 4.0, "bytes/point")]
        store.close()
        fresh.close()
    return rows


if __name__ == "__main__":
    for name, value, unit in bench_rows():
        print(f"{name:<60} {value:>10.4g} {unit}")
