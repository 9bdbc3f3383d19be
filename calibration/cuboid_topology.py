"""The one corner order and edge list of a cuboid, used by every renderer, projector and exporter.

Seen from above, heading pointing "front" (local +x), corners 0-3 are the bottom face and
4-7 the top face directly above them::

        front (+x)
      4 -------- 5        top face    (z = +h/2)
      |          |
      7 -------- 6
      0 -------- 1        bottom face (z = -h/2)
      |          |
      3 -------- 2
        rear

    0 front-left, 1 front-right, 2 rear-right, 3 rear-left (left is local +y).
"""
from __future__ import annotations

import numpy as np

# Unit corners in the box's own frame (x along the heading, y left, z up), times (l, w, h)/2.
UNIT_CORNERS = np.array([
    [+1, +1, -1], [+1, -1, -1], [-1, -1, -1], [-1, +1, -1],
    [+1, +1, +1], [+1, -1, +1], [-1, -1, +1], [-1, +1, +1],
], dtype=float) * 0.5

EDGES = np.array([
    [0, 1], [1, 2], [2, 3], [3, 0],  # bottom
    [4, 5], [5, 6], [6, 7], [7, 4],  # top
    [0, 4], [1, 5], [2, 6], [3, 7],  # verticals
], dtype=int)

FRONT_FACE = np.array([0, 1, 5, 4], dtype=int)


def box_corners(center, size_lwh, R: np.ndarray) -> np.ndarray:
    """(8, 3) corners in the frame of `center`; R: (3, 3) box-to-frame rotation."""
    local = UNIT_CORNERS * np.asarray(size_lwh, dtype=float)
    return local @ np.asarray(R, dtype=float).T + np.asarray(center, dtype=float)


def batch_box_corners(boxes: np.ndarray) -> np.ndarray:
    """boxes: (M, 7) [x, y, z, l, w, h, yaw] (yaw about +z) -> (M, 8, 3) corners."""
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 7)
    local = UNIT_CORNERS[None] * boxes[:, None, 3:6]
    c, s = np.cos(boxes[:, 6])[:, None], np.sin(boxes[:, 6])[:, None]
    x = local[..., 0] * c - local[..., 1] * s
    y = local[..., 0] * s + local[..., 1] * c
    return np.stack([x, y, local[..., 2]], axis=-1) + boxes[:, None, :3]
