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
