"""Whole-track refinement (pointlabel.fitting.refine) on the generated sample sequence.

The sequence's ground truth with noise added to every box (size +-10 % uniform per dimension,
centre 0.2 m standard deviation per axis, heading 5 degrees standard deviation; seed 0) is
refined track by track; the rows are the mean 3D IoU with the ground truth before and after,
per class, and the time. Run alone: `python benchmarks/bench_refine.py` (prints the table).
"""
from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from pointlabel.fitting.refine import _rigid_classes, refine_track  # noqa: E402
from pointlabel.geometry.boxes import points_in_box_mask  # noqa: E402
from pointlabel.geometry.iou import iou_3d  # noqa: E402

SIZE_NOISE, POSITION_NOISE, HEADING_NOISE_DEG = 0.10, 0.2, 5.0


def noisy(cuboid, rng):
    """The box with labelling noise (see the module docstring)."""
    size = np.asarray(cuboid.size_lwh) * (1 + rng.uniform(-SIZE_NOISE, SIZE_NOISE, 3))
    centre = np.asarray(cuboid.center) + rng.normal(0.0, POSITION_NOISE, 3)
    return cuboid.replace(center=centre, size_lwh=size, yaw=cuboid.yaw + np.radians(rng.normal(0, HEADING_NOISE_DEG)))


def refinement_study(dataset, seed: int = 0):
    """{class: (n boxes, mean IoU before, mean IoU after)}, seconds spent refining."""
    rng = np.random.default_rng(seed)
    fids = dataset.frame_ids
    truth = {f: {c.track_id: c for c in dataset.reference(f).cuboids if c.track_id is not None} for f in fids}
    clouds = {f: np.asarray(dataset.load_cloud(f).xyz, dtype=float) for f in fids}
    poses = getattr(dataset, "poses", None) or {}
    times = {f: dataset.frame(f).timestamp for f in fids}
    tracks = defaultdict(list)
    for f in fids:
        for tid, c in truth[f].items():
            tracks[tid].append((f, c, noisy(c, rng)))
    rigid = _rigid_classes()
    before, after = defaultdict(list), defaultdict(list)
    spent = 0.0
    for tid, obs in tracks.items():
        boxes = [n for _, _, n in obs]
        seen = [points_in_box_mask(clouds[f], n.as_array(), margin=0.2).sum() + 1.0 for f, _, n in obs]
        t0 = time.perf_counter()
        refined = refine_track(boxes, [times[f] for f, _, _ in obs], [poses.get(f) for f, _, _ in obs],
                               np.array(seen, dtype=float), obs[0][1].label in rigid)
        spent += time.perf_counter() - t0
        for (f, gt, n), r in zip(obs, refined):
            before[gt.label].append(float(iou_3d(n.as_array()[None], gt.as_array()[None])[0, 0]))
            after[gt.label].append(float(iou_3d(r.as_array()[None], gt.as_array()[None])[0, 0]))
    table = {c: (len(before[c]), float(np.mean(before[c])), float(np.mean(after[c]))) for c in sorted(before)}
    return table, spent


def bench_rows() -> list[tuple[str, float, str]]:
    import sample_data
    from pointlabel.datasets.detect import open_dataset
    dataset = open_dataset(sample_data.default_sequence(progress=False))
    table, spent = refinement_study(dataset)
    rows = []
    for label, (n, b, a) in table.items():
        rows.append((f"refine-tracks, sample sequence + noise: {label} ({n} boxes) mean 3D IoU before", b, ""))
        rows.append((f"refine-tracks, sample sequence + noise: {label} ({n} boxes) mean 3D IoU after", a, ""))
    rows.append((f"refine-tracks, {sum(v[0] for v in table.values())} boxes", spent, "s"))
    return rows


if __name__ == "__main__":
    import sample_data
    from pointlabel.datasets.detect import open_dataset
    ds = open_dataset(sample_data.default_sequence(progress=False))
    table, spent = refinement_study(ds)
    print(f"{'class':<12} {'boxes':>6} {'IoU before':>10} {'IoU after':>10}")
    for label, (n, b, a) in table.items():
        print(f"{label:<12} {n:>6} {b:>10.3f} {a:>10.3f}")
    print(f"refined in {spent:.2f} s")
