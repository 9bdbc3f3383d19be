import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from calibration.cuboid_topology import EDGES
from calibration.transforms import RigidTransform
from pointlabel.geometry.boxes import array_to_cuboids, cuboids_to_array, points_in_box_mask
from pointlabel.model import Cuboid, FrameAnnotations, Polyline3D, annotation_from_dict


def test_corner_order_by_hand():
    # Heading along +y (yaw = 90 deg): front-left corner 0 is at +y front, -x left side.
    c = Cuboid(center=(0, 0, 1), size_lwh=(4, 2, 2), yaw=np.pi / 2)
    k = c.corners()
    np.testing.assert_allclose(k[0], [-1, 2, 0], atol=1e-12)
    np.testing.assert_allclose(k[1], [1, 2, 0], atol=1e-12)
    np.testing.assert_allclose(k[2], [1, -2, 0], atol=1e-12)
    np.testing.assert_allclose(k[4], [-1, 2, 2], atol=1e-12)
    lengths = np.linalg.norm(k[EDGES[:, 0]] - k[EDGES[:, 1]], axis=1)
    assert sorted(np.round(lengths, 9)) == [2] * 4 + [2] * 4 + [4] * 4


def test_frozen_and_validated():
    c = Cuboid(center=(0, 0, 0), size_lwh=(1, 1, 1), yaw=4.0)
    assert -np.pi <= c.yaw < np.pi
    with pytest.raises(Exception):
        c.yaw = 1.0
    with pytest.raises(ValueError):
        Cuboid(center=(0, 0, np.nan), size_lwh=(1, 1, 1), yaw=0)
    with pytest.raises(ValueError):
        Cuboid(center=(0, 0, 0), size_lwh=(1, -1, 1), yaw=0)


@given(st.floats(-10, 10), st.floats(-10, 10), st.floats(-3, 3), st.floats(-np.pi, np.pi),
       st.floats(-np.pi, np.pi))
def test_transformed_moves_corners_rigidly(x, y, yaw, box_yaw, t_yaw):
    c = Cuboid(center=(x, y, 1), size_lwh=(4, 2, 1.5), yaw=box_yaw)
    T = RigidTransform.from_yaw(t_yaw, (1.0, -2.0, 0.5))
    moved = c.transformed(T.matrix)
    np.testing.assert_allclose(np.sort(moved.corners(), 0), np.sort(T.apply(c.corners()), 0), atol=1e-6)


def test_dict_round_trip():
    c = Cuboid(center=(1, 2, 3), size_lwh=(4, 2, 1.5), yaw=0.3, label="Van", track_id=7,
               attributes={"occluded": 1, "note": "half hidden"})
    p = Polyline3D(vertices=[(0, 0, 0), (1, 1, 0)], label="curb", closed=False)
    f = FrameAnnotations.from_annotations("000001", [c, p])
    g = FrameAnnotations.from_dict(f.to_dict())
    assert g == f and annotation_from_dict(c.to_dict()) == c


def test_batch_round_trip_and_points_in_box():
    boxes = np.array([[0, 0, 0, 4, 2, 2, 0.0], [10, 5, 1, 1, 1, 2, 1.0]])
    assert np.allclose(cuboids_to_array(array_to_cuboids(boxes)), boxes)
    pts = np.array([[1.9, 0.9, 0.9], [2.1, 0, 0], [10, 5, 1.9]])
    assert points_in_box_mask(pts, boxes[0]).tolist() == [True, False, False]
    assert points_in_box_mask(pts, boxes[1]).tolist() == [False, False, True]
