"""The per-frame context: caching, the sweep's field of view, free-space look-ups."""
from types import SimpleNamespace

import numpy as np

from pointlabel.fitting.context import ContextCache, FrameContext, sweep_extent


class CountingDataset:
    def __init__(self, root, clouds):
        self.root, self.clouds, self.loads = root, clouds, 0

    def load_cloud(self, frame_id):
        self.loads += 1
        return SimpleNamespace(xyz=self.clouds[frame_id])


def test_cache_builds_once_and_evicts_the_oldest(lidar, tmp_path):
    pts, _ = lidar.scan([], beams=16, az_step=1.0)
    dataset = CountingDataset(tmp_path, {"a": pts, "b": pts, "c": pts})
    cache = ContextCache(maxsize=2)
    first = cache.get(dataset, "a")
    assert cache.get(dataset, "a") is first and dataset.loads == 1
    cache.get(dataset, "b")
    cache.get(dataset, "c")  # evicts "a"
    assert cache.get(dataset, "a") is not first and dataset.loads == 4
    assert first.frame_id == "a"


def test_context_arrays(lidar):
    car = lidar.box_on_ground(10, 0, 4.2, 1.8, 1.5, 0.0)
    pts, hit = lidar.scan([car])
    ctx = FrameContext.build(pts)
    assert ctx.pts_lidar.shape == pts.shape and ctx.height.shape == (len(pts),)
    assert set(hit[ctx.obj_idx]) == {0}  # only the car is above the ground
    np.testing.assert_array_equal(ctx.obj_pts, pts[ctx.obj_idx])


def test_sweep_extent_finds_the_field_of_view(lidar):
    pts, _ = lidar.scan([], az_limits=(-45, 45))
    ext = sweep_extent(pts)
    assert np.degrees(ext.gap_start) > 44.0 and np.degrees(ext.gap_end) < -44.0
    assert ext.max_elevation < np.radians(3)
    full = sweep_extent(lidar.scan([], beams=16)[0])
    assert full.gap_start is None


def test_seen_free(lidar):
    car = lidar.box_on_ground(10, 0, 4.2, 1.8, 1.5, 0.0)
    ctx = FrameContext.build(lidar.scan([car], az_limits=(-45, 45))[0])
    z = lidar.ground_z(0, 0) + 0.8
    free = ctx.seen_free(np.array([[7.0, 0.0, z],     # in front of the car: seen
                                   [13.5, 0.0, z],    # behind it: in its shadow
                                   [10.0, 15.0, z],   # outside the field of view
                                   [6.0, -3.0, z]]))  # beside it: seen
    assert free.tolist() == [True, False, False, True]


def test_fill_pits_fills_a_pit_and_keeps_a_slope():
    """A 10 % ramp with a 1.7 m deep pit of three cells (returns under the road): the pit
    takes its neighbourhood's height, the ramp is unchanged."""
    from pointlabel.fitting.context import fill_pits
    from pointlabel.geometry.ground import GroundModel
    x = np.arange(12) + 0.5
    ramp = np.repeat((0.1 * x - 1.7)[:, None], 10, axis=1)
    pitted = ramp.copy()
    pitted[5, 4] = pitted[5, 5] = pitted[6, 5] = -3.4
    filled = fill_pits(GroundModel((0.0, 0.0), 1.0, pitted, np.ones_like(pitted, bool)))
    assert np.allclose(filled.heights, ramp, atol=0.11)
    same = fill_pits(GroundModel((0.0, 0.0), 1.0, ramp, np.ones_like(ramp, bool)))
    assert np.array_equal(same.heights, ramp)
