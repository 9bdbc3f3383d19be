"""Actions that come from QA (no browser): refine a selected box's whole track (one undo
step), and make a box from a missed_object finding. Real KITTI frames read in place, a store
under tmp_path."""
from __future__ import annotations

import numpy as np
import pytest

from pointlabel.app import actions
from pointlabel.geometry.boxes import count_points_in_boxes, cuboids_to_array
from pointlabel.geometry.iou import bev_iou
from pointlabel.model import Cuboid

FRAME = "000008"


def test_refine_the_selected_track_in_one_undo_step(session):
    frames = session.frame_ids[:4]  # KITTI's frames have no times: 0.1 s apart
    # a car driving +x at 10 m/s, labelled with sizes that differ and one box facing backwards
    boxes = [Cuboid(center=(10.0 + 1.0 * k, 5.0, -0.9), size_lwh=(3.9 + 0.3 * (-1) ** k, 1.6, 1.5),
                    yaw=np.pi if k == 2 else 0.02 * k, label="Car", track_id=7, id=f"t7-{k}")
             for k in range(4)]
    for f, b in zip(frames, boxes):
        session.commit(f, upserts=[b])
    tab = session.for_client("tab-1")
    out = actions.refine_track(tab, frames[1], {"id": "t7-1", "vertex": None})
    assert "refined track 7: 4 boxes" in out.message and out.selection == {"id": "t7-1", "vertex": None}
    after = [session.annotations(f).get(f"t7-{k}") for k, f in enumerate(frames)]
    assert len({a.size_lwh for a in after}) == 1  # one size for the rigid car
    assert all(abs(a.yaw) < 0.1 for a in after)  # the backwards box turned to the motion
    assert all(session.store.version(f"t7-{k}", session.label_set) == 2 for k in range(4))
    # one undo step of this tab brings every box back
    session.store.undo(session.label_set, client="tab-1")
    assert [session.annotations(f).get(f"t7-{k}") for k, f in enumerate(frames)] == boxes
    # nothing selected, or a box of no track: a message, nothing written
    assert "select a cuboid of a track" in actions.refine_track(tab, FRAME, {"id": None}).message


def test_a_missed_object_finding_becomes_a_box_in_one_click(session):
    from pointlabel.qa.checks import check_frame
    from pointlabel.qa.frames import FrameInput
    ds = session.dataset
    ref = ds.reference(FRAME)
    cars = [c for c in ref.cuboids if c.label == "Car"]
    xyz = session.frame(FRAME).xyz
    car = cars[int(np.argmax(count_points_in_boxes(xyz, cuboids_to_array(cars))))]
    rest = [c for c in ref.cuboids if c.id != car.id]
    session.commit(FRAME, upserts=rest)
    # the checks find the unlabelled car ...
    anns = session.annotations(FRAME)
    found = [f for f in check_frame(FrameInput(FRAME, anns, xyz, ds.rig(FRAME)), session.guidelines)
             if f.check == "missed_object"]
    finding = min(found, key=lambda f: np.hypot(*np.subtract(f.location[:2], car.center[:2])))
    assert np.hypot(*np.subtract(finding.location[:2], car.center[:2])) < 2.0
    # ... and one click makes its box
    out = actions.box_from_finding(session, FRAME, finding.to_dict())
    made = session.annotations(FRAME).get(out.selection["id"])
    assert made is not None and made.label == "Car" and made.track_id is not None
    assert bev_iou(made.as_array()[None], car.as_array()[None])[0, 0] > 0.5
    assert "made a Car" in out.message
    # a finding of another frame or of another check makes nothing
    assert "go there first" in actions.box_from_finding(session, FRAME, {**finding.to_dict(), "frame": "000010"}).message
    assert "missed_object" in actions.box_from_finding(session, FRAME, {"check": "floating", "frame": FRAME}).message
