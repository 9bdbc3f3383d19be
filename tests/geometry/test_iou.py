"""BEV and 3D IoU of oriented boxes: hand-worked values, properties, an independent reference."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial import ConvexHull, QhullError

from pointlabel.geometry.boxes import bev_corners
from pointlabel.geometry.iou import bev_intersection, bev_iou, convex_intersection_area, iou_3d


def box(x=0.0, y=0.0, z=0.0, l=2.0, w=2.0, h=2.0, yaw=0.0):
    return np.array([x, y, z, l, w, h, yaw])


def test_hand_worked_values():
    # Identical boxes.
    assert bev_iou(box(), box())[0, 0] == pytest.approx(1.0)
    # Two 2x2 squares, one moved 1 m along x: overlap 1 x 2 = 2, union 4 + 4 - 2 = 6.
    assert bev_iou(box(), box(x=1.0))[0, 0] == pytest.approx(1 / 3)
    # A 2x2 square and the same square turned 45 degrees: the overlap is a regular octagon
    # of area 8 (sqrt 2 - 1); IoU = 8 (sqrt 2 - 1) / (8 - 8 (sqrt 2 - 1)) = 1 / sqrt 2.
    assert bev_intersection(box(), box(yaw=math.pi / 4))[0, 0] == pytest.approx(8 * (math.sqrt(2) - 1))
    assert bev_iou(box(), box(yaw=math.pi / 4))[0, 0] == pytest.approx(1 / math.sqrt(2))
    # A 1x1 square inside a 2x2 one: 1 / 4.
    assert bev_iou(box(l=1, w=1), box())[0, 0] == pytest.approx(0.25)
    # Far apart, and edge to edge: nothing shared.
    assert bev_iou(box(), box(x=10))[0, 0] == 0.0
    assert bev_iou(box(), box(x=2.0))[0, 0] == pytest.approx(0.0, abs=1e-12)
    # 3D: same footprint, shifted up by half the height: 1/2 shared, union 3/2 -> 1/3.
    assert iou_3d(box(), box(z=1.0))[0, 0] == pytest.approx(1 / 3)
    # 3D: one above the other does not overlap at all, though the BEV IoU is 1.
    assert iou_3d(box(), box(z=2.5))[0, 0] == 0.0
    # A 4 x 2 box and the same box turned 90 degrees about the same centre: a 2x2 overlap,
    # union 8 + 8 - 4 = 12.
    assert bev_iou(box(l=4), box(l=4, yaw=math.pi / 2))[0, 0] == pytest.approx(4 / 12)


def test_pairwise_shapes():
    a = np.stack([box(), box(x=1), box(x=50)])
    b = np.stack([box(), box(yaw=0.3)])
    assert bev_iou(a, b).shape == (3, 2)
    assert iou_3d(a, b).shape == (3, 2)
    assert bev_iou(a, np.zeros((0, 7))).shape == (3, 0)
    assert bev_iou(box(), box()).shape == (1, 1)


finite = dict(allow_nan=False, allow_infinity=False)
boxes_st = st.tuples(
    st.floats(-20, 20, **finite), st.floats(-20, 20, **finite), st.floats(-3, 3, **finite),
    st.floats(0.1, 12, **finite), st.floats(0.1, 4, **finite), st.floats(0.1, 4, **finite),
    st.floats(-4, 4, **finite)).map(np.array)
batches = st.lists(boxes_st, min_size=1, max_size=6).map(np.stack)


@settings(max_examples=60, deadline=None)
@given(batches, batches)
def test_symmetric(a, b):
    np.testing.assert_allclose(bev_iou(a, b), bev_iou(b, a).T, atol=1e-9)
    np.testing.assert_allclose(iou_3d(a, b), iou_3d(b, a).T, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(batches)
def test_self_is_one(a):
    np.testing.assert_allclose(np.diag(bev_iou(a, a)), 1.0, atol=1e-9)
    np.testing.assert_allclose(np.diag(iou_3d(a, a)), 1.0, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(batches, batches, st.floats(-50, 50, **finite), st.floats(-50, 50, **finite),
       st.floats(-5, 5, **finite), st.floats(-math.pi, math.pi, **finite))
def test_rigid_motion_invariant(a, b, dx, dy, dz, turn):
    """Moving and turning both boxes alike about +z (and flipping a heading by pi) changes nothing."""
    def moved(boxes):
        out = boxes.copy()
        c, s = math.cos(turn), math.sin(turn)
        out[:, 0] = c * boxes[:, 0] - s * boxes[:, 1] + dx
        out[:, 1] = s * boxes[:, 0] + c * boxes[:, 1] + dy
        out[:, 2] += dz
        out[:, 6] += turn
        return out
    flipped = a.copy()
    flipped[:, 6] += math.pi
    np.testing.assert_allclose(bev_iou(moved(a), moved(b)), bev_iou(a, b), atol=1e-7)
    np.testing.assert_allclose(iou_3d(moved(a), moved(b)), iou_3d(a, b), atol=1e-7)
    np.testing.assert_allclose(bev_iou(flipped, b), bev_iou(a, b), atol=1e-7)


def _reference_overlap(qa: np.ndarray, qb: np.ndarray) -> float:
    """Area of the overlap of two convex quadrilaterals (4, 2), by another route: the convex
    hull of a's corners inside b, b's corners inside a and all edge-edge crossings."""
    def inside(p, q):
        ccw = q if _signed_area(q) > 0 else q[::-1]
        e = np.roll(ccw, -1, axis=0) - ccw
        rel = p[:, None, :] - ccw[None]
        return np.all(e[None, :, 0] * rel[..., 1] - e[None, :, 1] * rel[..., 0] >= -1e-9, axis=1)
    pts = [qa[inside(qa, qb)], qb[inside(qb, qa)]]
    for i in range(4):
        p, r = qa[i], qa[(i + 1) % 4] - qa[i]
        for j in range(4):
            q, s = qb[j], qb[(j + 1) % 4] - qb[j]
            denom = r[0] * s[1] - r[1] * s[0]
            if abs(denom) < 1e-12:
                continue
            t = ((q - p)[0] * s[1] - (q - p)[1] * s[0]) / denom
            u = ((q - p)[0] * r[1] - (q - p)[1] * r[0]) / denom
            if 0 <= t <= 1 and 0 <= u <= 1:
                pts.append((p + t * r)[None])
    pts = np.concatenate(pts)
    if len(pts) < 3:
        return 0.0
    try:
        return float(ConvexHull(pts).volume)  # a 2D hull's "volume" is its area
    except QhullError:  # all points on a line: no area
        return 0.0


def _signed_area(q):
    return 0.5 * np.sum(q[:, 0] * np.roll(q[:, 1], -1) - np.roll(q[:, 0], -1) * q[:, 1])


@settings(max_examples=100, deadline=None)
@given(boxes_st, boxes_st)
def test_matches_independent_reference(a, b):
    a[:2] = a[:2] / 8  # bring the centres together so most pairs overlap
    b[:2] = b[:2] / 8
    expected = _reference_overlap(bev_corners(a)[0], bev_corners(b)[0])
    assert bev_intersection(a, b)[0, 0] == pytest.approx(expected, abs=1e-6 * max(1.0, expected))


def test_clipping_handles_shared_edges_and_corners():
    unit = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)[None]
    assert convex_intersection_area(unit, unit)[0] == pytest.approx(1.0)
    assert convex_intersection_area(unit, unit + [1.0, 0.0])[0] == pytest.approx(0.0, abs=1e-12)
    assert convex_intersection_area(unit, unit + [1.0, 1.0])[0] == pytest.approx(0.0, abs=1e-12)
    assert convex_intersection_area(unit, unit + [0.5, 0.0])[0] == pytest.approx(0.5)
