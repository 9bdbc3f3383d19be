"""Completeness: clusters of above-ground returns that no box covers (likely missed objects).

Candidate returns lie between `object_min_height` and `missed_max_height` above the ground,
within `missed_max_range` of the sensor, outside every box grown by `missed_box_margin`, and
inside the field of view the labels cover (all of the sweep, the cameras, or one camera;
KITTI labels only what image_2 sees, and not its DontCare regions). They are clustered on a
bird's-eye grid of `missed_cell` metres (8-connected components, one vectorised pass); a
cluster with at least `missed_min_points` returns, standing on the ground (its lowest return
at most `missed_max_lift` up), no higher than the tallest class, and with principal extents
and height of a whole object of one of `missed_classes` (the fitting's class priors) is
reported with its location (a warning), unless its shape says it is none (`not_an_object`:
a flat sheet of ground or wall, a pole, foliage; judged by shape, not by the number of
returns). Two doubts make it only an info: its foot is hidden behind something nearer
(`_foot_hidden`: as often as an object behind a parked car it is the top of a wall, a facade
or a hedge seen over parked cars or a fence, standing on a ground the sweep never saw), or
its top is at the sweep's highest beam (`sight.Blockers.passed_over`: no ring passed over
it, so it may go on up, a trunk or a wall). In the KITTI frames of ../shared, of the 59
clusters no box covers, the first takes 33 and the second 13 more; those looked at in the
images were facades, hedges, fences, trunks and walls.
Walls, buildings, canopies, kerbs and poles mostly are not reported. A
cluster reaching within 3 x `missed_box_margin` of a box is taken as a part of that box's
object (a mirror, a trailer hitch, a box drawn a little tight) and not reported when the two
together are no bigger than the box's class may be (`_part_of_box`: a car parked bumper to
bumper behind a labelled one is reported). The test is deliberately strict: a
reviewer ignores a check that cries wolf, and a missed object is usually also a track gap.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from calibration.rig import Rig
from pointlabel.fitting.classes import CLASS_PRIORS, guess_class
from pointlabel.qa.config import CheckConfig
from pointlabel.qa.findings import INFO, WARNING, Finding
from pointlabel.qa.frames import FrameGeometry, FrameInput
from pointlabel.qa.guidelines import Guidelines
from pointlabel.qa.point_checks import fits_with_box

KITTI_CAMERA = "image_2"


def check_completeness(frame: FrameInput, geo: FrameGeometry, guidelines: Guidelines,
                       config: CheckConfig, fov: str = "all") -> list[Finding]:
    """missed_object findings (annotation None, `location` = cluster centre, LiDAR frame)."""
    priors = {n: CLASS_PRIORS[n] for n in config.missed_classes if n in CLASS_PRIORS}
    g_priors = guidelines.size_priors()
    priors.update({n: g_priors[n] for n in config.missed_classes if n not in priors and n in g_priors})
    if not priors:
        return []
    tallest = 1.1 * max(p.max[2] for p in priors.values())
    pts, height = geo.pts, geo.height
    cand = (height > config.object_min_height) & (height < tallest + 1.0)
    cand &= np.hypot(pts[:, 0], pts[:, 1]) <= config.missed_max_range
    for k in range(len(geo)):
        cand[geo.box_points(k, config.missed_box_margin, config.missed_box_margin)] = False
    near_box = np.full(len(pts), -1)
    for k in range(len(geo)):
        near_box[geo.box_points(k, 3 * config.missed_box_margin, 3 * config.missed_box_margin)] = k
    idx = np.flatnonzero(cand)
    idx = idx[_in_view(pts[idx], frame, fov)]
    if len(idx) < config.missed_min_points:
        return []
    labels = _grid_clusters(pts[idx, :2], config.missed_cell)
    sizes = np.bincount(labels)
    out = []
    for lab in np.flatnonzero(sizes >= config.missed_min_points):
        members = idx[labels == lab]
        if any(_part_of_box(geo, k, members, guidelines.guide(frame.cuboids[k].label))
               for k in np.unique(near_box[members][near_box[members] >= 0])):
            continue
        ext_a, ext_b, centre_xy = _principal_extents(pts[members, :2])
        top = float(height[members].max())
        if top > tallest or height[members].min() > config.missed_max_lift:
            continue
        label = _whole_object_class(ext_a, ext_b, top, priors)
        if label is None:
            continue
        if not_an_object(pts[members], height[members]):
            continue
        doubt = ("; its foot is hidden behind something nearer: an object behind a car, or the top of a wall "
                 "or a hedge" if _foot_hidden(geo, members, config) else
                 "; its top is at the sweep's highest beam: it may be taller than any road user (a trunk, a wall)"
                 if not geo.blockers.passed_over(pts[members]) else "")
        z = pts[members, 2]
        centre = (*centre_xy, (z.min() + z.max()) / 2)
        out.append(Finding(frame=frame.frame_id, annotation=None, check="missed_object",
                           severity=INFO if doubt else WARNING, value=int(len(members)), label=label,
                           location=tuple(round(float(v), 2) for v in centre),
                           message=f"{len(members)} returns in a {max(ext_a, ext_b):.1f} x {min(ext_a, ext_b):.1f}"
                                   f" x {top:.1f} m cluster that no box covers (looks like a {label})" + doubt))
    return out


def shape_of(pts_lidar: np.ndarray) -> tuple[float, float, float, float, float]:
    """(linearity, planarity, |n_z| of the plane's normal, |a_z| of the main axis, thickness)
    of points (n, 3), from the eigenvalues l1 >= l2 >= l3 of their covariance (Demantke et
    al. 2011): linearity (l1 - l2) / l1, planarity (l2 - l3) / l1; thickness: the 90th
    percentile of the distance to the best plane, metres."""
    c = pts_lidar - pts_lidar.mean(axis=0)
    vals, vecs = np.linalg.eigh(c.T @ c / max(len(c) - 1, 1))
    l3, l2, l1 = np.maximum(vals, 1e-12)
    thickness = float(np.percentile(np.abs(c @ vecs[:, 0]), 90))
    return float((l1 - l2) / l1), float((l2 - l3) / l1), float(abs(vecs[2, 0])), float(abs(vecs[2, 2])), thickness


def not_an_object(pts_lidar: np.ndarray, height: np.ndarray) -> bool:
    """Ground, walls, fences, poles and vegetation, told from a road user by shape (not by the
    number of returns): a flat horizontal sheet (a raised pavement, a ramp), a thin flat
    vertical sheet (a wall or fence: flatter than a vehicle's side, with its wheel arches and
    windows), a thin vertical line (a pole, a trunk: a person is as tall but not as thin), or
    a rough cloud (foliage: `roughness`).
    pts_lidar (n, 3) LiDAR frame; height (n,) above the ground."""
    if len(pts_lidar) < 10:
        return False
    linearity, planarity, normal_z, axis_z, thickness = shape_of(pts_lidar)
    sheet = linearity < 0.95 and thickness < SHEET_THICKNESS  # flat, and not a line
    if np.ptp(height) < 0.3 or (sheet and normal_z > 0.8):
        return True  # a horizontal sheet: ground, a kerb, a raised pavement
    if sheet and normal_z < 0.3:
        return True  # a thin vertical sheet: a wall, a fence, a hoarding
    width = np.ptp(pts_lidar[:, :2] - pts_lidar[:, :2].mean(axis=0), axis=0).max()
    if linearity > 0.9 and axis_z > 0.9 and width < 0.35:
        return True  # a pole, a trunk
    # foliage: rays go into it, so neighbouring rays return from ranges far apart, where a
    # car body or a person is a surface (KITTI's labelled objects with 40+ returns: < 0.1 m)
    return len(pts_lidar) >= FOLIAGE_MIN_RETURNS and roughness(pts_lidar) > FOLIAGE_ROUGHNESS


SHEET_THICKNESS = 0.06  # m: flatter than this is a wall or the ground (a vehicle's side is not)
FOLIAGE_MIN_RETURNS = 60  # sparser clusters are rough at their edges whatever they are
FOLIAGE_ROUGHNESS = 0.12  # m


def roughness(pts_lidar: np.ndarray) -> float:
    """Median over the points (n, 3) of |range - the median range of its 6 nearest
    neighbours in azimuth and elevation| (neighbouring rays), metres: ~0.02-0.05 m on a
    surface, 0.1 m and more in foliage. Angles scaled by a 64-beam sweep's spacing (0.2 deg
    azimuth, 0.4 deg elevation)."""
    from scipy.spatial import cKDTree
    rng = np.linalg.norm(pts_lidar, axis=1)
    az = np.degrees(np.arctan2(pts_lidar[:, 1], pts_lidar[:, 0]))
    el = np.degrees(np.arctan2(pts_lidar[:, 2], np.hypot(pts_lidar[:, 0], pts_lidar[:, 1])))
    ang = np.column_stack([az / 0.2, el / 0.4])
    k = min(7, len(pts_lidar))
    _, nb = cKDTree(ang).query(ang, k=k)
    return float(np.median(np.abs(rng - np.median(rng[nb[:, 1:]], axis=1))))


def _whole_object_class(long: float, short: float, height: float, priors) -> str | None:
    """The class (of `priors`, name -> SizePrior) a cluster of these extents could be seen
    whole: length from 0.6 x the class minimum, width from 0.5 x, height from 0.8 x, nothing
    over 1.1 x the maximum; the cheapest such class by fitting.classes.guess_class, or None."""
    fits = {}
    for name, p in priors.items():
        lo = np.array(p.min) * [0.6, 0.5, 0.8]
        hi = np.array(p.max) * 1.1
        e = np.array([long, short, height])
        if np.all((e >= lo) & (e <= hi)):
            fits[name] = p
    if not fits:
        return None
    return guess_class(long, short, height, fits)[0]


def _part_of_box(geo: FrameGeometry, k: int, members: np.ndarray, guide) -> bool:
    """Is the cluster (it reaches within 3 x `missed_box_margin` of box k) a part of box k's
    object: box and cluster together no longer and no wider than the box's class may be (a
    mirror, a hitch, a box drawn a little tight)? A whole car parked just behind a labelled
    one is not. A class without size limits takes any cluster that touches it."""
    if guide is None or guide.size is None:
        return True
    return fits_with_box(geo.local(k, members)[:, :2], geo.sizes[k][:2] / 2, guide.size.max[:2])


def _foot_hidden(geo: FrameGeometry, members: np.ndarray, config: CheckConfig) -> bool:
    """Is the cluster's foot hidden? Just below its lowest returns (the lowest tenth, lowered
    by `missed_foot_drop` m), something nearer the sensor stands on the line of sight for more
    than `missed_foot_hidden` of them: the cluster may go on down behind it, and the ground
    under it is a guess (the ground model takes the lowest returns it sees there: a facade's
    over parked cars)."""
    h = geo.height[members]
    low = members[h <= np.percentile(h, 10) + 0.05]
    spots = geo.pts[low] - np.array([0.0, 0.0, config.missed_foot_drop])
    return bool(geo.blockers.hidden(spots, np.sort(members)).mean() > config.missed_foot_hidden)


def resolve_fov(fov: str, dataset_kind: str | None, rig: Rig | None) -> str:
    """'auto' -> image_2 for KITTI (its labels cover only what that camera sees), else 'all'."""
    if fov != "auto":
        return fov
    if dataset_kind == "kitti" and rig is not None and KITTI_CAMERA in rig.cameras:
        return KITTI_CAMERA
    return "all"


def _in_view(pts_lidar: np.ndarray, frame: FrameInput, fov: str) -> np.ndarray:
    """(n,) bool: the point is inside the field of view `fov` and outside DontCare regions."""
    rig = frame.rig
    if fov == "all" or rig is None or not rig.cameras or len(pts_lidar) == 0:
        return np.ones(len(pts_lidar), dtype=bool)
    names = rig.camera_names if fov == "cameras" else [fov]
    seen = np.zeros(len(pts_lidar), dtype=bool)
    for name in names:
        if name not in rig.cameras:
            continue
        uv, _, valid = rig[name].project_lidar(pts_lidar)
        if name == KITTI_CAMERA:
            for d in frame.annotations.dontcares:
                left, top, right, bottom = d.box2d
                with np.errstate(invalid="ignore"):
                    valid &= ~((uv[:, 0] >= left) & (uv[:, 0] <= right) & (uv[:, 1] >= top) & (uv[:, 1] <= bottom))
        seen |= valid
    return seen


def _grid_clusters(xy: np.ndarray, cell: float) -> np.ndarray:
    """(n, 2) -> (n,) cluster label (0-based) of 8-connected occupied grid cells."""
    ij = np.floor(xy / cell).astype(np.int64)
    ij -= ij.min(axis=0)
    shape = tuple(ij.max(axis=0) + 1)
    grid = np.zeros(shape, dtype=bool)
    grid[ij[:, 0], ij[:, 1]] = True
    lab, _ = ndimage.label(grid, structure=np.ones((3, 3), dtype=int))
    return lab[ij[:, 0], ij[:, 1]] - 1


def _principal_extents(xy: np.ndarray) -> tuple[float, float, np.ndarray]:
    """(largest extent, smallest extent, centre (2,) of the rectangle) of points (n, 2) along
    their two principal axes, metres, LiDAR frame."""
    mean = xy.mean(axis=0)
    _, vecs = np.linalg.eigh((xy - mean).T @ (xy - mean))
    proj = (xy - mean) @ vecs
    lo, hi = proj.min(axis=0), proj.max(axis=0)
    ext = hi - lo
    return float(ext.max()), float(ext.min()), mean + vecs @ ((lo + hi) / 2)
