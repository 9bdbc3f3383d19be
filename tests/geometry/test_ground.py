"""Ground estimation: flat, sloped and kinked ground under objects; the real KITTI frames."""
import numpy as np
import pytest

from pointlabel.geometry.ground import estimate_ground


def ground_points(surface, extent=40.0, step=0.25, seed=0):
    """(N, 3) noisy samples of z = surface(x, y) on a grid, LiDAR frame."""
    rng = np.random.default_rng(seed)
    g = np.arange(-extent, extent, step)
    x, y = (a.ravel() for a in np.meshgrid(g, g))
    return np.column_stack([x, y, surface(x, y) + rng.normal(0, 0.01, x.size)])


def object_points(surface, x, y, l, w, h, seed=1):
    """(N, 3) samples of the faces of an axis-aligned box standing on the surface at (x, y)."""
    rng = np.random.default_rng(seed)
    n = 4000
    u = rng.uniform(-0.5, 0.5, (n, 3)) * [l, w, h]
    face = rng.integers(0, 3, n)
    u[np.arange(n), face] = np.sign(rng.uniform(-1, 1, n)) * np.array([l, w, h])[face] / 2
    pts = u + [x, y, h / 2]
    pts[:, 2] += surface(pts[:, 0], pts[:, 1])  # the box leans with the ground it stands on
    return pts


def scene(surface, objects=((8, 3, 4.5, 1.8, 1.5), (15, -6, 10, 2.6, 3.4), (-12, 5, 0.6, 0.6, 1.8))):
    pts = ground_points(surface)
    for x, y, l, w, h in objects:
        under = (np.abs(pts[:, 0] - x) < l / 2) & (np.abs(pts[:, 1] - y) < w / 2)
        pts = np.vstack([pts[~under], object_points(surface, x, y, l, w, h)])
    return pts


@pytest.mark.parametrize("name, surface, tol", [
    ("flat", lambda x, y: -1.73 + 0 * x, 0.04),
    ("slope", lambda x, y: -1.73 + 0.10 * x - 0.04 * y, 0.05),
    ("ramp", lambda x, y: -1.73 + 0.12 * np.maximum(x - 5.0, 0.0), 0.12),
])
def test_height_under_objects_and_around(name, surface, tol):
    ground = estimate_ground(scene(surface))
    g = np.arange(-35.0, 35.0, 0.7)
    xy = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])
    err = np.abs(ground.height_at(xy) - surface(xy[:, 0], xy[:, 1]))
    assert np.percentile(err, 99) < tol, name
    # Under the objects (no ground seen there) the ground is still the surface, not the roof.
    for x, y in [(8, 3), (15, -6), (-12, 5)]:
        assert abs(ground.height_at(np.array([[x, y]]))[0] - surface(np.array([x]), np.array([y]))[0]) < tol


def test_above_ground_separates_objects_from_ground():
    surface = lambda x, y: -1.73 + 0.08 * x  # noqa: E731
    ground = ground_points(surface)
    car = object_points(surface, 10, 2, 4.5, 1.8, 1.5)
    model = estimate_ground(np.vstack([ground, car]))
    # Within half a window of the data's edge the opening sees only one side of a slope.
    inner = np.all(np.abs(ground[:, :2]) < 36, axis=1)
    assert not model.above_ground(ground[inner], 0.2).any()
    high = car[:, 2] - surface(car[:, 0], car[:, 1]) > 0.3
    assert model.above_ground(car[high], 0.2).all()
    np.testing.assert_allclose(model.height_above(car), car[:, 2] - surface(car[:, 0], car[:, 1]), atol=0.05)


def test_outside_the_grid_and_empty_input():
    model = estimate_ground(ground_points(lambda x, y: -1.5 + 0 * x, extent=10))
    assert model.height_at(np.array([[500.0, -500.0]]))[0] == pytest.approx(-1.5, abs=0.05)
    empty = estimate_ground(np.zeros((0, 3)))
    assert empty.height_at(np.zeros((3, 2))).shape == (3,)


def test_real_kitti_frames(kitti_root):
    """Few points end up far below the ground, and the labelled cars stand on it."""
    from calibration.kitti_calib import read_kitti_calib
    from calibration.transforms import invert, transform_points
    errors = []
    for fid in ["000008", "000010", "000142"]:
        pts = np.fromfile(kitti_root / "velodyne" / f"{fid}.bin", dtype="<f4").reshape(-1, 4)[:, :3]
        model = estimate_ground(pts)
        assert np.mean(model.height_above(pts) < -0.3) < 0.001
        T = invert(read_kitti_calib(kitti_root / "calib" / f"{fid}.txt").T_rect_from_lidar)
        for line in (kitti_root / "label_2" / f"{fid}.txt").read_text().splitlines():
            f = line.split()
            if f[0] != "Car":
                continue
            bottom = transform_points(T, np.array(f[11:14], dtype=float)[None])[0]  # bottom centre
            if np.hypot(*bottom[:2]) < 30:
                errors.append(bottom[2] - model.height_at(bottom[None, :2])[0])
    assert len(errors) >= 8
    assert np.median(np.abs(errors)) < 0.15
