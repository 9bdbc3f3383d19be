"""`pointlabel bench`: the benchmark table. Core rows here; each feature adds rows from a
`benchmarks/bench_<feature>.py` module of the checkout (a `bench_rows()` function)."""
from __future__ import annotations

import importlib.util
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
KITTI = SHARED / "kitti" / "training"


def _timed(fn, repeat: int = 5) -> float:
    """Median seconds of `repeat` runs."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def core_rows() -> list[tuple[str, float, str]]:
    from pointlabel.datasets.kitti import KittiDataset
    rows = []
    if not KITTI.is_dir():
        return [("core benchmarks need ../shared/kitti", float("nan"), "")]
    ds = KittiDataset(KITTI)
    cloud = ds.load_cloud("000002")
    rows.append((f"load a KITTI sweep ({len(cloud.xyz)} pts)", _timed(lambda: ds.load_cloud("000002")) * 1e3, "ms"))
    cam = ds.rig("000002")["image_2"]
    rows.append((f"project {len(cloud.xyz)} pts into image_2", _timed(lambda: cam.project_lidar(cloud.xyz)) * 1e3, "ms"))
    rows += export_rows(ds)
    return rows


def export_rows(kitti, n_frames: int = 1000, per_frame: int = 20) -> list[tuple[str, float, str]]:
    """Export n_frames x per_frame cuboids to KITTI (store reads, projection, 2D boxes, files)."""
    from pointlabel.datasets.kitti import KittiDataset
    from pointlabel.formats.kitti_io import export_kitti
    from pointlabel.model import Cuboid
    from pointlabel.store import AnnotationStore
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kitti"
        for sub in ("velodyne", "calib"):
            (root / sub).mkdir(parents=True)
        calib = (kitti.root / "calib" / "000002.txt").read_text()
        store = AnnotationStore(Path(tmp) / "s.sqlite")
        t0 = time.perf_counter()
        for i in range(n_frames):
            fid = f"{i:06d}"
            (root / "velodyne" / f"{fid}.bin").write_bytes(b"")
            (root / "calib" / f"{fid}.txt").write_text(calib)
            boxes = [Cuboid(center=(rng.uniform(5, 60), rng.uniform(-15, 15), -0.9), size_lwh=(4.2, 1.8, 1.6),
                            yaw=rng.uniform(-np.pi, np.pi), track_id=j) for j in range(per_frame)]
            store.put_many(fid, boxes)
        t_insert = time.perf_counter() - t0
        ds = KittiDataset(root)
        t0 = time.perf_counter()
        export_kitti(ds, store, Path(tmp) / "out")
        t_export = time.perf_counter() - t0
        shutil.rmtree(root)
    return [(f"store {n_frames} frames x {per_frame} cuboids", t_insert, "s"),
            (f"export {n_frames} frames x {per_frame} cuboids to KITTI", t_export, "s")]


def feature_rows() -> list[tuple[str, float, str]]:
    rows = []
    for path in sorted((REPO / "benchmarks").glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
            rows += module.bench_rows()
        except Exception as e:  # one broken benchmark must not hide the others
            rows.append((f"{path.name} failed: {e.__class__.__name__}: {e}", float("nan"), ""))
    return rows


def format_table(rows) -> str:
    width = max(len(r[0]) for r in rows)
    out = [f"{'benchmark':<{width}}  {'value':>12}  unit", "-" * (width + 20)]
    out += [f"{name:<{width}}  {value:>12.4g}  {unit}" for name, value, unit in rows]
    return "\n".join(out)
