"""Frame ranking by pre-label uncertainty."""
from __future__ import annotations

import numpy as np

from pointlabel.fitting.context import FrameContext
from pointlabel.model import STATUS_PROPOSAL
from pointlabel.qa.rank import frame_uncertainty, rank_frames


def test_confident_well_fitting_proposals_score_lower_than_doubtful_ones(synthetic):
    fid = "000003"
    ctx = FrameContext.build(synthetic.load_cloud(fid).xyz, frame_id=fid)
    near = [c for c in synthetic.reference(fid).cuboids if c.label == "Car" and np.hypot(*c.center[:2]) < 20][:3]
    sure = [c.replace(status=STATUS_PROPOSAL, confidence=0.95) for c in near]
    # the same objects, unsure, and drawn 2 m off their points: the refit from a click disagrees
    unsure = [c.replace(status=STATUS_PROPOSAL, confidence=0.3, center=np.add(c.center, [0, 2.0, 0])) for c in near]
    a, b = frame_uncertainty(ctx, sure), frame_uncertainty(ctx, unsure)
    assert a.source == b.source == "store" and a.proposals == b.proposals == 3
    assert abs(a.low_confidence - 0.15) < 1e-9
    assert abs(b.low_confidence - 2.1) < 1e-9
    assert b.disagreement > a.disagreement and b.few_points >= a.few_points
    assert b.score > a.score
    assert frame_uncertainty(ctx, []).score == 0.0


def test_rank_frames_runs_the_prelabelling_and_sorts(kitti_root):
    from pointlabel.datasets.kitti import KittiDataset
    ds = KittiDataset(kitti_root)
    ranks = rank_frames(ds, ["000001", "000008"])
    assert [r.source for r in ranks] == ["prelabel", "prelabel"]
    assert ranks[0].score >= ranks[1].score > 0
    assert {r.frame for r in ranks} == {"000001", "000008"}
