"""The camera rig of the generated sequence, and rendering its images by ray casting.

Three cameras look ahead: `front` (70 deg, ideal pinhole), `front_left` (wide, about 107 deg,
with OpenCV barrel distortion) and `front_right` (70 deg), mounted below and ahead of the
LiDAR, pitched down a little. Each pixel's ray is the *undistorted* direction of its centre,
so the picture carries exactly the lens model stored in the rig. Surfaces are shaded by a sun
(Lambert, with cast shadows, and an ambient term): shading scales a surface's colour without
changing its hue, so every object keeps its own colour in every image.

Each camera fires `time_offset` seconds after the LiDAR sweep (plus a small random jitter)
and its image shows the scene at that instant, seen from where the ego was then.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.camera import PinholeCamera
from calibration.rig import CameraSensor, Rig
from calibration.transforms import invert, rot_z
from sample_data.plates import Plates, paint_plates
from sample_data.raycast import Snapshot

WIDTH, HEIGHT = 960, 540
SUN_DIR_WORLD = np.array([-0.45, 0.55, 0.70]) / np.linalg.norm([-0.45, 0.55, 0.70])
AMBIENT = 0.45
SKY_HORIZON, SKY_ZENITH = np.array([204, 220, 236.0]), np.array([92, 138, 208.0])
JITTER_SIGMA, JITTER_MAX = 0.002, 0.005  # seconds


@dataclass(frozen=True)
class CameraSpec:
    name: str
    yaw_deg: float  # optical axis heading in the LiDAR frame, counter-clockwise from +x
    position_lidar: tuple[float, float, float]
    focal: float  # pixels at WIDTH x HEIGHT
    principal: tuple[float, float]
    dist: tuple | None
    time_offset: float  # seconds after the sweep
    pitch_deg: float = 1.5  # down
    roll_deg: float = 0.0


CAMERAS = (
    CameraSpec("front_left", 55.0, (0.35, 0.40, -0.32), 480.0, (482.5, 268.0),
               (-0.20, 0.03, 0.0008, -0.0005, 0.0), 0.031, 2.0, 0.4),
    CameraSpec("front", 0.0, (0.45, 0.0, -0.30), 685.0, (479.0, 271.5), None, 0.012, 1.5, -0.2),
    CameraSpec("front_right", -55.0, (0.35, -0.40, -0.32), 690.0, (481.0, 269.5), None, -0.018, 1.2, 0.3),
)


def _rot_y(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rot_x(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def T_lidar_from_cam(spec: CameraSpec) -> np.ndarray:
    """(4, 4): camera axes (x right, y down, z forward) placed in the LiDAR frame."""
    axes_at_yaw0 = np.array([[0, 0, 1], [-1, 0, 0], [0, -1, 0]], float)  # columns: x, y, z
    T = np.eye(4)
    T[:3, :3] = (rot_z(np.deg2rad(spec.yaw_deg)) @ _rot_y(np.deg2rad(spec.pitch_deg))
                 @ _rot_x(np.deg2rad(spec.roll_deg)) @ axes_at_yaw0)
    T[:3, 3] = spec.position_lidar
    return T


def make_rig(width: int = WIDTH, height: int = HEIGHT, lidar: str = "lidar_top") -> Rig:
    """The rig; intrinsics scale with the image size (specs are for WIDTH x HEIGHT)."""
    s = width / WIDTH
    cams = {}
    for spec in CAMERAS:
        K = [[spec.focal * s, 0, spec.principal[0] * s], [0, spec.focal * s, spec.principal[1] * s],
             [0, 0, 1]]
        cams[spec.name] = CameraSensor(spec.name, PinholeCamera(K, width, height, spec.dist),
                                       invert(T_lidar_from_cam(spec)), spec.time_offset)
    return Rig(cameras=cams, lidar=lidar)


def camera_time_offsets(rng: np.random.Generator, rig: Rig) -> dict[str, float]:
    """Actual offset of each camera for one frame: nominal offset plus clipped jitter."""
    return {name: cam.time_offset + float(np.clip(rng.normal(0, JITTER_SIGMA), -JITTER_MAX, JITTER_MAX))
            for name, cam in rig.cameras.items()}


def pixel_rays_cam(camera: PinholeCamera) -> np.ndarray:
    """(H*W, 3) unit ray directions (camera frame) through every pixel centre, row-major."""
    v, u = np.mgrid[0:camera.height, 0:camera.width]
    uv = np.column_stack([u.ravel(), v.ravel()]).astype(float)
    xy = camera.undistort_normalised(camera.pixels_to_normalised(uv))  # to ~1e-8 px here
    dirs = np.column_stack([xy, np.ones(len(xy))])
    return dirs / np.linalg.norm(dirs, axis=1, keepdims=True)


class CameraRenderer:
    """Renders one camera of the rig; the per-pixel rays are computed once."""

    def __init__(self, sensor: CameraSensor, plates: Plates | None = None):
        self.sensor = sensor
        self.rays_cam = pixel_rays_cam(sensor.camera)
        self.plates = plates  # licence plates painted on the vehicles (sample_data.plates)

    def render(self, snapshot: Snapshot, T_world_from_cam: np.ndarray):
        """-> (image (H, W, 3) uint8, actor (H, W) int: the actor index seen at each pixel,
        -1 the static world, -2 sky)."""
        cam = self.sensor.camera
        R, origin = T_world_from_cam[:3, :3], T_world_from_cam[:3, 3]
        dirs_world = self.rays_cam @ R.T
        hits = snapshot.cast(np.broadcast_to(origin, dirs_world.shape), dirs_world)
        hit = hits.hit
        if self.plates is not None:
            paint_plates(hits.rgb, origin + dirs_world * np.where(hit, hits.distance, 0.0)[:, None],
                         hits.actor, snapshot.poses, self.plates)
        lambert = np.clip(hits.normal_world @ SUN_DIR_WORLD, 0.0, None)
        lit = hit & (lambert > 0)
        pts_world = origin + dirs_world[lit] * hits.distance[lit, None]
        shadow_from = pts_world + hits.normal_world[lit] * 0.02
        in_shadow = snapshot.occluded(shadow_from, np.broadcast_to(SUN_DIR_WORLD, shadow_from.shape))
        lambert[np.flatnonzero(lit)[in_shadow]] = 0.0
        shade = AMBIENT + (1 - AMBIENT) * lambert
        rgb = hits.rgb.astype(float) * shade[:, None]
        up = np.clip(dirs_world[:, 2] * 3.0, 0.0, 1.0)[:, None]
        sky = SKY_HORIZON * (1 - up) + SKY_ZENITH * up
        rgb = np.where(hit[:, None], rgb, sky)
        image = np.round(rgb).clip(0, 255).astype(np.uint8).reshape(cam.height, cam.width, 3)
        return image, hits.actor.reshape(cam.height, cam.width)
