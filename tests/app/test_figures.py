"""Figure builders (pure: domain objects in, Plotly traces out) and what reaches the browser."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
from dash._utils import to_json

from calibration.camera import PinholeCamera
from calibration.rig import CameraSensor
from pointlabel.app.figures import overlays
from pointlabel.app.figures.box_views import box_local, box_views_figure
from pointlabel.app.figures.camera import camera_figure, image_trace, sync_label
from pointlabel.app.figures.overlays import OVERLAY_SLOTS, overlay_3d, overlay_bev, overlay_camera
from pointlabel.app.figures.points import point_colours, rgb_palette
from pointlabel.app.figures.scene import SCENE_BASE, scene_figure
from pointlabel.app.state import CameraImage
from pointlabel.datasets.base import SyncMatch
from pointlabel.model import STATUS_PROPOSAL, STATUS_REJECTED, Cuboid, FrameAnnotations, Polyline3D

SLOT = {n: k for k, n in enumerate(OVERLAY_SLOTS)}
# LiDAR (x fwd, y left, z up) -> camera (x right = -y, y down = -z, z fwd = x), camera at the LiDAR.
R_CAM_FROM_LIDAR = [[0, -1, 0, 0], [0, 0, -1, 0], [1, 0, 0, 0], [0, 0, 0, 1]]
CAM = CameraSensor("front", PinholeCamera(K=[[100, 0, 50], [0, 100, 40], [0, 0, 1]], width=100, height=80),
                   R_CAM_FROM_LIDAR)


def _frame(*anns):
    return FrameAnnotations.from_annotations("f", anns)


def _xy(trace):
    return np.c_[np.asarray(trace.x, dtype=float), np.asarray(trace.y, dtype=float)]


def test_3d_overlay_draws_12_edges_and_a_heading_tick_per_box():
    box = Cuboid(center=(10, 0, 0), size_lwh=(4, 2, 2), yaw=0.0, label="Car")
    traces = overlay_3d(_frame(box), None)
    assert [t.name for t in traces] == list(OVERLAY_SLOTS)
    boxes = traces[SLOT["boxes"]]
    assert len(boxes.x) == 13 * 3  # 12 edges + heading, each 2 points and a NaN gap
    pts = np.c_[boxes.x, boxes.y, boxes.z]
    finite = pts[np.isfinite(pts).all(1)]
    assert np.allclose(finite.min(0), (8, -1, -1)) and np.allclose(finite.max(0), (12, 1, 1))
    # heading tick: bottom centre -> middle of the front bottom edge
    assert np.allclose(pts[36], (10, 0, -1)) and np.allclose(pts[37], (12, 0, -1))
    assert set(boxes.customdata) == {f"ann:{box.id}"}
    assert len(traces[SLOT["selected"]].x) == 0


def test_overlay_slots_sort_proposals_rejections_selection_and_vertices():
    conf = Cuboid(center=(10, 0, 0), size_lwh=(4, 2, 2), yaw=0.0)
    prop = Cuboid(center=(20, 0, 0), size_lwh=(4, 2, 2), yaw=0.0, status=STATUS_PROPOSAL)
    rej = Cuboid(center=(30, 0, 0), size_lwh=(4, 2, 2), yaw=0.0, status=STATUS_REJECTED)
    line = Polyline3D(vertices=[(5, 0, -1), (6, 0, -1), (7, 1, -1)], label="lane")
    traces = overlay_bev(_frame(conf, prop, rej, line), {"id": line.id, "vertex": 2})
    assert len(traces[SLOT["boxes"]].x) == 5 * 3  # BEV: the 4 bottom edges + heading
    assert len(traces[SLOT["proposals"]].x) == 5 * 3 and traces[SLOT["proposals"]].line.dash == "dash"
    assert len(traces[SLOT["centres"]].x) == 2  # the rejected proposal is not drawn
    assert len(traces[SLOT["polylines"]].x) == 2 * 3
    assert list(traces[SLOT["vertices"]].customdata) == [f"vtx:{line.id}:{k}" for k in range(3)]
    assert list(traces[SLOT["active"]].x) == [7.0] and list(traces[SLOT["active"]].y) == [1.0]
    assert len(traces[SLOT["selected"]].x) == 2 * 3  # the selected polyline, bright


def test_camera_overlay_projects_with_the_rig_calibration():
    box = Cuboid(center=(10, 0, 0), size_lwh=(2, 2, 2), yaw=0.0)
    boxes = overlay_camera(_frame(box), None, CAM)[SLOT["boxes"]]
    uv = _xy(boxes)
    # corner 0 (front-left-bottom) = LiDAR (11, 1, -1) = camera (-1, 1, 11):
    # u = 100 * -1/11 + 50 = 40.909, v = 100 * 1/11 + 40 = 49.091
    assert np.isclose(uv, [40.909, 49.091], atol=1e-3).all(1).any()
    centre = overlay_camera(_frame(box), None, CAM)[SLOT["centres"]]
    assert np.allclose(_xy(centre), [[50, 40]])


def test_camera_overlay_hides_what_is_behind_and_clips_at_the_near_plane():
    behind = Cuboid(center=(-10, 0, 0), size_lwh=(2, 2, 2), yaw=0.0)
    traces = overlay_camera(_frame(behind), None, CAM)
    assert np.isfinite(_xy(traces[SLOT["boxes"]])).all(1).sum() == 0
    assert len(traces[SLOT["centres"]].x) == 0
    straddling = Cuboid(center=(0.5, 0, 0), size_lwh=(4, 2, 2), yaw=0.0)  # from 1.5 m behind to 2.5 m ahead
    uv = _xy(overlay_camera(_frame(straddling), None, CAM)[SLOT["boxes"]])
    ok = np.isfinite(uv).all(1)
    assert ok.sum() > 0
    # every drawn point is in front of the camera: its ray leaves the image side, so |u-cx| stays
    # within what depth >= z_near (0.1 m) allows for a 1 m half-width: 100 * 1 / 0.1
    assert np.abs(uv[ok, 0] - 50).max() <= 1000 + 1e-6


def test_camera_overlay_with_distortion_bends_edges():
    dist = CameraSensor("fisheye", PinholeCamera(K=[[100, 0, 50], [0, 100, 40], [0, 0, 1]], width=100, height=80,
                                                 dist=(-0.3, 0.08, 0, 0, 0)), R_CAM_FROM_LIDAR)
    box = Cuboid(center=(6, 0, 0), size_lwh=(2, 4, 2), yaw=0.0)
    plain = _xy(overlay_camera(_frame(box), None, CAM)[SLOT["boxes"]])
    curved = _xy(overlay_camera(_frame(box), None, dist)[SLOT["boxes"]])
    assert np.isfinite(curved).all(1).sum() > 4 * np.isfinite(plain).all(1).sum()  # edges sampled into curves


def test_scene_sends_the_cloud_as_typed_arrays():
    rng = np.random.default_rng(0)

    class Cloud:
        xyz = rng.normal(size=(20_000, 3)).astype(np.float32)
        intensity = rng.random(20_000).astype(np.float32)
        rgb = None
    idx = np.arange(20_000)
    fig = scene_figure(Cloud.xyz, point_colours(Cloud, idx, "intensity"), 1.5)
    payload = json.loads(to_json(fig))
    cloud = payload["data"][0]
    assert cloud["x"]["dtype"] == "f4" and cloud["marker"]["color"]["dtype"] == "u1"
    assert len(payload["data"]) == SCENE_BASE + len(OVERLAY_SLOTS)
    raw = Cloud.xyz.nbytes
    assert len(to_json(fig)) < 1.9 * raw  # base64 (4/3), Plotly escaping every "/", one byte of colour
    assert len(gzip.compress(to_json(fig).encode(), 1)) < 1.5 * raw


def test_point_colours_quantise_and_fall_back():
    class Cloud:
        xyz = np.array([[0, 0, -2], [3, 4, 0], [0, 0, 2]], np.float32)
        intensity = None
        rgb = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]], np.uint8)
    idx = np.arange(3)
    h = point_colours(Cloud, idx, "height")
    assert h.values.dtype == np.uint8 and h.values[0] < h.values[1] < h.values[2]
    assert point_colours(Cloud, idx, "intensity").values.tolist() == h.values.tolist()  # no intensity: height
    d = point_colours(Cloud, idx, "distance")
    assert d.values[1] > d.values[0]  # 5 m vs 2 m
    rgb = point_colours(Cloud, idx, "rgb")
    scale = rgb.colorscale
    assert len(scale) == 256 and rgb.values.dtype == np.uint8 and (rgb.cmin, rgb.cmax) == (0, 255)
    assert [scale[i][1] for i in rgb.values] == ["rgb(255,0,0)", "rgb(0,255,0)", "rgb(0,0,255)"]
    assert [scale[i][0] for i in rgb.values] == [i / 255 for i in rgb.values]  # stop i sits at value i


def test_rgb_palette_keeps_up_to_256_colours_exactly_and_approximates_more():
    rng = np.random.default_rng(0)
    few = rng.integers(0, 256, size=(200, 3), dtype=np.uint8)[rng.integers(0, 200, 5000)]  # 200 colours
    p = rgb_palette(few)
    shown = np.array([[int(v) for v in p.colorscale[i][1][4:-1].split(",")] for i in p.values])
    assert np.array_equal(shown, few)
    many = rng.integers(0, 256, size=(20_000, 3), dtype=np.uint8)
    p = rgb_palette(many)
    shown = np.array([[int(v) for v in p.colorscale[i][1][4:-1].split(",")] for i in p.values])
    assert np.abs(shown - many.astype(int)).mean() < 20  # 256 median-cut colours for 16M possible
    assert len(rgb_palette(np.zeros((0, 3), np.uint8)).values) == 0


def test_image_trace_places_the_downscaled_image_in_original_pixels():
    img = CameraImage("data:image/jpeg;base64,xx", width=1242, height=375, shown_width=621, shown_height=188)
    t = image_trace(img)
    assert t.dx == pytest.approx(2.0) and t.x0 == pytest.approx(0.5)  # shown pixel 0 covers original 0..1
    assert t.dy == pytest.approx(375 / 188)


def test_camera_figure_and_sync_label():
    fig = camera_figure(CAM, None, np.array([[10.0, 20.0]]), np.array([5.0]), title="front · Δt +12 ms")
    assert fig.layout.annotations[0].text == "front · Δt +12 ms"
    assert list(fig.layout.yaxis.range) == [79.5, -0.5]  # image v down
    assert sync_label("front", SyncMatch("front", "a.png", 0.012, True)) == "front · Δt +12 ms"
    assert "n/a" in sync_label("image_2", SyncMatch("image_2", "a.png", None, True))
    assert "OUT OF SYNC" in sync_label("left", SyncMatch("left", "a.png", -0.2, False))
    assert sync_label("left", None) == "left · no image"


def test_box_views_show_points_in_the_box_frame():
    box = Cuboid(center=(10, 5, 0), size_lwh=(4, 2, 1.5), yaw=np.pi / 2)
    front_point = np.array([[10, 7, 0]])  # 2 m along the heading (+y): the front face
    assert np.allclose(box_local(box, front_point), [[2, 0, 0]])
    fig = box_views_figure(box, front_point, n_inside=1)
    top = fig.data[0]
    assert np.allclose([top.x[0], top.y[0]], [2, 0])
    assert "4.00 × 2.00 × 1.50 m" in fig.layout.title.text and "1 pts" in fig.layout.title.text
    assert box_views_figure(None).layout.title.text == "no box selected"


def test_overlay_of_nothing_keeps_every_slot():
    for traces in (overlay_3d(None, None), overlay_bev(None, None), overlay_camera(None, None, CAM)):
        assert len(traces) == len(OVERLAY_SLOTS) and all(len(t.x) == 0 for t in traces)
    assert overlays.cuboid_segments(Cuboid(center=(0, 0, 0), size_lwh=(1, 1, 1), yaw=0), bottom_only=True).shape == (5, 2, 3)
