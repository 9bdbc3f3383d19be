"""How much a labeller must do to correct a box: the key presses (the app's nudges, fine or
coarse, app.editing) that a greedy labeller who sees where the box belongs makes to bring it
to a good BEV IoU. Used by the fitting benchmark and by the browser test that labels the
KITTI cars as a person would. No Dash here."""
from __future__ import annotations

import numpy as np

from pointlabel.app.editing import nudge_cuboid
from pointlabel.geometry.boxes import cuboids_to_array
from pointlabel.geometry.iou import bev_iou
from pointlabel.model import Cuboid

GOOD_IOU = 0.7  # a box the labeller accepts as it is
MAX_KEYS = 60   # the greedy labeller gives up after this many presses
# BEV IoU ignores height: the keys a labeller uses to fix a box's footprint
FOOTPRINT_ACTIONS = ("move_forward", "move_back", "move_left", "move_right", "rotate_ccw", "rotate_cw",
                     "longer", "shorter", "wider", "narrower")


def mismatch(boxes: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(M,) how far boxes (M, 7) are from target (7,) in BEV: centre and size (m) and
    heading (rad, modulo 180 degrees) summed."""
    yaw = np.abs((boxes[:, 6] - target[6] + np.pi / 2) % np.pi - np.pi / 2)
    return np.hypot(*(boxes[:, :2] - target[:2]).T) + np.abs(boxes[:, 3:5] - target[3:5]).sum(1) + yaw


def greedy_keys(cuboid: Cuboid, truth: Cuboid, good: float = GOOD_IOU,
                max_keys: int = MAX_KEYS) -> list[tuple[str, bool]] | None:
    """The (action, coarse) presses that bring `cuboid` to BEV IoU >= `good` with `truth`,
    each the one that raises the IoU most (the distance to the truth breaks ties: a box far
    off has IoU 0 for every key); None when stuck or past `max_keys`."""
    target = truth.as_array()
    moves = [(a, coarse) for a in FOOTPRINT_ACTIONS for coarse in (False, True)]
    box, keys = cuboid, []
    iou = float(bev_iou(box.as_array()[None], target[None])[0, 0])
    score = iou - 0.01 * mismatch(box.as_array()[None], target)[0]
    while iou < good:
        if len(keys) >= max_keys:
            return None
        options = cuboids_to_array([nudge_cuboid(box, a, coarse) for a, coarse in moves])
        ious = bev_iou(options, target[None])[:, 0]
        scores = ious - 0.01 * mismatch(options, target)
        k = int(np.argmax(scores))
        if scores[k] <= score:
            return None
        box = nudge_cuboid(box, *moves[k])
        iou, score = float(ious[k]), float(scores[k])
        keys.append(moves[k])
    return keys
