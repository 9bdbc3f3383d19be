"""KITTI difficulty levels (see ../shared/CONVENTIONS.md):

    level      2D box height   truncation   occlusion
    easy       >= 40 px        <= 0.15      0 (fully visible)
    moderate   >= 25 px        <= 0.30      <= 1 (partly occluded)
    hard       >= 25 px        <= 0.50      <= 2 (largely occluded)

An object gets the easiest level it satisfies; one that satisfies none (too small, too
truncated, occlusion unknown (3) or not in any camera) is "ignored", as KITTI's evaluation
ignores it. The inputs come from the annotation's own KITTI fields when it was imported from
a label file, otherwise from its projection into the camera where it appears largest and its
`occluded` attribute (0 when absent).
"""
from __future__ import annotations

import numpy as np

EASY, MODERATE, HARD, IGNORED = "easy", "moderate", "hard", "ignored"
LEVELS = (EASY, MODERATE, HARD)
# level -> (min box height px, max truncation, max occlusion)
KITTI_LEVELS = {EASY: (40.0, 0.15, 0), MODERATE: (25.0, 0.30, 1), HARD: (25.0, 0.50, 2)}


def kitti_difficulty(height_px, truncation, occlusion) -> np.ndarray:
    """Vectorised: (N,) 2D box heights (px), truncations (0-1), occlusion levels -> (N,) str
    array of 'easy' | 'moderate' | 'hard' | 'ignored' (scalars give a 0-d array)."""
    h = np.asarray(height_px, dtype=float)
    t = np.asarray(truncation, dtype=float)
    o = np.asarray(occlusion, dtype=float)
    out = np.full(np.broadcast(h, t, o).shape, IGNORED, dtype=object)
    for level in reversed(LEVELS):  # the easiest level satisfied wins: assign it last
        min_h, max_t, max_o = KITTI_LEVELS[level]
        out[(h >= min_h) & (t <= max_t) & (o <= max_o)] = level
    return out


def difficulty_inputs(cuboid, box2d=None) -> tuple[float, float, int] | None:
    """(height px, truncation, occlusion) of a cuboid: its imported KITTI fields if any, else
    `box2d` (a calibration.projection.Box2D of its projection) and attributes['occluded']."""
    kitti = cuboid.attributes.get("kitti")
    if isinstance(kitti, dict) and kitti.get("bbox") is not None:
        left, top, right, bottom = kitti["bbox"]
        return float(bottom - top), float(kitti.get("truncated", 0.0)), int(kitti.get("occluded", 0))
    if box2d is None:
        return None
    return float(box2d.height), float(box2d.truncation), int(cuboid.attributes.get("occluded", 0) or 0)


def difficulty_of(cuboid, box2d=None) -> str:
    """The KITTI difficulty of one cuboid (see the module docstring)."""
    inputs = difficulty_inputs(cuboid, box2d)
    if inputs is None:
        return IGNORED
    return str(kitti_difficulty(*inputs)[()])


def frame_difficulties(dataset, frame_id: str, cuboids) -> dict[str, str]:
    """annotation id -> difficulty of the cuboids of one frame of `dataset`, projected into its
    cameras (the one where each appears largest); without a usable rig, from the labels alone."""
    from calibration.errors import CalibrationError
    from pointlabel.errors import PointlabelError
    from pointlabel.qa.consistency import best_view, project_views
    try:
        rig = dataset.rig(frame_id)
    except (PointlabelError, CalibrationError):
        rig = None
    cuboids = list(cuboids)
    out = {}
    for c, seen in zip(cuboids, project_views(cuboids, rig)):
        view = best_view(seen)
        out[c.id] = difficulty_of(c, view.box if view else None)
    return out
