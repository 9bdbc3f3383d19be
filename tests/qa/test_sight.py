"""Line-of-sight queries (qa.sight): the sweep's highest beam, fitted from the returns."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pointlabel.qa.sight import _top_line


@settings(max_examples=40, deadline=None)
@given(top_deg=st.floats(-1.0, 15.0), offset=st.floats(-0.4, 0.4), hit_share=st.floats(0.3, 0.9),
       seed=st.integers(0, 2 ** 16))
def test_the_highest_beam_is_found_from_the_bins_where_it_hit_something(top_deg, offset, hit_share, seed):
    # a sensor whose highest laser points top_deg up from `offset` m over the origin: at a
    # range r its returns rise to tan(el) = tan(top) + offset / r; in some range bins the beam
    # hit something, in the rest the highest return is lower (sky above a car)
    rng = np.random.default_rng(seed)
    r = rng.uniform(2.0, 70.0, 40_000)
    top = np.tan(np.radians(top_deg)) + offset / r
    bins = np.floor(r).astype(int)
    hit = rng.random(bins.max() + 1) < hit_share
    t = top - rng.uniform(0.0, np.tan(np.radians(12.0)), len(r))  # lower beams
    lit = hit[bins] & (rng.random(len(r)) < 0.05)
    t[lit] = top[lit]  # the highest beam's returns, where it hit something
    a, d = _top_line(r, np.arctan(t))
    ranges = np.arange(5.0, 60.0)
    fitted = np.degrees(np.arctan(a + d / ranges))
    true = np.degrees(np.arctan(np.tan(np.radians(top_deg)) + offset / ranges))
    assert np.all(fitted >= true - 0.2) and np.all(fitted <= true + 0.25)  # never much below it


def test_too_few_returns_tell_no_highest_beam():
    assert _top_line(np.array([5.0, 6.0, 7.0]), np.radians([1.0, 2.0, 3.0])) is None
