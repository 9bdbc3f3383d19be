"""Label codec round trips and the selection tools' geometry (property tests where it fits)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from pointlabel.errors import PointlabelError
from pointlabel.pointlabels import select
from pointlabel.pointlabels.codec import decode_diff, decode_labels, encode_diff, encode_labels

labels16 = arrays(np.uint16, st.integers(0, 3000), elements=st.sampled_from([0, 0, 0, 10, 40, 65535]))


@given(labels16)
def test_labels_round_trip(a):
    back = decode_labels(encode_labels(a))
    assert back.dtype == np.uint16 and np.array_equal(back, a)


@given(st.lists(st.integers(0, 10**6), unique=True, max_size=500), st.data())
def test_diff_round_trip(idx, data):
    idx = np.sort(np.array(idx, dtype=np.int64))
    cols = [data.draw(arrays(np.uint16, len(idx))) for _ in range(4)]
    back_idx, back_cols = decode_diff(encode_diff(idx, *cols))
    assert np.array_equal(back_idx, idx)
    assert all(np.array_equal(a, b) for a, b in zip(back_cols, cols))


def test_damaged_blob_is_a_clear_error():
    blob = encode_labels(np.arange(100, dtype=np.uint16))
    with pytest.raises(PointlabelError):
        decode_labels(b"X" + blob[1:])
    with pytest.raises(PointlabelError):
        decode_diff(blob)


def test_long_runs_compress_to_a_small_fraction_of_a_byte_per_point():
    a = np.repeat(np.array([40, 10, 0, 70], np.uint16), [60_000, 2_000, 30_000, 28_000])
    assert len(encode_labels(a)) < 100  # 4 runs: header + a few dozen compressed bytes


pts3 = arrays(np.float64, st.tuples(st.integers(1, 200), st.just(3)), elements=st.floats(-50, 50))


@given(pts3, st.tuples(*[st.floats(-50, 50)] * 3), st.floats(0.01, 30))
def test_brush_is_the_ball(pts, centre, r):
    mask = select.brush_mask(pts, centre, r)
    d = np.linalg.norm(pts - np.array(centre), axis=1)
    assert np.all(mask[d < r * (1 - 1e-9)]) and not np.any(mask[d > r * (1 + 1e-9)])


def test_polygon_even_odd_golden():
    # A "U" shape: the notch (x 1..2, y 1..3) is outside.
    u = [(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)]
    xy = np.array([[0.5, 2], [1.5, 2], [2.5, 2], [1.5, 0.5], [4, 1], [np.nan, 1]])
    assert select.points_in_polygon(xy, u).tolist() == [True, False, True, True, False, False]


def _look_down_ortho(half=10.0):
    """An orthographic BEV camera over the origin: screen x = LiDAR -y, screen up = LiDAR +x."""
    proj = np.diag([1 / half, 1 / half, -0.01, 1.0])
    view = np.array([[0, -1, 0, 0], [1, 0, 0, 0], [0, 0, 1, -100], [0, 0, 0, 1]], float)  # camera at z=100 looking down
    return proj @ view, view


def test_lasso_bev_selects_the_screen_rectangle_and_the_depth_range():
    vp, view = _look_down_ortho()
    pts = np.array([[5, 0, 0], [5, 0, -5], [-5, 0, 0], [0, 5, 0], [5, 0, 50]], float)
    # viewport 200x200 px: LiDAR (x=5, y=0) -> NDC (0, 0.5) -> pixel (100, 50)
    square = [(90, 40), (110, 40), (110, 60), (90, 60)]
    assert select.lasso_mask(pts, vp, (200, 200), square).tolist() == [True, True, False, False, True]
    # depth along the view axis: the camera is at z = 100, so z = 0 is 100 m away
    near = select.lasso_mask(pts, vp, (200, 200), square, depth_range=(99, 101), view=view)
    assert near.tolist() == [True, False, False, False, False]
    # three.js sends matrices column-major: the same selection
    flat = vp.flatten(order="F").tolist()
    assert np.array_equal(select.lasso_mask(pts, flat, (200, 200), square), select.lasso_mask(pts, vp, (200, 200), square))


def test_lasso_perspective_never_selects_points_behind_the_camera():
    f = 1.0  # 90 degree perspective looking along LiDAR +x from the origin
    proj = np.array([[f, 0, 0, 0], [0, f, 0, 0], [0, 0, -1.002, -0.2002], [0, 0, -1, 0]])
    view = np.array([[0, -1, 0, 0], [0, 0, 1, 0], [-1, 0, 0, 0], [0, 0, 0, 1]], float)  # x fwd -> -z
    vp = proj @ view
    pts = np.array([[10, 0, 0], [-10, 0, 0], [10, 0, 0.5], [30, 0, 0]], float)
    whole = [(0, 0), (100, 0), (100, 100), (0, 100)]
    assert select.lasso_mask(pts, vp, (100, 100), whole).tolist() == [True, False, True, True]
    assert select.lasso_mask(pts, vp, (100, 100), whole, depth_range=(5, 20)).tolist() == [True, False, True, False]


def test_cluster_fill_stops_at_the_gap_and_ignores_the_ground():
    from scipy.spatial import cKDTree
    rng = np.random.default_rng(0)
    ground = np.column_stack([rng.uniform(-10, 10, 4000), rng.uniform(-10, 10, 4000), np.zeros(4000)])
    blob_a = rng.normal([3, 0, 1], 0.3, (300, 3))
    blob_b = rng.normal([6, 0, 1], 0.3, (300, 3))  # 3 m away: a separate object
    pts = np.vstack([ground, blob_a, blob_b])
    obj_idx = np.flatnonzero(pts[:, 2] > 0.25)
    tree = cKDTree(pts[obj_idx])
    mask = select.cluster_mask(pts, obj_idx, tree, [3, 0, 1], radius=0.5)
    truth_a = np.zeros(len(pts), bool)
    truth_a[4000:4300] = True
    assert (mask & ~truth_a).sum() == 0 and (mask[truth_a]).mean() > 0.9
    assert not select.cluster_mask(pts, obj_idx, tree, [0, -8, 0], radius=0.5).any()  # a click on the ground
