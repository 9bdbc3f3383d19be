"""Carry a track's box from one sweep to the next, and interpolate between keyframes.

`propagate` predicts the box's pose in the next sweep (unchanged, or moved by `motion`), takes
the above-ground clusters that reach into the predicted box, and re-fits the box to them
keeping its size: heading by the closeness criterion within +-`max_turn_deg` of the predicted
heading, position by the box's seen edges (the box must hold the points; along a partly seen
side it grows where the sweep saw no free space, as in `fit`, or else stays as near the
prediction as the points allow). With no points there, the prediction is returned with
confidence 0.

All boxes and points are in the LiDAR frame of their own sweep; a `motion` is a (4, 4)
transform that maps the box of the previous sweep to its predicted box in the next one
(ego motion and the object's own motion together). `propagate_track` composes it from the
sensor's motion (from the dataset's poses, when it has them) and the object's own constant
velocity over the last two boxes. When nothing reaches into the predicted box, the nearest
cluster within the search margin is taken (at half confidence).

Geometry gives a heading only up to 180 degrees. Where a track moves (its box centres travel
at least `MotionConfig.min_travel` m, nearly every step the same way), its front is where it
goes: `orient_along_motion` turns every box of the track whose +x points against the motion
by 180 degrees; `propagate_track` does so to the boxes it makes, the first box included.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyquaternion import Quaternion

from pointlabel.fitting.cluster import components
from pointlabel.fitting.context import FrameContext
from pointlabel.fitting.fit import closeness_heading, growth_direction, rect_axes, rect_extent
from pointlabel.geometry.boxes import points_in_box_mask
from pointlabel.model import STATUS_CONFIRMED, STATUS_PROPOSAL, STATUS_REJECTED, Cuboid, new_id


@dataclass(frozen=True)
class MotionConfig:
    """When a track's motion tells its heading (metres)."""

    min_travel: float = 1.0  # the centres must travel at least this far in all ...
    min_step: float = 0.1  # ... steps shorter than this are standing still (noise) ...
    min_agreement: float = 0.8  # ... and this share of the longer steps go within 60 degrees of the travel


DEFAULT_MOTION = MotionConfig()


def propagate(cuboid: Cuboid, ctx_next: FrameContext, motion: np.ndarray | None = None,
              search: float = 1.5, max_turn_deg: float = 25.0) -> Cuboid:
    """The box of `cuboid`'s object in the next sweep (a new proposal with the same size,
    label and track id). motion: optional (4, 4) predicted box motion (see module doc)."""
    pred = cuboid if motion is None else cuboid.transformed(np.asarray(motion, dtype=float))
    pred = pred.replace(pitch=0.0, roll=0.0, id=new_id(), status=STATUS_PROPOSAL, source="propagated")
    box = pred.as_array()
    grown = box.copy()
    grown[3:5] += 2 * search
    grown[5] += 1.0
    near = np.asarray(ctx_next.tree.query_ball_point(box[:3], np.linalg.norm(grown[3:6]) / 2), dtype=int)
    pts = ctx_next.obj_pts[near]
    pts = pts[points_in_box_mask(pts, grown)]
    found_in_box = 1.0
    if len(pts):
        labels = components(pts)
        touching = np.unique(labels[points_in_box_mask(pts, box, margin=0.2)])
        if len(touching) == 0:  # moved off the prediction: the nearest cluster around it
            touching = labels[[np.argmin(np.hypot(*(pts[:, :2] - box[:2]).T))]]
            found_in_box = 0.5
        pts = pts[np.isin(labels, touching)]
    if len(pts) < 3:
        return pred.replace(confidence=0.0)
    length, width, height = pred.size_lwh
    turn = np.radians(np.arange(-max_turn_deg, max_turn_deg + 1e-9, 1.0))
    theta = closeness_heading(pts[:, :2], angles=pred.yaw + turn)
    lo, hi = rect_extent(pts[:, :2], theta)
    axes = rect_axes(theta)
    predicted = axes @ box[:2]
    size = np.array([length, width])
    # Along a partly seen side the box grows where the sweep saw no free space; if that
    # cannot be told, it goes anywhere that holds every point, nearest the prediction.
    ground_z = float(ctx_next.ground.height_at(box[None, :2])[0])
    toward = growth_direction(ctx_next, theta, lo, hi, ground_z + height / 2)
    first, last = hi - size / 2, lo + size / 2
    centre_ab = np.where(toward > 0, last, np.where(toward < 0, first, np.clip(predicted, first, last)))
    centre_ab = np.where(first <= last, centre_ab, (lo + hi) / 2)
    centre_xy = centre_ab @ axes
    ground_z = float(ctx_next.ground.height_at(centre_xy[None])[0])
    out = pred.replace(center=(*centre_xy, ground_z + height / 2), yaw=theta)
    inside = points_in_box_mask(pts, out.as_array(), margin=0.1).mean()
    confidence = (1 - np.exp(-len(pts) / 40)) * inside * found_in_box
    return out.replace(confidence=round(float(confidence), 3))


def box_pose(cuboid: Cuboid) -> np.ndarray:
    """(4, 4) T_lidar_from_box of an upright box (rotation about +z by yaw, then its centre)."""
    c, s = np.cos(cuboid.yaw), np.sin(cuboid.yaw)
    T = np.eye(4)
    T[:2, :2] = [[c, -s], [s, c]]
    T[:3, 3] = cuboid.center
    return T


def constant_velocity(prev: Cuboid, cur: Cuboid) -> np.ndarray:
    """(4, 4) motion repeating the step prev -> cur in the box's own frame."""
    step = np.linalg.inv(box_pose(prev)) @ box_pose(cur)
    return box_pose(cur) @ step @ np.linalg.inv(box_pose(cur))


def propagate_track(cuboid: Cuboid, contexts, keyframes=None, ego_motions=None, **kwargs) -> list[Cuboid]:
    """The box carried through the sweeps `contexts` (FrameContexts in order, the first one
    after the cuboid's own sweep; any iterable, e.g. a lazy generator), each step predicted
    from the last two boxes (constant velocity of the object itself).

    keyframes: optional sequence aligned with `contexts` of Cuboid or None; a keyframe box is
    taken as it is and the track goes on from it. ego_motions: optional sequence aligned
    with `contexts` of (4, 4) T_this_sweep_from_previous_sweep (the sensor's own motion,
    e.g. from poses) or None for "unknown, assume none".

    Where the track moves, the boxes made (not the keyframes) get their +x along the motion
    (`orient_along_motion`, over the first box and all those returned)."""
    out, prev, cur = [], None, cuboid
    T_own_from_first = [np.eye(4)]
    is_key = []
    for k, ctx in enumerate(contexts):
        ego = None if ego_motions is None else ego_motions[k]
        ego = np.eye(4) if ego is None else np.asarray(ego, dtype=float)
        key = None if keyframes is None else keyframes[k]
        if key is not None:
            nxt = key
        else:
            step = np.eye(4) if prev is None else constant_velocity(prev, cur)
            nxt = propagate(cur, ctx, ego @ step, **kwargs)
        prev, cur = cur.transformed(ego), nxt
        out.append(nxt)
        is_key.append(key is not None)
        T_own_from_first.append(ego @ T_own_from_first[-1])
    oriented = orient_along_motion([cuboid] + out, [np.linalg.inv(T) for T in T_own_from_first])[1:]
    return [box if key else turned for box, turned, key in zip(out, oriented, is_key)]


def motion_heading(centres_xy: np.ndarray, config: MotionConfig = DEFAULT_MOTION) -> float | None:
    """The direction (rad, atan2 in the centres' frame) a track moves in, from its box
    centres centres_xy (T, 2) in one common frame, in time order; None when it stands still
    or its steps disagree (see MotionConfig)."""
    xy = np.asarray(centres_xy, dtype=float).reshape(-1, 2)
    if len(xy) < 2:
        return None
    travel = xy[-1] - xy[0]
    dist = float(np.hypot(*travel))
    if dist < config.min_travel:
        return None
    steps = np.diff(xy, axis=0)
    length = np.hypot(steps[:, 0], steps[:, 1])
    moving = length >= config.min_step
    if not moving.any():
        return None
    cos = steps[moving] @ (travel / dist) / length[moving]
    if np.mean(cos >= 0.5) < config.min_agreement:
        return None
    return float(np.arctan2(travel[1], travel[0]))


def orient_along_motion(cuboids: list[Cuboid], T_common_from_own: list | None = None,
                        config: MotionConfig = DEFAULT_MOTION) -> list[Cuboid]:
    """One track's boxes in time order, each turned by 180 degrees where its +x points
    against the track's motion (unchanged when the motion tells nothing, see
    `motion_heading`). Each box is in its own sweep's LiDAR frame; T_common_from_own:
    optional (4, 4) per box mapping its frame into one common frame (from the poses; None:
    the frames are the same, a sensor standing still)."""
    if len(cuboids) < 2:
        return list(cuboids)
    T = [np.eye(4) if t is None else np.asarray(t, dtype=float)
         for t in (T_common_from_own or [None] * len(cuboids))]
    centres = np.array([(Tk[:3, :3] @ np.asarray(c.center) + Tk[:3, 3])[:2] for c, Tk in zip(cuboids, T)])
    heading = motion_heading(centres, config)
    if heading is None:
        return list(cuboids)
    way = np.array([np.cos(heading), np.sin(heading)])
    out = []
    for c, Tk in zip(cuboids, T):
        front = (Tk[:3, :3] @ [np.cos(c.yaw), np.sin(c.yaw), 0.0])[:2]
        if front @ way < 0:
            c = c.replace(yaw=float((c.yaw + 2 * np.pi) % (2 * np.pi) - np.pi))
        out.append(c)
    return out


def propagate_in_store(dataset, store, track_id: int, start: str, end: str,
                       label_set: str = "default") -> list[tuple[str, Cuboid, bool]]:
    """Carry track `track_id`'s box of frame `start` through the dataset's frames up to `end`
    (either direction) and write the results into the AnnotationStore as proposals. A
    frame's confirmed box of the track is kept and the track goes on from it; an earlier
    proposal of the track is replaced. Returns (frame id, box, kept) per frame."""
    from pointlabel.errors import PointlabelError
    from pointlabel.fitting.context import context_for
    ids = dataset.frame_ids
    for f in (start, end):
        if f not in ids:
            raise PointlabelError(f"no frame {f!r}", dataset.root)
    if start == end:
        raise PointlabelError("the first and last frame are the same")
    box = _track_box(store, start, track_id, label_set)
    if box is None:
        raise PointlabelError(f"frame {start} has no box of track {track_id}")
    i0, i1 = ids.index(start), ids.index(end)
    step = 1 if i1 > i0 else -1
    frames = ids[i0 + step:i1 + step:step]
    current = [_track_box(store, f, track_id, label_set) for f in frames]
    seen = {c.id: store.version(c.id, label_set) for c in current if c is not None}  # what the change is based on
    keyframes = [c if c is not None and c.status == STATUS_CONFIRMED else None for c in current]
    poses = getattr(dataset, "poses", None) or {}
    chain = [start] + frames
    ego = [np.linalg.inv(poses[b]) @ poses[a] if a in poses and b in poses else None
           for a, b in zip(chain, chain[1:])]
    boxes = propagate_track(box, (context_for(dataset, f) for f in frames), keyframes=keyframes,
                            ego_motions=ego)
    out = []
    for fid, new, old, key in zip(frames, boxes, current, keyframes):
        if key is None:
            new = new.replace(track_id=track_id, id=new.id if old is None else old.id)
            store.put(fid, new, label_set=label_set, author="propagate",  # refused if changed meanwhile
                      expected_version=seen.get(new.id, 0))
        out.append((fid, new, key is not None))
    return out


def _track_box(store, frame_id: str, track_id: int, label_set: str) -> Cuboid | None:
    return next((c for c in store.frame(frame_id, label_set).cuboids
                 if c.track_id == track_id and c.status != STATUS_REJECTED), None)


def interpolate(c0: Cuboid, t0: float, c1: Cuboid, t1: float, t: float) -> Cuboid:
    """The box at time t between keyframes c0 (time t0) and c1 (time t1): centre and size
    linear, orientation by quaternion slerp. A new proposal with c0's label and track id."""
    if t1 == t0:
        raise ValueError("keyframes must be at different times")
    a = (t - t0) / (t1 - t0)
    center = (1 - a) * np.asarray(c0.center) + a * np.asarray(c1.center)
    size = (1 - a) * np.asarray(c0.size_lwh) + a * np.asarray(c1.size_lwh)
    R = Quaternion.slerp(c0.quaternion, c1.quaternion, amount=a).rotation_matrix
    return c0.replace(center=center, size_lwh=size, yaw=float(np.arctan2(R[1, 0], R[0, 0])),
                      pitch=float(np.arcsin(-np.clip(R[2, 0], -1, 1))),
                      roll=float(np.arctan2(R[2, 1], R[2, 2])), id=new_id(),
                      status=STATUS_PROPOSAL, confidence=None, source="interpolated")
