"""The labelling loop in headless Chromium (software WebGL), measured from outside the page:
real key presses and pointer drags through the DevTools protocol, the main thread's long
tasks from a PerformanceObserver installed before the page's scripts, repaints from the
page's animation frames. On the real KITTI sweeps of ../shared/kitti (read in place), whole
(120k points: the default budget sends every point).

Rows: key nudge (long tasks in the second after the press, key to repainted box), ten
presses of `w` 33 ms apart (steps shown and stored), frame switch to painted, orbiting
(frames a second), BEV zoom toward the cursor and a box-view drag.
Run: `python benchmarks/bench_canvas.py` (also part of `pointlabel bench`).
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KITTI = ROOT.parent / "shared" / "kitti" / "training"
FRAME = "000008"

# A monitor on the page's animation frames, started before a key press: each frame's time,
# how many frames the 3D view has drawn, and where it draws the box (x of its centre).
_MONITOR = """
var c = window.pointlabelCanvas, id = arguments[0];
window.__frames = []; window.__monitor = true;
function box() { var b = c.hub.annotations().find(function (a) { return a.id === id; }); return b ? b.center[0] : null; }
(function tick() {
  window.__frames.push([performance.now(), c.view3d.frames, box()]);
  if (window.__monitor) { requestAnimationFrame(tick); }
})();
"""


def _repaint_ms(frames, t_key: float, x0: float) -> float:
    """From the monitor's frames: the first frame after the key press at which the 3D view
    had drawn since the press with the box moved, minus the press (conservative: the frame
    after the paint)."""
    drawn_at_key = max((f for t, f, _ in frames if t <= t_key), default=0)
    for t, f, x in frames:
        if t > t_key and f > drawn_at_key and x is not None and abs(x - x0) > 1e-9:
            return t - t_key
    return float("nan")


def _app(tmp: Path):
    from pointlabel.app import create_app
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.model import Cuboid
    from pointlabel.store import open_store
    ds = open_dataset(KITTI)
    store = open_store(ds, tmp / "bench.sqlite")
    for fid in ds.frame_ids:
        store.apply(fid, upserts=list(ds.reference(fid).cuboids))
    car = max((c for c in store.frame(FRAME).cuboids if c.label == "Car"), key=lambda c: -np.hypot(*c.center[:2]))
    return create_app(ds, store), car


def _longtasks_after(driver, t0: float, window: float = 1000.0) -> float:
    tasks = driver.execute_script("return window.__longtasks")
    return sum(d for s, d in tasks if t0 <= s <= t0 + window)


def run(tmp: Path) -> list[tuple[str, float, str]]:
    from pointlabel.testing import browser as b
    app, car = _app(tmp)
    server = b.LiveServer(app)
    driver = b.chrome(120)
    rows = []
    try:
        driver.get(server.url + f"?frame={FRAME}")
        b.wait(driver, b.CANVAS_READY, 120, "the canvas")
        n = driver.execute_script("return window.pointlabelCanvas.hub.cloud.n")
        time.sleep(1.5)
        driver.execute_script("window.dash_clientside.set_props('selection-store', {data: {id: arguments[0], vertex: null}})", car.id)
        b.wait(driver, "return window.pointlabelCanvas.hub.selection.id === arguments[0]", 30, "selection", car.id)
        time.sleep(2.0)

        # -- one nudge: long tasks in the second after it, key to repainted box --------------
        blocked, repaint = [], []
        for _ in range(5):
            x0 = driver.execute_script("return window.pointlabelCanvas.hub.selected().center[0]")
            driver.execute_script(_MONITOR, car.id)
            time.sleep(0.2)
            b.key(driver, "w")
            time.sleep(1.2)
            driver.execute_script("window.__monitor = false")
            t_key = driver.execute_script("var k = window.__keys; return k[k.length - 1][0]")
            repaint.append(_repaint_ms(driver.execute_script("return window.__frames"), t_key, x0))
            blocked.append(_longtasks_after(driver, t_key))
            b.wait(driver, "return window.pointlabelCanvas.hub.pending() === 0", 30, "saved")
        rows += [(f"canvas: key nudge, main thread blocked in the next second ({n:,} pts)", statistics.median(blocked), "ms median"),
                 (f"canvas: key nudge, main thread blocked in the next second, worst of 5", max(blocked), "ms"),
                 (f"canvas: key nudge to repainted box ({n:,} pts)", statistics.median(repaint), "ms median")]

        # -- a held key: ten presses 33 ms apart ----------------------------------------------
        store = app.pointlabel_session.store
        before = np.asarray(store.frame(FRAME).get(car.id).center)
        shown0 = np.asarray(driver.execute_script("return window.pointlabelCanvas.hub.selected().center"))
        for _ in range(10):
            b.key(driver, "w")
            time.sleep(0.033)
        shown = np.asarray(driver.execute_script("return window.pointlabelCanvas.hub.selected().center"))
        b.wait(driver, "return window.pointlabelCanvas.hub.pending() === 0", 30, "saved")
        after = np.asarray(store.frame(FRAME).get(car.id).center)
        rows += [("canvas: 10 presses of w 33 ms apart, distance shown at once", float(np.linalg.norm(shown - shown0)), "m"),
                 ("canvas: 10 presses of w 33 ms apart, distance stored", float(np.linalg.norm(after - before)), "m")]

        # -- orbiting: frames a second while dragging (DevTools mouse events, as a hand) -------
        x, y, w, h = b.rect(driver, "graph-3d")
        cx, cy = x + w / 2, y + h / 2
        for lod in (True, False):
            driver.execute_script("window.pointlabelCanvas.view3d.lodEnabled = arguments[0]", lod)
            f0 = driver.execute_script("return window.pointlabelCanvas.view3d.frames")
            t0 = driver.execute_script("return performance.now()")
            b.drag(driver, (cx - 150, cy), (cx + 150, cy + 40), steps=120)
            t1 = driver.execute_script("return performance.now()")
            f1 = driver.execute_script("return window.pointlabelCanvas.view3d.frames")
            what = "50k-point LOD while moving" if lod else "every point while moving"
            rows.append((f"canvas: orbit drag, 3D frames painted a second ({n:,} pts, {what})",
                         (f1 - f0) / ((t1 - t0) / 1000), "fps"))
            rows.append((f"canvas: orbit drag, main thread in long tasks ({what})",
                         _longtasks_after(driver, t0, t1 - t0) / ((t1 - t0) / 1000), "ms/s"))
        driver.execute_script("window.pointlabelCanvas.view3d.lodEnabled = true")

        # -- frame switch to painted: the next frame (`.`, fetched while the labeller looked at
        # this one), and a jump by the slider to a frame not fetched yet ------------------------
        def switch_to(click: str) -> float:
            loads = driver.execute_script("return window.pointlabelCanvas.loads")
            t0 = driver.execute_script("return performance.now()")
            driver.execute_script(click)
            b.wait(driver, "return window.pointlabelCanvas.loads > arguments[0]", 60, "the frame", loads)
            t1 = driver.execute_async_script("var d = arguments[0]; requestAnimationFrame(function () { d(performance.now()); })")
            return (t1 - t0) / 1000

        switch, jump = [], []
        for _ in range(3):
            time.sleep(1.0)  # the labeller looks at the frame a moment (the next one is fetched meanwhile)
            switch.append(switch_to("document.getElementById('next-frame-btn').click()"))
        for i in (0, 2, 5):
            jump.append(switch_to(f"window.dash_clientside.set_props('frame-slider', {{value: {i}}})"))
        rows.append(("canvas: frame jump to painted, not fetched before (3D, BEV, camera)", statistics.median(jump), "s median"))
        rows.append(("canvas: next frame to painted, whole sweep (3D, BEV, camera)", statistics.median(switch), "s median"))
    finally:
        driver.quit()
        server.stop()
    return rows


def bench_rows() -> list[tuple[str, float, str]]:
    with tempfile.TemporaryDirectory() as d:
        return run(Path(d))


if __name__ == "__main__":
    for name, value, unit in bench_rows():
        print(f"{name:<80} {value:>10.3f} {unit}")
