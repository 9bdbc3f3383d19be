"""The review workflow without a browser (app.review, the page state's verdicts, the object
list's review column) and the guidelines the app runs with (classes, colours, text, --guidelines).
On real KITTI frames with one car lifted 1 m (conftest.lifted_car)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from pointlabel.app import create_app, review
from pointlabel.app.callbacks.review import selected_label
from pointlabel.app.canvas_config import canvas_config
from pointlabel.app.figures.overlays import camera_paths
from pointlabel.app.layout import objects
from pointlabel.app.layout import review as review_layout
from pointlabel.model import Cuboid, FrameAnnotations
from pointlabel.qa.guidelines import ClassGuide, Guidelines, default_guidelines

FRAME = "000008"


@pytest.fixture
def faulty(lifted_car, tmp_path):
    dataset, store, lifted = lifted_car
    app = create_app(dataset, store, export_dir=tmp_path / "export")
    return app.pointlabel_session, lifted


def _floating(state):
    return [f for f in state["findings"] if f["check"] == "floating"]


def test_checks_find_the_lifted_car_over_the_sequence_and_in_its_frame(faulty):
    s, lifted = faulty
    seq = review.run_checks(s, review.SEQUENCE, FRAME)
    assert seq["scope"] == "sequence" and seq["label_set"] == "default" and seq["frame"] is None
    (f,) = _floating(seq)  # the lifted car, and nothing else floats
    assert f["annotation"] == lifted.id and f["frame"] == FRAME and f["severity"] == "error"
    assert 0.7 < f["value"] < 1.1 and f["label"] == "Car"  # lifted 1 m (KITTI boxes sit a little low)
    assert {g["frame"] for g in seq["findings"]} - {FRAME} != set()  # every frame was checked

    one = review.run_checks(s, review.FRAME, FRAME)
    assert {g["frame"] for g in one["findings"]} == {FRAME} and _floating(one)[0]["annotation"] == lifted.id
    # a frame's run replaces that frame's findings of the sequence run, and only those
    merged = review.merge_findings(seq, {**one, "findings": _floating(one)})
    assert [g for g in merged["findings"] if g["frame"] == FRAME] == _floating(one)
    assert len(merged["findings"]) == len([g for g in seq["findings"] if g["frame"] != FRAME]) + 1
    assert review.merge_findings(None, one) is one
    assert review.merge_findings({**seq, "label_set": "other"}, one) is one
    # floating, and the label-vs-points check agrees (move it down): both about the lifted car
    assert {g["annotation"] for g in seq["findings"] if g["severity"] == "error"} == {lifted.id}
    assert "2 error" in review.summary(seq) and "sequence" in review.summary(seq)
    assert review.summary(None) == "no checks run yet"


def test_findings_are_stored_as_json_that_round_trips():
    # -0.0 and NaN would not survive the page's session storage unchanged (see storable)
    v = review.storable({"location": (-0.0, 1.5, float("nan")), "value": [-0.0, 2], "n": 3})
    assert v == {"location": [0.0, 1.5, None], "value": [0.0, 2], "n": 3}
    assert math.copysign(1.0, v["location"][0]) == 1.0
    assert json.loads(json.dumps(v)) == v


def test_review_items_filter_by_severity_and_carry_verdicts():
    state = {"schema": 1, "label_set": "default", "scope": "sequence", "frame": None, "ran_at": 0.0,
             "findings": [
                 {"frame": "a", "annotation": "x", "check": "floating", "severity": "error", "value": 0.8912,
                  "label": "Car", "track_id": 3, "source": "a.txt:2"},
                 {"frame": "b", "annotation": None, "check": "missed_object", "severity": "warning", "value": 105,
                  "label": "Pedestrian", "location": [4.0, 1.0, -0.5]},
                 {"frame": "b", "annotation": "y", "check": "size_implausible", "severity": "error",
                  "value": [4.0, 1.8, 3.5], "label": "Car"}]}

    class V:  # a qa.review.Verdict as far as the list reads one
        verdict, comment, changed_since = "rejected", "too tall", False
    rows = review.review_items(state, {"y": V()}, review.FINDINGS, "error")
    assert [r["annotation"] for r in rows] == ["x", "y"]
    assert rows[0]["value"] == "0.89" and rows[1]["value"] == "4.00 × 1.80 × 3.50"
    assert rows[1]["verdict"] == "rejected" and rows[1]["comment"] == "too tall" and rows[0]["verdict"] is None
    assert len(review.review_items(state, {}, review.FINDINGS, "all")) == 3
    assert review.review_items(None, {}, review.FINDINGS) == []
    table = review_layout.rows(rows, review.FINDINGS, "y")
    body = table[1].children
    assert "selected" in body[1].className and "sev-error" in body[0].className
    assert [td.children for td in body[0].children] == ["err", "floating", "a", "Car #3", "0.89", "a.txt:2", ""]
    assert body[1].children[-1].children == "✗"


def test_jump_selects_the_annotation_and_centres_on_it_or_on_a_missed_object(faulty):
    s, lifted = faulty
    j = review.jump(s, {"frame": FRAME, "annotation": lifted.id, "check": "floating", "severity": "error",
                        "value": "0.89"})
    assert j.index == s.index_of(FRAME) and j.selection == {"id": lifted.id, "vertex": None}
    assert j.focus["frame"] == FRAME and np.allclose([j.focus[k] for k in "xyz"], lifted.center)
    assert j.focus["radius"] == pytest.approx(2 * np.linalg.norm(lifted.size_lwh)) and "floating = 0.89" in j.message

    j = review.jump(s, {"frame": "000009", "annotation": None, "location": [12.0, -3.0, -1.0],
                        "check": "missed_object", "severity": "warning"})
    assert j.index == s.index_of("000009") and j.selection == {"id": None, "vertex": None}
    assert (j.focus["x"], j.focus["y"], j.focus["z"]) == (12.0, -3.0, -1.0) and j.focus["frame"] == "000009"
    assert j.focus["radius"] == review.MISSED_RADIUS

    gone = review.jump(s, {"frame": FRAME, "annotation": "no-such-id", "check": "floating"})
    assert gone.focus is None and "no longer exists" in gone.message
    assert review.jump(s, {"frame": "999999", "annotation": None}).index is None
    assert review.jump(s, None) == review.Jump()


def test_a_rejection_needs_a_comment_and_reaches_the_page_state_and_object_list(faulty, tmp_path):
    s, lifted = faulty
    sel = {"id": lifted.id, "vertex": None}
    out = review.set_verdict(s, FRAME, sel, "rejected", "  ")
    assert out.state is None and "needs a comment" in out.message and s.review.verdict(lifted.id) is None
    assert "select an annotation" in review.set_verdict(s, FRAME, {"id": None}, "accepted", "").message

    out = review.set_verdict(s, FRAME, sel, "rejected", "floats 1 m: lower it")
    v = out.state["verdicts"][lifted.id]
    assert v["verdict"] == "rejected" and v["comment"] == "floats 1 m: lower it" and not v["changed_since"]
    assert out.message == "rejected Car: floats 1 m: lower it"
    assert review.comment_of(out.state, sel) == "floats 1 m: lower it"
    assert review.verdict_line(out.state, sel).startswith("✗ rejected by app")
    assert "not reviewed yet" == review.verdict_line(out.state, {"id": "other"})

    # the labeller's list: the review column, and "only rejected"
    rows = objects.rows(objects.row_values(out.state["annotations"], out.state["points_inside"], None,
                                           out.state["verdicts"]))
    body = rows[1].children
    rejected = [r for r in body if "verdict-rejected" in r.className]
    assert len(body) == len(out.state["annotations"]) > 1 and len(rejected) == 1
    assert rejected[0].children[-1].children == "✗ floats 1 m: lower it"
    only = objects.rows(objects.row_values(out.state["annotations"], out.state["points_inside"], None,
                                           out.state["verdicts"], True))
    assert len(only[1].children) == 1

    # the labeller fixes it: the verdict is kept, marked as edited since
    s.commit(FRAME, upserts=[lifted.replace(center=np.subtract(lifted.center, [0, 0, 1.0]))])
    assert s.page_state(FRAME)["verdicts"][lifted.id]["changed_since"] is True
    items = review.review_items(None, {}, review.REJECTED, rejected=s.review.rejected(),
                                annotations=review.rejected_annotations(s, s.review.rejected()))
    assert len(items) == 1 and items[0]["check"] == "fixed?" and items[0]["label"] == "Car"

    # accepting replaces the verdict; the export has the log of both and the findings
    review.set_verdict(s, FRAME, sel, "accepted", "")
    checked = review.run_checks(s, review.FRAME, FRAME)
    assert not _floating(checked)  # fixed
    path, text = review.export_review(s, checked)
    assert path == tmp_path / "export" / "review_default.json" and path.read_text() == text
    data = json.loads(text)
    assert data["counts"] == {"accepted": 1, "rejected": 0}
    assert [v["verdict"] for v in data["log"]] == ["rejected", "accepted"]
    assert data["findings"] == checked["findings"] and data["checked_at"] == checked["ran_at"]


def test_guidelines_give_the_classes_colours_and_text(kitti_root, tmp_path):
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.store import open_store
    g = Guidelines({"Bus": ClassGuide("Bus", "#123456", text="Whole bus, mirrors excluded.",
                                      required_attributes=("occluded",)),
                    "Car": default_guidelines().classes["Car"]}, name="city")
    ds = open_dataset(kitti_root)
    s = create_app(ds, open_store(ds, tmp_path / "l.sqlite"), guidelines=g).pointlabel_session
    assert s.config.classes == ("Bus", "Car") and s.class_colours["Bus"] == "#123456"
    bus = Cuboid(center=(10, 0, -1), size_lwh=(12, 2.5, 3), yaw=0.0, label="Bus")
    assert canvas_config(s)["class_colours"]["Bus"] == "#123456"  # the 3D view and BEV draw it so
    cam = s.frame(FRAME).rig["image_2"]
    (drawn,) = camera_paths(FrameAnnotations.from_annotations("f", [bus]), cam, s.class_colours)
    assert drawn["colour"] == "#123456"  # and the cameras
    assert review.guide_text(g, "Bus") == "Bus — Whole bus, mirrors excluded. · required: occluded"
    assert review.guide_text(g, "Car").startswith("Car — Passenger cars") and "typical 3.90 × 1.65 × 1.55" in \
        review.guide_text(g, "Car")
    assert "not in the guidelines (city)" in review.guide_text(g, "Tram")
    assert review.guide_text(g, None) == ""
    # an explicit class list wins; the default guidelines give KITTI's classes
    assert create_app(ds, open_store(ds, tmp_path / "m.sqlite"), guidelines=g,
                      classes=["Car"]).pointlabel_session.config.classes == ("Car",)
    d = create_app(ds, open_store(ds, tmp_path / "n.sqlite")).pointlabel_session
    assert d.config.classes[:3] == ("Car", "Van", "Truck") and d.class_colours["Car"] == "#1f77b4"


def test_the_guideline_text_follows_the_selection_else_the_current_class():
    box = Cuboid(center=(1, 2, 3), size_lwh=(4, 2, 1.5), yaw=0.0, label="Van")
    state = {"schema": 1, "frame": "f", "annotations": [box.to_dict()]}
    assert selected_label(state, {"id": box.id}, {"cuboid": "Car"}) == "Van"
    assert selected_label(state, {"id": None}, {"cuboid": "Car"}) == "Car"
    assert selected_label(None, None, None) is None


def test_serve_takes_a_guidelines_file(kitti_root, tmp_path, monkeypatch):
    from pointlabel.app import server
    from pointlabel.cli import build_parser
    path = tmp_path / "guide.json"
    Guidelines({"Bus": ClassGuide("Bus", "#123456", text="A bus.")}, name="city").write(path)
    seen = {}
    monkeypatch.setattr(server, "serve", lambda dataset, store, **kw: seen.update(kw))
    args = build_parser().parse_args(["serve", str(kitti_root), "--db", str(tmp_path / "s.sqlite"),
                                      "--guidelines", str(path)])
    assert args.func(args) == 0
    assert list(seen["guidelines"].classes) == ["Bus"] and seen["classes"] is None
    args = build_parser().parse_args(["serve", str(kitti_root), "--db", str(tmp_path / "s.sqlite")])
    args.func(args)
    assert seen["guidelines"].name == "default" and "budget" not in seen
