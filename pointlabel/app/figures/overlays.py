"""Annotation overlays, the same fixed slots in every view (3D, BEV, each camera).

Slots (in this order, after a figure's point traces):
  boxes      confirmed cuboids' edges and heading tick, coloured by class
  proposals  unconfirmed proposals, dashed orange
  centres    one marker per cuboid (clicking it selects the cuboid)
  selected   the selected cuboid or polyline, drawn bright
  polylines  every polyline
  vertices   polyline vertices (clicking one selects it)
  active     the selected vertex
Rejected proposals are not drawn. Every point carries `customdata` "ann:<id>" or
"vtx:<id>:<k>", which the page's click routing reads to select.
Cameras project with the rig's real calibration: segments are clipped at the near plane and
sampled along their length when the lens distorts (calibration.projection.project_segments).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import plotly.graph_objects as go

from calibration.cuboid_topology import EDGES
from calibration.projection import polyline_segments, project_segments, segments_to_path
from pointlabel.app.figures.style import PROPOSAL_COLOUR, SELECTED_COLOUR, class_colour
from pointlabel.model import (
    STATUS_PROPOSAL,
    STATUS_REJECTED,
    Cuboid,
    FrameAnnotations,
    Polyline3D,
)

OVERLAY_SLOTS = ("boxes", "proposals", "centres", "selected", "polylines", "vertices", "active")

Projector = Callable[[np.ndarray], np.ndarray]  # (M, 2, 3) LiDAR segments -> (P, d) NaN-gapped path


def cuboid_segments(c: Cuboid, bottom_only: bool = False) -> np.ndarray:
    """(12 or 4, 2, 3) edges plus the heading tick (centre of the bottom face to the middle of
    its front edge), LiDAR frame."""
    corners = c.corners()
    edges = corners[EDGES[:4] if bottom_only else EDGES]
    bottom_centre = corners[:4].mean(0)
    front_mid = corners[[0, 1]].mean(0)
    return np.concatenate([edges, np.stack([bottom_centre, front_mid])[None]], axis=0)


def path_3d(seg: np.ndarray) -> np.ndarray:
    """(M, 2, 3) -> (3M, 3) one path with NaN rows between segments."""
    seg = np.asarray(seg, dtype=float).reshape(-1, 2, 3)
    gap = np.full((len(seg), 1, 3), np.nan)
    return np.concatenate([seg, gap], axis=1).reshape(-1, 3)


def path_bev(seg: np.ndarray) -> np.ndarray:
    return path_3d(seg)[:, :2]


def camera_projector(sensor) -> Projector:
    """Segments in the LiDAR frame -> image path, for one CameraSensor of the rig."""
    def project(seg: np.ndarray) -> np.ndarray:
        seg = np.asarray(seg, dtype=float).reshape(-1, 2, 3)
        if len(seg) == 0:
            return np.zeros((0, 2))
        seg_cam = sensor.lidar_to_cam(seg.reshape(-1, 3)).reshape(-1, 2, 3)
        return segments_to_path(project_segments(seg_cam, sensor.camera))
    return project


def _paths(items, segments_of, project: Projector):
    """Concatenate the projected paths of items -> (path (P, d), ids (P,) object array)."""
    parts, ids = [], []
    for a in items:
        p = project(segments_of(a))
        parts.append(p)
        ids.extend([a.id] * len(p))
    if not parts:
        return None, []
    return np.concatenate(parts, axis=0), ids


def _xyz(path: np.ndarray | None, dim: int):
    if path is None or len(path) == 0:
        return {"x": [], "y": []} | ({"z": []} if dim == 3 else {})
    out = {"x": path[:, 0], "y": path[:, 1]}
    if dim == 3:
        out["z"] = path[:, 2]
    return out


def _trace(dim: int, name: str, path, ids, mode: str, line=None, marker=None, prefix="ann:", text=None):
    cls = go.Scatter3d if dim == 3 else go.Scatter
    kw = dict(_xyz(path, dim), mode=mode, name=name, customdata=[prefix + i for i in ids] if ids else [],
              hoverinfo="text" if text else "none", showlegend=False)
    if text:
        kw["hovertext"] = text
    if line:
        kw["line"] = line
    if marker:
        kw["marker"] = marker
    return cls(**kw)


def overlay_traces(anns: FrameAnnotations | None, selection: dict | None, project: Projector,
                   dim: int, bottom_only: bool = False, visible_point: Callable | None = None,
                   class_colours: Mapping[str, str] | None = None) -> list:
    """The OVERLAY_SLOTS traces of one view. `project` maps LiDAR segments to the view's
    coordinates (3D path, BEV path or camera pixels); `dim` is 3 for the 3D scene, else 2.
    `visible_point` maps (K, 3) LiDAR points to (K, dim) view coordinates with NaN where not
    visible (for the marker slots); default: the first `dim` coordinates. `class_colours`: class ->
    colour of the project's guidelines (see style.class_colour)."""
    anns = anns or FrameAnnotations("")
    sel_id = (selection or {}).get("id")
    sel_vertex = (selection or {}).get("vertex")
    to_view = visible_point or (lambda p: np.asarray(p, dtype=float)[:, :dim])
    width = 4 if dim == 3 else 2
    cubs = [c for c in anns.cuboids if c.status != STATUS_REJECTED]
    confirmed = [c for c in cubs if c.status != STATUS_PROPOSAL]
    proposals = [c for c in cubs if c.status == STATUS_PROPOSAL]
    seg_of = lambda c: cuboid_segments(c, bottom_only)

    path, ids = _paths(confirmed, seg_of, project)
    colour_of = {c.id: class_colour(c.label, class_colours) for c in confirmed}
    line = {"width": width, "color": [colour_of[i] for i in ids] if dim == 3 and ids else "#40c4ff"}
    boxes = _trace(dim, "boxes", path, ids, "lines", line=line)

    path, ids = _paths(proposals, seg_of, project)
    props = _trace(dim, "proposals", path, ids, "lines",
                   line={"width": width, "color": PROPOSAL_COLOUR, "dash": "dash"})

    centres_xyz = np.array([c.center for c in cubs], dtype=float).reshape(-1, 3)
    cv = to_view(centres_xyz) if len(cubs) else np.zeros((0, dim))
    keep = np.isfinite(cv).all(1) if len(cv) else np.zeros(0, bool)
    shown = [c for c, k in zip(cubs, keep) if k]
    centres = _trace(dim, "centres", cv[keep] if len(shown) else None, [c.id for c in shown], "markers",
                     marker={"size": 5 if dim == 3 else 7, "symbol": "diamond" if dim == 3 else "circle",
                             "color": [class_colour(c.label, class_colours) for c in shown]},
                     text=[f"{c.label} #{c.track_id}" if c.track_id is not None else c.label for c in shown])

    sel = anns.get(sel_id) if sel_id else None
    if isinstance(sel, Cuboid) and sel.status != STATUS_REJECTED:
        path, ids = _paths([sel], seg_of, project)
    elif isinstance(sel, Polyline3D):
        path, ids = _paths([sel], lambda p: polyline_segments(p.points, p.closed), project)
    else:
        path, ids = None, []
    selected = _trace(dim, "selected", path, ids, "lines", line={"width": width + 2, "color": SELECTED_COLOUR})

    lines = [p for p in anns.polylines if len(p.vertices) >= 2]
    path, ids = _paths(lines, lambda p: polyline_segments(p.points, p.closed), project)
    colour_of = {p.id: class_colour(p.label, class_colours) for p in lines}
    polylines = _trace(dim, "polylines", path, ids, "lines",
                       line={"width": width, "color": [colour_of[i] for i in ids] if dim == 3 and ids else "#ffd54f"})

    vx, vids = [], []
    for p in anns.polylines:
        for k, v in enumerate(p.points):
            vx.append(v)
            vids.append(f"{p.id}:{k}")
    vv = to_view(np.asarray(vx, dtype=float).reshape(-1, 3)) if vx else np.zeros((0, dim))
    keep = np.isfinite(vv).all(1) if len(vv) else np.zeros(0, bool)
    vertices = _trace(dim, "vertices", vv[keep] if keep.any() else None, [i for i, k in zip(vids, keep) if k],
                      "markers", marker={"size": 4 if dim == 3 else 7, "color": "#ffd54f"}, prefix="vtx:")

    active_pt, active_ids = None, []
    if isinstance(sel, Polyline3D) and sel_vertex is not None and sel_vertex < len(sel.vertices):
        av = to_view(sel.points[[sel_vertex]])
        if np.isfinite(av).all():
            active_pt, active_ids = av, [f"{sel.id}:{sel_vertex}"]
    active = _trace(dim, "active", active_pt, active_ids, "markers",
                    marker={"size": 8 if dim == 3 else 12, "color": SELECTED_COLOUR, "symbol": "circle-open"
                            if dim == 2 else "circle"}, prefix="vtx:")
    return [boxes, props, centres, selected, polylines, vertices, active]


def overlay_3d(anns, selection, class_colours=None) -> list:
    return overlay_traces(anns, selection, path_3d, dim=3, class_colours=class_colours)


def overlay_bev(anns, selection, class_colours=None) -> list:
    return overlay_traces(anns, selection, path_bev, dim=2, bottom_only=True, class_colours=class_colours)


def overlay_camera(anns, selection, sensor, class_colours=None) -> list:
    def visible(pts):
        uv, _, valid = sensor.project_lidar(np.asarray(pts, dtype=float), in_image=True)
        uv = uv.copy()
        uv[~valid] = np.nan
        return uv
    return overlay_traces(anns, selection, camera_projector(sensor), dim=2, visible_point=visible,
                          class_colours=class_colours)


def _flat_path(path: np.ndarray) -> list:
    """(P, 2) pixels with NaN rows between pieces -> [u, v, u, v, None, None, ...] (JSON)."""
    out = np.round(np.asarray(path, dtype=float)[:, :2], 1).ravel().tolist()
    return [None if v != v else v for v in out]


def camera_paths(anns: FrameAnnotations | None, sensor, class_colours=None) -> list[dict]:
    """The annotations projected into one camera, for the canvas to draw (js/src/cameras.js):
    [{"id", "kind": box | proposal | polyline | vertices, "colour", "path": flat [u, v, ...]
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
        else:
            continue
        finite = path[np.isfinite(path).all(axis=1)] if len(path) else path
        if len(finite) == 0:
            continue
        out.append({"id": a.id, "kind": kind, "colour": PROPOSAL_COLOUR if kind == "proposal"
                    else class_colour(a.label, class_colours), "path": _flat_path(path),
                    "bbox": [float(v) for v in (*finite.min(axis=0)[:2], *finite.max(axis=0)[:2])]})
    return out
