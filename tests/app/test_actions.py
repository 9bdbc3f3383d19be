"""What the labeller's actions do to the store (no browser): fit, nudge, fields, class, delete,
copy / propagate, interpolate, proposals, polylines, undo / redo, export. On real KITTI frames
(read in place), annotations in a store under tmp_path."""
from __future__ import annotations

import numpy as np
import pytest

from pointlabel.app import actions
from pointlabel.geometry.boxes import count_points_in_boxes, cuboids_to_array
from pointlabel.model import STATUS_CONFIRMED, STATUS_PROPOSAL, STATUS_REJECTED, Cuboid

FRAME = "000008"


def _near_car(session):
    ds = session.dataset
    cars = [c for c in ds.reference(FRAME).cuboids if c.label == "Car"]
    xyz = session.frame(FRAME).xyz
    car = cars[int(np.argmax(count_points_in_boxes(xyz, cuboids_to_array(cars))))]
    seed = xyz[np.argmin(np.linalg.norm(xyz - np.asarray(car.center, np.float32), axis=1))]
    return car, {"x": float(seed[0]), "y": float(seed[1]), "z": float(seed[2]), "source": "3d"}


def test_fit_then_select_nudge_fields_class_and_delete(session):
    car, click = _near_car(session)
    out = actions.fit_at(session, FRAME, click, "Car")
    cub = session.annotations(FRAME).cuboids[0]
    assert out.selection == {"id": cub.id, "vertex": None} and out.state["frame"] == FRAME
    assert cub.status == STATUS_CONFIRMED and cub.track_id == 1 and "fitted Car" in out.message
    assert np.linalg.norm(np.asarray(cub.center[:2]) - car.center[:2]) < 1.0
    assert out.state["points_inside"][cub.id] > 100

    # a click on a point of the box, in select mode, selects it; a click on empty ground does not
    assert actions.select_at(session, FRAME, click).selection["id"] == cub.id
    assert actions.select_at(session, FRAME, {"x": -30.0, "y": 30.0, "z": 0.0}).selection["id"] is None

    sel = out.selection
    actions.nudge(session, FRAME, sel, "move_forward", coarse=True)
    moved = session.annotations(FRAME).cuboids[0]
    assert np.allclose(np.subtract(moved.center, cub.center), 0.5 * np.array([np.cos(cub.yaw), np.sin(cub.yaw), 0]))

    actions.set_fields(session, FRAME, sel, {"yaw": 45, "l": "4.5"})
    typed = session.annotations(FRAME).cuboids[0]
    assert np.isclose(typed.yaw, np.pi / 4) and typed.size_lwh[0] == 4.5
    assert "not applied" in actions.set_fields(session, FRAME, sel, {"w": -1}).message
    rev = session.page_state(FRAME)["rev"]
    assert actions.set_fields(session, FRAME, sel, {}).state is None  # no change, no save
    assert session.page_state(FRAME)["rev"] == rev

    actions.set_label(session, FRAME, sel, "Van")
    actions.set_track(session, FRAME, sel, "42")
    actions.set_attribute(session, FRAME, sel, "occluded", 1)
    actions.set_attribute(session, FRAME, sel, "note", "behind a tree")
    c = session.annotations(FRAME).cuboids[0]
    assert (c.label, c.track_id, dict(c.attributes)) == ("Van", 42, {"occluded": 1, "note": "behind a tree"})
    assert "whole number" in actions.set_track(session, FRAME, sel, "x").message

    out = actions.delete(session, FRAME, sel)
    assert session.annotations(FRAME).cuboids == () and out.selection["id"] is None

    # undo brings it back; undo of every step goes back to the fitted box; redo re-applies
    actions.undo(session, FRAME)
    assert session.annotations(FRAME).cuboids[0].label == "Van"
    for _ in range(6):  # note, occluded, track, label, fields, nudge
        actions.undo(session, FRAME)
    assert session.annotations(FRAME).cuboids[0].center == cub.center
    actions.undo(session, FRAME, redo=True)
    assert session.annotations(FRAME).cuboids[0].center == moved.center


def test_fit_on_the_ground_says_so(session):
    ctx = session.frame(FRAME).fit_context()
    d, _ = ctx.tree.query(ctx.pts_lidar)  # distance to the nearest above-ground point
    ground = np.flatnonzero((ctx.height < 0.05) & (d > 3.0) & (np.hypot(*ctx.pts_lidar[:, :2].T) < 20))
    x, y, _ = ctx.pts_lidar[ground[0]]
    out = actions.fit_at(session, FRAME, {"x": float(x), "y": float(y), "z": None}, None)  # a BEV click there
    assert out.state is None and out.message.startswith("no box")


def test_copy_propagate_and_interpolate_a_track(session):
    ids = session.frame_ids
    i = ids.index(FRAME)
    car, click = _near_car(session)
    sel = actions.fit_at(session, FRAME, click, "Car").selection
    first = session.annotations(FRAME).cuboids[0]

    out = actions.to_next_frame(session, FRAME, sel, refine=False)
    nxt = ids[i + 1]
    copied = session.annotations(nxt).cuboids[0]
    assert out.goto == i + 1 and out.selection["id"] == copied.id
    assert copied.track_id == first.track_id and copied.center == first.center and copied.id != first.id

    out = actions.to_next_frame(session, FRAME, sel, refine=True)  # replaces the track's box there
    boxes = session.annotations(nxt).cuboids
    assert len(boxes) == 1 and boxes[0].status == STATUS_PROPOSAL and boxes[0].track_id == first.track_id
    assert "propagated" in out.message

    # keyframes two frames apart -> one interpolated proposal between them, at the midpoint
    far = ids[i + 2]
    key2 = first.replace(id="key2", center=np.add(first.center, (2.0, 0, 0)))
    session.commit(far, upserts=[key2])
    session.commit(nxt, deletes=[boxes[0].id])
    out = actions.interpolate_track(session, FRAME, sel)
    mid = session.annotations(nxt).cuboids
    assert "interpolated 1 boxes" in out.message and len(mid) == 1
    assert np.allclose(mid[0].center, np.add(first.center, (1.0, 0, 0)))
    assert mid[0].track_id == first.track_id and mid[0].source == "interpolated"
    assert "track id" in actions.interpolate_track(session, FRAME, {"id": None}).message


def test_prelabel_accept_and_reject(session):
    out = actions.prelabel(session, FRAME)
    props = session.annotations(FRAME).cuboids
    assert len(props) >= 3 and all(p.status == STATUS_PROPOSAL for p in props)
    assert out.message == f"{len(props)} proposals"
    assert len({p.track_id for p in props}) == len(props)
    actions.set_status(session, FRAME, {"id": props[0].id}, STATUS_CONFIRMED)
    actions.set_status(session, FRAME, {"id": props[1].id}, STATUS_REJECTED)
    out = actions.set_status_all(session, FRAME, STATUS_REJECTED)
    status = {c.id: c.status for c in session.annotations(FRAME).cuboids}
    assert status[props[0].id] == STATUS_CONFIRMED
    assert all(s == STATUS_REJECTED for k, s in status.items() if k != props[0].id)
    assert out.message == f"rejected {len(props) - 2} proposals"
    assert "no open proposals" in actions.set_status_all(session, FRAME, STATUS_CONFIRMED).message
    actions.undo(session, FRAME)  # the bulk decision is one undo step
    assert sum(c.status == STATUS_PROPOSAL for c in session.annotations(FRAME).cuboids) == len(props) - 2


def test_polyline_drawing(session):
    pts = [{"x": 6.0 + k, "y": 2.0, "z": -1.7} for k in range(3)]
    sel = None
    for p in pts:
        sel = actions.add_vertex_at(session, FRAME, sel, p, "point", "lane").selection
    line = session.annotations(FRAME).polylines[0]
    assert [v[0] for v in line.vertices] == [6, 7, 8] and sel == {"id": line.id, "vertex": 2}
    # insert after vertex 0, with the ground's height
    out = actions.add_vertex_at(session, FRAME, {"id": line.id, "vertex": 0}, {"x": 6.5, "y": 2.0, "z": 5.0},
                                "ground", "lane")
    line = session.annotations(FRAME).polylines[0]
    assert out.selection["vertex"] == 1 and line.vertices[1][0] == 6.5
    assert line.vertices[1][2] == pytest.approx(session.frame(FRAME).ground_z((6.5, 2.0)))
    assert abs(line.vertices[1][2] - -1.7) < 0.5  # the road, not the clicked 5 m
    actions.set_vertex(session, FRAME, {"id": line.id, "vertex": 1}, {"vx": 6.4, "vy": 2.1, "vz": -1.6})
    assert session.annotations(FRAME).polylines[0].vertices[1] == (6.4, 2.1, -1.6)
    actions.toggle_closed(session, FRAME, {"id": line.id})
    assert session.annotations(FRAME).polylines[0].closed
    actions.delete_vertex(session, FRAME, {"id": line.id, "vertex": 1})
    assert len(session.annotations(FRAME).polylines[0].vertices) == 3
    actions.set_label(session, FRAME, {"id": line.id}, "curb")
    assert session.annotations(FRAME).polylines[0].label == "curb"
    # a BEV click (no z): the vertex where it was clicked, at the height of the nearest LiDAR point
    out = actions.add_vertex_at(session, FRAME, None, {"x": 10.0, "y": 2.0, "z": None}, "point", "lane")
    new = session.annotations(FRAME).get(out.selection["id"])
    xyz = session.frame(FRAME).xyz
    nearest = xyz[np.argmin(np.linalg.norm(xyz[:, :2] - [10.0, 2.0], axis=1))]
    assert np.allclose(new.vertices[0], (10.0, 2.0, nearest[2]), atol=1e-5)


def test_selection_follows_its_track_across_frames(session):
    ids = session.frame_ids
    i = ids.index(FRAME)
    a = Cuboid(center=(10, 0, 0), size_lwh=(4, 2, 1.5), yaw=0, track_id=7)
    b = a.replace(id="other", center=(11, 0, 0))
    session.commit(FRAME, upserts=[a])
    session.commit(ids[i + 1], upserts=[b])
    assert actions.follow_selection(session, ids[i + 1], {"id": a.id}) == {"id": "other", "vertex": None}
    assert actions.follow_selection(session, FRAME, {"id": a.id}) is None
    assert actions.follow_selection(session, ids[0], {"id": a.id}) == {"id": None, "vertex": None}


def test_export_kitti_from_the_app(session, tmp_path):
    _, click = _near_car(session)
    actions.fit_at(session, FRAME, click, "Car")
    out = actions.export_kitti(session)
    assert out.message.startswith("exported 10 frames, 1 label lines")
    from pointlabel.formats.kitti_label import parse_label_line
    line = (tmp_path / "export" / "label_2" / f"{FRAME}.txt").read_text().strip()
    assert parse_label_line(line).type == "Car"


def test_set_box_places_the_box_where_a_handle_drag_left_it(session):
    box = Cuboid(center=(10, 0, -1), size_lwh=(4, 2, 1.5), yaw=0.0)
    session.commit(FRAME, upserts=[box])
    out = actions.set_box(session, FRAME, {"id": box.id}, (10.3, 0.2, -1), (4.6, 2, 1.5), 0.25)
    new = session.annotations(FRAME).cuboids[0]
    assert out.state is not None and new.size_lwh == pytest.approx((4.6, 2, 1.5)) and new.yaw == pytest.approx(0.25)
    assert np.allclose(new.center, (10.3, 0.2, -1)) and new.id == box.id and new.label == box.label
    with pytest.raises(ValueError, match="finite"):
        actions.set_box(session, FRAME, {"id": box.id}, (np.nan, 0, 0), (1, 1, 1), 0)
    assert actions.set_box(session, FRAME, {"id": "gone"}, (0, 0, 0), (1, 1, 1), 0).message == "the box is gone"
