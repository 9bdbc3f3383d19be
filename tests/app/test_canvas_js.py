"""The canvas' box math (js/src/cuboid.js) run in Node.js against the Python model: the
browser draws and moves a box exactly as the store will save it. Node comes with the
project's JavaScript build (scripts/setup.sh)."""
from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration.cuboid_topology import EDGES, UNIT_CORNERS
from pointlabel.app import editing
from pointlabel.app.canvas_config import nudge_steps
from pointlabel.model import Cuboid

CUBOID_JS = Path(__file__).resolve().parents[2] / "js" / "src" / "cuboid.js"
TOPOLOGY = {"unit_corners": UNIT_CORNERS.tolist(), "edges": EDGES.tolist()}


def run_js(calls: list) -> list:
    """[[function name, *args], ...] -> the results of js/src/cuboid.js's functions."""
    node = shutil.which("node")
    assert node, "Node.js is missing: run scripts/setup.sh"
    script = (f"import * as c from {json.dumps(CUBOID_JS.as_uri())};\n"
              "const calls = JSON.parse(process.argv[1]);\n"
              "console.log(JSON.stringify(calls.map(([f, ...a]) => c[f](...a))));")
    out = subprocess.run([node, "--input-type=module", "-e", script, json.dumps(calls)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def js_box(c: Cuboid) -> dict:
    return {"id": c.id, "center": list(c.center), "size_lwh": list(c.size_lwh), "yaw": c.yaw,
            "pitch": c.pitch, "roll": c.roll}


boxes = st.builds(
    lambda x, y, z, l, w, h, yaw, pitch: Cuboid(center=(x, y, z), size_lwh=(l, w, h), yaw=yaw, pitch=pitch),
    *[st.floats(-50, 50)] * 3, *[st.floats(0.2, 15)] * 3, st.floats(-math.pi, math.pi), st.floats(-0.3, 0.3))


@settings(max_examples=25, deadline=None)
@given(box=boxes)
def test_corners_and_every_nudge_agree_with_the_python_model(box):
    actions = list(editing.NUDGE_ACTIONS)
    calls = [["corners", js_box(box), TOPOLOGY]]
    calls += [["nudge", js_box(box), a, coarse, nudge_steps()] for a in actions for coarse in (False, True)]
    out = run_js(calls)
    assert np.allclose(out[0], box.corners(), atol=1e-9)
    for (a, coarse), got in zip([(a, c) for a in actions for c in (False, True)], out[1:]):
        want = editing.nudge_cuboid(box, a, coarse)
        assert np.allclose(got["center"], want.center, atol=1e-9), a
        assert np.allclose(got["size_lwh"], want.size_lwh, atol=1e-9), a
        assert math.isclose(math.remainder(got["yaw"] - want.yaw, 2 * math.pi), 0, abs_tol=1e-9), a


def test_dragging_an_outline_in_a_box_view():
    """Worked by hand: a 4 x 2 x 1.5 box at (10, 5, 1) heading +y (its own x is LiDAR +y,
    its own y is LiDAR -x)."""
    b = js_box(Cuboid(center=(10, 5, 1), size_lwh=(4, 2, 1.5), yaw=math.pi / 2))
    top, side, front = run_js([
        ["fromViewRect", b, "top", -2, 3, -1, 1, 0.05],          # front edge dragged 1 m forward
        ["fromViewRect", b, "side", -2, 2, -0.55, 0.95, 0.05],    # raised by 0.2 m
        ["fromViewRect", b, "front", -0.5, 1.5, -0.75, 0.75, 0.05]])  # 0.5 m to the box's right
    assert top["size_lwh"] == pytest.approx([5, 2, 1.5]) and np.allclose(top["center"], (10, 5.5, 1))
    assert side["size_lwh"] == pytest.approx([4, 2, 1.5]) and np.allclose(side["center"], (10, 5, 1.2))
    assert np.allclose(front["center"], (10.5, 5, 1))  # the box's right is LiDAR +x here


def test_ray_picking_and_bev_containment():
    b = js_box(Cuboid(center=(10, 0, 0), size_lwh=(4, 2, 2), yaw=0.0))
    hit, miss, behind, inside, outside = run_js([
        ["rayHit", b, [0, 0, 0], [1, 0, 0]], ["rayHit", b, [0, 5, 0], [1, 0, 0]],
        ["rayHit", b, [20, 0, 0], [1, 0, 0]], ["containsXY", b, 11.9, 0.9], ["containsXY", b, 12.1, 0]])
    assert hit == pytest.approx(8.0) and miss is None and behind is None
    assert inside is True and outside is False
