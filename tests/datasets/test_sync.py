"""match_nearest: golden cases worked out by hand, and a brute-force property test."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pointlabel.datasets.sync import match_nearest


def test_golden_nearest_with_tolerance_and_unsorted_cameras():
    t_sweeps = np.array([0.0, 0.1, 0.2, 0.3])
    t_cam = np.array([0.113, 0.012, 0.31])  # not in time order: indices refer to this order
    idx, dt, ok = match_nearest(t_sweeps, t_cam, tolerance=0.05)
    # 0.0 -> 0.012 (+12 ms); 0.1 -> 0.113 (+13 ms); 0.2 -> 0.113 (-87 ms, the camera dropped
    # its 0.21 frame: nearest is out of tolerance); 0.3 -> 0.31 (+10 ms)
    np.testing.assert_array_equal(idx, [1, 0, 0, 2])
    np.testing.assert_allclose(dt, [0.012, 0.013, -0.087, 0.01], atol=1e-12)
    np.testing.assert_array_equal(ok, [True, True, False, True])


def test_sweeps_beyond_either_end_take_the_end_frames():
    idx, dt, ok = match_nearest([-5.0, 5.0], [1.0, 2.0], tolerance=0.5)
    np.testing.assert_array_equal(idx, [0, 1])
    np.testing.assert_allclose(dt, [6.0, -3.0])
    assert not ok.any()


def test_tie_goes_to_the_earlier_frame_and_tolerance_is_inclusive():
    idx, dt, ok = match_nearest([0.5], [1.0, 0.0], tolerance=0.5)
    assert idx[0] == 1 and dt[0] == -0.5 and ok[0]


def test_no_camera_frames_and_nan_times():
    idx, dt, ok = match_nearest([0.0, 1.0], [], tolerance=1.0)
    np.testing.assert_array_equal(idx, [-1, -1])
    assert np.isnan(dt).all() and not ok.any()
    idx, dt, ok = match_nearest([0.0, np.nan], [np.nan, 0.02], tolerance=0.05)
    np.testing.assert_array_equal(idx, [1, -1])
    np.testing.assert_allclose(dt[0], 0.02)
    assert np.isnan(dt[1])
    np.testing.assert_array_equal(ok, [True, False])


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(float, st.integers(0, 30), elements=st.floats(-100, 100)),
       hnp.arrays(float, st.integers(1, 30), elements=st.floats(-100, 100)),
       st.floats(0, 10))
def test_matches_brute_force(t_sweeps, t_cam, tolerance):
    idx, dt, ok = match_nearest(t_sweeps, t_cam, tolerance)
    assert idx.shape == dt.shape == ok.shape == t_sweeps.shape
    for i, t in enumerate(t_sweeps):
        gaps = np.abs(t_cam - t)
        assert gaps[idx[i]] == gaps.min()  # nearest (any of equally near ones)
        assert dt[i] == t_cam[idx[i]] - t
        assert ok[i] == (gaps.min() <= tolerance)
