"""The rest of the labeller's tools in real headless Chromium: shortcut help, pre-label
proposals accepted / rejected, class buttons, numeric fields, delete by key, copy to the next
frame, colour mode, playback; and the page fits a 1366x768 screen."""
from __future__ import annotations

import json

import pytest

from pointlabel.app import create_app
from pointlabel.app.config import PointBudget
from pointlabel.datasets.detect import open_dataset
from pointlabel.model import STATUS_CONFIRMED, STATUS_PROPOSAL, STATUS_REJECTED
from pointlabel.store import open_store

pytestmark = pytest.mark.browser

FRAME = "000008"


def _field(name: str) -> str:
    return json.dumps({"index": name, "type": "field"}, separators=(",", ":"))


def test_tools_and_layout(kitti_root, tmp_path, serve_app, page):
    dataset = open_dataset(kitti_root)
    app = create_app(dataset, open_store(dataset, tmp_path / "labels.sqlite"), budget=PointBudget(camera=5_000))
    s = app.pointlabel_session
    server = serve_app(app)
    page.d.get(server.url + f"?frame={FRAME}")  # a link to a frame opens that frame
    page.wait(f"return document.getElementById('frame-label').innerText.indexOf('{FRAME}') === 0", what=FRAME)
    page.wait_frame(FRAME)

    # -- fits a 1366x768 screen: nothing sticks out sideways, the key controls are on screen ----
    assert page.js("return [window.innerWidth, window.innerHeight]") == [1366, 768]
    assert page.js("return document.documentElement.scrollWidth <= window.innerWidth")
    for el in ("graph-3d", "graph-bev", "export-btn", "undo-btn", "frame-slider", "object-list", "prelabel-btn"):
        r = page.js("var r = document.getElementById(arguments[0]).getBoundingClientRect();"
                    "return [r.left, r.top, r.right, r.bottom, r.width, r.height];", el)
        assert r[4] > 0 and r[5] > 0 and r[0] >= 0 and r[2] <= 1366 and r[1] >= 0 and r[3] <= 768, (el, r)

    # -- shortcut help: '?' opens it, its close button closes it -------------------------------
    page.key("?")
    page.wait("return getComputedStyle(document.getElementById('help-panel')).display === 'flex'", what="help")
    text = page.js("return document.getElementById('help-panel').innerText")
    assert "Ctrl+Z" in text and "move forward" in text and "copy the box to the next frame" in text
    assert "zoom toward the cursor" in text and "select the next object" in text
    page.screenshot("app-05-help.png")
    page.click("help-close-btn")
    page.wait("return getComputedStyle(document.getElementById('help-panel')).display === 'none'", what="help closed")

    # -- pre-label, select a proposal in the list, accept it (Enter), reject the rest (button) ----
    page.click("prelabel-btn")
    props = page.wait_until(lambda: s.annotations(FRAME).cuboids, what="proposals")
    assert len(props) >= 3 and all(c.status == STATUS_PROPOSAL for c in props)
    page.wait(f"return document.querySelectorAll('#object-list tbody tr').length === {len(props)}", what="rows")
    page.d.find_elements("css selector", "#object-list tbody tr")[0].click()
    first = s.annotations(FRAME).cuboids[0]
    page.wait("return document.getElementById('selected-title').innerText.indexOf('proposal') > 0", what="selected")
    page.key("Enter")
    page.wait_until(lambda: s.annotations(FRAME).get(first.id).status == STATUS_CONFIRMED, what="accepted")
    page.click("reject-all-btn")
    page.wait_until(lambda: all(c.status == STATUS_REJECTED for c in s.annotations(FRAME).cuboids if c.id != first.id),
                    what="rejected the rest")
    page.wait("return document.getElementById('status-msg').innerText.indexOf('rejected') === 0", what="the page shows it")

    # -- class button, typed fields -----------------------------------------------------------
    page.click(json.dumps({"index": "Van", "type": "class-btn"}, separators=(",", ":")))
    page.wait_until(lambda: s.annotations(FRAME).get(first.id).label == "Van", what="class Van")
    page.type_into(_field("yaw"), "30")
    page.wait_until(lambda: abs(s.annotations(FRAME).get(first.id).yaw - 0.5236) < 1e-3, what="yaw typed")
    page.type_into(_field("h"), "1.9")
    page.wait_until(lambda: s.annotations(FRAME).get(first.id).size_lwh[2] == 1.9, what="height typed")

    # -- copy to the next frame (C): the page follows to that frame with the copy selected ------
    page.key("c")
    nxt = s.frame_ids[s.index_of(FRAME) + 1]
    page.wait(f"return document.getElementById('frame-label').innerText.indexOf('{nxt}') === 0", what="next frame")
    copy = page.wait_until(lambda: s.annotations(nxt).cuboids, what="the copy")[0]
    assert copy.label == "Van" and copy.track_id == first.track_id
    page.wait("return document.getElementById('selected-title').innerText.indexOf('Van') === 0", what="copy selected")

    # -- delete by key ---------------------------------------------------------------------------
    page.key("Delete")
    page.wait_until(lambda: not s.annotations(nxt).cuboids, what="deleted")
    page.wait("return document.querySelectorAll('#object-list tbody tr').length === 0", what="empty list")

    # -- colour by intensity: the colours change on the GPU, the points stay -------------------
    n = page.points_drawn()
    colours = "Array.from(c.view3d.points.geometry.attributes.color.array.slice(0, 3000)).join()"
    before = page.canvas(colours)
    page.d.find_element("css selector", "#color-mode").click()
    page.d.find_element("xpath", "//*[contains(@class,'dash-dropdown')]//*[text()='intensity']").click()
    page.wait_canvas(colours + " !== arguments[0] && h.settings.colour === 'intensity'", "recoloured", before)
    assert page.points_drawn() == n

    # -- hide ground (H): the ground flags reach the GPU; the shader leaves those points out ------
    page.key("h")
    page.wait_canvas("h.ground && c.view3d.material.uniforms.hideGround.value === 1", "ground hidden")
    share = page.canvas("h.ground.reduce((a, b) => a + b, 0) / h.ground.length")
    assert 0.3 < share < 0.9
    page.screenshot("app-10-ground-hidden.png")
    page.key("h")
    page.wait_canvas("c.view3d.material.uniforms.hideGround.value === 0", "ground shown")

    # -- playback: play advances frames, pause stops ---------------------------------------------
    start = page.js("return document.getElementById('frame-label').innerText")
    page.click("play-btn")
    page.wait(f"return document.getElementById('frame-label').innerText !== {json.dumps(start)}", what="playing")
    page.click("play-btn")
    page.wait("return document.getElementById('play-btn').innerText.indexOf('play') >= 0", what="paused")
    assert page.errors() == []
