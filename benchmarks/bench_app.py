"""App speed on the server: what a sweep costs to build and send to the canvas (binary
messages, app.endpoints), and the server's memory over a long sequence. The browser side
(key nudges, orbiting, frame switches in Chromium) is benchmarks/bench_canvas.py.

`bench_rows()` -> [(name, value, unit)]; run this file to print them. Uses the real KITTI
frames in ../shared/kitti/training (read in place) and synthetic clouds for the big cases.
"""
from __future__ import annotations

import gc
import gzip
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KITTI = ROOT.parent / "shared" / "kitti" / "training"


class SyntheticScans:
    """A dataset of generated clouds (no cameras): `n_frames` sweeps of `n_points`."""

    kind = "folder"

    def __init__(self, n_points: int, n_frames: int = 1, root: Path | None = None):
        self.n_points, self.n = n_points, n_frames
        self.root = root or Path(tempfile.mkdtemp())

    @property
    def frame_ids(self):
        return [f"{i:06d}" for i in range(self.n)]

    def load_cloud(self, frame_id):
        from pointlabel.datasets.clouds import PointCloud
        rng = np.random.default_rng(int(frame_id))
        n = self.n_points
        xy = rng.uniform(-80, 80, size=(n, 2))
        z = np.where(rng.random(n) < 0.25, rng.uniform(-1.5, 2.0, n), rng.normal(-1.7, 0.03, n))
        xyz = np.c_[xy, z].astype(np.float32)
        return PointCloud(xyz, rng.random(n).astype(np.float32), None, {}, np.zeros(3), "m", 1.0, None, {}, None)

    def rig(self, frame_id):
        return None

    def sync(self, frame_id):
        return {}


def _app(dataset, tmp: Path, **kw):
    from pointlabel.app import create_app
    from pointlabel.store import open_store
    return create_app(dataset, open_store(dataset, tmp / f"bench-{id(dataset)}.sqlite"), **kw)


def payload_rows(tmp: Path) -> list:
    from pointlabel.app.endpoints import cloud_message
    from pointlabel.datasets.detect import open_dataset
    ds = open_dataset(KITTI)
    s = _app(ds, tmp).pointlabel_session
    fid = "000001"  # 120,268 points
    raw = len(s.frame(fid).xyz) * 12
    body = cloud_message(s, s.index_of(fid))
    wire = len(gzip.compress(body, 1))
    return [("app: 120k sweep raw float32 xyz", raw / 1e6, "MB"),
            ("app: 120k sweep cloud message (xyz + intensity byte)", len(body) / raw, "x raw xyz"),
            ("app: 120k sweep cloud message on the wire (gzip)", wire / raw, "x raw xyz")]


def build_rows(tmp: Path) -> list:
    """Server time for a frame: the cloud and camera messages and the page state."""
    from pointlabel.app.endpoints import camera_message, cloud_message
    from pointlabel.datasets.detect import open_dataset
    ds = open_dataset(KITTI)
    s = _app(ds, tmp).pointlabel_session

    def build(fid):
        i = s.index_of(fid)
        cloud_message(s, i)
        for c in s.camera_names:
            camera_message(s, i, c)
        s.page_state(fid)

    cold, warm = [], []
    for fid in ds.frame_ids:
        t = time.perf_counter()
        build(fid)
        cold.append(time.perf_counter() - t)
        t = time.perf_counter()
        build(fid)
        warm.append(time.perf_counter() - t)
    return [("app: a frame's messages + page state, first visit (load included)", statistics.median(cold) * 1e3, "ms median"),
            ("app: a frame's messages + page state, loaded frame", statistics.median(warm) * 1e3, "ms median")]


def big_cloud_rows(tmp: Path, n: int = 5_000_000) -> list:
    from pointlabel.app.endpoints import cloud_message
    ds = SyntheticScans(n)
    s = _app(ds, tmp).pointlabel_session
    fid = ds.frame_ids[0]
    s.frame(fid)  # load (not timed: reading is the dataset's cost)
    t = time.perf_counter()
    body = cloud_message(s, 0)
    build = time.perf_counter() - t
    budget = s.config.budget.view3d
    return [("app: 5M-point cloud, cloud message build (downsample + pack)", build * 1e3, "ms"),
            (f"app: 5M-point cloud, points sent (budget {budget:,})", len(s.frame(fid).view_indices(budget)[0]), "points"),
            ("app: 5M-point cloud, message (gzip)", len(gzip.compress(body, 1)) / 1e6, "MB")]


def memory_rows(tmp: Path, frames: int = 200) -> list:
    """Visit every sweep of a 200-sweep sequence (120k points each); peak RSS stays bounded
    by the frame cache, not by the sequence length."""
    from pointlabel.app.endpoints import cloud_message
    ds = SyntheticScans(120_000, frames)
    s = _app(ds, tmp).pointlabel_session
    for i, fid in enumerate(ds.frame_ids):
        cloud_message(s, i)
        s.frame(fid).fit_context()
    gc.collect()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [(f"app: peak RSS after visiting {frames} sweeps (fitting contexts built)", peak, "MB")]


def bench_rows() -> list[tuple[str, float, str]]:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = payload_rows(tmp) + build_rows(tmp) + big_cloud_rows(tmp) + memory_rows(tmp)
    return rows


if __name__ == "__main__":
    for name, value, unit in bench_rows():
        print(f"{name:<80} {value:>10.3f} {unit}")
