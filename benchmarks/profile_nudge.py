"""Where the page's time goes after a key nudge: a CPU profile of the page's JavaScript
(DevTools `Profiler`) over the 1.5 s after each of five presses of `w` on a selected car of
KITTI 000008 (the whole sweep), with the Dash callbacks the server answered for them and the
long tasks per press. A tool to find the next thing to cut, not a benchmark row
(`bench_canvas.py` measures).

    python benchmarks/profile_nudge.py [--presses N]
"""
from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_canvas as bc  # noqa: E402


def profile(presses: int = 5) -> dict:
    """{"longtasks": [ms per press], "callbacks": Counter(output), "by_script": Counter(ms),
    "by_function": Counter((function, script) -> ms)}."""
    import flask

    from pointlabel.testing import browser as b
    app, car = bc._app(Path(tempfile.mkdtemp()))
    callbacks: collections.Counter = collections.Counter()
    recording = {"on": False}

    @app.server.before_request
    def _count():
        if recording["on"] and flask.request.path.endswith("_dash-update-component"):
            callbacks[str((flask.request.get_json(silent=True) or {}).get("output"))[:100]] += 1

    server = b.LiveServer(app)
    driver = b.chrome(120)
    by_function: collections.Counter = collections.Counter()
    longtasks = []
    try:
        driver.get(server.url + f"?frame={bc.FRAME}")
        b.wait(driver, b.CANVAS_READY, 120, "the canvas")
        time.sleep(1.5)
        driver.execute_script("window.dash_clientside.set_props('selection-store', {data: {id: arguments[0], "
                              "vertex: null}})", car.id)
        b.wait(driver, "return window.pointlabelCanvas.hub.selection.id === arguments[0]", 30, "selection", car.id)
        time.sleep(2.0)
        driver.execute_cdp_cmd("Profiler.enable", {})
        driver.execute_cdp_cmd("Profiler.setSamplingInterval", {"interval": 200})
        recording["on"] = True
        for _ in range(presses):
            driver.execute_cdp_cmd("Profiler.start", {})
            b.key(driver, "w")
            t_key = driver.execute_script("var k = window.__keys; return k[k.length - 1][0]")
            time.sleep(1.5)
            prof = driver.execute_cdp_cmd("Profiler.stop", {})["profile"]
            longtasks.append(bc._longtasks_after(driver, t_key))
            nodes = {n["id"]: n["callFrame"] for n in prof["nodes"]}
            for sample, dt in zip(prof["samples"], prof["timeDeltas"]):
                frame = nodes[sample]
                script = frame["url"].rsplit("/", 1)[-1].split("?")[0]
                by_function[(frame["functionName"] or "(anonymous)", script)] += dt / 1000.0
            b.wait(driver, "return window.pointlabelCanvas.hub.pending() === 0", 30, "saved")
            time.sleep(0.5)
    finally:
        driver.quit()
        server.stop()
    by_script: collections.Counter = collections.Counter()
    for (fn, script), ms in by_function.items():
        if fn not in ("(idle)", "(program)"):
            by_script[script or "(native)"] += ms
    return {"longtasks": longtasks, "callbacks": callbacks, "by_script": by_script, "by_function": by_function}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presses", type=int, default=5)
    r = profile(ap.parse_args().presses)
    print("long tasks after each press (ms):", [round(x) for x in r["longtasks"]])
    print("server callbacks answered:")
    for out, n in r["callbacks"].most_common():
        print(f"  {n:3d} x {out}")
    print(f"page JavaScript: {sum(r['by_script'].values()):.0f} ms in all")
    for script, ms in r["by_script"].most_common(8):
        print(f"  {ms:8.1f} ms  {script}")
    print("busiest functions:")
    for (fn, script), ms in r["by_function"].most_common(20):
        if fn not in ("(idle)", "(program)"):
            print(f"  {ms:8.1f} ms  {fn} [{script}]")
