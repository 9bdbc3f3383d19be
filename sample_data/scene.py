"""The generated road scene, in the world frame (x along the road, y left, z up, metres).

Cross-section (y, left positive), the same all along the road::

    y:  -45 .. -15   -15 .. -10.5   -10.5 .. -7  -7 .. 7   7 .. 10.5   10.5 .. 15   15 .. 24  .. 45
        buildings    sidewalk       parking+bike  4 lanes  bike+parking sidewalk   grass slope (+3 m)
                     (+0.15 m curb)                                     (+0.15 m)

Lanes are 3.5 m wide (centres +-1.75, +-5.25); traffic keeps right, so lanes with y < 0 drive
towards +x. Bike lanes are centred at +-7.75, parking at +-9.5. The road is flat up to
x = 40 m, then bends up (a parabolic vertical curve) into a 4 % grade reached at x = 120 m:
vehicles pitch with the road, pedestrians stand upright.

Every actor (moving or parked) has a stable track id, a KITTI class, a mesh in its own frame
(see meshes.py) and a trajectory; `pose(t)` gives T_world_from_object at time t (seconds
from the start of the sequence). The ego vehicle drives in lane y = -1.75 towards +x.
"""
from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np

from calibration.transforms import rot_z
from sample_data import meshes
from sample_data.meshes import Mesh

# surface heights and layout (metres)
CURB_H = 0.15
CURB_Y = 10.5
LANE_W = 3.5
GRADE_START, GRADE_FULL, GRADE = 40.0, 120.0, 0.04
PAINT_LIFT = 0.004  # paint lies this far above the asphalt
EGO_LANE_Y, EGO_SPEED = -1.75, 10.0
LIDAR_IN_EGO = (1.0, 0.0, 1.73)  # LiDAR mount above the ground, ego frame (x fwd, z up)
SENSOR_REACH = (-100.0, 130.0)  # x range around the ego that must be populated
ASPHALT, PAINT_WHITE, PAINT_YELLOW, SIDEWALK, CURB, GRASS, POLE, WALL = range(8)

# material -> (rgb 0-255, LiDAR reflectivity 0-1); walls pick one of WALL_COLOURS.
MATERIALS = {
    ASPHALT: ((72, 73, 76), 0.08), PAINT_WHITE: ((232, 232, 226), 0.75),
    PAINT_YELLOW: ((226, 184, 52), 0.6), SIDEWALK: ((168, 164, 156), 0.3),
    CURB: ((188, 184, 176), 0.35), GRASS: ((104, 124, 84), 0.35), POLE: ((128, 130, 134), 0.5),
    WALL: ((196, 184, 164), 0.4),
}
WALL_COLOURS = ((196, 184, 164), (168, 128, 112), (150, 150, 156), (212, 204, 190))
TYRE_RGB, TYRE_REFLECTIVITY, GLASS_SHADE = (28, 28, 30), 0.05, 0.32

# (y centre, width, style, colour) of every painted line
LANE_LINES = ((-7.0, 0.15, "solid", "white"), (-3.5, 0.15, "dashed", "white"),
              (-0.12, 0.12, "solid", "yellow"), (0.12, 0.12, "solid", "yellow"),
              (3.5, 0.15, "dashed", "white"), (7.0, 0.15, "solid", "white"))
DASH, DASH_PERIOD = 3.0, 12.0

# cross-section profile: (y, height above the road) points and the material between them
_PROFILE_Y = (-45.0, -15.0, -CURB_Y - 0.3, -CURB_Y, -CURB_Y, CURB_Y, CURB_Y, CURB_Y + 0.3, 15.0, 24.0, 45.0)
_PROFILE_H = (CURB_H, CURB_H, CURB_H, CURB_H, 0.0, 0.0, CURB_H, CURB_H, CURB_H, CURB_H + 3.0, CURB_H + 3.0)
_PROFILE_MAT = (SIDEWALK, SIDEWALK, CURB, CURB, ASPHALT, CURB, CURB, SIDEWALK, GRASS, GRASS)


def road_height(x) -> np.ndarray:
    """Height of the asphalt at world x (flat, parabolic curve, then the full grade)."""
    x = np.asarray(x, dtype=float)
    span = GRADE_FULL - GRADE_START
    curve = GRADE * (np.clip(x, GRADE_START, GRADE_FULL) - GRADE_START) ** 2 / (2 * span)
    return curve + GRADE * np.maximum(x - GRADE_FULL, 0.0)


def road_grade(x) -> np.ndarray:
    """dz/dx of the road at world x."""
    x = np.asarray(x, dtype=float)
    return GRADE * np.clip((x - GRADE_START) / (GRADE_FULL - GRADE_START), 0.0, 1.0)


def surface_height(x, y) -> np.ndarray:
    """Height of the walkable/drivable surface at (x, y) (the grass slope excluded)."""
    return road_height(x) + np.where(np.abs(np.asarray(y)) >= CURB_Y, CURB_H, 0.0)


def pitch_on_road(x) -> np.ndarray:
    """Pitch (about the object's y, positive nose down) of a vehicle heading +x at x."""
    return -np.arctan(road_grade(x))


def pose_matrix(x, y, z, yaw, pitch=0.0) -> np.ndarray:
    """(4, 4) T_world_from_object for an object frame rotated Rz(yaw) then Ry(pitch)."""
    c, s = np.cos(pitch), np.sin(pitch)
    T = np.eye(4)
    T[:3, :3] = rot_z(yaw) @ np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    T[:3, 3] = (x, y, z)
    return T


@dataclass(frozen=True)
class Actor:
    """An annotated object: mesh in its own frame and a trajectory.

    Position at time t: x0 + vx t, y0 + vy t + weave * sin(2 pi t / weave_period + phase);
    heading along the velocity when moving, `yaw0` when still.
    """

    track_id: int
    label: str
    mesh: Mesh
    colour: tuple[int, int, int]
    reflectivity: float
    x0: float
    y0: float
    vx: float = 0.0
    vy: float = 0.0
    yaw0: float = 0.0
    weave: float = 0.0
    weave_period: float = 8.0
    phase: float = 0.0
    on_road: bool = True  # pitches with the road's grade (vehicles); else upright

    @property
    def size_lwh(self) -> tuple[float, float, float]:
        lo, hi = self.mesh.bounds
        return tuple(float(v) for v in hi - lo)

    @property
    def moving(self) -> bool:
        return bool(self.vx or self.vy)

    def xy(self, t: float) -> tuple[float, float]:
        w = 2 * np.pi / self.weave_period
        return (self.x0 + self.vx * t, self.y0 + self.vy * t + self.weave * np.sin(w * t + self.phase))

    def heading(self, t: float) -> float:
        if not self.moving:
            return self.yaw0
        w = 2 * np.pi / self.weave_period
        return float(np.arctan2(self.vy + self.weave * w * np.cos(w * t + self.phase), self.vx))

    def pose(self, t: float) -> np.ndarray:
        """(4, 4) T_world_from_object at time t (object origin: bottom centre of its box)."""
        x, y = self.xy(t)
        yaw = self.heading(t)
        pitch = float(pitch_on_road(x)) * np.cos(yaw) if self.on_road else 0.0
        return pose_matrix(x, y, float(surface_height(x, y)), yaw, pitch)


@dataclass(frozen=True)
class StaticWorld:
    """Everything that never moves and is not annotated: ground, paint, buildings, poles.

    vertices (V, 3) world; triangles (F, 3); rgb (F, 3) uint8; reflectivity (F,); material (F,).
    """

    vertices: np.ndarray
    triangles: np.ndarray
    rgb: np.ndarray
    reflectivity: np.ndarray
    material: np.ndarray


@dataclass(frozen=True)
class Scene:
    """The world and its actors over `duration` seconds."""

    static: StaticWorld
    actors: tuple[Actor, ...]
    duration: float
    x_range: tuple[float, float]

    def T_world_from_ego(self, t: float) -> np.ndarray:
        """(4, 4) ego pose: on the road, weaving a little in its lane, pitched with the grade."""
        x = EGO_SPEED * t
        w = 2 * np.pi / 9.0
        y = EGO_LANE_Y + 0.12 * np.sin(w * t)
        yaw = float(np.arctan2(0.12 * w * np.cos(w * t), EGO_SPEED))
        return pose_matrix(x, y, float(road_height(x)), yaw, float(pitch_on_road(x)) * np.cos(yaw))

    def T_world_from_lidar(self, t: float) -> np.ndarray:
        T_ego_from_lidar = np.eye(4)
        T_ego_from_lidar[:3, 3] = LIDAR_IN_EGO
        return self.T_world_from_ego(t) @ T_ego_from_lidar


# --------------------------------------------------------------------------- building

def build_scene(seed: int, duration: float) -> Scene:
    """The scene for a sequence of `duration` seconds; the same seed gives the same scene."""
    ego_end = EGO_SPEED * duration
    x_lo, x_hi = SENSOR_REACH[0] - 60.0 - 15 * duration, SENSOR_REACH[1] + 80.0 + 25 * duration + ego_end
    actors: list[Actor] = []
    streams = iter(range(1, 1000))

    def rng():
        return np.random.default_rng([seed, next(streams)])

    _parked(actors, rng(), side=-1, duration=duration)
    _parked(actors, rng(), side=+1, duration=duration)
    lanes = ((EGO_LANE_Y, EGO_SPEED), (-5.25, 12.5), (1.75, -11.0), (5.25, -9.0))
    for y_lane, speed in lanes:
        _lane_traffic(actors, rng(), y_lane, speed, duration)
    for y_lane, speed in ((-7.75, 5.0), (7.75, -4.5)):
        _lane_traffic(actors, rng(), y_lane, speed, duration, kinds=("Cyclist",))
    for side in (-1, 1):
        _pedestrians(actors, rng(), side, duration)
    static = _static_world(rng(), x_lo, x_hi)
    return Scene(static, tuple(actors), duration, (x_lo, x_hi))


def object_colour(track_id: int) -> tuple[int, int, int]:
    """A saturated colour per track id (golden-ratio hues), far from the greys of the world."""
    h = (0.13 + track_id * 0.618034) % 1.0
    s = 0.8 + 0.15 * ((track_id * 7) % 3) / 2
    v = 0.95 - 0.12 * ((track_id * 5) % 3) / 2
    return tuple(int(round(255 * c)) for c in colorsys.hsv_to_rgb(h, s, v))


def _new_actor(actors: list, label: str, mesh: Mesh, **traj) -> None:
    tid = len(actors) + 1
    refl = {"Pedestrian": 0.3, "Cyclist": 0.35}.get(label, 0.55)
    actors.append(Actor(tid, label, mesh, object_colour(tid), refl, **traj))


def _vehicle_mesh(rng, label: str) -> Mesh:
    if label == "Car":
        return meshes.vehicle(rng.uniform(3.8, 4.7), rng.uniform(1.65, 1.85), rng.uniform(1.4, 1.6))
    if label == "Van":
        return meshes.vehicle(rng.uniform(4.8, 5.4), rng.uniform(1.9, 2.05), rng.uniform(1.9, 2.2),
                              cabin=0.42)
    if label == "Truck":
        return meshes.box_truck(rng.uniform(7.5, 9.5), 2.45, rng.uniform(3.0, 3.4))
    return meshes.cyclist(rng.uniform(1.65, 1.85))


def _spread(x_lo: float, x_hi: float, rng, lengths_gaps) -> list[float]:
    """Centres along x from x_lo to x_hi; lengths_gaps() -> (length, gap before the next)."""
    out, x = [], x_lo + rng.uniform(0, 10)
    while x < x_hi:
        length, gap = lengths_gaps()
        out.append(x + length / 2)
        x += length + gap
    return out


def _lane_traffic(actors, rng, y_lane: float, speed: float, duration: float,
                  kinds=("Car", "Car", "Car", "Car", "Van", "Truck")) -> None:
    """Vehicles of one lane: one shared speed (no collisions), 14-60 m apart."""
    rel = (EGO_SPEED - speed) * duration
    x_lo = SENSOR_REACH[0] + min(0.0, rel) - 20
    x_hi = SENSOR_REACH[1] + max(0.0, rel) + 20
    if "Truck" in kinds and abs(y_lane) < 3:  # no trucks in the inner lanes
        kinds = tuple(k for k in kinds if k != "Truck")
    direction = 1.0 if speed > 0 else -1.0
    x = x_lo + rng.uniform(0, 15)
    while x < x_hi:
        label = kinds[rng.integers(len(kinds))]
        mesh = _vehicle_mesh(rng, label)
        length = float(np.ptp(mesh.vertices[:, 0]))
        centre = x + length / 2
        gap = rng.uniform(14, 60) if label != "Cyclist" else rng.uniform(25, 90)
        x += length + gap
        if y_lane == EGO_LANE_Y and -18.0 - length / 2 < centre < 14.0 + length / 2:
            continue  # keep the ego's own place in its lane free
        _new_actor(actors, label, mesh, x0=centre, y0=y_lane, vx=speed,
                   yaw0=0.0 if direction > 0 else np.pi,
                   weave=rng.uniform(0.03, 0.15), weave_period=rng.uniform(6, 11),
                   phase=rng.uniform(0, 2 * np.pi))


def _parked(actors, rng, side: int, duration: float) -> None:
    """Parked cars and vans along one side, facing that side's traffic, slightly askew."""
    x_hi = SENSOR_REACH[1] + EGO_SPEED * duration
    x = SENSOR_REACH[0] + rng.uniform(0, 6)
    while x < x_hi:
        if rng.random() < 0.5:
            x += rng.uniform(6, 30)  # an empty stretch
            continue
        label = "Van" if rng.random() < 0.2 else "Car"
        mesh = _vehicle_mesh(rng, label)
        length = float(np.ptp(mesh.vertices[:, 0]))
        askew = np.deg2rad(np.clip(rng.normal(0, 1.5), -3, 3))
        width = float(np.ptp(mesh.vertices[:, 1]))
        half_y = width / 2 * np.cos(askew) + length / 2 * abs(np.sin(askew))  # footprint
        y = np.clip(9.5 + rng.uniform(-0.12, 0.12), 8.55 + half_y, CURB_Y - 0.05 - half_y)
        _new_actor(actors, label, mesh, x0=x + length / 2, y0=side * float(y),
                   yaw0=(0.0 if side < 0 else np.pi) + float(askew))
        x += length + rng.uniform(1.0, 3.5)


def _pedestrians(actors, rng, side: int, duration: float) -> None:
    """Walkers on three lateral tracks of a sidewalk (one direction and speed per track, so
    nobody walks through anybody) and a few people standing by the buildings or the grass."""
    x_lo, x_hi = SENSOR_REACH[0] - 20, SENSOR_REACH[1] + EGO_SPEED * duration + 20
    for y_track in (11.8, 12.8, 13.8):
        speed = rng.uniform(1.1, 1.6) * rng.choice([-1.0, 1.0])
        lo = SENSOR_REACH[0] - 20 - max(0.0, speed * duration)
        hi = SENSOR_REACH[1] + 20 + (EGO_SPEED - speed) * duration
        for x in _spread(lo, hi, rng, lambda: (0.6, rng.uniform(25, 80))):
            mesh = meshes.pedestrian(rng.uniform(1.55, 1.9), rng.uniform(0.42, 0.52),
                                     rng.uniform(0.35, 0.6))
            _new_actor(actors, "Pedestrian", mesh, x0=x, y0=side * y_track, vx=speed,
                       yaw0=0.0 if speed > 0 else np.pi, on_road=False)
    for x in _spread(x_lo, x_hi, rng, lambda: (1.0, rng.uniform(50, 130))):
        mesh = meshes.pedestrian(rng.uniform(1.55, 1.9), rng.uniform(0.42, 0.52), 0.2)
        _new_actor(actors, "Pedestrian", mesh, x0=x, y0=side * 14.55,
                   yaw0=float(rng.uniform(-np.pi, np.pi)), on_road=False)


def _static_world(rng, x_lo: float, x_hi: float) -> StaticWorld:
    parts = [_ground(x_lo, x_hi), *_paint(x_lo, x_hi), *_buildings(rng, x_lo, x_hi),
             *_poles(x_lo, x_hi)]
    verts, tris, mats, rgbs, offset = [], [], [], [], 0
    for v, f, mat, rgb in parts:
        verts.append(v)
        tris.append(f + offset)
        mats.append(np.broadcast_to(mat, len(f)))
        rgbs.append(np.broadcast_to(np.asarray(rgb, np.uint8), (len(f), 3)) if rgb is not None
                    else np.array([MATERIALS[m][0] for m in np.broadcast_to(mat, len(f))], np.uint8))
        offset += len(v)
    material = np.concatenate(mats).astype(np.int16)
    refl = np.array([MATERIALS[m][1] for m in range(len(MATERIALS))])[material]
    return StaticWorld(np.concatenate(verts), np.concatenate(tris).astype(np.int64),
                       np.concatenate(rgbs), refl, material)


def _ground(x_lo: float, x_hi: float):
    """The cross-section profile extruded along x every metre, following the road height."""
    xs = np.arange(np.floor(x_lo), np.ceil(x_hi) + 1.0)
    ys, hs = np.array(_PROFILE_Y), np.array(_PROFILE_H)
    nx, npf = len(xs), len(ys)
    X = np.repeat(xs, npf)
    Y = np.tile(ys, nx)
    Z = road_height(X) + np.tile(hs, nx)
    i, j = np.meshgrid(np.arange(nx - 1), np.arange(npf - 1), indexing="ij")
    a = (i * npf + j).ravel()
    b, c, d = a + 1, a + npf + 1, a + npf
    tris = np.concatenate([np.column_stack([a, d, c]), np.column_stack([a, c, b])])
    mats = np.tile(np.tile(np.array(_PROFILE_MAT), nx - 1), 2)
    return np.column_stack([X, Y, Z]), tris, mats, None


def _quads(x0, x1, y0, y1, z_fn):
    """Flat quads [x0, x1] x [y0, y1] (arrays of equal length) with corner heights z_fn(x)."""
    n = len(x0)
    xs = np.stack([x0, x1, x1, x0], 1)
    ys = np.stack([y0, y0, y1, y1], 1)
    v = np.stack([xs, ys, z_fn(xs)], -1).reshape(-1, 3)
    base = 4 * np.arange(n)[:, None]
    tris = np.concatenate([base + [0, 1, 2], base + [0, 2, 3]])
    return v, tris


def _paint(x_lo: float, x_hi: float):
    out = []
    for y, w, style, colour in LANE_LINES:
        if style == "solid":
            x0 = np.arange(np.floor(x_lo), np.ceil(x_hi))
            x1 = x0 + 1.0
        else:
            x0 = np.arange(np.floor(x_lo / DASH_PERIOD) * DASH_PERIOD, x_hi, DASH_PERIOD)
            x1 = x0 + DASH
        v, f = _quads(x0, x1, np.full(len(x0), y - w / 2), np.full(len(x0), y + w / 2),
                      lambda x: road_height(x) + PAINT_LIFT)
        out.append((v, f, PAINT_WHITE if colour == "white" else PAINT_YELLOW, None))
    return out


def _buildings(rng, x_lo: float, x_hi: float):
    """Facades at y = -15 with gaps, and a low garden wall in pieces at y = 15."""
    out = []
    x = x_lo
    while x < x_hi:
        length, height = rng.uniform(12, 30), rng.uniform(6, 14)
        bottom = float(road_height(x)) + CURB_H - 0.4
        m = meshes.box((x, -25.0, bottom), (x + length, -15.0, bottom + 0.4 + height + GRADE * length))
        out.append((m.vertices, m.triangles, WALL, WALL_COLOURS[rng.integers(len(WALL_COLOURS))]))
        x += length + rng.uniform(2, 9)
    x = x_lo
    while x < x_hi:
        length = rng.uniform(8, 25)
        bottom = float(road_height(x)) + CURB_H - 0.2
        m = meshes.box((x, 15.0, bottom), (x + length, 15.4, bottom + 1.4 + GRADE * length))
        out.append((m.vertices, m.triangles, WALL, WALL_COLOURS[0]))
        x += length + rng.uniform(10, 40)
    return out


def _poles(x_lo: float, x_hi: float):
    """Street lights every 28 m on both sidewalks (staggered)."""
    out = []
    for side, shift in ((-1, 0.0), (1, 14.0)):
        for x in np.arange(np.ceil(x_lo / 28) * 28 + shift, x_hi, 28.0):
            z = float(road_height(x)) + CURB_H
            pole = meshes.cylinder((x, side * 11.0, z + 3.5), 0.13, 7.0)
            y_pole, y_tip = side * 11.0, side * (11.0 - 1.8)  # the lamp arm reaches over the road
            arm = meshes.box((x - 0.06, min(y_pole, y_tip), z + 6.8),
                             (x + 0.06, max(y_pole, y_tip), z + 6.95))
            m = meshes.merge([pole, arm])
            out.append((m.vertices, m.triangles, POLE, None))
    return out
