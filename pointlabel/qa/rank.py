"""Labelling priorities: order frames by how unsure the machine is about their pre-labels, so
labellers start where the pre-labels need them most.

Per frame, the proposals (the store's unconfirmed proposals of the frame if it has any, else
a fresh pre-labelling run, pointlabel.fitting.prelabel) are scored on three signs of doubt:

- low confidence: sum of (1 - confidence);
- few points: 0.5 for every proposal with fewer than `few_points` returns in its box;
- disagreement between the fitting's two methods: each proposal is refitted from a click on
  its object (the return in the box nearest its centre; fitting.fit_cuboid grows its own
  cluster from that seed, where pre-labelling segmented the whole sweep) and the sum of
  (1 - BEV IoU) of the two boxes is added.

The frame's score is the sum; frames are returned highest first. LiDAR frame throughout.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from pointlabel.geometry.boxes import count_points_in_boxes, cuboids_to_array, points_in_box_mask
from pointlabel.geometry.iou import bev_iou
from pointlabel.model import STATUS_PROPOSAL


@dataclass(frozen=True)
class FrameRank:
    frame: str
    score: float
    proposals: int
    low_confidence: float
    few_points: int
    disagreement: float
    source: str  # 'store' (existing proposals) or 'prelabel' (computed now)

    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("score", "low_confidence", "disagreement"):
            d[k] = round(d[k], 3)
        return d


def frame_uncertainty(ctx, proposals=None, few_points: int = 20) -> FrameRank:
    """The doubt about one frame's pre-labels. ctx: a fitting.context.FrameContext; proposals:
    Cuboids with `confidence` (None: run the pre-labelling on ctx)."""
    from pointlabel.fitting.fit import fit_cuboid
    from pointlabel.fitting.prelabel import prelabel
    source = "store"
    if proposals is None:
        proposals, source = prelabel(ctx), "prelabel"
    proposals = list(proposals)
    if not proposals:
        return FrameRank(str(ctx.frame_id), 0.0, 0, 0.0, 0, 0.0, source)
    boxes = cuboids_to_array(proposals)
    conf = np.array([p.confidence if p.confidence is not None else 0.5 for p in proposals])
    counts = count_points_in_boxes(ctx.pts_lidar, boxes)
    disagreement = 0.0
    obj = ctx.obj_pts
    for p, box in zip(proposals, boxes):
        inside = obj[points_in_box_mask(obj, box)]  # click where a labeller would: on the object
        seed = (inside[np.argmin(np.linalg.norm(inside - box[:3], axis=1))] if len(inside)
                else np.asarray(p.center))
        refit = fit_cuboid(ctx, seed, label=p.label).cuboid
        iou = 0.0 if refit is None else float(bev_iou(box[None], refit.as_array()[None])[0, 0])
        disagreement += 1.0 - iou
    low = float(np.sum(1.0 - conf))
    few = int(np.sum(counts < few_points))
    return FrameRank(str(ctx.frame_id), low + 0.5 * few + disagreement, len(proposals), low, few,
                     disagreement, source)


def rank_frames(dataset, frame_ids=None, store=None, label_set: str = "default",
                few_points: int = 20) -> list[FrameRank]:
    """Frames of `dataset` (all, or `frame_ids`), most uncertain first."""
    from pointlabel.fitting.context import FrameContext
    out = []
    for fid in (frame_ids if frame_ids is not None else dataset.frame_ids):
        proposals = None
        if store is not None:
            stored = [c for c in store.frame(fid, label_set).cuboids if c.status == STATUS_PROPOSAL]
            proposals = stored or None
        ctx = FrameContext.build(dataset.load_cloud(fid).xyz, frame_id=str(fid))
        out.append(frame_uncertainty(ctx, proposals, few_points))
    return sorted(out, key=lambda r: (-r.score, r.frame))
