"""A small ray-casting LiDAR for fitting tests: boxes on a (possibly sloped) ground plane.

The sensor sits at the origin of the LiDAR frame, `SENSOR_HEIGHT` m above the ground at
(0, 0); rays spread over `beams` elevations from -24 to +2 degrees and azimuths every
`az_step` degrees within `az_limits`. Every ray stops at the nearest surface (ground plane or
box), so objects hide their own far faces and each other, as in a real sweep.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from calibration.kitti_calib import read_kitti_calib
from calibration.transforms import invert, transform_points
from pointlabel.model import Cuboid

SENSOR_HEIGHT = 1.73


def scan(boxes, slope=(0.0, 0.0), beams: int = 64, az_step: float = 0.2,
         az_limits=(-180.0, 180.0), max_range: float = 80.0, noise: float = 0.01, seed: int = 0):
    """boxes: (K, 7) [x, y, z, l, w, h, yaw] LiDAR frame. Ground: z = -SENSOR_HEIGHT +
    slope[0] x + slope[1] y. Returns (pts (N, 3) LiDAR frame, hit (N,) box index or -1)."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 7)
    el = np.radians(np.linspace(-24.0, 2.0, beams))
    az = np.radians(np.arange(az_limits[0], az_limits[1], az_step))
    E, A = np.meshgrid(el, az, indexing="ij")
    d = np.stack([np.cos(E) * np.cos(A), np.cos(E) * np.sin(A), np.sin(E)], -1).reshape(-1, 3)
    denom = d[:, 2] - slope[0] * d[:, 0] - slope[1] * d[:, 1]
    with np.errstate(divide="ignore"):
        t_ground = np.where(denom < -1e-6, -SENSOR_HEIGHT / denom, np.inf)
    t_box = np.full((len(d), max(len(boxes), 1)), np.inf)
    for k, b in enumerate(boxes):
        c, s = np.cos(b[6]), np.sin(b[6])
        R = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
        o = R.T @ (-b[:3])
        dl = d @ R
        with np.errstate(divide="ignore", invalid="ignore"):
            t1, t2 = (-b[3:6] / 2 - o) / dl, (b[3:6] / 2 - o) / dl
        tmin = np.nanmax(np.minimum(t1, t2), axis=1)
        tmax = np.nanmin(np.maximum(t1, t2), axis=1)
        t_box[:, k] = np.where((tmax >= tmin) & (tmin > 0), tmin, np.inf)
    which = np.argmin(t_box, axis=1)
    tb = t_box[np.arange(len(d)), which]
    t = np.minimum(tb, t_ground)
    hit = np.where(tb < t_ground, which, -1)
    ok = t < max_range
    rng = np.random.default_rng(seed)
    t = t[ok] + rng.normal(0.0, noise, ok.sum())
    return d[ok] * t[:, None], hit[ok]


def ground_z(x, y, slope=(0.0, 0.0)):
    return -SENSOR_HEIGHT + slope[0] * x + slope[1] * y


def box_on_ground(x, y, l, w, h, yaw, slope=(0.0, 0.0)) -> np.ndarray:
    """(7,) box standing on the ground at (x, y)."""
    return np.array([x, y, ground_z(x, y, slope) + h / 2, l, w, h, yaw])


def seed_of(pts, hit, k, box) -> np.ndarray:
    """The benchmark's seed: the object's point nearest its centre (k: the index of the
    object's box, or a list of the indices of its parts)."""
    own = pts[np.isin(hit, k)]
    return own[np.argmin(np.linalg.norm(own - box[:3], axis=1))]


def cyclist_parts(x, y, yaw, slope=(0.0, 0.0)):
    """(truth (7,), parts (2, 7)): a bicycle (long, thin, 1 m high) with a rider above its
    middle, so the top is much shorter than the bottom, as on a real cyclist."""
    truth = box_on_ground(x, y, 1.75, 0.5, 1.75, yaw, slope)
    bike = box_on_ground(x, y, 1.75, 0.12, 1.0, yaw, slope)
    rider = bike.copy()
    rider[2] += 0.5 + 0.375
    rider[3:6] = (0.55, 0.5, 0.75)
    return truth, np.stack([bike, rider])


@pytest.fixture(scope="session")
def lidar():
    """The simulator's functions, for tests (conftest modules cannot be imported)."""
    return SimpleNamespace(scan=scan, ground_z=ground_z, box_on_ground=box_on_ground,
                           seed_of=seed_of, cyclist_parts=cyclist_parts, SENSOR_HEIGHT=SENSOR_HEIGHT)


def kitti_frame(root, frame_id: str):
    """(pts_lidar (N, 3), [Cuboid] ground truth in the LiDAR frame) of a real KITTI frame,
    labels converted with the brief's formulas (location is the bottom centre in rect)."""
    raw = np.fromfile(root / "velodyne" / f"{frame_id}.bin", dtype="<f4").reshape(-1, 4)
    T_lidar_from_rect = invert(read_kitti_calib(root / "calib" / f"{frame_id}.txt").T_rect_from_lidar)
    gts = []
    for line in (root / "label_2" / f"{frame_id}.txt").read_text().splitlines():
        f = line.split()
        if not f or f[0] == "DontCare":
            continue
        h, w, l = map(float, f[8:11])
        loc, ry = np.array(f[11:14], dtype=float), float(f[14])
        centre = transform_points(T_lidar_from_rect, (loc - [0, h / 2, 0])[None])[0]
        heading = T_lidar_from_rect[:3, :3] @ [np.cos(ry), 0.0, -np.sin(ry)]
        gts.append(Cuboid(center=centre, size_lwh=(l, w, h), yaw=np.arctan2(heading[1], heading[0]),
                          label=f[0]))
    return raw[:, :3].astype(float), gts


@pytest.fixture(scope="session")
def kitti_frames(kitti_root):
    """Loader of real KITTI frames: frame id -> (pts_lidar, ground-truth cuboids)."""
    return lambda frame_id: kitti_frame(kitti_root, frame_id)
