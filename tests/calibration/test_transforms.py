import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pyquaternion import Quaternion

from calibration.transforms import RigidTransform, invert, transform_points, wrap_angle

finite = st.floats(-50, 50, allow_nan=False)
unit = st.floats(-1, 1, allow_nan=False)


@st.composite
def transforms(draw):
    axis = np.array([draw(unit), draw(unit), draw(unit)])
    if np.linalg.norm(axis) < 1e-3:
        axis = np.array([0.0, 0.0, 1.0])
    q = Quaternion(axis=axis, angle=draw(st.floats(-np.pi, np.pi)))
    return RigidTransform(q, (draw(finite), draw(finite), draw(finite)))


points = st.lists(st.tuples(finite, finite, finite), min_size=1, max_size=20).map(np.array)


@given(transforms(), points)
def test_inverse_undoes_transform(T_b_from_a, pts_a):
    pts_b = T_b_from_a.apply(pts_a)
    np.testing.assert_allclose(T_b_from_a.inverse().apply(pts_b), pts_a, atol=1e-8)
    np.testing.assert_allclose(invert(T_b_from_a.matrix), T_b_from_a.inverse().matrix, atol=1e-9)


@given(transforms(), transforms(), points)
def test_compose_matches_sequential_application(T_c_from_b, T_b_from_a, pts_a):
    T_c_from_a = T_c_from_b @ T_b_from_a
    np.testing.assert_allclose(T_c_from_a.apply(pts_a), T_c_from_b.apply(T_b_from_a.apply(pts_a)), atol=1e-8)
    np.testing.assert_allclose(T_c_from_a.matrix, T_c_from_b.matrix @ T_b_from_a.matrix, atol=1e-9)


@given(transforms())
@settings(max_examples=50)
def test_from_matrix_round_trip(T):
    np.testing.assert_allclose(RigidTransform.from_matrix(T.matrix).matrix, T.matrix, atol=1e-9)


def test_yaw_rotation_by_hand():
    # 90 degrees about +z takes +x to +y; then the translation is added.
    T = RigidTransform.from_yaw(np.pi / 2, (1.0, 2.0, 3.0))
    np.testing.assert_allclose(T.apply(np.array([[1.0, 0, 0]])), [[1.0, 3.0, 3.0]], atol=1e-12)
    np.testing.assert_allclose(transform_points(T.matrix, [[0, 1.0, 0]]), [[0.0, 2.0, 3.0]], atol=1e-12)


@given(st.floats(-100, 100))
def test_wrap_angle_range(a):
    w = float(wrap_angle(a))
    assert -np.pi <= w < np.pi
    assert np.isclose(np.cos(w), np.cos(a), atol=1e-9) and np.isclose(np.sin(w), np.sin(a), atol=1e-9)
