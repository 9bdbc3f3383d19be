"""Two tabs (clients) editing one store through the app's actions (no browser): stale edits
are refused with the stored state and a message, undo is per tab, key nudges apply to the
stored state and none is lost, and the history panel shows who did what. On a real KITTI
frame; annotations in a store under tmp_path."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from pointlabel.app import actions, create_app
from pointlabel.app.callbacks.history import trail
from pointlabel.model import Cuboid

FRAME, OTHER = "000008", "000010"


@pytest.fixture
def session(kitti_root, tmp_path):
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.store import open_store
    ds = open_dataset(kitti_root)
    return create_app(ds, open_store(ds, tmp_path / "labels.sqlite")).pointlabel_session


def _box(session, frame=FRAME, x=10.0):
    cub = Cuboid(center=(x, 2.0, -0.8), size_lwh=(4.0, 1.8, 1.5), yaw=0.0, label="Car", track_id=1)
    return cub, session.commit(frame, upserts=[cub], client="setup")


def test_a_stale_apply_is_refused_with_the_newer_state_and_nothing_is_lost(session):
    cub, state = _box(session)
    a_page, b_page = dict(state), dict(state)  # both tabs show version 1
    sel = actions.selection(cub.id)
    tab_b = session.for_client("tab-b", b_page)
    out_b = actions.set_fields(tab_b, FRAME, sel, {"x": 10.5})  # B moves it 0.5 m
    assert out_b.state["versions"][cub.id] == 2 and out_b.message is None
    # A, still showing version 1, changes only the yaw and presses Apply (all fields, stale x)
    tab_a = session.for_client("tab-a", a_page)
    out_a = actions.set_fields(tab_a, FRAME, sel, {"x": 10.0, "y": 2.0, "yaw": 30})
    assert "not saved" in out_a.message and "changed by someone else" in out_a.message
    shown = {d["id"]: d for d in out_a.state["annotations"]}[cub.id]
    assert shown["center"][0] == 10.5 and out_a.state["versions"][cub.id] == 2  # A now sees B's move
    stored = session.annotations(FRAME).get(cub.id)
    assert stored.center[0] == 10.5 and stored.yaw == 0.0  # B's move kept, A's stale apply not written
    # with the fresh state, A's edit goes through
    out = actions.set_fields(session.for_client("tab-a", out_a.state), FRAME, sel, {"yaw": 30})
    assert out.message is None and np.isclose(session.annotations(FRAME).get(cub.id).yaw, np.pi / 6)


def test_leaving_a_stale_track_field_changes_nothing(session):
    cub, state = _box(session)
    actions.set_track(session.for_client("tab-b", state), FRAME, actions.selection(cub.id), "7")
    # A's field still shows track 1; clicking out of it (blur) must not revert B's 7
    out = actions.set_track(session.for_client("tab-a", state), FRAME, actions.selection(cub.id), "1")
    assert out.state is None and session.annotations(FRAME).get(cub.id).track_id == 7


def test_undo_in_one_tab_never_reverts_the_other_tabs_edit(session):
    cub, state = _box(session)
    other, st_other = _box(session, OTHER, x=20.0)
    tab_a = session.for_client("tab-a", state)
    actions.set_label(tab_a, FRAME, actions.selection(cub.id), "Van")
    tab_b = session.for_client("tab-b", st_other)
    actions.set_label(tab_b, OTHER, actions.selection(other.id), "Truck")  # B's edit is the latest
    out = actions.undo(session.for_client("tab-a"), FRAME)
    assert out.goto is None and "undone" in out.message  # A's own change, in A's frame
    assert session.annotations(FRAME).get(cub.id).label == "Car"
    assert session.annotations(OTHER).get(other.id).label == "Truck"
    # B changes A's box; A's redo (of the class change) is refused with a message
    actions.set_label(session.for_client("tab-b", session.page_state(FRAME)), FRAME, actions.selection(cub.id), "Tram")
    out = actions.undo(session.for_client("tab-a"), FRAME, redo=True)
    assert "changed by someone else" in out.message and session.annotations(FRAME).get(cub.id).label == "Tram"


def test_nudges_from_three_tabs_apply_to_the_stored_state_and_none_is_lost(session):
    cub, state = _box(session)
    sel, n = actions.selection(cub.id), 20

    def tab(name):
        view = session.for_client(name, state)  # every tab keeps its first (stale) page
        for _ in range(n):
            actions.nudge(view, FRAME, sel, "move_forward", coarse=False)
    threads = [threading.Thread(target=tab, args=(f"tab-{i}",)) for i in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    moved = session.annotations(FRAME).get(cub.id)
    step = moved.center[0] - cub.center[0]
    fine = np.linalg.norm(np.subtract(actions.editing.nudge_cuboid(cub, "move_forward", False).center, cub.center))
    assert np.isclose(step, 3 * n * fine)
    assert session.store.version(cub.id) == 1 + 3 * n


def test_history_panel_shows_who_and_what(session):
    cub, state = _box(session)
    actions.set_fields(session.for_client("tab-a", state), FRAME, actions.selection(cub.id), {"x": 11})
    rows = trail(session, session.page_state(FRAME), actions.selection(cub.id), "tab-a")
    text = [str(r.children) for r in rows]
    assert "selected object" in text[0] and "(you)" in text[1] and "moved 1.00 m" in text[1]
    assert "created" in text[2] and "(setup" in text[2]
