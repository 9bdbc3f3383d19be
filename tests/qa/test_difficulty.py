"""KITTI difficulty from 2D box height, truncation and occlusion (CONVENTIONS.md):
easy >= 40 px, <= 0.15, occ 0; moderate >= 25 px, <= 0.30, occ <= 1; hard >= 25 px, <= 0.50, occ <= 2."""
from __future__ import annotations

import numpy as np

from calibration.projection import Box2D
from pointlabel.model import Cuboid
from pointlabel.qa.difficulty import difficulty_of, kitti_difficulty


def test_levels_at_and_across_the_boundaries():
    cases = [  # (height px, truncation, occlusion) -> level, worked by hand from the table
        ((40.0, 0.15, 0), "easy"),        # every limit of easy exactly met
        ((39.9, 0.0, 0), "moderate"),     # 0.1 px too short for easy, tall enough for moderate
        ((60.0, 0.16, 0), "moderate"),    # truncation just over easy's 0.15
        ((60.0, 0.0, 1), "moderate"),     # partly occluded
        ((60.0, 0.31, 0), "hard"),        # truncation over moderate's 0.30
        ((25.0, 0.50, 2), "hard"),        # every limit of hard exactly met
        ((24.9, 0.0, 0), "ignored"),      # too small for any level
        ((60.0, 0.51, 0), "ignored"),     # too truncated
        ((60.0, 0.0, 3), "ignored"),      # occlusion unknown
    ]
    h, t, o = map(np.array, zip(*[c[0] for c in cases]))
    assert kitti_difficulty(h, t, o).tolist() == [c[1] for c in cases]


def test_imported_kitti_fields_win_over_the_projection():
    # 000008.txt line 5: bbox top 168.83, bottom 208.43 -> 39.6 px, truncated 0, occluded 0
    c = Cuboid(center=(33, -7, -0.9), size_lwh=(4.08, 1.63, 1.7), yaw=0.0,
               attributes={"kitti": {"bbox": [741.18, 168.83, 792.25, 208.43], "truncated": 0.0, "occluded": 0}})
    assert difficulty_of(c, Box2D(0, 0, 100, 100, 0.0)) == "moderate"


def test_projected_box_and_occluded_attribute_without_kitti_fields():
    c = Cuboid(center=(10, 0, 0), size_lwh=(4, 2, 1.5), yaw=0.0, attributes={"occluded": 1})
    assert difficulty_of(c, Box2D(10, 10, 100, 60, 0.0)) == "moderate"  # 50 px but occluded 1
    assert difficulty_of(c.replace(attributes={}), Box2D(10, 10, 100, 60, 0.0)) == "easy"
    assert difficulty_of(c) == "ignored"  # in no camera
