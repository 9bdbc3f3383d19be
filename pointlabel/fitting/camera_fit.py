"""Fit from the cameras: a click, or a dragged rectangle, in a camera image fits a cuboid to
the LiDAR points it covers. Pure functions, no Dash.

Frames: points in the LiDAR frame (x forward, y left, z up, metres); pixels `uv_img` in the
camera's original (distorted) image, u right, v down, origin at the top-left pixel's
centre. Every projection goes through `sensor.project_lidar` (calibration.rig.CameraSensor:
its distortion model and near-plane handling included), so a distorted camera needs no
special case: a point is under a pixel when it projects there.

`fit_from_camera_click`: the above-ground points projecting within `pick_radius_px` of the
click are the candidates along the ray; sorted by depth, they part into surfaces at depth
jumps, and the nearest surface with enough points is what the labeller sees there (a stray
return in front of it does not count). Its point nearest the click seeds click-to-fit
(`fit.fit_cuboid`), which grows the whole object in 3D.

`fit_in_rectangle`: the above-ground points inside the rectangle's frustum are clustered in
3D (`cluster.components`); the substantial clusters (at least `substantial_share` of the
frustum's points: a stray or a thin pole does not count) each seed click-to-fit, and the
object is the one whose fitted box projects most like the rectangle (IoU of the 2D boxes;
the nearest wins near-ties): a car in front that hides part of the rectangle's car, or the
wall behind it, extends beyond the rectangle.

The rectangle then constrains the box (`constrain_to_rectangle`): the cuboid's projected
2D box should coincide with the rectangle. A Nelder-Mead search over four numbers (a shift
along the box's own two horizontal axes, a change of its length and of its width) minimises
the mismatch of the projected box's edges with the rectangle's (relative to the rectangle's
width and height; an edge of the rectangle on the image border constrains nothing, the
object may go on beyond it), plus `outside_weight` times the share of the object's points
left outside the box, plus `prior_weight` per metre of change. What the points saw stays;
what they could not see (the far end of a car seen from behind, the depth of a truncated
object) follows the rectangle. Lengths and widths stay within the class prior's bounds;
height and heading are left as fitted. The constrained box is kept only when its 2D IoU
with the rectangle gains `min_agreement_gain`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from calibration.projection import box_iou_2d, cuboid_box2d
from pointlabel.fitting.classes import CLASS_PRIORS, SizePrior
from pointlabel.fitting.cluster import components
from pointlabel.fitting.context import FrameContext
from pointlabel.fitting.fit import DEFAULT_CONFIG, FitConfig, FitResult, fit_cuboid
from pointlabel.geometry.boxes import points_in_box_mask

NO_POINTS_UNDER_CLICK = "no LiDAR points under the click"
NO_POINTS_IN_RECTANGLE = "no LiDAR points in the rectangle"


@dataclass(frozen=True)
class CameraFitConfig:
    """Named constants of the camera fits (pixels, metres)."""

    pick_radius_px: float = 6.0  # points projecting this close to a click are under it ...
    pick_radius_max_px: float = 18.0  # ... widened in steps up to this when none are
    depth_gap: float = 0.8  # m: a jump in depth this large (plus depth_gap_per_m * depth) ...
    depth_gap_per_m: float = 0.02  # ... parts two surfaces along the ray
    min_surface_points: int = 3  # fewer points in front of a surface are strays
    substantial_share: float = 0.2  # a rectangle's object holds this share of its frustum's points
    max_candidates: int = 3  # clusters of a rectangle fitted to see whose box projects onto it
    candidate_tie: float = 0.05  # a farther candidate wins only if its 2D IoU is this much higher
    edge_border_px: float = 2.0  # a rectangle edge this close to the image border constrains nothing
    outside_weight: float = 4.0  # cost per share of the cluster's points outside the box
    prior_weight: float = 0.05  # cost per metre of change from the fitted box (shift and size)
    max_shift: float = 1.5  # m: the search's reach along each box axis
    min_agreement_gain: float = 0.02  # keep the constrained box only if its 2D IoU gains this


DEFAULT_CAMERA_CONFIG = CameraFitConfig()


@dataclass(frozen=True, eq=False)
class CameraFitResult:
    """fit: the click-to-fit result (cuboid None when nothing was found, with a reason);
    seed: (3,) the LiDAR point (LiDAR frame) the fit grew from, or None; iou_2d_before /
    iou_2d_after: IoU of the cuboid's projected 2D box with the rectangle before and after
    the constraint (NaN for a click)."""

    fit: FitResult
    seed: np.ndarray | None
    iou_2d_before: float = float("nan")
    iou_2d_after: float = float("nan")

    @property
    def cuboid(self):
        return self.fit.cuboid


def project_objects(ctx: FrameContext, sensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The above-ground points of the sweep in the camera: (uv_img (M, 2), depth (M,),
    valid (M,) bool), aligned with ctx.obj_idx."""
    return sensor.project_lidar(ctx.obj_pts, in_image=True)


def pick_along_ray(ctx: FrameContext, sensor, uv_img,
                   config: CameraFitConfig = DEFAULT_CAMERA_CONFIG) -> np.ndarray | None:
    """(3,) the seed (LiDAR frame) under a click at `uv_img` (2,) pixels of `sensor`'s
    image: the nearest surface along the ray (see the module docstring), or None."""
    uv, depth, valid = project_objects(ctx, sensor)
    click = np.asarray(uv_img, dtype=float).reshape(2)
    with np.errstate(invalid="ignore"):
        d_px = np.where(valid, np.hypot(uv[:, 0] - click[0], uv[:, 1] - click[1]), np.inf)
    radius = config.pick_radius_px
    while True:
        under = np.flatnonzero(d_px <= radius)
        if len(under) or radius >= config.pick_radius_max_px:
            break
        radius = min(radius * 1.5, config.pick_radius_max_px)
    if len(under) == 0:
        return None
    surface = nearest_surface(depth[under], config)
    chosen = under[surface]
    return ctx.obj_pts[chosen[np.argmin(d_px[chosen])]].copy()


def nearest_surface(depth: np.ndarray, config: CameraFitConfig = DEFAULT_CAMERA_CONFIG) -> np.ndarray:
    """depth: (n,) metres of the points under a click -> (k,) indices into it of the
    nearest surface: the points split at depth jumps larger than the config's gap, and the
    nearest group of at least `min_surface_points` points (else the biggest group)."""
    order = np.argsort(depth)
    d = depth[order]
    gaps = np.diff(d) > config.depth_gap + config.depth_gap_per_m * d[:-1]
    group = np.concatenate([[0], np.cumsum(gaps)])
    sizes = np.bincount(group)
    enough = np.flatnonzero(sizes >= config.min_surface_points)
    g = int(enough[0]) if len(enough) else int(np.argmax(sizes))
    return order[group == g]


def fit_from_camera_click(ctx: FrameContext, sensor, uv_img, label: str | None = None,
                          priors: dict[str, SizePrior] | None = None,
                          config: CameraFitConfig = DEFAULT_CAMERA_CONFIG,
                          fit_config: FitConfig = DEFAULT_CONFIG) -> CameraFitResult:
    """Fit a box to the object under a click in a camera image.

    ctx: the sweep's FrameContext; sensor: calibration.rig.CameraSensor of the clicked camera
    (its T_cam_from_lidar and lens model); uv_img: (2,) the click in that camera's original
    image pixels. label / priors: as `fit.fit_cuboid`. Returns a CameraFitResult whose
    `.cuboid` is the box (LiDAR frame, status 'proposal') or None with `.fit.reason`."""
    seed = pick_along_ray(ctx, sensor, uv_img, config)
    if seed is None:
        return CameraFitResult(FitResult(None, 0.0, NO_POINTS_UNDER_CLICK, 0), None)
    return CameraFitResult(fit_cuboid(ctx, seed, label, priors, fit_config), seed)


def frustum_clusters(ctx: FrameContext, sensor, box_xyxy,
                     config: CameraFitConfig = DEFAULT_CAMERA_CONFIG) -> list[np.ndarray]:
    """The candidate objects of a rectangle `box_xyxy` (left, top, right, bottom pixels):
    the substantial 3D clusters (at least `substantial_share` of the points, or the biggest)
    among the above-ground points projecting inside it, nearest first (by median depth), at
    most `max_candidates`; each an (k,) index array into ctx.pts_lidar."""
    uv, depth, valid = project_objects(ctx, sensor)
    l, t, r, b = np.asarray(box_xyxy, dtype=float).reshape(4)
    with np.errstate(invalid="ignore"):
        inside = np.flatnonzero(valid & (uv[:, 0] >= l) & (uv[:, 0] <= r) & (uv[:, 1] >= t) & (uv[:, 1] <= b))
    if len(inside) == 0:
        return []
    labels = components(ctx.obj_pts[inside])
    sizes = np.bincount(labels)
    big = np.flatnonzero(sizes >= min(config.substantial_share * len(inside), sizes.max()))
    big = big[np.argsort(-sizes[big])][:config.max_candidates]
    near = np.array([np.median(depth[inside[labels == k]]) for k in big])
    return [ctx.obj_idx[inside[labels == k]] for k in big[np.argsort(near)]]


def fit_in_rectangle(ctx: FrameContext, sensor, box_xyxy, label: str | None = None,
                     priors: dict[str, SizePrior] | None = None,
                     config: CameraFitConfig = DEFAULT_CAMERA_CONFIG,
                     fit_config: FitConfig = DEFAULT_CONFIG) -> CameraFitResult:
    """Fit a box to the object inside a rectangle dragged in a camera image, then make its
    projection agree with the rectangle (see the module docstring for the method).

    ctx: the sweep's FrameContext; sensor: calibration.rig.CameraSensor of the camera;
    box_xyxy: (left, top, right, bottom) in that camera's original image pixels; label /
    priors: as `fit.fit_cuboid`. Returns a CameraFitResult: `.cuboid` (LiDAR frame, status
    'proposal') or None with `.fit.reason`, and the rectangle's 2D IoU before and after."""
    rect = tuple(float(v) for v in np.asarray(box_xyxy, dtype=float).reshape(4))
    if not (rect[2] > rect[0] and rect[3] > rect[1]):
        raise ValueError(f"a rectangle needs left < right and top < bottom, got {rect}")
    candidates = frustum_clusters(ctx, sensor, rect, config)
    if not candidates:
        return CameraFitResult(FitResult(None, 0.0, NO_POINTS_IN_RECTANGLE, 0), None)
    best = None  # (2D IoU, fit, seed), the nearest candidate winning near-ties
    for members in candidates:
        pts = ctx.pts_lidar[members]
        seed = pts[np.argmin(np.linalg.norm(pts - np.median(pts, axis=0), axis=1))].copy()
        fit = fit_cuboid(ctx, seed, label, priors, fit_config)
        iou = -1.0 if fit.cuboid is None else projected_iou(fit.cuboid, sensor, rect)
        if best is None or iou > best[0] + config.candidate_tie:
            best = (iou, fit, seed)
    before, fit, seed = best
    if fit.cuboid is None:
        return CameraFitResult(fit, seed)
    prior = (CLASS_PRIORS if priors is None else priors).get(fit.cuboid.label)
    constrained = constrain_to_rectangle(fit.cuboid, ctx.pts_lidar[fit.indices], sensor, rect, prior, config)
    after = projected_iou(constrained, sensor, rect)
    if after < before + config.min_agreement_gain:
        return CameraFitResult(fit, seed, before, before)
    out = FitResult(constrained, fit.confidence, fit.reason, fit.n_points, fit.indices)
    return CameraFitResult(out, seed, before, after)


def projected_iou(cuboid, sensor, rect) -> float:
    """IoU of the cuboid's projected (clipped) 2D box in `sensor`'s image with `rect`."""
    box = cuboid_box2d(sensor.lidar_to_cam(cuboid.corners()), sensor.camera)
    return 0.0 if box is None else float(box_iou_2d(box.ltrb, rect))


def constrain_to_rectangle(cuboid, pts_lidar: np.ndarray, sensor, rect, prior: SizePrior | None,
                           config: CameraFitConfig = DEFAULT_CAMERA_CONFIG):
    """The cuboid shifted along its own axes and resized in length and width so that its
    projected 2D box agrees with `rect` (left, top, right, bottom pixels) while holding the
    object's points pts_lidar (n, 3) LiDAR frame. See the module docstring."""
    W, H = sensor.camera.width - 1, sensor.camera.height - 1
    free = np.array([rect[0] > config.edge_border_px, rect[1] > config.edge_border_px,
                     rect[2] < W - config.edge_border_px, rect[3] < H - config.edge_border_px])
    if not free.any():
        return cuboid
    scale = np.array([rect[2] - rect[0], rect[3] - rect[1]] * 2)
    target = np.asarray(rect)
    R = cuboid.rotation[:2, :2]
    base_c = np.asarray(cuboid.center, dtype=float)
    base_s = np.asarray(cuboid.size_lwh, dtype=float)
    lo = np.asarray(prior.min[:2]) if prior else base_s[:2] * 0.7
    hi = np.asarray(prior.max[:2]) if prior else base_s[:2] * 1.3
    thin = pts_lidar[np.linspace(0, len(pts_lidar) - 1, min(len(pts_lidar), 300)).astype(int)]

    def box_of(p):
        centre = base_c.copy()
        centre[:2] += R @ np.clip(p[:2], -config.max_shift, config.max_shift)
        size = base_s.copy()
        size[:2] = np.clip(base_s[:2] + p[2:], lo, hi)
        return cuboid.replace(center=centre, size_lwh=size)

    def cost(p):
        box = box_of(p)
        b2 = cuboid_box2d(sensor.lidar_to_cam(box.corners()), sensor.camera)
        if b2 is None:
            return 10.0
        edges = np.abs(np.asarray(b2.ltrb) - target) / scale
        outside = 1.0 - points_in_box_mask(thin, box.as_array(), margin=0.1).mean()
        return float(edges[free].sum() + config.outside_weight * outside
                     + config.prior_weight * np.abs(p).sum())

    res = minimize(cost, np.zeros(4), method="Nelder-Mead",
                   options={"xatol": 0.01, "fatol": 1e-4, "maxfev": 400, "initial_simplex": _simplex()})
    return box_of(res.x)


def _simplex() -> np.ndarray:
    """Nelder-Mead's first simplex: steps of 0.3 m in shift and size."""
    return np.vstack([np.zeros(4), 0.3 * np.eye(4)])
