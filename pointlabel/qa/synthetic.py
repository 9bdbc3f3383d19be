"""A small synthetic labelled sequence for exercising the checks (tests, the benchmark, demos):
boxes driving and walking along straight lanes past a static sensor, on flat ground, with a
building wall and poles as clutter, lane lines as polylines, one front camera, 10 Hz sweeps.

It behaves like a dataset (frame_ids, load_cloud, rig, frame(...).timestamp, poses,
reference) and builds each sweep on demand from its frame index, so a 100-sweep sequence
costs no memory until read. Clouds are simple: every object is sampled on the faces it turns
towards the sensor (no occlusion), the ground on concentric rings. LiDAR frame: x forward,
y left, z up; the sensor sits `SENSOR_HEIGHT` m above the ground.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from calibration.camera import PinholeCamera
from calibration.rig import CameraSensor, Rig
from pointlabel.datasets.base import FrameInfo
from pointlabel.model import Cuboid, FrameAnnotations, Polyline3D

SENSOR_HEIGHT = 1.73
PERIOD = 0.1
# lane y, heading (+1 along +x), class, size (l, w, h), speed m/s, spacing m
LANES = ((-10.0, 1, "Car", (4.2, 1.8, 1.5), 2.5, 11.0), (-4.0, -1, "Car", (4.5, 1.8, 1.5), 3.0, 12.0),
         (2.5, 1, "Van", (5.0, 2.0, 2.1), 2.0, 13.0), (7.0, 1, "Cyclist", (1.75, 0.6, 1.7), 1.5, 7.0),
         (10.5, -1, "Pedestrian", (0.6, 0.6, 1.75), 1.2, 4.0))


@dataclass(frozen=True)
class SyntheticCloud:
    xyz: np.ndarray  # (N, 3) float32, LiDAR frame


@dataclass(frozen=True)
class _Track:
    track_id: int
    label: str
    size: tuple[float, float, float]
    x0: float
    y: float
    vx: float


@dataclass
class SyntheticSequence:
    """`frames` sweeps with about `objects` labelled objects each (see the module docstring)."""

    frames: int = 10
    objects: int = 20
    seed: int = 0
    root: str = "<synthetic>"
    kind: str = "synthetic"
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def frame_ids(self) -> list[str]:
        return [f"{k:06d}" for k in range(self.frames)]

    def frame(self, frame_id: str) -> FrameInfo:
        return FrameInfo(frame_id, None, int(frame_id) * PERIOD)

    @cached_property
    def poses(self) -> dict[str, np.ndarray]:
        return {fid: np.eye(4) for fid in self.frame_ids}

    def rig(self, frame_id: str) -> Rig:
        return self._rig

    @cached_property
    def _rig(self) -> Rig:
        K = [[700.0, 0, 640.0], [0, 700.0, 360.0], [0, 0, 1]]
        T_cam_from_lidar = [[0, -1, 0, 0], [0, 0, -1, 0], [1, 0, 0, 0], [0, 0, 0, 1]]
        return Rig({"front": CameraSensor("front", PinholeCamera(K, 1280, 720), T_cam_from_lidar)})

    @cached_property
    def tracks(self) -> list[_Track]:
        rng = np.random.default_rng(self.seed)
        out, per_lane = [], np.array_split(np.arange(self.objects), len(LANES))
        for (y, heading, label, size, speed, spacing), ids in zip(LANES, per_lane):
            start = -0.5 * spacing * len(ids) + rng.uniform(-1, 1)
            for j, tid in enumerate(ids):
                out.append(_Track(int(tid) + 1, label, size, start + j * spacing, y, heading * speed))
        return out

    def reference(self, frame_id: str) -> FrameAnnotations:
        """The ground truth of a sweep: one cuboid per track, lane lines."""
        t = int(frame_id) * PERIOD
        cubs = [Cuboid(center=(tr.x0 + tr.vx * t, tr.y, -SENSOR_HEIGHT + tr.size[2] / 2), size_lwh=tr.size,
                       yaw=0.0 if tr.vx >= 0 else np.pi, label=tr.label, track_id=tr.track_id,
                       id=f"syn-{frame_id}-{tr.track_id}", attributes={"occluded": 0})
                for tr in self.tracks]
        lines = [Polyline3D(vertices=[(x, y, -SENSOR_HEIGHT) for x in np.arange(-40.0, 41.0, 5.0)],
                            label="lane", id=f"syn-{frame_id}-lane{i}")
                 for i, y in enumerate((-7.0, -1.0, 5.0))]
        return FrameAnnotations(frame_id, tuple(cubs), tuple(lines))

    def load_cloud(self, frame_id: str) -> SyntheticCloud:
        rng = np.random.default_rng([self.seed, int(frame_id)])
        boxes = self.reference(frame_id).cuboids
        parts = [self._ground_without(boxes), self._clutter]
        parts += [_box_surface(c, rng) for c in boxes]
        pts = np.concatenate(parts)
        pts += rng.normal(0.0, 0.01, pts.shape)
        return SyntheticCloud(pts.astype(np.float32))

    @cached_property
    def _ground(self) -> np.ndarray:
        radii = 3.0 * 1.045 ** np.arange(70)
        radii = radii[radii < 60.0]
        az = np.linspace(-np.pi, np.pi, 1700, endpoint=False)  # ~120k points, a 64-beam sweep
        r, a = np.meshgrid(radii, az, indexing="ij")
        return np.column_stack([(r * np.cos(a)).ravel(), (r * np.sin(a)).ravel(),
                                np.full(r.size, -SENSOR_HEIGHT)])

    def _ground_without(self, boxes) -> np.ndarray:
        """The ground rings minus what lies under the boxes (hidden by them)."""
        g = self._ground
        keep = np.ones(len(g), dtype=bool)
        for c in boxes:
            half = np.asarray(c.size_lwh[:2]) / 2
            keep &= ~((np.abs(g[:, 0] - c.center[0]) < half[0]) & (np.abs(g[:, 1] - c.center[1]) < half[1]))
        return g[keep]

    @cached_property
    def _clutter(self) -> np.ndarray:
        """A building wall at y = 14 m (4 m high) and poles along the kerb at y = 12.5 m."""
        rng = np.random.default_rng(self.seed + 1)
        wall = np.column_stack([rng.uniform(-40, 40, 6000), np.full(6000, 14.0),
                                rng.uniform(-SENSOR_HEIGHT, 4.0 - SENSOR_HEIGHT, 6000)])
        poles = []
        for x in np.arange(-35.0, 36.0, 14.0):
            a = rng.uniform(0, 2 * np.pi, 300)
            poles.append(np.column_stack([x + 0.12 * np.cos(a), 12.5 + 0.12 * np.sin(a),
                                          rng.uniform(-SENSOR_HEIGHT, 6.0 - SENSOR_HEIGHT, 300)]))
        return np.concatenate([wall, *poles])


def write_native(seq: SyntheticSequence, root) -> Path:
    """Write the sequence in the native layout (sweeps, rig, timestamps, poses, reference/)."""
    from pointlabel.datasets.native import NativeWriter
    with NativeWriter(root, seq.rig(seq.frame_ids[0]), name="synthetic") as writer:
        for fid in seq.frame_ids:
            writer.write_sweep(fid, seq.frame(fid).timestamp, seq.load_cloud(fid).xyz,
                               reference=seq.reference(fid), T_world_from_lidar=seq.poses[fid])
    return writer.root


def _box_surface(c: Cuboid, rng, density: float = 2500.0) -> np.ndarray:
    """Points on the faces of `c` that face the sensor (not the bottom), slightly inside."""
    rng_m = max(float(np.hypot(*c.center[:2])), 2.0)
    n_total = int(np.clip(density / rng_m, 30, 800))
    size = np.asarray(c.size_lwh) - 0.04
    R = c.rotation
    out = []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            if axis == 2 and sign < 0:
                continue
            normal = R[:, axis] * sign
            face_centre = np.asarray(c.center) + normal * size[axis] / 2
            if normal @ face_centre >= 0:  # faces away from the sensor at the origin
                continue
            u = rng.uniform(-0.5, 0.5, (n_total // 3, 3)) * size
            u[:, axis] = sign * size[axis] / 2
            out.append(u @ R.T + np.asarray(c.center))
    return np.concatenate(out) if out else np.zeros((0, 3))


__all__ = ["SyntheticSequence", "write_native"]
