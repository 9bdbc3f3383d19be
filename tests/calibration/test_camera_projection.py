import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration.camera import PinholeCamera
from calibration.cuboid_topology import EDGES, box_corners
from calibration.projection import (clip_segments_near, cuboid_box2d, polyline_segments,
                                    project_segments)
from calibration.transforms import rot_z

K = [[700.0, 0, 620], [0, 700.0, 190], [0, 0, 1]]
CAM = PinholeCamera(K, 1242, 375)
DIST_CAM = PinholeCamera([[500.0, 0, 320], [0, 500.0, 240], [0, 0, 1]], 640, 480,
                         dist=(-0.28, 0.07, 0.0005, -0.0003, 0.0))
coord = st.floats(-30, 30, allow_nan=False)


@given(st.lists(st.tuples(coord, coord, st.floats(0.2, 80)), min_size=1, max_size=30).map(np.array))
def test_projection_matches_matrix_formula(pts_cam):
    uv, depth, valid = CAM.project(pts_cam, in_image=False)
    h = pts_cam @ np.asarray(K).T
    np.testing.assert_allclose(uv, h[:, :2] / h[:, 2:], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(depth, pts_cam[:, 2])
    assert valid.all()


def test_points_behind_camera_are_never_valid():
    uv, depth, valid = CAM.project(np.array([[0.0, 0, -5], [1.0, 1, 0.0], [0.0, 0, 10]]))
    assert valid.tolist() == [False, False, True]
    assert np.isnan(uv[:2]).all()


@given(st.lists(st.tuples(coord, coord, st.floats(-20, 40), coord, coord, st.floats(-20, 40)),
                min_size=1, max_size=20).map(lambda r: np.array(r).reshape(-1, 2, 3)))
def test_near_plane_clipping_keeps_nothing_from_behind(seg_cam):
    z_near = 0.1
    clipped, keep = clip_segments_near(seg_cam, z_near)
    assert (clipped[keep][..., 2] >= z_near - 1e-9).all()
    # a segment entirely behind the plane is dropped; one crossing it keeps its front part
    assert np.array_equal(keep, (seg_cam[:, :, 2] >= z_near).any(1))
    for s, c, k in zip(seg_cam, clipped, keep):
        if k:  # the clipped segment lies on the original line
            d = s[1] - s[0]
            for p in c:
                t = np.dot(p - s[0], d) / max(np.dot(d, d), 1e-12)
                np.testing.assert_allclose(s[0] + t * d, p, atol=1e-6)
    uv = project_segments(seg_cam, CAM, z_near)
    assert np.isnan(uv[~keep]).all()


def test_box_half_behind_camera_draws_and_boxes():
    # A 4 m long car centred at the camera, half behind it: its visible half still gets a box.
    corners_cam = box_corners([0.0, 1.0, 0.5], [2.0, 1.5, 4.0], np.eye(3))
    uv = project_segments(corners_cam[EDGES], CAM)
    assert np.isfinite(uv).any()
    box = cuboid_box2d(corners_cam, CAM)
    assert box is not None and 0 <= box.left < box.right <= 1241 and 0 <= box.top < box.bottom <= 374
    assert box.truncation > 0.5  # most of the near-plane projection lies outside the image


def test_box2d_by_hand():
    # A 2 m cube 10 m ahead: corners at z = 9 and 11, x, y = +-1. Extreme u: 620 + 700*1/9.
    corners_cam = box_corners([0.0, 0.0, 10.0], [2.0, 2.0, 2.0], np.eye(3))
    box = cuboid_box2d(corners_cam, CAM)
    assert box.left == pytest.approx(620 - 700 / 9) and box.right == pytest.approx(620 + 700 / 9)
    assert box.top == pytest.approx(190 - 700 / 9) and box.bottom == pytest.approx(190 + 700 / 9)
    assert box.truncation == pytest.approx(0.0)


def test_box_outside_image_has_no_box():
    corners_cam = box_corners([0.0, 0.0, -10.0], [2.0, 2.0, 2.0], rot_z(0.3))
    assert cuboid_box2d(corners_cam, CAM) is None
    corners_cam = box_corners([200.0, 0.0, 10.0], [2.0, 2.0, 2.0], np.eye(3))
    assert cuboid_box2d(corners_cam, CAM) is None


@settings(max_examples=50)
@given(st.floats(-0.5, 0.5), st.floats(-0.4, 0.4))
def test_distortion_round_trip_within_a_pixel(x, y):
    pts_cam = np.array([[x * 5, y * 5, 5.0]])
    uv, _, valid = DIST_CAM.project(pts_cam, in_image=False)
    if valid[0]:
        ideal = DIST_CAM.normalised_to_pixels(np.array([[x, y]]))
        np.testing.assert_allclose(DIST_CAM.undistort_pixels(uv), ideal, atol=1.0)


def test_polyline_segments_open_and_closed():
    v = np.array([[0, 0, 5.0], [1, 0, 5], [1, 1, 5]])
    assert polyline_segments(v).shape == (2, 2, 3)
    closed = polyline_segments(v, closed=True)
    assert closed.shape == (3, 2, 3) and np.array_equal(closed[-1], [v[2], v[0]])
