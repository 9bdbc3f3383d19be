"""Per-frame geometry checks: class and attributes, size for the class, 3D overlaps, and, with
the sweep, points inside, ground contact, object points left outside, polyline support.

Ground contact is measured against the ground *returns* around the box (points within
`ground_band` of the ground model, over the footprint grown by `ground_ring`, inside no box),
not against the model's value at the box centre: the model is filled in where the ground is
hidden (under and behind vehicles, far away) and can be wrong by a metre there, while the
returns next to a box are what a reviewer would look at. Where fewer than `min_ground_points`
such returns exist the ground is not seen and nothing is reported; a box is not called sunk when
its own returns reach below the ground measured around it (what was measured is then the top
of something hiding the object's lower part, not the ground). An error needs the object to
agree: returns of it sticking out above a sunk box or hanging out below a floating one;
without them the finding is only `info`.
"""
from __future__ import annotations

import numpy as np

from pointlabel.geometry.iou import iou_3d
from pointlabel.qa.config import CheckConfig
from pointlabel.qa.findings import ERROR, INFO, WARNING, Finding, about
from pointlabel.qa.frames import FrameGeometry, FrameInput
from pointlabel.qa.guidelines import Guidelines


def check_classes(frame: FrameInput, guidelines: Guidelines) -> list[Finding]:
    """unknown_class and missing_attribute."""
    out = []
    for c in frame.cuboids:
        guide = guidelines.guide(c.label)
        if guide is None:
            out.append(about(frame.frame_id, c, "unknown_class", WARNING, c.label,
                             f"class {c.label!r} is not in the guidelines"))
            continue
        missing = [a for a in guide.required_attributes if c.attributes.get(a) in (None, "")]
        if missing:
            out.append(about(frame.frame_id, c, "missing_attribute", WARNING, missing,
                             f"required attribute(s) missing: {', '.join(missing)}"))
    return out


SIZE_SLACK = 0.1  # a dimension outside its class's limits by less than this share is a warning


def check_sizes(frame: FrameInput, guidelines: Guidelines) -> list[Finding]:
    """size_implausible: a dimension outside the class's [min, max]: an error when it is more
    than SIZE_SLACK (relative) outside, else a warning (an unusual but real object, such as
    a child's bicycle, is not called wrong)."""
    out = []
    for c in frame.cuboids:
        guide = guidelines.guide(c.label)
        if guide is None or guide.size is None:
            continue
        lwh = np.asarray(c.size_lwh)
        lo, hi = np.asarray(guide.size.min), np.asarray(guide.size.max)
        bad = guide.outside(lwh) != 0
        if not bad.any():
            continue
        names = [f"{n} {v:.2f} m not in [{a:g}, {b:g}]" for n, v, a, b, x in zip("lwh", lwh, lo, hi, bad) if x]
        swapped = lwh[[1, 0, 2]]
        hint = " (length and width swapped?)" if lwh[0] < lwh[1] and np.all((swapped >= lo) & (swapped <= hi)) else ""
        far = (lwh < lo * (1 - SIZE_SLACK)) | (lwh > hi * (1 + SIZE_SLACK))
        out.append(about(frame.frame_id, c, "size_implausible", ERROR if far.any() else WARNING, lwh.tolist(),
                         f"{c.label}: " + "; ".join(names) + hint))
    return out


def check_overlaps(frame: FrameInput, config: CheckConfig) -> list[Finding]:
    """overlap_3d, reported on both boxes of a pair (each names the other)."""
    cubs = frame.cuboids
    if len(cubs) < 2:
        return []
    boxes = np.array([c.as_array() for c in cubs])
    iou = np.triu(iou_3d(boxes, boxes), k=1)
    out = []
    for i, j in zip(*np.nonzero(iou > config.overlap_warning)):
        sev = ERROR if iou[i, j] > config.overlap_error else WARNING
        for a, b in ((cubs[i], cubs[j]), (cubs[j], cubs[i])):
            out.append(about(frame.frame_id, a, "overlap_3d", sev, float(iou[i, j]),
                             f"overlaps {b.label} {b.id[:8]} (3D IoU {iou[i, j]:.2f})", related=b.id))
    return out


def check_points(frame: FrameInput, geo: FrameGeometry, guidelines: Guidelines,
                 config: CheckConfig) -> list[Finding]:
    """too_few_points, floating / sunk, points_outside. `geo` must be built from frame.cuboids."""
    out = []
    free = ~geo.in_any_box
    ground_like = free & (np.abs(geo.height) < config.ground_band)
    object_like = geo.height > config.object_min_height
    for k, c in enumerate(frame.cuboids):
        guide = guidelines.guide(c.label)
        n = int(geo.counts[k])
        min_points = guide.min_points if guide else 5
        if n < min_points:
            out.append(about(frame.frame_id, c, "too_few_points", WARNING if n == 0 else INFO, n,
                             f"{n} LiDAR returns in the box (guideline: at least {min_points})"))
        out += _ground_contact(frame.frame_id, c, k, geo, ground_like, free, config)
        inside = geo.inside[k]
        n_obj = int(object_like[inside].sum())
        band = geo.box_points(k, grow_xy=config.outside_margin)
        n_out = int((free[band] & object_like[band]).sum())
        share = n_out / max(n_out + n_obj, 1)
        if n_out >= config.outside_min_points and share > config.outside_share:
            out.append(about(frame.frame_id, c, "points_outside", WARNING, share,
                             f"{n_out} object returns within {config.outside_margin} m outside the box, "
                             f"{n_obj} inside: shifted, turned or too small?"))
    return out


def _ground_contact(frame_id, cuboid, k: int, geo: FrameGeometry, ground_like: np.ndarray,
                    free: np.ndarray, config: CheckConfig) -> list[Finding]:
    ring = geo.footprint_points(k, config.ground_ring)
    z = geo.pts[ring[ground_like[ring]], 2]
    if len(z) < config.min_ground_points:
        return []
    bottom = geo.centres[k, 2] - geo.rotations[k, 2, 2] * geo.sizes[k, 2] / 2
    ground = float(np.median(z))
    gap = bottom - ground
    if abs(gap) <= config.ground_warning:
        return []
    own = geo.pts[geo.inside[k], 2]
    if gap < 0 and len(own) and own.min() < ground - config.ground_band:
        return []  # the object shows returns below that "ground": it is something in front of it
    # The object itself must agree: a sunk box leaves its object's top sticking out above it,
    # a floating one its lower part hanging out below it.
    column = geo.footprint_points(k, 0.0)
    zc = geo.pts[column[free[column]], 2]
    top = bottom + geo.rotations[k, 2, 2] * geo.sizes[k, 2]
    if gap < 0:
        sticking_out = int(((zc > top) & (zc <= top - gap)).sum())
    else:
        sticking_out = int(((zc > ground + config.ground_band) & (zc < bottom)).sum())
    agrees = sticking_out >= max(3, 0.05 * len(own))
    sev = (ERROR if abs(gap) > config.ground_error else WARNING) if agrees else INFO
    check, word = ("floating", "above") if gap > 0 else ("sunk", "below")
    return [about(frame_id, cuboid, check, sev, float(gap),
                  f"bottom {abs(gap):.2f} m {word} the ground ({len(z)} ground returns around it; "
                  f"{sticking_out} of the object's returns {'above' if gap < 0 else 'below'} the box)")]


def check_polylines(frame: FrameInput, geo: FrameGeometry, config: CheckConfig) -> list[Finding]:
    """polyline_unsupported: vertices neither near a return (within `polyline_return_dist`, or
    6 % of the range when that is more) nor on the ground model (within `polyline_ground_dist`
    + 0.5 % of the range; the model is interpolated where the ground is hidden)."""
    out = []
    for p in frame.annotations.polylines:
        v = p.points
        if len(v) == 0:
            continue
        rng = np.hypot(v[:, 0], v[:, 1])
        # returns thin out with range (a 64-beam sweep's rings are metres apart at 60 m)
        reach = np.maximum(config.polyline_return_dist, 0.06 * rng)
        dist = np.array([geo.nearest_distance(q, r) for q, r in zip(v, reach)])
        near = dist <= reach
        on_ground = np.abs(v[:, 2] - geo.ground.height_at(v[:, :2])) <= config.polyline_ground_dist + 0.005 * rng
        bad = np.flatnonzero(~near & ~on_ground)
        if len(bad):
            off = float(np.abs(v[bad, 2] - geo.ground.height_at(v[bad, :2])).max())
            out.append(about(frame.frame_id, p, "polyline_unsupported", WARNING, off,
                             f"vertices {bad.tolist()[:10]} are off the ground (up to {off:.2f} m) "
                             f"and no return lies within {reach[bad].max():.1f} m of them"))
    return out

