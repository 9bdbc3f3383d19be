"""Pre-labelling a whole sweep: every above-ground cluster that looks like an object of a
known class becomes an unconfirmed proposal (status 'proposal', with a confidence).

Clusters come from `cluster.segment_objects` (components joined with their fragments, as a
click's are); each is fitted like a click (`fit.fit_cluster`) and its class guessed from
the fitted size (`classes.guess_class`). Dropped: clusters that
no class can explain (walls, hedges), that reach the height ceiling or the sweep's top beam
(facades, trees: their true height is unknown), and low-confidence fits. LiDAR frame.
"""
from __future__ import annotations

import numpy as np

from pointlabel.fitting.classes import CLASS_PRIORS, SizePrior
from pointlabel.fitting.cluster import segment_objects
from pointlabel.fitting.context import MAX_OBJECT_HEIGHT, FrameContext
from pointlabel.fitting.fit import fit_cluster
from pointlabel.geometry.boxes import cuboids_to_array
from pointlabel.geometry.iou import bev_iou
from pointlabel.model import STATUS_PROPOSAL, Cuboid


def prelabel(ctx: FrameContext, priors: dict[str, SizePrior] | None = None,
             min_confidence: float = 0.4, min_points: int = 10) -> list[Cuboid]:
    """Proposals (LiDAR frame) for the objects of one sweep, most confident first."""
    priors = CLASS_PRIORS if priors is None else priors
    longest = max(p.max[0] for p in priors.values())
    tallest = max(p.max[2] for p in priors.values())
    shortest = min(p.min[2] for p in priors.values())
    out = []
    ceiling = MAX_OBJECT_HEIGHT - 0.25
    for idx in segment_objects(ctx, min_points=min_points, max_extent=1.2 * longest, priors=priors):
        top = ctx.height[idx].max()
        if not shortest * 0.6 <= top <= min(tallest * 1.1, ceiling):
            continue  # kerbs and low clutter; walls and trees cut off at the ceiling
        if ctx.sweep.cut_at_top(ctx.pts_lidar[idx]):
            continue  # reaches the top beam: a facade as likely as a far truck
        result = fit_cluster(ctx, idx, None, priors)
        if result.cuboid is not None and result.confidence >= min_confidence:
            out.append(result.cuboid.replace(source="prelabel"))
    out.sort(key=lambda c: -(c.confidence or 0.0))
    return _suppress_overlaps(out)


def write_proposals(store, frame_id: str, proposals: list[Cuboid],
                    label_set: str = "default") -> list[Cuboid]:
    """Put a frame's proposals into an AnnotationStore, in one transaction: they replace the
    earlier pre-label proposals of the frame, and none is written over (BEV IoU > 0.1) a box
    already there (confirmed, rejected, or from elsewhere). Returns those written."""
    frame, seen = store.frame_state(frame_id, label_set)  # the versions this change is based on
    existing = frame.cuboids
    old = [c for c in existing if c.source == "prelabel" and c.status == STATUS_PROPOSAL]
    old_ids = {c.id for c in old}
    others = [c for c in existing if c.id not in old_ids]
    new = list(proposals)
    if others and new:
        iou = bev_iou(cuboids_to_array(new), cuboids_to_array(others))
        new = [c for c, row in zip(new, iou) if row.max() <= 0.1]
    store.apply(frame_id, upserts=new, deletes=sorted(old_ids), label_set=label_set, author="prelabel",
                expected={i: seen[i] for i in old_ids})  # a proposal someone accepted meanwhile is not deleted
    return new


def _suppress_overlaps(cuboids: list[Cuboid], max_iou: float = 0.3) -> list[Cuboid]:
    """Drop a proposal overlapping (BEV IoU > max_iou) a more confident one; input sorted."""
    if len(cuboids) < 2:
        return cuboids
    boxes = cuboids_to_array(cuboids)
    iou = bev_iou(boxes, boxes)
    keep = np.ones(len(cuboids), dtype=bool)
    for i in range(len(cuboids)):
        if keep[i]:
            keep[i + 1:] &= iou[i, i + 1:] <= max_iou
    return [c for c, k in zip(cuboids, keep) if k]
