"""Whole-track refinement: one size and one smooth trajectory for a tracked object, from all of
its sweeps at once (in the spirit of Auto4D and Waymo's offboard 3DAL, with no learned weights).

- **Size**: a rigid object keeps one size: the median of its boxes' sizes in the sweeps where
  it is seen best (most returns in the box; the closest when no sweep is given), weighted by
  those returns. A non-rigid one (a pedestrian) keeps its own size per sweep.
- **Trajectory**: positions in the world frame (with the dataset's poses; else the sensor's,
  right for a static sensor) through a Rauch-Tung-Striebel smoother on a constant-velocity
  model, per axis, with the sweeps' own times.
- **Heading**: its sign from the motion when the object moves (a vehicle drives forwards;
  a box pointing against its track's motion is turned 180 degrees), else from the majority of
  the track's boxes; then the motion's direction is fused with each box's heading (weighted by
  how well the smoothed velocity knows it) and the result smoothed by the same smoother on a
  constant-turn-rate model (heading and its rate).

All boxes are in the LiDAR frame of their own sweep on the way in and out; poses are
T_world_from_lidar (4, 4) per sweep.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pointlabel.model import Cuboid


@dataclass(frozen=True)
class RefineConfig:
    """Noise levels of the models (what a labelled box is off by, what a road user does)."""

    position_sigma: float = 0.2  # m, a box centre's error
    heading_sigma_deg: float = 5.0  # a box heading's error
    accel_sigma: float = 2.0  # m/s^2, the constant-velocity model's process noise
    yaw_accel_sigma: float = 0.5  # rad/s^2, the constant-turn-rate model's process noise
    min_speed: float = 1.0  # m/s: slower objects take no heading from their motion
    best_share: float = 0.5  # the size comes from this share of the sweeps, those seen best
    vertical_accel_sigma: float = 0.3  # m/s^2: objects keep to the road surface


def rts_smooth(t: np.ndarray, z: np.ndarray, meas_sigma, accel_sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Rauch-Tung-Striebel smoother of a constant-velocity model, per column.

    t: (n,) increasing times (s); z: (n, d) measurements of d independent coordinates;
    meas_sigma: their standard deviation (scalar or (n,)); accel_sigma: the white-noise
    acceleration. Returns (smoothed values (n, d), velocities (n, d)) and, per column,
    uses the same gains (the model is shared)."""
    t = np.asarray(t, dtype=float)
    z = np.asarray(z, dtype=float).reshape(len(t), -1)
    n = len(t)
    r = np.broadcast_to(np.asarray(meas_sigma, dtype=float) ** 2, (n,))
    H = np.array([[1.0, 0.0]])
    xs_f, Ps_f, xs_p, Ps_p, Fs = [], [], [], [], []
    x = np.vstack([z[0], np.zeros(z.shape[1])])  # (2, d): value and rate
    P = np.diag([r[0], 1e6])  # the rate: unknown
    for k in range(n):
        if k:
            dt = max(t[k] - t[k - 1], 1e-6)
            F = np.array([[1.0, dt], [0.0, 1.0]])
            Q = accel_sigma ** 2 * np.array([[dt ** 4 / 4, dt ** 3 / 2], [dt ** 3 / 2, dt ** 2]])
            x, P = F @ x, F @ P @ F.T + Q
        else:
            F = np.eye(2)
        xs_p.append(x), Ps_p.append(P), Fs.append(F)
        S = float((H @ P @ H.T)[0, 0]) + r[k]
        K = (P @ H.T) / S  # (2, 1)
        x = x + K @ (z[k][None] - H @ x)
        P = (np.eye(2) - K @ H) @ P
        xs_f.append(x), Ps_f.append(P)
    xs, P_s = [None] * n, [None] * n
    xs[-1], P_s[-1] = xs_f[-1], Ps_f[-1]
    for k in range(n - 2, -1, -1):
        C = Ps_f[k] @ Fs[k + 1].T @ np.linalg.inv(Ps_p[k + 1])
        xs[k] = xs_f[k] + C @ (xs[k + 1] - xs_p[k + 1])
        P_s[k] = Ps_f[k] + C @ (P_s[k + 1] - Ps_p[k + 1]) @ C.T
    values = np.array([x[0] for x in xs])
    rates = np.array([x[1] for x in xs])
    rate_sigma = np.sqrt(np.array([P[1, 1] for P in P_s]))
    return values, np.concatenate([rates, rate_sigma[:, None]], axis=1)


def track_size(boxes: list[Cuboid], seen: np.ndarray, best_share: float = 0.5) -> np.ndarray:
    """(3,) the size (l, w, h) of a rigid object: the median of the sizes of the sweeps seen best
    (`seen`: (n,) larger is better, e.g. returns in the box), weighted by `seen`."""
    sizes = np.array([b.size_lwh for b in boxes])
    seen = np.asarray(seen, dtype=float)
    keep = np.argsort(-seen)[:max(1, int(np.ceil(best_share * len(boxes))))]
    w = np.maximum(seen[keep], 1e-6)
    return np.array([_weighted_median(sizes[keep, j], w) for j in range(3)])


def _weighted_median(v: np.ndarray, w: np.ndarray) -> float:
    order = np.argsort(v)
    cum = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cum, cum[-1] / 2)])


def refine_track(boxes: list[Cuboid], times, poses=None, seen=None, rigid: bool = True,
                 config: RefineConfig | None = None) -> list[Cuboid]:
    """The track's boxes refined (same ids, labels and track id; see the module docstring).

    boxes: one per sweep in time order (each in its sweep's LiDAR frame); times: (n,) s;
    poses: (n,) T_world_from_lidar or None; seen: (n,) how well each sweep sees the object
    (returns in the box), None: the closest sweeps are the best seen."""
    cfg = config or RefineConfig()
    n = len(boxes)
    if n == 0:
        return []
    t = np.asarray(times, dtype=float)
    T = [np.eye(4) if poses is None or poses[k] is None else np.asarray(poses[k], dtype=float) for k in range(n)]
    world = [b.transformed(T[k]) for k, b in enumerate(boxes)]
    if seen is None:
        seen = -np.array([np.hypot(*b.center[:2]) for b in boxes])
        seen = seen - seen.min() + 1.0
    size = track_size(world, seen, cfg.best_share) if rigid else None
    if n < 3:
        out = world if size is None else [b.replace(size_lwh=tuple(size)) for b in world]
        return [b.transformed(np.linalg.inv(T[k])) for k, b in enumerate(out)]
    centres = np.array([b.center for b in world])
    xy, vel = rts_smooth(t, centres[:, :2], cfg.position_sigma, cfg.accel_sigma)
    z, _ = rts_smooth(t, centres[:, 2:], cfg.position_sigma, cfg.vertical_accel_sigma)
    yaw = heading_from_motion(np.array([b.yaw for b in world]), vel, cfg)
    yaw_s, _ = rts_smooth(t, np.unwrap(yaw)[:, None], np.radians(cfg.heading_sigma_deg), cfg.yaw_accel_sigma)
    out = []
    for k, b in enumerate(world):
        new = b.replace(center=(xy[k, 0], xy[k, 1], z[k, 0]), yaw=float(yaw_s[k, 0]), pitch=0.0, roll=0.0)
        if size is not None:
            new = new.replace(size_lwh=tuple(size))
        out.append(new.transformed(np.linalg.inv(T[k])))
    return out


def heading_from_motion(yaw: np.ndarray, vel: np.ndarray, cfg: RefineConfig) -> np.ndarray:
    """(n,) headings with their sign from the motion, fused with its direction.

    yaw: (n,) the boxes' headings (world frame); vel: (n, 3) smoothed velocity x, y and its
    standard deviation (from rts_smooth). Where the object moves faster than `min_speed`, a
    heading against the motion is turned by pi and the motion's direction (standard
    deviation: velocity sigma / speed) is averaged in; elsewhere the sign follows the
    majority of the moving sweeps, or of all boxes when none moves."""
    yaw = np.asarray(yaw, dtype=float).copy()
    speed = np.hypot(vel[:, 0], vel[:, 1])
    moving = speed > cfg.min_speed
    direction = np.arctan2(vel[:, 1], vel[:, 0])
    if moving.any():
        ref = direction
        flip = np.abs(_wrap(yaw - ref)) > np.pi / 2
        # a still sweep takes the sign of the nearest moving one
        idx = np.flatnonzero(moving)
        nearest = idx[np.argmin(np.abs(np.arange(len(yaw))[:, None] - idx[None]), axis=1)]
        ref = np.where(moving, ref, direction[nearest])
        flip = np.abs(_wrap(yaw - ref)) > np.pi / 2
    else:
        mean = np.angle(np.mean(np.exp(2j * yaw))) / 2  # the axis, mod pi
        votes = np.abs(_wrap(yaw - mean)) <= np.pi / 2
        ref = mean if votes.sum() * 2 >= len(yaw) else mean + np.pi
        flip = np.abs(_wrap(yaw - ref)) > np.pi / 2
    yaw = np.where(flip, yaw + np.pi, yaw)
    w_box = 1.0 / np.radians(cfg.heading_sigma_deg) ** 2
    sigma_dir = np.where(moving, vel[:, 2] / np.maximum(speed, 1e-6), np.inf)
    w_dir = np.where(moving, 1.0 / np.maximum(sigma_dir, 1e-3) ** 2, 0.0)
    fused = yaw + w_dir / (w_box + w_dir) * _wrap(direction - yaw)
    return _wrap(fused)


def _wrap(a):
    return (np.asarray(a) + np.pi) % (2 * np.pi) - np.pi


@dataclass(frozen=True)
class TrackRefinement:
    """One refined track: its id, the frames it was refined in, and how much its boxes moved
    (largest centre change, m; largest heading change, degrees)."""

    track_id: int
    frames: tuple[str, ...]
    moved: float
    turned: float


def refine_in_store(dataset, store, label_set: str = "default", track_ids=None, rigid_classes=None,
                    config: RefineConfig | None = None, author: str = "refine-tracks",
                    client: str | None = None, count_points: bool = True) -> list[TrackRefinement]:
    """Refine the tracks `track_ids` (all with 2+ boxes when None) of a store label set and write
    the new boxes as new versions, all tracks in one undoable step (of `client`). A track's
    confirmed and proposed boxes take part alike; rejected ones do not. count_points: a sweep
    is seen best where most returns fall in the box (reads every sweep of the track); else
    where the box is closest."""
    from pointlabel.errors import PointlabelError
    from pointlabel.geometry.boxes import points_in_box_mask
    from pointlabel.model import STATUS_REJECTED
    frames = dataset.frame_ids
    by_track: dict[int, list[tuple[str, Cuboid]]] = {}
    for fid in frames:
        for c in store.frame(fid, label_set).cuboids:
            if c.track_id is not None and c.status != STATUS_REJECTED:
                by_track.setdefault(c.track_id, []).append((fid, c))
    wanted = sorted(by_track) if track_ids is None else list(track_ids)
    missing = [t for t in wanted if t not in by_track]
    if missing:
        raise PointlabelError(f"no track(s) {', '.join(map(str, missing))} in label set {label_set!r}")
    poses = getattr(dataset, "poses", None) or {}
    rigid_classes = _rigid_classes() if rigid_classes is None else set(rigid_classes)
    clouds: dict[str, np.ndarray] = {}
    changes: dict[str, list[Cuboid]] = {}
    report = []
    for tid in wanted:
        obs = by_track[tid]
        if len({f for f, _ in obs}) != len(obs):
            raise PointlabelError(f"track {tid} has two boxes in one frame: fix that first")
        if len(obs) < 2 and track_ids is None:
            continue
        times = [_time(dataset, f, frames) for f, _ in obs]
        seen = [] if count_points else None
        for f, c in obs if count_points else ():
            if f not in clouds:
                clouds[f] = np.asarray(dataset.load_cloud(f).xyz, dtype=float)
            seen.append(float(points_in_box_mask(clouds[f], c.as_array(), margin=0.2).sum()) + 1.0)
        if len(clouds) > 8:
            clouds.clear()
        boxes = [c for _, c in obs]
        rigid = _usual_label(boxes) in rigid_classes
        refined = refine_track(boxes, times, [poses.get(f) for f, _ in obs],
                               None if seen is None else np.array(seen), rigid, config)
        moved = max(float(np.linalg.norm(np.subtract(a.center, b.center))) for a, b in zip(boxes, refined))
        turned = max(float(np.degrees(abs(_wrap(a.yaw - b.yaw)))) for a, b in zip(boxes, refined))
        for (f, _), new in zip(obs, refined):
            changes.setdefault(f, []).append(new)
        report.append(TrackRefinement(tid, tuple(f for f, _ in obs), moved, turned))
    if changes:
        store.apply_frames(changes, label_set=label_set, author=author, client=client)
    return report


def _usual_label(boxes) -> str:
    from collections import Counter
    return Counter(b.label for b in boxes).most_common(1)[0][0]


def _rigid_classes() -> set[str]:
    from pointlabel.qa.guidelines import default_guidelines
    return {n for n, g in default_guidelines().classes.items() if g.rigid}


def _time(dataset, frame_id: str, frames: list[str], period: float = 0.1) -> float:
    t = getattr(dataset.frame(frame_id), "timestamp", None)
    return float(t) if t is not None else frames.index(frame_id) * period
