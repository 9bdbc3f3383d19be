"""A labelling request -> a point mask (the `select` tools) -> one stored op.

A request is what the app (or a script) sends, e.g.
`{"tool": "brush", "params": {"centre": [x, y, z], "radius": 0.5}, "class": "car",
"instance": 3, "client": "ann1"}`. Tools and their params (LiDAR frame, metres):

| tool | params |
|---|---|
| brush | centre (3,) or centres (K, 3) (a drag), radius; xy_only: a vertical cylinder (BEV) |
| lasso | polygon [[x, y], ...] screen pixels, view_projection (4x4 rows or 16 WebGL column-major), viewport [w, h], depth_range [near, far] (opt.), view (4x4, opt.) |
| cluster | seed (3,) the clicked spot (x, y only, or z null: a BEV click), radius (growth step, default 0.5) |
| box | box_id (a cuboid of the frame in the annotation store) or center, size_lwh, yaw; margin |
| ground | max_height (0.25), min_height (-0.5) above the ground model; centre + radius (opt.) |
| indices | indices [...] into the loaded cloud |
| erase | as brush (or any tool via params.tool); writes class 0, instance 0 |

`class` is an id or a class name of the label set's class map; `instance` an id, or null to
keep each point's (the box tool defaults to the box's track id); `only_unlabelled` leaves
painted points alone; `"erase": true` turns any tool into an eraser.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
from scipy.spatial import cKDTree

from pointlabel.errors import PointlabelError
from pointlabel.fitting.context import context_for
from pointlabel.model import Cuboid
from pointlabel.pointlabels import select
from pointlabel.pointlabels.storage import DEFAULT_SET, OpResult, PointLabelStore

TOOLS = ("brush", "lasso", "cluster", "box", "ground", "indices", "erase")


class FramePoints:
    """What the tools need of one frame: the loaded cloud's points and, on demand, the
    fitting context (ground model, above-ground KD-tree) and the frame's cuboids."""

    def __init__(self, dataset, frame_id: str, annotations=None, label_set: str = DEFAULT_SET):
        self.dataset = dataset
        self.frame_id = str(frame_id)
        self.annotations = annotations
        self.label_set = label_set
        self.pts_lidar = _load_points(dataset, self.frame_id)

    @property
    def n_points(self) -> int:
        return len(self.pts_lidar)

    def tree(self):
        """A KD-tree over all the frame's points (built once per cached frame): a brush
        stroke then costs a ball query instead of a pass over every point."""
        return _cached(self.dataset, self.frame_id, "tree", lambda: cKDTree(self.pts_lidar))

    def context(self):
        ctx = context_for(self.dataset, self.frame_id)
        if len(ctx.pts_lidar) != self.n_points:  # the loader already drops non-finite points
            raise PointlabelError(f"frame {self.frame_id}: fitting context and cloud differ in size")
        return ctx

    def cuboid(self, box_id: str) -> Cuboid:
        if self.annotations is None:
            raise PointlabelError("the box tool needs the annotation store")
        for c in self.annotations.frame(self.frame_id, self.label_set).cuboids:
            if c.id == box_id:
                return c
        raise PointlabelError(f"no cuboid {box_id!r} in frame {self.frame_id}")


def selection(frame: FramePoints, tool: str, params: dict) -> tuple[np.ndarray, int | None]:
    """(mask (N,) bool, default instance or None) of one tool on one frame."""
    p = dict(params or {})
    try:
        if tool in ("brush", "erase") and "tool" not in p:
            return _brush(frame, p), None
        if tool == "erase":
            return selection(frame, p.pop("tool"), p)
        if tool == "lasso":
            depth = p.get("depth_range")
            return select.lasso_mask(frame.pts_lidar, p["view_projection"], p["viewport"], p["polygon"],
                                     None if depth is None else (float(depth[0]), float(depth[1])),
                                     p.get("view")), None
        if tool == "cluster":
            ctx = frame.context()
            return select.cluster_mask(ctx.pts_lidar, ctx.obj_idx, ctx.tree, _seed(frame, ctx, p["seed"]),
                                       float(p.get("radius", 0.5))), None
        if tool == "box":
            box = frame.cuboid(p["box_id"]) if "box_id" in p else \
                Cuboid(center=p["center"], size_lwh=p["size_lwh"], yaw=float(p.get("yaw", 0.0)))
            return select.box_mask(frame.pts_lidar, box, float(p.get("margin", 0.0))), box.track_id
        if tool == "ground":
            ctx = frame.context()
            return select.ground_mask(ctx.height, float(p.get("max_height", 0.25)), float(p.get("min_height", -0.5)),
                                      frame.pts_lidar, p.get("centre"), p.get("radius")), None
        if tool == "indices":
            mask = np.zeros(frame.n_points, dtype=bool)
            idx = np.asarray(p["indices"], dtype=np.int64)
            if len(idx) and (idx.min() < 0 or idx.max() >= frame.n_points):
                raise PointlabelError(f"indices must be in 0..{frame.n_points - 1}")
            mask[idx] = True
            return mask, None
    except KeyError as e:
        raise PointlabelError(f"tool {tool!r} needs the parameter {e.args[0]!r}") from None
    except (TypeError, ValueError) as e:
        raise PointlabelError(f"tool {tool!r}: bad parameters ({e})") from None
    raise PointlabelError(f"unknown tool {tool!r} (tools: {', '.join(TOOLS)})")


def apply_request(store: PointLabelStore, frame: FramePoints, request: dict) -> OpResult:
    """Select with the request's tool and paint (or erase) the selection as one op."""
    tool = request.get("tool")
    if not isinstance(tool, str):
        raise PointlabelError("a request needs a 'tool'")
    label_set = request.get("label_set") or DEFAULT_SET
    mask, default_instance = selection(frame, tool, request.get("params") or {})
    erase = tool == "erase" or bool(request.get("erase"))
    if erase:
        semantic, instance = 0, 0
    else:
        semantic = class_id(store, request.get("class"), label_set)
        instance = request.get("instance", default_instance)
        instance = default_instance if instance is None else int(instance)
        if instance is not None and not 0 <= instance <= 0xFFFF:
            raise PointlabelError(f"instance {instance} is outside 0..65535")
    params = {k: v for k, v in (request.get("params") or {}).items() if k != "indices"}
    return store.paint(frame.frame_id, frame.n_points, mask, semantic, instance, label_set=label_set,
                       client=request.get("client"), tool=tool, params=params,
                       only_unlabelled=bool(request.get("only_unlabelled")))


def _brush(frame: FramePoints, p: dict) -> np.ndarray:
    """A sphere (or, `xy_only`, a vertical cylinder) of `radius` around `centre`, or around
    each of `centres` (a drag), through the frame's KD-tree."""
    centres = np.asarray(p["centres"] if "centres" in p else [p["centre"]], dtype=float)
    if centres.ndim != 2 or centres.shape[1] != 3 or not len(centres) or not np.all(np.isfinite(centres)):
        raise PointlabelError("'centre' must be 3 finite numbers ('centres': a list of them)")
    radius = float(p["radius"])
    if not radius > 0:
        raise PointlabelError("'radius' must be positive")
    mask = np.zeros(frame.n_points, dtype=bool)
    if p.get("xy_only"):
        tree = _cached(frame.dataset, frame.frame_id, "tree_xy", lambda: cKDTree(frame.pts_lidar[:, :2]))
        hits = tree.query_ball_point(centres[:, :2], radius)
    else:
        hits = frame.tree().query_ball_point(centres, radius)
    for h in hits:
        mask[h] = True
    return mask


def class_id(store: PointLabelStore, value, label_set: str = DEFAULT_SET) -> int:
    """A class id from an id or a name of the label set's class map."""
    if value is None:
        raise PointlabelError("a paint request needs a 'class' (id or name)")
    if isinstance(value, str) and not value.isdigit():
        return store.class_map(label_set).id_of(value)
    v = int(value)
    if not 0 <= v <= 0xFFFF:
        raise PointlabelError(f"class {v} is outside 0..65535")
    return v


def _seed(frame: FramePoints, ctx, seed) -> np.ndarray:
    """The clicked spot (3,); a BEV click gives only x, y (z null or missing): the nearest
    above-ground point in x-y within 0.6 m stands in (none: a spot nowhere near an object)."""
    s = list(seed) if isinstance(seed, (list, tuple)) else seed
    if isinstance(s, list) and (len(s) == 2 or (len(s) == 3 and s[2] is None)):
        xy = np.asarray(s[:2], dtype=float)
        if not len(ctx.obj_idx):
            return np.array([*xy, np.inf])
        tree = _cached(frame.dataset, frame.frame_id, "obj_tree_xy", lambda: cKDTree(ctx.obj_pts[:, :2]))
        d, i = tree.query(xy)
        return ctx.obj_pts[i] if d <= 0.6 else np.array([*xy, np.inf])
    return _vec3({"seed": seed}, "seed")


def _vec3(p: dict, key: str) -> np.ndarray:
    v = np.asarray(p[key], dtype=float).ravel()
    if v.shape != (3,) or not np.all(np.isfinite(v)):
        raise PointlabelError(f"{key!r} must be 3 finite numbers")
    return v


_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()
_KEEP_FRAMES = 4


def _cached(dataset, frame_id: str, what: str, make):
    """Per-frame values (the points, their KD-tree) of the last few frames used."""
    key = (str(dataset.root), getattr(dataset, "up", None), frame_id)
    with _CACHE_LOCK:
        entry = _CACHE.get(key)
        if entry is not None:
            _CACHE.move_to_end(key)
            if what in entry:
                return entry[what]
    value = make()
    with _CACHE_LOCK:
        _CACHE.setdefault(key, {})[what] = value
        while len(_CACHE) > _KEEP_FRAMES:
            _CACHE.popitem(last=False)
    return value


def _load_points(dataset, frame_id: str) -> np.ndarray:
    """The loaded cloud's (N, 3) float32 points, the last few frames cached."""
    return _cached(dataset, frame_id, "pts", lambda: dataset.load_cloud(frame_id).xyz)
