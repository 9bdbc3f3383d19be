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


def _cast(boxes, az_deg=(-20.0, 20.0), el_deg=(-15.0, 2.0), ground_z=-1.73):
    """Returns (n, 3) of a 64-beam-like grid of rays from the origin (0.2 deg x 0.4 deg) on the
    ground plane and on axis-aligned boxes ((lo (3,), hi (3,)) each), the nearest hit per ray."""
    az, el = np.meshgrid(np.radians(np.arange(*az_deg, 0.2)), np.radians(np.arange(*el_deg, 0.4)))
    d = np.column_stack([np.cos(el.ravel()) * np.cos(az.ravel()), np.cos(el.ravel()) * np.sin(az.ravel()),
                         np.sin(el.ravel())])
    t = np.where(d[:, 2] < -1e-6, ground_z / np.minimum(d[:, 2], -1e-6), np.inf)
    for lo, hi in boxes:  # slab test
        with np.errstate(divide="ignore", invalid="ignore"):
            t1, t2 = np.asarray(lo) / d, np.asarray(hi) / d
        near = np.nanmax(np.minimum(t1, t2), axis=1)
        far = np.nanmin(np.maximum(t1, t2), axis=1)
        t = np.where((near <= far) & (near > 0) & (near < t), near, t)
    hit = np.isfinite(t) & (t < 80)
    return d[hit] * t[hit, None]


def test_an_empty_margin_in_front_of_an_object_is_seen_through_and_one_behind_it_is_not():
    # a car-sized block 10-14 m ahead and a wall at 30 m; a box 1 m too long towards the
    # sensor has its near margin seen through (rays pass it and hit the car's rear face), a box
    # 1 m too long away from it has its far margin hidden behind the car itself
    from pointlabel.model import Cuboid
    from pointlabel.qa.config import CheckConfig
    from pointlabel.qa.frames import FrameGeometry
    from pointlabel.qa.point_checks import _in_other_boxes, judge, measure
    from pointlabel.qa.guidelines import default_guidelines
    car = (np.array([10.0, -0.9, -1.73]), np.array([14.0, 0.9, -0.23]))
    wall = (np.array([30.0, -30.0, -1.73]), np.array([31.0, 30.0, 3.0]))
    pts = _cast([car, wall])
    for centre_x, end, through in ((11.5, 0, True), (12.5, 1, False)):
        box = Cuboid(center=(centre_x, 0.0, -0.98), size_lwh=(5.0, 1.8, 1.5), yaw=0.0, label="Car")
        geo = FrameGeometry(pts, [box])
        ev = measure(geo, 0, geo.blockers, _in_other_boxes(geo, 0), CheckConfig(),
                     default_guidelines().guide("Car").size.max)
        assert ev.beyond[0, end] < -0.8  # 1 m of the box empty at that end
        assert bool(ev.through[0, end]) is through
        found = judge(ev, "Car", box.size_lwh, default_guidelines(), CheckConfig())
        errors = [v for v in found if v.severity == "error" and v.check == "points_misfit"]
        if through:
            assert errors and "shorter" in errors[0].message and "rear face" in errors[0].message
