"""Two tabs on one box, in real headless Chromium: a stale Apply is refused with a message
and nothing is lost; undo in one tab reverts only that tab's own change, never the other
tab's, and is refused with a message when the other tab changed the object since. Each tab is
its own client (a uuid per page load). On the real KITTI frame 000008 (read in place)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from pointlabel.app import create_app
from pointlabel.app.config import PointBudget
from pointlabel.datasets.detect import open_dataset
from pointlabel.model import Cuboid
from pointlabel.store import open_store

pytestmark = pytest.mark.browser

FRAME = "000008"
BUDGET = PointBudget(view3d=20_000, bev=20_000, camera=5_000)


def field(name: str) -> str:
    return '{"index":"%s","type":"field"}' % name


def _two_boxes(tmp_path):
    dataset = open_dataset(KITTI_ROOT[0])
    store = open_store(dataset, tmp_path / "labels.sqlite")
    a = Cuboid(center=(12.0, 3.0, -0.9), size_lwh=(4.0, 1.8, 1.5), yaw=0.0, label="Car", track_id=1)
    b = Cuboid(center=(20.0, -3.0, -0.9), size_lwh=(4.0, 1.8, 1.5), yaw=0.0, label="Van", track_id=2)
    store.put_many(FRAME, [a, b], author="setup")
    app = create_app(dataset, store, budget=BUDGET)
    return app.pointlabel_session, app, a, b


KITTI_ROOT: list = []


@pytest.fixture(autouse=True)
def _root(kitti_root):
    KITTI_ROOT[:] = [kitti_root]


class Tab:
    """One browser tab of the app (a window handle of the shared driver)."""

    def __init__(self, page, url: str, new: bool):
        self.page, self.d = page, page.d
        if new:
            self.d.switch_to.new_window("tab")
        self.handle = self.d.current_window_handle
        self.d.get(url)
        page.wait("return document.querySelectorAll('#object-list tbody tr').length === 2", what="the object list")

    def front(self) -> "Tab":
        self.d.switch_to.window(self.handle)
        return self

    def select(self, label: str) -> None:
        self.front()
        rows = self.d.find_elements("css selector", "#object-list tbody tr")
        [r for r in rows if label in r.text][0].click()
        self.page.wait(f"return document.getElementById('selected-title').innerText.indexOf('{label}') === 0",
                       what=f"{label} selected")

    def apply(self, name: str, value: str) -> None:
        """Type into one numeric field and press Enter (the editor applies all its fields)."""
        self.front()
        self.page.type_into(field(name), value)

    def status(self) -> str:
        return self.front().page.js("return document.getElementById('status-msg').innerText")

    def shown(self, name: str) -> float:
        return float(self.front().page.js("return document.getElementById(arguments[0]).value", field(name)))


def test_a_stale_apply_is_refused_with_a_message_and_nothing_is_lost(tmp_path, serve_app, page):
    session, app, car, _ = _two_boxes(tmp_path)
    url = serve_app(app).url + f"?frame={FRAME}"
    tab_a = Tab(page, url, new=False)
    tab_a.select("Car")
    tab_b = Tab(page, url, new=True)
    tab_b.select("Car")
    try:
        # B moves the car 0.5 m forward
        tab_b.apply("x", "12.5")
        page.wait_until(lambda: session.annotations(FRAME).get(car.id).center[0] == 12.5, what="B's move stored")
        # A still shows x = 12.0; it changes only the yaw and presses Enter (Apply sends every field)
        tab_a.front()
        assert tab_a.shown("x") == pytest.approx(12.0)
        tab_a.apply("yaw", "30")
        msg = page.wait_until(lambda: "not saved" in tab_a.status() and tab_a.status(), what="the refusal")
        assert "changed by someone else" in msg
        stored = session.annotations(FRAME).get(car.id)
        assert stored.center[0] == 12.5 and stored.yaw == 0.0, "B's move kept, nothing of A's stale Apply written"
        page.wait_until(lambda: abs(tab_a.shown("x") - 12.5) < 1e-6, what="A shown the newer state")
        tab_a.page.screenshot("tabs-01-stale-apply-refused.png")
        # A's yaw, applied again on the fresh state, goes through: both edits are there
        tab_a.apply("yaw", "30")
        page.wait_until(lambda: math.isclose(session.annotations(FRAME).get(car.id).yaw, math.radians(30)),
                        what="A's yaw stored")
        assert session.annotations(FRAME).get(car.id).center[0] == 12.5
        assert page.errors() == []
    finally:
        tab_b.front().d.close()
        tab_a.front()


def test_undo_in_one_tab_never_reverts_the_other_tabs_edit(tmp_path, serve_app, page):
    session, app, car, van = _two_boxes(tmp_path)
    url = serve_app(app).url + f"?frame={FRAME}"
    tab_a = Tab(page, url, new=False)
    tab_b = Tab(page, url, new=True)
    try:
        tab_a.select("Car")
        tab_a.apply("x", "13")
        page.wait_until(lambda: session.annotations(FRAME).get(car.id).center[0] == 13.0, what="A's edit")
        tab_b.select("Van")
        tab_b.apply("y", "-4")  # B's edit is the latest change of all
        page.wait_until(lambda: session.annotations(FRAME).get(van.id).center[1] == -4.0, what="B's edit")

        tab_a.front().page.click("undo-btn")
        page.wait_until(lambda: session.annotations(FRAME).get(car.id).center[0] == 12.0, what="A's edit undone")
        assert session.annotations(FRAME).get(van.id).center[1] == -4.0, "B's edit untouched by A's undo"
        # the store commits before the browser renders the answer: wait for the message
        page.wait_until(lambda: "undone" in tab_a.status(), what="A told its edit was undone")
        assert tab_a.front().page.js("return window.location.search") == f"?frame={FRAME}"

        # B moves the car; A's redo of its own move is refused with a message, B's move stays
        # (B's page still shows the car as A had moved it: its first Apply is refused as stale)
        tab_b.select("Car")
        tab_b.apply("x", "14")
        page.wait_until(lambda: "not saved" in tab_b.status(), what="B's stale Apply refused")
        assert session.annotations(FRAME).get(car.id).center[0] == 12.0
        tab_b.apply("x", "14")
        page.wait_until(lambda: session.annotations(FRAME).get(car.id).center[0] == 14.0, what="B moved the car")
        tab_a.front().page.click("redo-btn")
        msg = page.wait_until(lambda: "not redone" in tab_a.status() and tab_a.status(), what="redo refused")
        assert "changed by someone else" in msg
        assert session.annotations(FRAME).get(car.id).center[0] == 14.0
        # B's own undo still works: it reverts B's car move only
        tab_b.front().page.click("undo-btn")
        page.wait_until(lambda: session.annotations(FRAME).get(car.id).center[0] == 12.0, what="B's undo")
        assert np.isclose(session.annotations(FRAME).get(van.id).center[1], -4.0)
        tab_a.front().page.screenshot("tabs-02-undo-per-tab.png")
        assert page.errors() == []
    finally:
        tab_b.front().d.close()
        tab_a.front()


def test_one_tab_is_one_client_for_keys_and_buttons(tmp_path, serve_app, page):
    """A key nudge (sent by the canvas) and the undo button (a Dash callback) act as the same
    client: the button undoes the nudge, and the History panel marks the nudge as this tab's."""
    session, app, car, _ = _two_boxes(tmp_path)
    tab = Tab(page, serve_app(app).url + f"?frame={FRAME}", new=False)
    tab.select("Car")
    page.wait("var c = window.pointlabelCanvas; return c && c.hub.selection && c.hub.selection.id === arguments[0]"
              " && c.hub.state && c.hub.state.frame === arguments[1]", 60, "the canvas holding the selection",
              car.id, FRAME)
    page.press("w")
    page.wait_until(lambda: session.annotations(FRAME).get(car.id).center[0] > 12.0, what="the nudge stored")
    first = page.wait("var r = document.querySelector('#history-list .history-row'); "
                      "return r && r.innerText.indexOf('v2') >= 0 && r.innerText", what="the nudge in the History panel")
    assert "(you)" in first and "moved" in first, first
    page.click("undo-btn")
    page.wait_until(lambda: session.annotations(FRAME).get(car.id).center[0] == 12.0, what="the nudge undone")
    assert page.errors() == []
