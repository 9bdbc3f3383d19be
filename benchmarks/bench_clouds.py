"""Point-cloud reader benchmarks: rows for the `pointlabel bench` table.

Run alone: `python benchmarks/bench_clouds.py`. Times are the median of a few loads; peak
memory is what Python and numpy allocate during one load (tracemalloc, on a separate load
so its overhead stays out of the times).
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from pointlabel.datasets.clouds import PointCloud, read_cloud, write_pcd  # noqa: E402

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
COPC = SHARED / "scans" / "lone-star.copc.laz"
KITTI_BIN = SHARED / "kitti" / "training" / "velodyne" / "000000.bin"
SYNTHETIC_POINTS = 1_000_000


def bench_rows() -> list[tuple[str, float, str]]:
    """(name, value, unit) rows; files missing from ../shared are skipped."""
    rows: list[tuple[str, float, str]] = []
    if COPC.exists():
        rows += _load_rows("lone-star.copc.laz", COPC)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synthetic_1M.pcd"
        write_pcd(path, _synthetic_sweep(SYNTHETIC_POINTS))
        rows += _load_rows("PCD binary_compressed 1M", path)
    if KITTI_BIN.exists():
        rows += _load_rows("KITTI .bin 000000", KITTI_BIN)
    return rows


def _load_rows(name: str, path: Path, repeat: int = 3) -> list[tuple[str, float, str]]:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        cloud = read_cloud(path)
        seconds.append(time.perf_counter() - start)
    tracemalloc.start()
    read_cloud(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return [(f"{name}: points", float(len(cloud.xyz)), "points"),
            (f"{name}: load", statistics.median(seconds), "s"),
            (f"{name}: peak memory", peak / 2**20, "MB")]


def _synthetic_sweep(n: int) -> PointCloud:
    """A spinning-LiDAR-like cloud: 64 rings of ranges 2-80 m, intensity 0-255."""
    rng = np.random.default_rng(0)
    azimuth = np.linspace(0, 2 * np.pi, n, endpoint=False)
    elevation = np.deg2rad(np.tile(np.linspace(-25, 3, 64), n // 64 + 1)[:n])
    distance = rng.uniform(2, 80, n)
    pts_lidar = np.stack([distance * np.cos(elevation) * np.cos(azimuth),
                          distance * np.cos(elevation) * np.sin(azimuth),
                          distance * np.sin(elevation)], axis=1).astype(np.float32)
    intensity = rng.integers(0, 256, n).astype(np.float32)
    return PointCloud(xyz=pts_lidar, intensity=intensity, rgb=None, extra={},
                      offset=np.zeros(3), units="m", scale_to_m=1.0, grid=None, dropped={},
                      source=None)


if __name__ == "__main__":
    for row_name, value, unit in bench_rows():
        digits = 0 if unit == "points" else 3
        print(f"{row_name:<40} {value:>14,.{digits}f} {unit}")
