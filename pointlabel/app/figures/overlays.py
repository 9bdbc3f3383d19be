"""The annotations projected into a camera, for the canvas to draw (js/src/cameras.js).

Cameras project with the rig's real calibration: segments are clipped at the near plane and
sampled along their length when the lens distorts (calibration.projection.project_segments).
The 3D view and the BEV draw the annotations themselves from the page state, with the same
corner order and edge list (app.canvas_config hands calibration.cuboid_topology over).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from calibration.cuboid_topology import EDGES
from calibration.projection import polyline_segments, project_segments, segments_to_path
from pointlabel.app.figures.style import PROPOSAL_COLOUR, class_colour
from pointlabel.model import STATUS_PROPOSAL, STATUS_REJECTED, Cuboid, FrameAnnotations, Polyline3D, Redaction2D

REDACTION_COLOUR = "#ff5252"

Projector = Callable[[np.ndarray], np.ndarray]  # (M, 2, 3) LiDAR segments -> (P, d) NaN-gapped path


def cuboid_segments(c: Cuboid, bottom_only: bool = False) -> np.ndarray:
    """(12 or 4, 2, 3) edges plus the heading tick (centre of the bottom face to the middle of
    its front edge), LiDAR frame."""
    corners = c.corners()
    edges = corners[EDGES[:4] if bottom_only else EDGES]
    bottom_centre = corners[:4].mean(0)
    front_mid = corners[[0, 1]].mean(0)
    return np.concatenate([edges, np.stack([bottom_centre, front_mid])[None]], axis=0)


def camera_projector(sensor) -> Projector:
    """Segments in the LiDAR frame -> image path, for one CameraSensor of the rig."""
    def project(seg: np.ndarray) -> np.ndarray:
        seg = np.asarray(seg, dtype=float).reshape(-1, 2, 3)
        if len(seg) == 0:
            return np.zeros((0, 2))
        seg_cam = sensor.lidar_to_cam(seg.reshape(-1, 3)).reshape(-1, 2, 3)
        return segments_to_path(project_segments(seg_cam, sensor.camera))
    return project


def _flat_path(path: np.ndarray) -> list:
    """(P, 2) pixels with NaN rows between pieces -> [u, v, u, v, None, None, ...] (JSON)."""
    out = np.round(np.asarray(path, dtype=float)[:, :2], 1).ravel().tolist()
    return [None if v != v else v for v in out]


def _region_outline(r: Redaction2D) -> np.ndarray:
    """(P, 2) the closed outline of a drawn redact region, recorded-image pixels."""
    if r.box_xyxy is not None:
        l, t, rt, b = r.box_xyxy
        return np.array([(l, t), (rt, t), (rt, b), (l, b), (l, t)], dtype=float)
    pts = np.asarray(r.polygon, dtype=float)
    return np.concatenate([pts, pts[:1]])


def camera_paths(anns: FrameAnnotations | None, sensor, class_colours: Mapping[str, str] | None = None) -> list[dict]:
    """The annotations projected into one camera, for the canvas to draw (js/src/cameras.js):
    [{"id", "kind": box | proposal | polyline | redaction, "colour", "path": flat [u, v, ...]
    with None between pieces, "bbox": [u0, v0, u1, v1] of the visible path}]. Pixels of the
    original image; segments clipped at the near plane and bent by the lens (camera_projector)."""
    project = camera_projector(sensor)
    out = []
    for a in (anns or FrameAnnotations("")):
        if isinstance(a, Cuboid) and a.status != STATUS_REJECTED:
            path = project(cuboid_segments(a))
            kind = "proposal" if a.status == STATUS_PROPOSAL else "box"
        elif isinstance(a, Polyline3D) and len(a.vertices) >= 2:
            path = project(polyline_segments(a.points, a.closed))
            kind = "polyline"
        elif isinstance(a, Redaction2D) and a.camera == sensor.name and a.status != STATUS_REJECTED:
            path, kind = _region_outline(a), "redaction"
        else:
            continue
        finite = path[np.isfinite(path).all(axis=1)] if len(path) else path
        if len(finite) == 0:
            continue
        colour = {"proposal": PROPOSAL_COLOUR, "redaction": REDACTION_COLOUR}.get(kind) or class_colour(a.label, class_colours)
        out.append({"id": a.id, "kind": kind, "colour": colour, "path": _flat_path(path),
                    "bbox": [float(v) for v in (*finite.min(axis=0)[:2], *finite.max(axis=0)[:2])]})
    return out
