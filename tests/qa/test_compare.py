"""compare: optimal matching by 3D IoU and the per-class numbers, worked by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest

from pointlabel.model import Cuboid, FrameAnnotations
from pointlabel.qa.compare import compare_sets, match_frame
from pointlabel.labelsets import MemorySet


def car(x, y=0.0, yaw=0.0, lwh=(4.0, 2.0, 1.5), label="Car", id=None):
    return Cuboid(center=(x, y, 0.0), size_lwh=lwh, yaw=yaw, label=label, **({"id": id} if id else {}))


def test_hand_worked_agreement():
    # B (reference): two cars. A: the first one 0.5 m further along x and turned by 0.1 rad
    # is not used; here A is shifted 0.5 m: overlap 3.5 x 2 x 1.5 = 10.5 m^3 of 12 + 12 - 10.5
    # = 13.5 -> IoU 7/9 = 0.7778; the second B car is missed; A also has a pedestrian B lacks.
    b = FrameAnnotations("f", (car(10.0, id="b1"), car(20.0, 5.0, id="b2")))
    a = FrameAnnotations("f", (car(10.5, id="a1"), car(30, -5, label="Pedestrian", lwh=(0.8, 0.6, 1.7), id="a2")))
    r = compare_sets(MemorySet({"f": a}), MemorySet({"f": b}), ["f"], min_iou=0.5)
    cs = r.classes["Car"]
    assert (cs.n_a, cs.n_b, cs.matched) == (1, 2, 1)
    assert cs.precision == 1.0 and cs.recall == 0.5
    assert cs.mean_iou == pytest.approx(7 / 9)
    assert cs.centre_error == pytest.approx(0.5)
    assert cs.heading_error == pytest.approx(0.0)
    assert cs.size_ratio == pytest.approx(1.0)
    ps = r.classes["Pedestrian"]
    assert (ps.n_a, ps.n_b, ps.matched, ps.precision) == (1, 0, 0, 0.0) and math.isnan(ps.recall)
    assert r.unmatched_b == [("f", "b2", "Car")] and r.unmatched_a == [("f", "a2", "Pedestrian")]
    assert r.to_dict()["classes"]["Pedestrian"]["recall"] is None


def test_heading_error_and_size_ratio():
    # A: same centre, yaw pi (opposite heading: same box), length 4.4 -> volume ratio 1.1
    b = FrameAnnotations("f", (car(10.0, id="b"),))
    a = FrameAnnotations("f", (car(10.0, yaw=math.pi - 0.2, lwh=(4.4, 2.0, 1.5), id="a"),))
    m = compare_sets(MemorySet({"f": a}), MemorySet({"f": b}), ["f"], min_iou=0.1).matches[0]
    assert m.heading_error == pytest.approx(math.pi - 0.2)
    assert m.size_ratio == pytest.approx(1.1)


def test_assignment_is_optimal_not_greedy():
    # a0 overlaps b0 (IoU 0.6) and b1 (IoU 0.65); a1 overlaps only b1 (IoU 0.6). Greedy on the
    # best pair (a0, b1) leaves a1 unmatched; the optimum pairs (a0, b0) and (a1, b1).
    b0, b1 = car(0.0), car(3.0)
    a0, a1 = car(1.25 + 0.0), car(3.0 + 1.0)
    pairs, ua, ub = match_frame([a0, a1], [b0, b1], min_iou=0.3)
    assert sorted((i, j) for i, j, _ in pairs) == [(0, 0), (1, 1)] and ua == [] and ub == []


def test_clouds_give_the_fill_of_each_set(synthetic):
    from pointlabel.labelsets import ReferenceSet
    ref = ReferenceSet(synthetic)
    loose = MemorySet({f: FrameAnnotations(f, tuple(c.replace(size_lwh=tuple(np.asarray(c.size_lwh) * 1.3))
                                                     for c in ref.frame(f).cuboids)) for f in synthetic.frame_ids[:2]})
    r = compare_sets(loose, ref, synthetic.frame_ids[:2], min_iou=0.3, dataset=synthetic)
    cs = r.classes["Car"]
    assert cs.size_ratio == pytest.approx(1.3 ** 3)
    assert cs.fill_b > 0.9 > cs.fill_a  # the reference hugs its points, the loose set does not


def test_an_exports_json_folder_is_a_label_set(synthetic, tmp_path):
    from pointlabel.formats import frame_json
    from pointlabel.labelsets import JsonFolderSet, ReferenceSet, open_label_set
    (tmp_path / "export" / "json").mkdir(parents=True)
    for f in synthetic.frame_ids[:3]:
        frame_json.write(tmp_path / "export" / "json" / f"{f}.json", synthetic.reference(f))
    exported = open_label_set(str(tmp_path / "export"), synthetic)
    assert isinstance(exported, JsonFolderSet)
    r = compare_sets(exported, ReferenceSet(synthetic), synthetic.frame_ids[:3])
    assert all(s.precision == s.recall == 1.0 and s.mean_iou == pytest.approx(1.0) for s in r.classes.values())
    assert len(exported.frame("000009")) == 0  # a frame the export lacks is empty, not an error
