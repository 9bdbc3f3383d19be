"""The QA review workflow in real headless Chromium (issue 9): a label set with one box lifted
1 m, the checks run from the Review tab, a click on the 'floating' finding jumps to its frame
with the box selected in 3D and in the camera and the 3D view centred on it; a rejection needs
a comment, is saved with it, and after a reload the object list and the rejected-items list
still show it."""
from __future__ import annotations

import numpy as np
import pytest

from pointlabel.app import create_app
from pointlabel.app.config import PointBudget

pytestmark = pytest.mark.browser

FRAME = "000008"  # the frame of the lifted car (conftest.lifted_car)
COMMENT = "floats 1 m above the road: lower it onto the ground"
ROWS = "return Array.from(document.querySelectorAll('#review-list tbody tr.row')).map(r => r.innerText)"


def test_review_workflow(lifted_car, tmp_path, serve_app, page):
    dataset, store, lifted = lifted_car
    app = create_app(dataset, store, budget=PointBudget(camera=5_000), export_dir=tmp_path / "export")
    s = app.pointlabel_session
    server = serve_app(app)
    page.d.get(server.url)  # opens the first frame, not the faulty one
    page.wait_frame(s.frame_ids[0])

    # -- Review tab: check the whole sequence ------------------------------------------------
    page.click("tab-review-btn")
    page.wait("return getComputedStyle(document.getElementById('review-panel')).display === 'flex'", what="review tab")
    page.click("check-sequence-btn")
    rows = page.wait(ROWS + ".filter(t => t.indexOf('floating') >= 0)", what="a 'floating' finding")
    assert len(rows) == 1 and FRAME in rows[0] and "Car" in rows[0], rows
    assert page.js(ROWS)[0] == rows[0]  # errors come first
    assert "error" in page.js("return document.getElementById('review-summary').innerText")

    # -- click it: its frame, the box selected in 3D and in the camera, the 3D view centred ---
    page.js("Array.from(document.querySelectorAll('#review-list tbody tr.row'))"
            ".find(r => r.innerText.indexOf('floating') >= 0).click()")
    page.wait(f"return document.getElementById('frame-label').innerText.indexOf('{FRAME}') === 0", what=FRAME)
    page.wait("return document.getElementById('selected-title').innerText.indexOf('Car') === 0", what="selected")
    page.wait_frame(FRAME)
    page.wait_until(lambda: page.selected_drawn("view3d") == lifted.id == page.selected_drawn("bev"), what="selected")
    assert "floating" in page.js("return document.getElementById('status-msg').innerText")

    def centred():
        """The BEV's middle is on the box; the 3D view orbits about a point on it, from close by."""
        bev = page.canvas("[c.bev.cx, c.bev.cy]")
        target, eye = page.canvas("[c.view3d.controls.target.toArray(), c.view3d.camera.position.toArray()]")
        return (np.allclose(bev, lifted.center[:2], atol=0.6) and np.linalg.norm(np.subtract(target, lifted.center)) < 1.5
                and np.linalg.norm(np.subtract(eye, target)) < 30)
    page.wait_until(centred, what="the views centred on the box")
    page.screenshot("app-07-review-finding.png")

    # -- reject: without a comment it is refused; with one it is saved ------------------------
    page.click("review-reject-btn")
    page.wait("return document.getElementById('status-msg').innerText.indexOf('needs a comment') >= 0",
              what="refusal")
    assert s.review.verdict(lifted.id) is None
    page.type_into("review-comment", COMMENT, enter=False)
    page.click("review-reject-btn")
    verdict = page.wait_until(lambda: s.review.verdict(lifted.id), what="the verdict in the store")
    assert verdict.verdict == "rejected" and verdict.comment == COMMENT and verdict.frame == FRAME
    page.wait(f"return document.getElementById('review-verdict').innerText.indexOf({COMMENT!r}) >= 0",
              what="verdict line")

    # -- reload: the labeller sees the rejection and its comment ------------------------------
    page.d.refresh()
    page.wait_frame(FRAME)
    row = page.wait("var r = Array.from(document.querySelectorAll('#object-list tbody tr'))"
                    f".find(r => r.innerText.indexOf({COMMENT!r}) >= 0); return r && r.innerText",
                    what="the rejected row in the object list")
    assert "✗" in row and "Car" in row
    page.js("document.querySelector('#object-filter input[value=rejected]').click()")
    page.wait("return document.querySelectorAll('#object-list tbody tr').length === 1", what="only rejected")
    page.click("tab-review-btn")
    page.js("document.querySelector('#review-view-radio input[value=rejected]').click()")
    rejected = page.wait(ROWS, what="rejected items")
    assert len(rejected) == 1 and COMMENT in rejected[0] and FRAME in rejected[0]
    page.screenshot("app-08-review-rejected.png")
    assert page.errors() == []
