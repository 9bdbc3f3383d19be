"""The point-label endpoints over real HTTP: `pointlabel pointlabels serve` in a subprocess on
127.0.0.1, a real store file, a real KITTI sweep."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

from pointlabel.datasets.kitti import KittiDataset

FRAME = "000002"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(kitti_root, tmp_path_factory):
    db = tmp_path_factory.mktemp("http") / "s.sqlite"
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pointlabel.cli", "pointlabels", "serve", str(kitti_root),
                             "--db", str(db), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}/pointlabels"
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(base + "/classes", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def _post(url, body):
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _labels(base, frame=FRAME):
    with urllib.request.urlopen(f"{base}/{frame}.bin", timeout=60) as r:
        n = int(r.headers["X-Pointlabels-Points"])
        data = r.read()
        version = int(r.headers["X-Pointlabels-Version"])
    assert len(data) == 4 * n
    return np.frombuffer(data[:2 * n], "<u2"), np.frombuffer(data[2 * n:], "<u2"), version


def test_paint_read_back_undo_redo_over_http(server, kitti_root):
    pts = KittiDataset(kitti_root).load_cloud(FRAME).xyz
    sem, inst, v = _labels(server)
    assert len(sem) == len(pts) and v == 0 and not sem.any()
    status, r = _post(f"{server}/{FRAME}/op", {"tool": "ground", "class": "road", "client": "a", "version": 0})
    assert status == 200 and r["version"] == 1 and r["changed"] > 20_000 and r["stale"] is False
    centre = [float(c) for c in pts[np.argmin(np.abs(np.linalg.norm(pts[:, :2], axis=1) - 10))]]
    status, r2 = _post(f"{server}/{FRAME}/op", {"tool": "brush", "params": {"centre": centre, "radius": 1.5},
                                                "class": 10, "instance": 4, "client": "b", "version": 0})
    expect = np.linalg.norm(pts.astype(float) - centre, axis=1) <= 1.5
    assert status == 200 and r2["selected"] == expect.sum() and r2["stale"] is True and r2["version"] == 2
    sem, inst, v = _labels(server)
    assert v == 2 and np.array_equal(sem == 10, expect) and np.array_equal(inst == 4, expect)
    with urllib.request.urlopen(f"{server}/{FRAME}/counts") as resp:
        counts = json.loads(resp.read())
    assert counts["classes"]["10"] == expect.sum() and counts["classes"]["40"] == (sem == 40).sum()
    # a's undo keeps b's brush strokes; b's undo then removes them
    status, u = _post(f"{server}/undo", {"client": "a"})
    # kept: ground points b repainted since (a changed r["changed"] points, b took some over)
    assert status == 200 and u["frame"] == FRAME and u["kept"] == r["changed"] - int((sem == 40).sum()) > 0
    sem2, _, _ = _labels(server)
    assert (sem2 == 40).sum() == 0 and np.array_equal(sem2 == 10, expect)
    assert _post(f"{server}/redo", {"client": "a"})[1]["changed"] == r["changed"] - u["kept"]
    assert _post(f"{server}/undo", {"client": "nobody"})[1] == {"frame": None, "changed": 0}


def test_bad_requests_are_clear_errors(server):
    assert _post(f"{server}/nope/op", {"tool": "brush"})[0] == 404
    status, r = _post(f"{server}/{FRAME}/op", {"tool": "brush", "params": {"radius": 1}, "class": 1})
    assert status == 400 and "centre" in r["error"]
    status, r = _post(f"{server}/{FRAME}/op", {"tool": "spray", "class": 1})
    assert status == 400 and "unknown tool" in r["error"]
    status, r = _post(f"{server}/{FRAME}/op", {"tool": "ground", "class": "unicorn"})
    assert status == 400 and "unknown class" in r["error"]
    with urllib.request.urlopen(f"{server}/classes") as resp:
        assert json.loads(resp.read())["labels"]["10"] == "car"
