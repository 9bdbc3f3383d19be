"""What the canvas receives and sends: binary messages (app.wire), the annotations projected
into the cameras, the config the browser moves boxes by, and the ordered edit endpoint."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration.camera import PinholeCamera
from calibration.cuboid_topology import EDGES, UNIT_CORNERS
from calibration.rig import CameraSensor
from pointlabel.app import editing, wire
from pointlabel.app.canvas_config import canvas_config, nudge_steps
from pointlabel.app.endpoints import apply_ops, cloud_message, ground_message, camera_message
from pointlabel.app.figures.overlays import camera_paths
from pointlabel.app.views import sync_label
from pointlabel.datasets.base import SyncMatch
from pointlabel.model import STATUS_PROPOSAL, STATUS_REJECTED, Cuboid, FrameAnnotations, Polyline3D

# LiDAR (x fwd, y left, z up) -> camera (x right = -y, y down = -z, z fwd = x), camera at the LiDAR.
R_CAM_FROM_LIDAR = [[0, -1, 0, 0], [0, 0, -1, 0], [1, 0, 0, 0], [0, 0, 0, 1]]
CAM = CameraSensor("front", PinholeCamera(K=[[100, 0, 50], [0, 100, 40], [0, 0, 1]], width=100, height=80),
                   R_CAM_FROM_LIDAR)
FRAME = "000008"


def _frame(*anns):
    return FrameAnnotations.from_annotations("f", anns)


def _uv(item) -> np.ndarray:
    p = np.array([np.nan if v is None else v for v in item["path"]], dtype=float).reshape(-1, 2)
    return p


# -- wire ------------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 50), seed=st.integers(0, 2**31 - 1), title=st.text(max_size=20))
def test_wire_round_trips_arrays_and_meta(n, seed, title):
    rng = np.random.default_rng(seed)
    arrays = {"xyz": rng.normal(size=(n, 3)).astype(np.float32), "flags": rng.integers(0, 255, n).astype(np.uint8),
              "uv": rng.normal(size=(n, 2)).astype(np.float32)}
    meta, out = wire.unpack(wire.pack(arrays, title=title, n=n))
    assert meta["title"] == title and meta["n"] == n
    for k, a in arrays.items():
        assert out[k].dtype == a.dtype and np.array_equal(out[k], a)
        entry = next(e for e in meta["arrays"] if e["name"] == k)
        assert entry["offset"] % 4 == 0  # a typed-array view in the browser needs alignment


def test_wire_refuses_a_dtype_the_browser_cannot_view():
    with pytest.raises(ValueError, match="float64"):
        wire.pack({"x": np.zeros(3)})


# -- camera projections ------------------------------------------------------------------------
def test_camera_paths_project_with_the_rig_calibration():
    box = Cuboid(center=(10, 0, 0), size_lwh=(2, 2, 2), yaw=0.0)
    (item,) = camera_paths(_frame(box), CAM)
    assert item["id"] == box.id and item["kind"] == "box"
    uv = _uv(item)
    # corner 0 (front-left-bottom) = LiDAR (11, 1, -1) = camera (-1, 1, 11):
    # u = 100 * -1/11 + 50 = 40.909, v = 100 * 1/11 + 40 = 49.091 (paths are rounded to 0.1 px)
    assert np.isclose(uv, [40.9, 49.1], atol=0.051).all(1).any()
    # the bounds of the drawn outline: the rear face (9 m) is the widest: 100 * 1/9 = 11.1 px
    assert np.allclose(item["bbox"], [50 - 11.1, 40 - 11.1, 50 + 11.1, 40 + 11.1], atol=0.1)


def test_camera_paths_sort_kinds_and_leave_out_rejected_and_unseen():
    conf = Cuboid(center=(10, 0, 0), size_lwh=(4, 2, 2), yaw=0.0)
    prop = Cuboid(center=(20, 0, 0), size_lwh=(4, 2, 2), yaw=0.0, status=STATUS_PROPOSAL)
    rej = Cuboid(center=(30, 0, 0), size_lwh=(4, 2, 2), yaw=0.0, status=STATUS_REJECTED)
    behind = Cuboid(center=(-10, 0, 0), size_lwh=(2, 2, 2), yaw=0.0)
    line = Polyline3D(vertices=[(5, 0, -1), (6, 0, -1), (7, 1, -1)], label="lane")
    kinds = {i["id"]: i["kind"] for i in camera_paths(_frame(conf, prop, rej, behind, line), CAM)}
    assert kinds == {conf.id: "box", prop.id: "proposal", line.id: "polyline"}


def test_camera_paths_clip_at_the_near_plane_and_bend_with_the_lens():
    straddling = Cuboid(center=(0.5, 0, 0), size_lwh=(4, 2, 2), yaw=0.0)  # 1.5 m behind to 2.5 m ahead
    uv = _uv(camera_paths(_frame(straddling), CAM)[0])
    ok = np.isfinite(uv).all(1)
    assert ok.sum() > 0 and np.abs(uv[ok, 0] - 50).max() <= 1000 + 1e-6  # depth >= z_near (0.1 m)
    fisheye = CameraSensor("fisheye", PinholeCamera(K=[[100, 0, 50], [0, 100, 40], [0, 0, 1]], width=100, height=80,
                                                    dist=(-0.3, 0.08, 0, 0, 0)), R_CAM_FROM_LIDAR)
    box = Cuboid(center=(6, 0, 0), size_lwh=(2, 4, 2), yaw=0.0)
    plain = np.isfinite(_uv(camera_paths(_frame(box), CAM)[0])).all(1).sum()
    curved = np.isfinite(_uv(camera_paths(_frame(box), fisheye)[0])).all(1).sum()
    assert curved > 4 * plain  # edges sampled into curves


def test_sync_label():
    assert sync_label("front", SyncMatch("front", "/x.png", 0.012, True)) == "front · Δt +12 ms"
    assert sync_label("front", SyncMatch("front", "/x.png", -0.2, False)).endswith("OUT OF SYNC")
    assert sync_label("front", None) == "front · no image"


# -- the browser moves a box exactly as the server does ------------------------------------------
def test_the_browser_gets_the_one_topology_and_the_editing_steps():
    steps = nudge_steps()
    assert steps["move"] == list(editing.MOVE_STEP) and steps["turn"] == list(editing.TURN_STEP)
    assert set(steps["moves"]) | set(steps["turns"]) | set(steps["resizes"]) == set(editing.NUDGE_ACTIONS)
    # js/src/cuboid.js nudge(), written out: a move is steps.moves[action] * steps.move[k] in the
    # box's axes; compare with app.editing for every action, fine and coarse
    box = Cuboid(center=(3, -2, 0.5), size_lwh=(4, 2, 1.5), yaw=0.7)
    for action in editing.NUDGE_ACTIONS:
        for coarse in (False, True):
            k = int(coarse)
            want = editing.nudge_cuboid(box, action, coarse)
            c, yaw, size = np.array(box.center), box.yaw, list(box.size_lwh)
            if action in steps["moves"]:
                c = c + box.rotation @ (np.array(steps["moves"][action]) * steps["move"][k])
            elif action in steps["turns"]:
                yaw = yaw + steps["turns"][action] * steps["turn"][k]
            else:
                axis, sign = steps["resizes"][action]
                size[axis] = max(steps["min_size"], size[axis] + sign * steps["size"][k])
            assert np.allclose(c, want.center) and math.isclose(math.remainder(yaw - want.yaw, 2 * math.pi), 0, abs_tol=1e-12)
            assert np.allclose(size, want.size_lwh)


def test_canvas_config_names_what_the_page_has(session):
    cfg = canvas_config(session)
    assert cfg["topology"] == {"unit_corners": UNIT_CORNERS.tolist(), "edges": EDGES.tolist()}
    assert cfg["ids"]["view3d"] == "graph-3d"
    assert cfg["keymap"]["tab"] == {"select": "next"} and cfg["keymap"]["ctrl+z"] == {"edit": "undo"}
    assert cfg["cameras"] == session.camera_names == ["image_2"]


# -- the endpoints --------------------------------------------------------------------------------
def test_a_whole_kitti_sweep_goes_out_as_float32_with_its_intensity(session):
    i = session.index_of(FRAME)
    msg = cloud_message(session, i)
    meta, a = wire.unpack(msg)
    xyz = session.frame(FRAME).xyz
    assert meta["frame"] == FRAME and meta["voxel"] is None and meta["total"] == len(xyz) > 120_000
    assert np.array_equal(a["xyz"], xyz.astype(np.float32))  # every point, in the cloud's order
    assert a["intensity"].dtype == np.uint8 and len(a["intensity"]) == len(xyz)
    assert len(msg) < len(xyz) * 13 + 1000  # 12 bytes xyz + 1 byte intensity a point
    _, g = wire.unpack(ground_message(session, i))
    ground = g["ground"].astype(bool)
    assert 0.3 < ground.mean() < 0.9  # a street sweep is mostly ground
    assert np.median(xyz[ground, 2]) < np.median(xyz[~ground, 2]) - 0.5
    meta, c = wire.unpack(camera_message(session, i, "image_2"))
    assert (meta["width"], meta["height"]) == (1242, 375) and meta["image"].endswith("/image_2")
    assert ((c["uv"] >= -0.5) & (c["uv"] <= [1241.5, 374.5])).all() and (c["depth"] > 0).all()


def test_edits_apply_in_order_each_its_own_undo_step(session):
    box = Cuboid(center=(10.0, 0.0, -0.9), size_lwh=(4, 1.8, 1.5), yaw=0.0)
    session.commit(FRAME, upserts=[box])
    ops = [{"op": "nudge", "frame": FRAME, "id": box.id, "action": "move_forward"}] * 10
    out = apply_ops(session, "tab-1", ops)
    moved = session.annotations(FRAME).get(box.id)
    assert np.allclose(moved.center, (10.5, 0, -0.9))  # ten steps of 5 cm, none lost
    assert out["state"]["frame"] == FRAME
    apply_ops(session, "tab-1", [{"op": "undo", "frame": FRAME}] * 4)
    assert np.allclose(session.annotations(FRAME).get(box.id).center, (10.3, 0, -0.9))  # four undone
    apply_ops(session, "tab-1", [{"op": "set", "frame": FRAME, "id": box.id, "center": [12, 1, -0.8],
                                  "size_lwh": [4.2, 1.9, 1.6], "yaw": 0.3}])
    placed = session.annotations(FRAME).get(box.id)
    assert np.allclose(placed.center, (12, 1, -0.8)) and np.allclose(placed.size_lwh, (4.2, 1.9, 1.6))


@pytest.mark.parametrize("body, status", [
    ({"ops": []}, 400), ({"ops": "w"}, 400), ({}, 400), (None, 400),
    ({"ops": [{"op": "nudge", "frame": "../../etc/passwd", "id": "x", "action": "move_forward"}]}, 400),
    ({"ops": [{"op": "explode", "frame": FRAME}]}, 400),
    ({"ops": [{"op": "set", "frame": FRAME, "id": "nope", "center": [1, 2], "size_lwh": [1, 1, 1], "yaw": 0}]}, 200),
])
def test_the_edit_endpoint_refuses_bad_input_with_a_4xx(session, body, status):
    from flask import Flask
    from pointlabel.app.endpoints import register
    server = Flask("t")
    register(server, session)
    r = server.test_client().post("/_pointlabel/edit", json=body)
    assert r.status_code == status, r.data
    if status == 400:
        assert "error" in r.get_json()


def test_a_set_with_nan_is_refused_and_changes_nothing(session):
    from flask import Flask
    from pointlabel.app.endpoints import register
    box = Cuboid(center=(10.0, 0.0, -0.9), size_lwh=(4, 1.8, 1.5), yaw=0.0)
    session.commit(FRAME, upserts=[box])
    server = Flask("t")
    register(server, session)
    r = server.test_client().post("/_pointlabel/edit", data='{"ops": [{"op": "set", "frame": "%s", "id": "%s", '
                                  '"center": [NaN, 0, 0], "size_lwh": [1, 1, 1], "yaw": 0}]}' % (FRAME, box.id),
                                  content_type="application/json")
    assert r.status_code == 400
    assert session.annotations(FRAME).get(box.id).center == box.center
