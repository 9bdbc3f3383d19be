"""Licence plates painted on the generated vehicles' front and rear faces (camera images only:
paint does not change the LiDAR's geometry).

A plate is PLATE_W x PLATE_H metres (the EU size), centred across the face, its centre
PLATE_Z above the bottom of the vehicle (per class, per face). It shows seven glyphs of a
3x5 pixel font, black on white, derived from the track id, so every car carries its own
deterministic text. `plate_corners_object` gives the plate's corners in the object frame
(x forward, y left, z up, origin at the bottom centre of the box) for tests and redaction.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PLATE_W, PLATE_H = 0.52, 0.11  # metres
PLATE_Z = {"Car": (0.40, 0.40), "Van": (0.42, 0.45), "Truck": (0.60, 0.86)}  # (front, rear) centre height
WHITE, BLACK = (236, 236, 230), (18, 18, 22)
FACE_TOLERANCE = 0.01  # metres: a hit this close to the face plane is on the face

# 3x5 glyphs (rows top to bottom), a few letters and the digits
_FONT = {
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
    "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001010010010",
    "8": "111101111101111", "9": "111101111001111", "A": "010101111101101", "B": "110101110101110",
    "K": "101101110101101", "M": "101111111101101", "P": "111101111100100", "S": "111100111001111",
}
_LETTERS = "ABKMPS"


def plate_text(track_id: int) -> str:
    """Seven characters: two letters, a gap, four digits (e.g. 'KM 0137')."""
    a, b = _LETTERS[track_id % 6], _LETTERS[(track_id // 6) % 6]
    return f"{a}{b} {track_id % 10000:04d}"


def plate_bitmap(text: str) -> np.ndarray:
    """(7, 4 * len(text) + 1) bool, True = black: a one-cell border of white around the glyphs."""
    rows, cols = 7, 4 * len(text) + 1
    bm = np.zeros((rows, cols), bool)
    for k, ch in enumerate(text):
        if ch == " ":
            continue
        glyph = np.array([c == "1" for c in _FONT[ch]]).reshape(5, 3)
        bm[1:6, 1 + 4 * k:4 + 4 * k] = glyph
    return bm


@dataclass(frozen=True)
class Plates:
    """Per actor: has a plate, front and rear face x (object frame), plate centre heights,
    and the plate's bitmap."""

    has: np.ndarray  # (A,) bool
    x_face: np.ndarray  # (A, 2) front, rear
    z_centre: np.ndarray  # (A, 2)
    bitmaps: np.ndarray  # (A, 7, C) bool


def plates_of(actors) -> Plates:
    n = len(actors)
    cols = 4 * 7 + 1
    has = np.zeros(n, bool)
    x_face = np.zeros((n, 2))
    z_centre = np.zeros((n, 2))
    bitmaps = np.zeros((n, 7, cols), bool)
    for k, a in enumerate(actors):
        if a.label not in PLATE_Z:
            continue
        lo, hi = a.mesh.bounds
        has[k] = True
        x_face[k] = (hi[0], lo[0])
        z_centre[k] = PLATE_Z[a.label]
        bitmaps[k] = plate_bitmap(plate_text(a.track_id))
    return Plates(has, x_face, z_centre, bitmaps)


def plate_corners_object(x_face: float, z_centre: float, front: bool) -> np.ndarray:
    """(4, 3) plate corners in the object frame: top-left, top-right, bottom-right,
    bottom-left as seen by someone facing the plate."""
    left_y = -PLATE_W / 2 if front else PLATE_W / 2  # facing the front, the viewer's left is -y
    ys = np.array([left_y, -left_y, -left_y, left_y])
    zs = z_centre + np.array([1, 1, -1, -1]) * PLATE_H / 2
    return np.column_stack([np.full(4, x_face), ys, zs])


def paint_plates(rgb: np.ndarray, pts_world: np.ndarray, actor: np.ndarray, poses: np.ndarray,
                 plates: Plates) -> None:
    """Recolour, in place, the hits (rgb (N, 3) uint8, pts_world (N, 3), actor (N,) index or
    negative) that land on a plate. poses: (A, 4, 4) T_world_from_object."""
    idx = np.flatnonzero(actor >= 0)
    idx = idx[plates.has[actor[idx]]]
    if not len(idx):
        return
    a = actor[idx]
    T = poses[a]
    local = np.einsum("nji,nj->ni", T[:, :3, :3], pts_world[idx] - T[:, :3, 3])  # R^T (p - t)
    for face, sign in ((0, 1.0), (1, -1.0)):
        s = (local[:, 1] * sign + PLATE_W / 2) / PLATE_W  # 0 at the viewer's left
        t = (plates.z_centre[a, face] + PLATE_H / 2 - local[:, 2]) / PLATE_H  # 0 at the top
        on = (np.abs(local[:, 0] - plates.x_face[a, face]) < FACE_TOLERANCE) & (s >= 0) & (s < 1) & (t >= 0) & (t < 1)
        if not on.any():
            continue
        bm = plates.bitmaps[a[on]]
        rows = np.minimum((t[on] * bm.shape[1]).astype(int), bm.shape[1] - 1)
        cols = np.minimum((s[on] * bm.shape[2]).astype(int), bm.shape[2] - 1)
        black = bm[np.arange(len(rows)), rows, cols]
        rgb[idx[on]] = np.where(black[:, None], BLACK, WHITE)
