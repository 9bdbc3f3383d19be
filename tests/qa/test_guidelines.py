"""The guidelines file: round trip, defaults that real labels satisfy, and what the checks take from it."""
from __future__ import annotations

import json

import pytest

from pointlabel.errors import PointlabelError
from pointlabel.model import Cuboid, FrameAnnotations
from pointlabel.qa.checks import config_for, run_checks
from pointlabel.qa.frames import FrameInput
from pointlabel.qa.guidelines import ClassGuide, Guidelines, default_guidelines, load_guidelines


def test_json_round_trip(tmp_path):
    g = default_guidelines().with_class(ClassGuide("Scooter", "#123456", None, 12.0, 3.0, True, 3,
                                                   ("occluded",), "rider and scooter"))
    g = Guidelines(g.classes, {"ground_error": 0.7}, "project x")
    g.write(tmp_path / "g.json")
    back = load_guidelines(tmp_path / "g.json")
    assert back.to_dict() == g.to_dict()
    assert back.guide("scooter").required_attributes == ("occluded",)  # case-insensitive lookup
    assert back.size_priors()["Car"].max == (6.2, 2.3, 2.3)


def test_bad_files_are_user_errors(tmp_path):
    (tmp_path / "x.json").write_text("{")
    with pytest.raises(PointlabelError, match="not valid JSON"):
        load_guidelines(tmp_path / "x.json")
    (tmp_path / "y.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(PointlabelError, match="not a guidelines file"):
        load_guidelines(tmp_path / "y.json")
    with pytest.raises(ValueError, match="unknown check settings"):
        config_for(Guidelines({}, {"no_such_threshold": 1}))


def test_checks_use_required_attributes_size_limits_and_threshold_overrides():
    g = default_guidelines()
    g = g.with_class(ClassGuide(**{**g.classes["Car"].__dict__, "required_attributes": ("occluded",)}))
    car = Cuboid(center=(10, 0, -1), size_lwh=(4.0, 1.8, 1.5), yaw=0.0, label="Car", id="c")
    tiny = Cuboid(center=(20, 0, -1), size_lwh=(1.0, 1.8, 1.5), yaw=0.0, label="Car", id="t",
                  attributes={"occluded": 0})
    odd = Cuboid(center=(30, 0, -1), size_lwh=(1.0, 1.0, 1.0), yaw=0.0, label="Hovercraft", id="h")
    frame = FrameInput("0", FrameAnnotations("0", (car, tiny, odd)))
    found = {(f.annotation, f.check, f.severity) for f in run_checks([frame], g)}
    assert ("c", "missing_attribute", "warning") in found
    assert ("t", "size_implausible", "error") in found and ("c", "size_implausible", "error") not in found
    assert ("h", "unknown_class", "warning") in found
    # two boxes overlapping by IoU 1/3: a warning by default, an error with a stricter setting
    a = Cuboid(center=(0, 0, 0), size_lwh=(4, 2, 1.5), yaw=0.0, id="a")
    b = Cuboid(center=(2, 0, 0), size_lwh=(4, 2, 1.5), yaw=0.0, id="b")
    pair = [FrameInput("0", FrameAnnotations("0", (a, b)))]
    assert {f.severity for f in run_checks(pair) if f.check == "overlap_3d"} == {"warning"}
    strict = Guidelines(default_guidelines().classes, {"overlap_error": 0.3})
    assert {f.severity for f in run_checks(pair, strict) if f.check == "overlap_3d"} == {"error"}


def test_default_limits_hold_for_kitti_labels(kitti_root):
    from pointlabel.datasets.kitti import KittiDataset
    ds = KittiDataset(kitti_root)
    g = default_guidelines()
    for fid in ds.frame_ids:
        for c in ds.reference(fid).cuboids:
            p = g.guide(c.label).size
            assert all(lo <= v <= hi for v, lo, hi in zip(c.size_lwh, p.min, p.max)), (fid, c.source, c.size_lwh)


def test_a_real_short_cyclist_is_no_error_and_a_swapped_car_is():
    from pointlabel.qa.geometry_checks import check_sizes
    cubs = (Cuboid(center=(8, 2, -1), size_lwh=(1.19, 0.55, 1.7), yaw=0.0, label="Cyclist", id="cyc"),
            Cuboid(center=(15, 2, -1), size_lwh=(1.6, 3.9, 1.5), yaw=0.0, label="Car", id="swap"),
            Cuboid(center=(25, 2, -1), size_lwh=(6.5, 2.0, 1.6), yaw=0.0, label="Car", id="long"))
    found = {f.annotation: f for f in check_sizes(FrameInput("0", FrameAnnotations("0", cubs)), default_guidelines())}
    assert "cyc" not in found  # KITTI has a 1.19 m cyclist: inside the class table's limits
    assert found["swap"].severity == "error" and "swapped" in found["swap"].message
    assert found["long"].severity == "warning"  # 5 % over the limit: unusual, not wrong
