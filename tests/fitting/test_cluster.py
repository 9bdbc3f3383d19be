"""Clusters: components with range-dependent links, growth from a seed, strays, segmentation."""
import numpy as np

from pointlabel.fitting.cluster import NO_OBJECT, components, grow_cluster, link_distance, segment_objects
from pointlabel.fitting.context import FrameContext
from pointlabel.fitting.fit import fit_cuboid
from pointlabel.geometry.iou import bev_iou


def blob(centre, n=300, spread=(0.5, 0.5, 0.5), seed=0):
    rng = np.random.default_rng(seed)
    return np.asarray(centre, float) + rng.uniform(-1, 1, (n, 3)) * spread


def test_components_split_by_gaps_and_join_within_links():
    near = blob([10, 0, 0])
    apart = blob([10, 3, 0], seed=1)  # 2 m of empty space from the first
    labels = components(np.vstack([near, apart]))
    assert len(set(labels[:300])) == 1 and len(set(labels[300:])) == 1
    assert labels[0] != labels[-1]
    # Two 0.5-m-apart blobs are one object far away (sparse rings), two objects near by.
    far = components(np.vstack([blob([60, 0, 0], spread=(0.3, 0.3, 0.3)),
                                blob([60, 1.1, 0], spread=(0.3, 0.3, 0.3), seed=1)]))
    assert len(set(far)) == 1
    assert link_distance(5.0) < link_distance(60.0)


def test_grow_from_a_seed(lidar):
    car = lidar.box_on_ground(10, 3, 4.2, 1.8, 1.5, 0.5)
    other = lidar.box_on_ground(10, -4, 4.2, 1.8, 1.5, 0.0)
    pts, hit = lidar.scan([car, other])
    ctx = FrameContext.build(pts)
    cluster = grow_cluster(ctx, lidar.seed_of(pts, hit, 0, car))
    assert set(hit[cluster.indices]) == {0}
    own = np.flatnonzero((hit == 0) & (ctx.height > 0.3))
    assert np.isin(own, cluster.indices).mean() > 0.95
    assert cluster.seed_index in cluster.indices


def test_seed_on_the_ground_or_in_the_void(lidar):
    pts, _ = lidar.scan([lidar.box_on_ground(10, 3, 4.2, 1.8, 1.5, 0.5)])
    ctx = FrameContext.build(pts)
    for seed in ([5.0, -5.0, lidar.ground_z(5, -5)], [0.0, 0.0, 30.0]):
        cluster = grow_cluster(ctx, seed)
        assert len(cluster.indices) == 0 and cluster.reason == NO_OBJECT and cluster.seed_index == -1


def test_a_stray_seed_joins_the_object_around_it(lidar):
    """A few returns from inside a car (through its windows) are not the object itself."""
    car = lidar.box_on_ground(10, 0, 4.2, 1.8, 1.5, 0.0)
    pts, hit = lidar.scan([car])
    inside = blob(car[:3], n=4, spread=(0.2, 0.2, 0.1), seed=3)
    ctx = FrameContext.build(np.vstack([pts, inside]))
    cluster = grow_cluster(ctx, inside[0])
    assert len(cluster.indices) > 40  # the roof's nearest ring (the body is its owner) ...
    fitted = fit_cuboid(ctx, inside[0]).cuboid
    assert bev_iou(fitted.as_array(), car)[0, 0] > 0.8  # ... and the fit is the car


def test_segment_objects_finds_each_object(lidar):
    boxes = [lidar.box_on_ground(10, 3, 4.2, 1.8, 1.5, 0.5), lidar.box_on_ground(-8, -5, 0.6, 0.6, 1.8, 0.0),
             lidar.box_on_ground(20, -6, 4.5, 1.9, 1.6, 1.0)]
    pts, hit = lidar.scan(boxes)
    ctx = FrameContext.build(pts)
    clusters = segment_objects(ctx)
    for k in range(len(boxes)):
        own = np.flatnonzero((hit == k) & (ctx.height > 0.3))
        best = max(clusters, key=lambda c: np.isin(own, c).sum())
        assert np.isin(own, best).mean() > 0.9  # one cluster holds (nearly) all of it ...
        assert np.mean(hit[best] == k) > 0.99  # ... and nothing else


def test_fragments_of_one_object_are_joined(lidar):
    """A car whose middle returned nothing (a 0.6-m slab of its points removed, as where a
    grazing face's columns or a shadow leave a gap wider than any link) is still one object:
    no ray passed through the gap, and the two halves together are a car."""
    car = lidar.box_on_ground(12, 4, 4.2, 1.8, 1.5, 0.0)
    pts, hit = lidar.scan([car])
    pts = pts[~((hit == 0) & (np.abs(pts[:, 0] - 12.2) < 0.3))]
    ctx = FrameContext.build(pts)
    halves = components(ctx.obj_pts)
    assert len(set(halves)) >= 2  # the gap splits the car's points
    seed = ctx.obj_pts[np.argmin(np.linalg.norm(ctx.obj_pts - car[:3], axis=1))]
    cluster = grow_cluster(ctx, seed)
    x = ctx.pts_lidar[cluster.indices, 0]
    assert (x < 11.9).sum() > 50 and (x > 12.5).sum() > 50  # both halves
    assert len(cluster.indices) > 0.9 * len(ctx.obj_idx)  # (nearly) all of the car


def test_two_objects_with_free_space_between_stay_apart(lidar):
    """Two pedestrians 1 m apart: rays passed between them and hit the ground beyond."""
    a = lidar.box_on_ground(8, 0.0, 0.6, 0.6, 1.75, 0.0)
    b = lidar.box_on_ground(8, 1.6, 0.6, 0.6, 1.75, 0.0)
    pts, hit = lidar.scan([a, b])
    ctx = FrameContext.build(pts)
    near_a = pts[hit == 0][np.argmax(pts[hit == 0][:, 1])]
    near_b = pts[hit == 1][np.argmin(pts[hit == 1][:, 1])]
    assert ctx.seen_between(near_a[None], near_b[None])[0]
    cluster = grow_cluster(ctx, lidar.seed_of(pts, hit, 0, a))
    assert set(hit[cluster.indices]) == {0}


def test_seen_between_is_false_inside_a_gap_no_ray_crossed(lidar):
    car = lidar.box_on_ground(12, 4, 4.2, 1.8, 1.5, 0.0)
    pts, hit = lidar.scan([car])
    own = pts[hit == 0]
    ctx = FrameContext.build(pts[~((hit == 0) & (np.abs(pts[:, 0] - 12.2) < 0.3))])
    left = own[own[:, 0] < 11.9]
    right = own[own[:, 0] > 12.5]
    a, b = left[np.argmax(left[:, 0])], right[np.argmin(right[:, 0])]
    assert not ctx.seen_between(a[None], b[None])[0]


def test_a_car_touching_a_hedge_through_a_low_wall_is_cut_at_the_valley(lidar):
    """A car parked beside the road, a 0.4-m wall touching its nose and a 1.4-m hedge behind
    the wall, all seen from the side: one component, whose height profile along its length
    drops to the wall between two peaks, and rays passed over the wall to the hedge. The
    seed's side of the valley is the car, fitted as one."""
    car = lidar.box_on_ground(-2.0, 8, 4.2, 1.8, 1.5, 0.0)
    wall = lidar.box_on_ground(0.7, 8, 1.2, 1.8, 0.4, 0.0)
    hedge = lidar.box_on_ground(2.8, 8, 3.0, 1.8, 1.4, 0.0)
    pts, hit = lidar.scan([car, wall, hedge])
    ctx = FrameContext.build(pts)
    assert len(set(components(ctx.obj_pts))) == 1  # they touch: one component
    cluster = grow_cluster(ctx, lidar.seed_of(pts, hit, 0, car))
    assert not np.isin(hit[cluster.indices], [2]).any()  # none of the hedge
    own = np.flatnonzero((hit == 0) & (ctx.height > 0.3))
    assert np.isin(own, cluster.indices).mean() > 0.95  # all of the car
    fitted = fit_cuboid(ctx, lidar.seed_of(pts, hit, 0, car)).cuboid
    assert fitted.label == "Car" and abs(fitted.size_lwh[0] - 4.2) < 0.3


def test_a_valley_no_ray_crossed_is_not_cut(lidar):
    """The same row seen along its length from behind the car: the wall and the hedge's foot
    lie in the car's shadow, so nothing shows the valley is free space; the cluster is
    left whole (the fit decides), not cut on a guess."""
    car = lidar.box_on_ground(10, 4, 4.2, 1.8, 1.5, 0.0)
    wall = lidar.box_on_ground(12.7, 4, 1.2, 1.8, 0.4, 0.0)
    hedge = lidar.box_on_ground(14.8, 4, 3.0, 1.8, 1.4, 0.0)
    pts, hit = lidar.scan([car, wall, hedge])
    ctx = FrameContext.build(pts)
    cluster = grow_cluster(ctx, lidar.seed_of(pts, hit, 0, car))
    assert np.isin(hit[cluster.indices], [2]).sum() > 100


def test_segment_objects_joins_the_fragments_of_one_object(lidar):
    """Pre-labelling sees the car with a 0.6-m gap in its returns (see above) as one cluster,
    as a click does, and keeps two pedestrians with free space between them apart."""
    car = lidar.box_on_ground(12, 4, 4.2, 1.8, 1.5, 0.0)
    a = lidar.box_on_ground(8, -3.0, 0.6, 0.6, 1.75, 0.0)
    b = lidar.box_on_ground(8, -1.4, 0.6, 0.6, 1.75, 0.0)
    pts, hit = lidar.scan([car, a, b])
    keep = ~((hit == 0) & (np.abs(pts[:, 0] - 12.2) < 0.3))
    pts, hit = pts[keep], hit[keep]
    ctx = FrameContext.build(pts)
    own = np.flatnonzero((hit == 0) & (ctx.height > 0.3))
    split = segment_objects(ctx, join=False)
    assert max(np.isin(own, c).mean() for c in split) < 0.93  # the gap splits off the far end
    clusters = segment_objects(ctx)
    best = max(clusters, key=lambda c: np.isin(own, c).sum())
    assert np.isin(own, best).mean() > 0.98 and np.all(hit[best] == 0)
    for k in (1, 2):
        mine = np.flatnonzero((hit == k) & (ctx.height > 0.3))
        holder = max(clusters, key=lambda c: np.isin(mine, c).sum())
        assert np.isin(mine, holder).mean() > 0.9 and np.all(hit[holder] == k)
