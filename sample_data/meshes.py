"""Triangle meshes of the generated scene, as plain numpy: primitives and the object models.

A `Mesh` holds vertices (V, 3) in its own frame and triangles (F, 3) with a per-triangle
`part` (an index into PARTS: what the surface is made of, for colour and LiDAR reflectivity).
Object models (car, pedestrian, cyclist, ...) are built in the object frame: x forward (the
heading), y left, z up, origin at the centre of the bottom of the mesh's bounding box, so the
object's ground-truth cuboid is exactly the bounds of its vertices.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Surface kinds. Object parts are coloured by the object's own colour ("body", and "glass"
# as a dark shade of it); the rest have fixed colours (see scene.MATERIALS).
PARTS = ("body", "glass", "tyre")
BODY, GLASS, TYRE = range(3)

_BOX_FACES = np.array([[0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4],
                       [1, 2, 6], [1, 6, 5], [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7]])


@dataclass(frozen=True)
class Mesh:
    """vertices: (V, 3) own frame; triangles: (F, 3) int; part: (F,) int (PARTS index)."""

    vertices: np.ndarray
    triangles: np.ndarray
    part: np.ndarray

    @property
    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(min (3,), max (3,)) of the vertices."""
        return self.vertices.min(0), self.vertices.max(0)


def box(lo, hi, part: int = BODY) -> Mesh:
    """Axis-aligned box from corner lo (3,) to corner hi (3,)."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    unit = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0],
                     [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]], float)
    return Mesh(lo + unit * (hi - lo), _BOX_FACES.copy(), np.full(12, part))


def prism_y(profile_xz, y0: float, y1: float, part: int = BODY) -> Mesh:
    """A convex polygon in x-z (K, 2), counter-clockwise seen from +y, extruded from y0 to y1."""
    p = np.asarray(profile_xz, float)
    k = len(p)
    near = np.column_stack([p[:, 0], np.full(k, y0), p[:, 1]])
    far = np.column_stack([p[:, 0], np.full(k, y1), p[:, 1]])
    tris = [[0, i, i + 1] for i in range(1, k - 1)]
    tris += [[k, k + i + 1, k + i] for i in range(1, k - 1)]
    for i in range(k):
        j = (i + 1) % k
        tris += [[i, j, k + j], [i, k + j, k + i]]
    tris = np.array(tris)
    return Mesh(np.vstack([near, far]), tris, np.full(len(tris), part))


def cylinder(center, radius: float, length: float, axis: str = "z", part: int = BODY,
             facets: int = 12) -> Mesh:
    """Closed cylinder centred at `center` (3,) along the given axis ('x', 'y' or 'z')."""
    a = np.linspace(0, 2 * np.pi, facets, endpoint=False)
    ring = np.column_stack([radius * np.cos(a), radius * np.sin(a)])
    h = length / 2
    local = np.vstack([np.column_stack([ring, np.full(facets, -h)]),
                       np.column_stack([ring, np.full(facets, h)]),
                       [[0, 0, -h], [0, 0, h]]])
    order = {"z": [0, 1, 2], "x": [2, 0, 1], "y": [1, 2, 0]}[axis]
    verts = local[:, order] + np.asarray(center, float)
    i = np.arange(facets)
    j = (i + 1) % facets
    side = np.concatenate([np.column_stack([i, j, facets + j]), np.column_stack([i, facets + j, facets + i])])
    caps = np.concatenate([np.column_stack([np.full(facets, 2 * facets), j, i]),
                           np.column_stack([np.full(facets, 2 * facets + 1), facets + i, facets + j])])
    tris = np.concatenate([side, caps])
    return Mesh(verts, tris, np.full(len(tris), part))


def merge(meshes) -> Mesh:
    """One mesh of several (same frame)."""
    verts, tris, parts, offset = [], [], [], 0
    for m in meshes:
        verts.append(m.vertices)
        tris.append(m.triangles + offset)
        parts.append(m.part)
        offset += len(m.vertices)
    return Mesh(np.concatenate(verts), np.concatenate(tris), np.concatenate(parts))


def centred(mesh: Mesh) -> Mesh:
    """The mesh moved so its bounding box is centred in x, y and starts at z = 0."""
    lo, hi = mesh.bounds
    shift = np.array([(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, lo[2]])
    return Mesh(mesh.vertices - shift, mesh.triangles, mesh.part)


# ------------------------------------------------------------------------- object models

def vehicle(length: float, width: float, height: float, cabin: float = 0.55,
            clearance: float = 0.18) -> Mesh:
    """A car/van/truck: wheels, a lower body, and a tapered glass cabin on top."""
    r = min(0.36, 0.22 * height + 0.05)
    tyre_w = 0.22
    axle = length / 2 - max(0.75, 0.17 * length)
    wheels = [cylinder((sx * axle, sy * (width / 2 - tyre_w / 2), r), r, tyre_w, "y", TYRE)
              for sx in (-1, 1) for sy in (-1, 1)]
    belt = clearance + (height - clearance) * (1 - cabin) if cabin < 1 else height
    inset = 0.06
    lower = box((-length / 2, -width / 2 + inset, clearance), (length / 2, width / 2 - inset, belt))
    parts = wheels + [lower]
    if cabin < 1:
        # cabin profile in x-z: front windscreen slope, flat roof, rear slope
        x_rear, x_front = -0.42 * length, 0.22 * length
        roof_rear, roof_front = x_rear + 0.12 * length, x_front - 0.2 * length
        profile = [(x_rear, belt), (x_front, belt), (roof_front, height), (roof_rear, height)]
        parts.append(prism_y(profile, -width / 2 + 0.12, width / 2 - 0.12, GLASS))
    return centred(merge(parts))


def box_truck(length: float, width: float, height: float) -> Mesh:
    """A truck: a cab with a glass front and a tall cargo box behind it."""
    r = 0.48
    cab_l = 2.3
    wheels = [cylinder((x, sy * (width / 2 - 0.17), r), r, 0.34, "y", TYRE)
              for x in (length / 2 - 1.3, -length / 2 + 1.6, -length / 2 + 2.7) for sy in (-1, 1)]
    cab = box((length / 2 - cab_l, -width / 2 + 0.05, 0.45), (length / 2, width / 2 - 0.05, height * 0.55))
    glass = box((length / 2 - cab_l + 0.3, -width / 2 + 0.08, height * 0.55),
                (length / 2 - 0.15, width / 2 - 0.08, height * 0.82), GLASS)
    cargo = box((-length / 2, -width / 2, 0.7), (length / 2 - cab_l - 0.15, width / 2, height))
    return centred(merge(wheels + [cab, glass, cargo]))


def pedestrian(height: float, shoulder: float, stride: float) -> Mesh:
    """A standing or walking person facing +x: legs (apart by `stride`), torso, arms, head."""
    leg_h = 0.47 * height
    hip = leg_h
    legs = [box((sx * stride / 2 - 0.08, sy * 0.11 - 0.075, 0.0),
                (sx * stride / 2 + 0.08, sy * 0.11 + 0.075, hip + 0.05)) for sx, sy in ((1, 1), (-1, -1))]
    torso_top = 0.82 * height
    torso = box((-0.12, -shoulder / 2 + 0.09, hip - 0.04), (0.12, shoulder / 2 - 0.09, torso_top))
    arm_y = shoulder / 2 - 0.045
    arms = [box((-0.07, sy * arm_y - 0.045, hip + 0.02), (0.07, sy * arm_y + 0.045, torso_top - 0.02))
            for sy in (-1, 1)]
    head = box((-0.1, -0.085, torso_top + 0.03), (0.11, 0.085, height))
    return centred(merge(legs + [torso] + arms + [head]))


def cyclist(height: float) -> Mesh:
    """A bicycle (tyres, frame) with a rider leaning forward, facing +x."""
    r = 0.34
    wb = 1.05  # wheelbase
    wheels = [cylinder((sx * wb / 2, 0, r), r, 0.05, "y", TYRE, facets=16) for sx in (-1, 1)]
    frame = box((-wb / 2 + 0.1, -0.04, r - 0.05), (wb / 2 - 0.1, 0.04, r + 0.42))
    seat_h = r + 0.5
    legs = box((-0.15, -0.16, r - 0.05), (0.2, 0.16, seat_h))
    torso_top = height - 0.28
    torso = prism_y([(-0.2, seat_h), (0.05, seat_h), (0.32, torso_top), (0.05, torso_top)], -0.19, 0.19)
    arms = box((0.15, -0.25, torso_top - 0.35), (wb / 2 - 0.05, 0.25, torso_top - 0.2))
    head = box((0.12, -0.09, torso_top), (0.34, 0.09, height))
    return centred(merge(wheels + [frame, legs, torso, arms, head]))
