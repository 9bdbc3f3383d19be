"""Checks along tracks (cuboids sharing a track id across sweeps, in frame order).

- duplicate_track_id: two cuboids of one frame with the same track id (error, on each);
- track_class_change: observations whose class is not the track's usual one;
- size_change: an observation whose l, w or h differs from the track's median by more than
  the tolerance (error for rigid classes, warning for the others);
- speed / yaw_jump: moving or turning faster than the class can between two observations;
- position_jump: an observation off the path interpolated (in time) between its neighbours
  by more than `jump_tolerance` (+ what an 8 m/s^2 acceleration explains); reported where the
  deviation peaks, so a box shifted in one sweep is blamed, not its neighbours;
- track_gap: a track missing from labelled sweeps between two of its observations;
- heading_motion: a box whose heading points against (error: turn it 180 degrees) or across
  (warning) the way its track moves, where the track moves faster than `motion_min_speed`
  (world frame only: relative to a moving sensor a parked car "moves" too). Pedestrians may
  walk sideways or backwards: for non-rigid classes it is a warning.

A speed or yaw violation between two observations is blamed on the observation whose both
segments violate (an outlier), else on the later one. Times are the frames' timestamps, or
`sweep_period` apart when any frame lacks one. Motion is judged in the world frame when every
frame has a pose (T_world_from_lidar); otherwise relative to the moving sensor, and the class
limits are then raised by what the ego vehicle itself may do (`ego_max_speed`,
`ego_max_yaw_rate`), so only the gross jumps remain visible.
"""
from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from pointlabel.qa.config import CheckConfig
from pointlabel.qa.findings import ERROR, WARNING, Finding, about
from pointlabel.qa.guidelines import Guidelines

MAX_ACCEL = 8.0  # m/s^2: what a road user's path can bend by between sweeps


def check_tracks(frames, guidelines: Guidelines, config: CheckConfig) -> list[Finding]:
    """frames: in order, each with .frame_id, .timestamp and .cuboids (FrameInput works)."""
    frames = list(frames)
    stamps = [f.timestamp for f in frames]
    times = (np.array(stamps, dtype=float) if all(s is not None for s in stamps)
             else np.arange(len(frames)) * config.sweep_period)
    labelled = np.array([len(f.annotations) > 0 for f in frames])
    poses = [getattr(f, "T_world_from_lidar", None) for f in frames]
    world = all(T is not None for T in poses)
    out: list[Finding] = []
    tracks: dict[int, list] = defaultdict(list)
    for k, f in enumerate(frames):
        members = defaultdict(list)
        for c in f.cuboids:
            if c.track_id is not None:
                members[c.track_id].append(c)
        for tid, cubs in members.items():
            if len(cubs) > 1:
                for i, c in enumerate(cubs):
                    other = cubs[(i + 1) % len(cubs)]
                    out.append(about(f.frame_id, c, "duplicate_track_id", ERROR, len(cubs),
                                     f"track {tid} appears {len(cubs)} times in this frame", related=other.id))
            else:
                tracks[tid].append((k, cubs[0]))
    for tid, obs in tracks.items():
        out += _check_track(frames, times, labelled, obs, poses if world else None, guidelines, config)
    return out


def _check_track(frames, times, labelled, obs, poses, guidelines, config) -> list[Finding]:
    """One track's findings; `poses` (per frame T_world_from_lidar) or None (sensor frame)."""
    idx = np.array([k for k, _ in obs])
    cubs = [c for _, c in obs]
    moving = [c if poses is None else c.transformed(poses[k]) for k, c in obs]  # for the motion
    fid = [frames[k].frame_id for k in idx]
    usual = Counter(c.label for c in cubs).most_common(1)[0][0]
    guide = guidelines.guide(usual)
    out = [about(fid[i], c, "track_class_change", WARNING, usual,
                 f"class {c.label!r}, the track is {usual!r} elsewhere")
           for i, c in enumerate(cubs) if c.label != usual]
    if len(cubs) < 2:
        return out
    out += _sizes(fid, cubs, guide, config)
    t = times[idx]
    dt = np.maximum(np.diff(t), 1e-6)
    pos = np.array([c.center for c in moving])
    step = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    speed = step / dt
    frame_word = "" if poses is not None else " relative to the sensor"
    max_speed = (guide.max_speed if guide else 60.0) + (0.0 if poses is not None else config.ego_max_speed)
    for i in _blame(speed > max_speed):
        v = float(max(speed[max(i - 1, 0)], speed[min(i, len(speed) - 1)]))
        out.append(about(fid[i], cubs[i], "speed", ERROR, v,
                         f"moves at {v:.1f} m/s{frame_word}; a {usual} moves at most {max_speed:g} m/s"))
    yaw = np.array([c.yaw for c in moving])
    rate = np.abs((np.diff(yaw) + np.pi) % (2 * np.pi) - np.pi) / dt
    max_rate = (guide.max_yaw_rate if guide else 3.0) + (0.0 if poses is not None else config.ego_max_yaw_rate)
    for i in _blame(rate > max_rate):
        r = float(max(rate[max(i - 1, 0)], rate[min(i, len(rate) - 1)]))
        out.append(about(fid[i], cubs[i], "yaw_jump", WARNING, r,
                         f"turns at {r:.1f} rad/s{frame_word}; a {usual} turns at most {max_rate:g} rad/s (heading flipped?)"))
    out += _jumps(fid, cubs, t, pos, config)
    if poses is not None:
        out += _heading_motion(fid, cubs, moving, t, pos, guide, config)
    for a in range(len(idx) - 1):
        missing = np.flatnonzero(labelled[idx[a] + 1:idx[a + 1]]) + idx[a] + 1
        if len(missing):
            out.append(about(frames[missing[0]].frame_id, cubs[a], "track_gap", WARNING, int(len(missing)),
                             f"track {cubs[a].track_id} is missing from {len(missing)} labelled sweep(s) "
                             f"between {fid[a]} and {fid[a + 1]}"))
    return out


def _sizes(fid, cubs, guide, config) -> list[Finding]:
    sizes = np.array([c.size_lwh for c in cubs])
    med = np.median(sizes, axis=0)
    rigid = guide.rigid if guide else True
    tol = config.size_tolerance_rigid if rigid else config.size_tolerance_nonrigid
    diff = np.abs(sizes - med)
    rel = diff / med
    bad = np.any((rel > tol) & (diff > config.size_min_change), axis=1)
    if len(cubs) == 2:  # no majority to compare with: report the change once, on the later box
        bad[0] = False
    out = []
    for i in np.flatnonzero(bad):
        worst = int(np.argmax(rel[i]))
        out.append(about(fid[i], cubs[i], "size_change", ERROR if rigid else WARNING, float(rel[i, worst]),
                         f"{'lwh'[worst]} = {sizes[i, worst]:.2f} m, the track's median is {med[worst]:.2f} m"))
    return out


def _jumps(fid, cubs, t, pos, config) -> list[Finding]:
    n = len(cubs)
    if n < 3:
        return []
    t0, t1, t2 = t[:-2], t[1:-1], t[2:]
    w = ((t1 - t0) / np.maximum(t2 - t0, 1e-6))[:, None]
    predicted = pos[:-2] + w * (pos[2:] - pos[:-2])
    dev = np.zeros(n)
    dev[1:-1] = np.linalg.norm(pos[1:-1] - predicted, axis=1)
    tol = np.full(n, np.inf)
    tol[1:-1] = config.jump_tolerance + 0.5 * MAX_ACCEL * (t1 - t0) * (t2 - t1)
    prev, nxt = np.roll(dev, 1), np.roll(dev, -1)
    peak = (dev > tol) & (dev >= prev) & (dev >= nxt)
    return [about(fid[i], cubs[i], "position_jump", ERROR, float(dev[i]),
                  f"{dev[i]:.2f} m off the path between {fid[i - 1]} and {fid[i + 1]}")
            for i in np.flatnonzero(peak)]


def _blame(bad_segments: np.ndarray) -> list[int]:
    """Observation indices to blame for violating segments (segment k joins k and k + 1)."""
    bad = np.asarray(bad_segments, dtype=bool)
    n = len(bad) + 1
    outlier = np.zeros(n, dtype=bool)
    outlier[1:-1] = bad[:-1] & bad[1:]
    blamed = set(np.flatnonzero(outlier).tolist())
    for k in np.flatnonzero(bad):
        if not outlier[k] and not outlier[k + 1]:
            blamed.add(int(k + 1))
    return sorted(blamed)


def _heading_motion(fid, cubs, moving, t, pos, guide, config) -> list[Finding]:
    """heading_motion: each box's heading against its track's direction of motion, where the
    segments to its neighbours agree on that direction (within 45 degrees; an outlier next
    door says nothing), world frame."""
    n = len(cubs)
    if n < 2:
        return []
    seg = (pos[1:, :2] - pos[:-1, :2]) / np.maximum(np.diff(t), 1e-6)[:, None]  # (n-1, 2) m/s
    rigid = guide.rigid if guide else True
    out = []
    for i in range(n):
        near = [seg[j] for j in (i - 1, i) if 0 <= j < n - 1]
        speeds = [float(np.hypot(*v)) for v in near]
        if min(speeds) <= config.motion_min_speed:
            continue
        if len(near) == 2 and np.dot(near[0], near[1]) < np.cos(np.pi / 4) * speeds[0] * speeds[1]:
            continue
        v = np.mean(near, axis=0)
        direction = np.arctan2(v[1], v[0])
        off = float(np.degrees(abs((moving[i].yaw - direction + np.pi) % (2 * np.pi) - np.pi)))
        if off <= 45:
            continue
        backwards = off > 135
        sev = ERROR if backwards and rigid else WARNING
        hint = "turn it 180 deg" if backwards else "turn it 90 deg"
        out.append(about(fid[i], cubs[i], "heading_motion", sev, round(off, 1),
                         f"points {off:.0f} deg off the way its track moves ({np.hypot(*v):.1f} m/s, "
                         f"{'against' if backwards else 'across'} it): {hint}"))
    return out
