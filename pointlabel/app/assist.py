"""The app's door to pointlabel.fitting: click-to-fit, pre-labels, propagation, interpolation.

Each function takes loaded frames (app.state.FrameData, whose fitting context is built once
and cached) and returns domain objects.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pointlabel.fitting.fit import fit_cuboid
from pointlabel.fitting.prelabel import prelabel as _prelabel
from pointlabel.fitting.propagate import interpolate as _interpolate
from pointlabel.fitting.propagate import propagate as _propagate
from pointlabel.model import STATUS_CONFIRMED, Cuboid


@dataclass(frozen=True)
class Fit:
    cuboid: Cuboid | None  # confirmed: the labeller asked for it by clicking
    confidence: float
    reason: str
    n_points: int


def fit_at(frame, seed_xyz, label: str | None = None, priors=None) -> Fit:
    """Click-to-fit at a seed point (3,) in the LiDAR frame of `frame`; priors: the class
    sizes (Guidelines.fit_priors; None: the class table's)."""
    return _as_fit(fit_cuboid(frame.fit_context(), np.asarray(seed_xyz, dtype=float), label=label, priors=priors))


def prelabel(frame, priors=None) -> list[Cuboid]:
    """Proposals (status 'proposal', with confidences) for the objects of a sweep."""
    return list(_prelabel(frame.fit_context(), priors))


def propagate(cuboid: Cuboid, next_frame) -> Cuboid:
    """The cuboid's object found in the next sweep: a new proposal, same size, class, track."""
    return _propagate(cuboid, next_frame.fit_context())


def interpolate(c0: Cuboid, t0: float, c1: Cuboid, t1: float, t: float) -> Cuboid:
    """The box of a track at time t between keyframes (t0, c0) and (t1, c1): a proposal."""
    return _interpolate(c0, t0, c1, t1, t)


def fit_near(frame, xy, label: str | None = None, priors=None) -> Fit:
    """Click-to-fit from the BEV (no height): the fitting module snaps the clicked spot on
    the ground to the object there, so a click on the ground beside or under a car fits the
    car (fitting.fit.fit_bev_click)."""
    from pointlabel.fitting.fit import fit_bev_click
    return _as_fit(fit_bev_click(frame.fit_context(), np.asarray(xy, dtype=float)[:2], label=label, priors=priors))


def _as_fit(r) -> Fit:
    cub = None if r.cuboid is None else r.cuboid.replace(status=STATUS_CONFIRMED, source="fit")
    return Fit(cub, float(r.confidence), r.reason, int(r.n_points))


def fit_camera_click(frame, sensor, uv_img, label: str | None = None, priors=None) -> Fit:
    """Click-to-fit from a camera: uv_img (u, v) pixels of the original image; the points
    under the click are picked along the ray (fitting.camera_fit)."""
    from pointlabel.fitting.camera_fit import fit_from_camera_click
    return _as_fit(fit_from_camera_click(frame.fit_context(), sensor, uv_img, label=label, priors=priors).fit)


def fit_camera_rect(frame, sensor, box_xyxy, label: str | None = None, priors=None) -> Fit:
    """A cuboid fitted to the points in the frustum of a rectangle drawn in a camera,
    constrained by it (fitting.camera_fit)."""
    from pointlabel.fitting.camera_fit import fit_in_rectangle
    r = fit_in_rectangle(frame.fit_context(), sensor, box_xyxy, label=label, priors=priors)
    return Fit(None if r.cuboid is None else r.cuboid.replace(status=STATUS_CONFIRMED, source="fit"),
               float(r.fit.confidence), r.fit.reason, int(r.fit.n_points))


FINDING_REACH = 2.0  # metres: the object point nearest a finding's location within this is its seed


def fit_finding(frame, location, label: str | None = None, priors=None) -> Fit:
    """Click-to-fit at a QA finding's location (x, y, z) LiDAR frame (a missed cluster's
    centre, which may lie between its points): seeded at the nearest above-ground point
    within FINDING_REACH in x-y."""
    from pointlabel.fitting.fit import fit_cuboid
    ctx = frame.fit_context()
    obj = ctx.obj_pts
    xy = np.asarray(location, dtype=float)[:2]
    if len(obj) == 0:
        return Fit(None, 0.0, "no object points in this sweep", 0)
    d = np.hypot(*(obj[:, :2] - xy).T)
    i = int(np.argmin(d))
    if d[i] > FINDING_REACH:
        return Fit(None, 0.0, f"no object point within {FINDING_REACH:g} m of the finding", 0)
    return _as_fit(fit_cuboid(ctx, obj[i], label=label, priors=priors))
