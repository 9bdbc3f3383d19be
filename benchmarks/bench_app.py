"""App speed: what a sweep costs to send, to build on the server, and to paint in Chromium.

`bench_rows()` -> [(name, value, unit)]; run this file to print them. Uses the real KITTI
frames in ../shared/kitti/training (read in place) and synthetic clouds for the big cases.
"""
from __future__ import annotations

import gc
import gzip
import os
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


def _json(fig) -> bytes:
    from dash._utils import to_json
    return to_json(fig).encode()


def payload_rows(tmp: Path) -> list:
    from pointlabel.app import views
    from pointlabel.datasets.detect import open_dataset
    ds = open_dataset(KITTI)
    app = _app(ds, tmp)
    s = app.pointlabel_session
    fid = "000001"  # 120,268 points
    raw = len(s.frame(fid).xyz) * 12
    body = _json(views.scene(s, fid, "intensity", 1.5, [0, 120]))
    wire = len(gzip.compress(body, 1))
    return [("app: 120k sweep raw float32 xyz", raw / 1e6, "MB"),
            ("app: 120k sweep 3D figure JSON (typed arrays)", len(body) / raw, "x raw xyz"),
            ("app: 120k sweep 3D figure on the wire (gzip)", wire / raw, "x raw xyz")]


def build_rows(tmp: Path) -> list:
    """Server time to build every figure of a frame (3D, BEV, cameras, page state)."""
    from pointlabel.app import views
    from pointlabel.datasets.detect import open_dataset
    ds = open_dataset(KITTI)
    s = _app(ds, tmp).pointlabel_session

    def build(fid):
        figs = [views.scene(s, fid, "height", 1.5, [0, 120]), views.bev(s, fid, "height", [0, 120])]
        figs += [views.camera(s, fid, c) for c in s.camera_names]
        s.page_state(fid)
        return [_json(f) for f in figs if f is not None]

    cold, warm = [], []
    for fid in ds.frame_ids:
        t = time.perf_counter()
        build(fid)
        cold.append(time.perf_counter() - t)
        t = time.perf_counter()
        build(fid)
        warm.append(time.perf_counter() - t)
    return [("app: build a frame's figures, first visit (load + JSON)", statistics.median(cold) * 1e3, "ms median"),
            ("app: build a frame's figures, loaded frame (JSON)", statistics.median(warm) * 1e3, "ms median")]


def big_cloud_rows(tmp: Path, n: int = 5_000_000) -> list:
    from pointlabel.app import views
    ds = SyntheticScans(n)
    s = _app(ds, tmp).pointlabel_session
    fid = ds.frame_ids[0]
    s.frame(fid)  # load (not timed: reading is the dataset's cost)
    t = time.perf_counter()
    body = _json(views.scene(s, fid, "height", 1.5, [0, 120]))
    build = time.perf_counter() - t
    budget = s.config.budget.view3d
    return [("app: 5M-point cloud, 3D figure build (downsample + JSON)", build * 1e3, "ms"),
            ("app: 5M-point cloud, points sent (3D budget %d)" % budget,
             len(s.frame(fid).view_indices(budget)[0]), "points"),
            ("app: 5M-point cloud, 3D payload (gzip)", len(gzip.compress(body, 1)) / 1e6, "MB")]


def memory_rows(tmp: Path, frames: int = 200) -> list:
    """Visit every sweep of a 200-sweep sequence (120k points each); peak RSS stays bounded
    by the frame cache, not by the sequence length."""
    from pointlabel.app import views
    ds = SyntheticScans(120_000, frames)
    s = _app(ds, tmp).pointlabel_session
    for fid in ds.frame_ids:
        views.scene(s, fid, "height", 1.5, [0, 120])
        views.bev(s, fid, "height", [0, 120])
        s.frame(fid).fit_context()
    gc.collect()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return [(f"app: peak RSS after visiting {frames} sweeps (fitting contexts built)", peak, "MB")]


def browser_rows(tmp: Path, budgets=None) -> list:
    """Frame switch to painted, and a key nudge to repainted, in headless Chromium (software
    WebGL) for 3D budgets: the default (DEFAULT_BUDGET_3D, chosen by this row: the target is a
    switch under 1.5 s for a 120k sweep), the full sweep, and a smaller one."""
    from pointlabel.app.config import DEFAULT_BUDGET_3D
    budgets = budgets or (DEFAULT_BUDGET_3D, 150_000, 30_000)
    if not (os.path.exists("/usr/bin/chromium") and os.path.exists("/usr/bin/chromedriver")):
        return []
    sys.path.insert(0, str(ROOT / "tests" / "app"))
    from conftest import CHROME_ARGS, LiveServer  # the browser settings of the tests
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from pointlabel.app.config import PointBudget
    from pointlabel.datasets.detect import open_dataset
    rows = []
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in CHROME_ARGS:
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    driver.set_script_timeout(120)
    try:
        for budget in budgets:
            ds = open_dataset(KITTI)
            app = _app(ds, tmp, budget=PointBudget(view3d=budget))
            server = LiveServer(app)
            s = app.pointlabel_session
            try:
                driver.get(server.url + "?frame=000008")
                _wait(driver, "var g=document.querySelector('#graph-3d .js-plotly-plot');"
                              "return g && g._fullData && g._fullData[0] && g._fullData[0]._length > 1000")
                times = []
                switched = ("000009", "000010", "000019", "000032", "000142")  # the next frames after 000008
                for fid in switched:
                    n = len(s.frame(fid).view_indices(budget)[0])
                    times.append(driver.execute_async_script(_SWITCH, n))
                default = " (default)" if budget == DEFAULT_BUDGET_3D else ""
                rows.append((f"app: frame switch to painted in headless Chromium (3D budget {budget:,}){default}",
                             statistics.median(times), "s median"))
                fid = switched[-1]  # the frame the page shows now
                box = s.commit(fid, upserts=[_box()])["annotations"][0]["id"]
                driver.execute_script("window.dash_clientside.set_props('selection-store', "
                                      "{data: {id: arguments[0], vertex: null}})", box)
                time.sleep(2)
                nudges = [driver.execute_async_script(_NUDGE) for _ in range(3)]
                rows.append((f"app: key nudge to repainted 3D view (3D budget {budget:,}){default}",
                             statistics.median(nudges), "s median"))
            finally:
                server.stop()
    finally:
        driver.quit()
    return rows


_SWITCH = """
var n = arguments[0], done = arguments[1];
var g = document.querySelector('#graph-3d .js-plotly-plot');
var t0 = performance.now();
var check = function () {
  if (g._fullData && g._fullData[0] && g._fullData[0]._length === n) {
    g.removeListener('plotly_afterplot', check);
    requestAnimationFrame(function () { requestAnimationFrame(function () { done((performance.now() - t0) / 1000); }); });
  }
};
g.on('plotly_afterplot', check);
document.getElementById('next-frame-btn').click();
"""


_NUDGE = """
var done = arguments[0];
var g = document.querySelector('#graph-3d .js-plotly-plot');
var t0 = performance.now();
var check = function () {
  g.removeListener('plotly_afterplot', check);
  requestAnimationFrame(function () { requestAnimationFrame(function () { done((performance.now() - t0) / 1000); }); });
};
g.on('plotly_afterplot', check);
window.dash_clientside.set_props('nudge-store', {data: {action: 'move_forward', coarse: false, ts: Date.now()}});
"""


def _box():
    from pointlabel.model import Cuboid
    return Cuboid(center=(10.0, 0.0, -0.9), size_lwh=(4.0, 1.8, 1.5), yaw=0.0)


def _wait(driver, script, timeout=120):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if driver.execute_script(script):
            return
        time.sleep(0.2)
    raise TimeoutError(script)


def bench_rows() -> list[tuple[str, float, str]]:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = payload_rows(tmp) + build_rows(tmp) + big_cloud_rows(tmp)
        rows += browser_rows(tmp)
        rows += memory_rows(tmp)
    return rows


if __name__ == "__main__":
    # `bench_app.py browser 80000 60000 50000`: only the browser rows, for these 3D budgets
    if sys.argv[1:2] == ["browser"]:
        with tempfile.TemporaryDirectory() as d:
            rows = browser_rows(Path(d), tuple(int(b) for b in sys.argv[2:]) or None)
    else:
        rows = bench_rows()
    for name, value, unit in rows:
        print(f"{name:<80} {value:>10.3f} {unit}")
