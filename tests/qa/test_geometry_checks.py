"""Per-frame geometry checks against a synthetic sweep whose boxes fit their points exactly."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from pointlabel.geometry.boxes import points_in_cuboid_mask
from pointlabel.model import Cuboid, FrameAnnotations
from pointlabel.qa.checks import check_frame
from pointlabel.qa.config import CheckConfig
from pointlabel.qa.frames import FrameGeometry, FrameInput
from pointlabel.qa.guidelines import default_guidelines


@pytest.fixture(scope="module")
def frame(synthetic):
    fid = "000004"
    return FrameInput(fid, synthetic.reference(fid), synthetic.load_cloud(fid).xyz, synthetic.rig(fid))


def run(frame, cuboids=None, polylines=None):
    ann = frame.annotations
    fa = FrameAnnotations(frame.frame_id, tuple(ann.cuboids if cuboids is None else cuboids),
                          tuple(ann.polylines if polylines is None else polylines))
    f = FrameInput(frame.frame_id, fa, frame.pts_lidar, frame.rig)
    return check_frame(f, default_guidelines(), CheckConfig())


def nearest_car(frame):
    return min((c for c in frame.annotations.cuboids if c.label == "Car"), key=lambda c: np.hypot(*c.center[:2]))


def test_a_box_pushed_into_the_ground_is_sunk(frame):
    car = nearest_car(frame)
    low = car.replace(center=np.subtract(car.center, [0, 0, 0.8]))
    found = [f for f in run(frame, [low if c.id == car.id else c for c in frame.annotations.cuboids])
             if f.annotation == car.id and f.check == "sunk"]
    assert found and found[0].severity == "error" and found[0].value == pytest.approx(-0.8, abs=0.05)


def test_an_empty_box_has_too_few_points(frame):
    # on an empty stretch of road, 5 cm above it (behind the camera: also outside_cameras)
    ghost = Cuboid(center=(0.0, -20.0, -1.73 + 0.05 + 0.75), size_lwh=(4, 1.8, 1.5), yaw=0.0, id="ghost")
    found = [f for f in run(frame, list(frame.annotations.cuboids) + [ghost]) if f.annotation == "ghost"]
    assert sorted((f.check, f.severity, f.value) for f in found) == [("outside_cameras", "info", 1),
                                                                      ("too_few_points", "warning", 0)]


def test_a_polyline_vertex_in_the_air_is_unsupported(frame):
    lane = frame.annotations.polylines[0]
    v = lane.points.copy()
    v[3, 2] += 2.0
    found = [f for f in run(frame, polylines=[lane.replace(vertices=v)]) if f.check == "polyline_unsupported"]
    assert len(found) == 1 and found[0].annotation == lane.id
    assert found[0].value == pytest.approx(2.0, abs=0.05) and "[3]" in found[0].message
    assert not [f for f in run(frame) if f.check == "polyline_unsupported"]


def test_box_membership_uses_the_full_orientation(synthetic):
    # a pitched box: a point on its tilted top face is inside, the same point level with the
    # unpitched top is not
    c = Cuboid(center=(10, 0, 0), size_lwh=(4, 2, 1), yaw=0.3, pitch=0.2)
    top_front = c.center + c.rotation @ np.array([1.9, 0, 0.49])
    level = np.array([top_front[0], top_front[1], c.center[2] + 0.49])
    geo = FrameGeometry(np.array([top_front, level, [50, 50, 0]]), [c])
    inside = geo.pts[geo.inside[0]]
    assert len(inside) == 1 and np.allclose(inside[0], top_front)


@settings(max_examples=60, deadline=None)
@given(x=st.floats(-40, 40), y=st.floats(-40, 40), yaw=st.floats(-3.14, 3.14), pitch=st.floats(-0.2, 0.2),
       l=st.floats(0.3, 12), w=st.floats(0.3, 3), h=st.floats(0.5, 4), grow=st.floats(0, 1.5),
       seed=st.integers(0, 1000))
def test_indexed_membership_equals_brute_force(x, y, yaw, pitch, l, w, h, grow, seed):
    """The bucketed x index finds exactly the points a full pass over the cloud finds."""
    rng = np.random.default_rng(seed)
    c = Cuboid(center=(x, y, 0.0), size_lwh=(l, w, h), yaw=yaw, pitch=pitch)
    pts = np.concatenate([rng.uniform(-60, 60, (3000, 3)) * [1, 1, 0.05],
                          np.asarray(c.center) + rng.uniform(-1, 1, (500, 3)) * (np.array([l, w, h]) / 2 + 2)])
    geo = FrameGeometry(pts, [c], ground=_flat())
    got = np.sort(geo.pts[geo.box_points(0, grow, grow)], axis=0)
    want = np.sort(geo.pts[_grown(geo.pts, c, grow)], axis=0)
    assert np.array_equal(got, want)
    exact = np.sort(geo.pts[geo.inside[0]], axis=0)
    assert np.array_equal(exact, np.sort(geo.pts[points_in_cuboid_mask(geo.pts, c)], axis=0))


def _flat():
    from pointlabel.geometry.ground import GroundModel
    return GroundModel((0.0, 0.0), 1.0, np.zeros((1, 1)), np.zeros((1, 1), bool))


def _grown(pts, c, grow):
    local = (pts - np.asarray(c.center)) @ c.rotation
    return np.all(np.abs(local) <= np.asarray(c.size_lwh) / 2 + grow, axis=1)
