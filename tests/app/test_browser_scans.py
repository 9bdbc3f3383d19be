"""Scans in real headless Chromium: the PCL mug scene (`--up -y`) painted in its own colours
(the docs' picture, docs/scan_mug.png), and a folder of scans: no cameras, so the camera row
collapses to one line and the 3D view and the BEV take the page's height."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from pointlabel.app import create_app
from pointlabel.datasets.detect import open_dataset
from pointlabel.store import open_store

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"
MUG = "table_scene_mug_stereo_textured.pcd"
VIEW_CENTRE = (0.9, -0.06, 0.05)  # between the mug on the table (0.75, -0.06, -0.06) and the wall, m
VIEW_FROM = (-1.0, 0.3, 0.5)  # the picture's view: from behind and above the camera that took it, a little left


def _rect(page, element_id: str):
    return page.js("var r = document.getElementById(arguments[0]).getBoundingClientRect();"
                   "return [r.left, r.top, r.right, r.bottom];", element_id)


def _fits(page):
    """The page fits 1366x768: nothing sticks out, the views take the height of the window."""
    assert page.js("return document.documentElement.scrollWidth <= window.innerWidth")
    for el in ("graph-3d", "graph-bev", "object-list"):
        left, top, right, bottom = _rect(page, el)
        assert left >= 0 and top >= 0 and right <= 1366 and bottom <= 768, (el, left, top, right, bottom)
    assert _rect(page, "graph-3d")[3] - _rect(page, "graph-3d")[1] > 650  # 768 - header - one line


def test_mug_scan_in_its_own_colours_and_a_folder_of_scans(scans_root, tmp_path, serve_app, page):
    ds = open_dataset(scans_root / MUG, up="-y")
    app = create_app(ds, open_store(ds, tmp_path / "mug.sqlite"))
    server = serve_app(app)
    page.d.get(server.url)
    page.wait_frame(ds.frame_ids[0])
    assert page.wait("var e = document.querySelector('#color-mode'); return e && e.innerText.trim()",
                     what="the colour setting") == "rgb"
    # drawn in the scan's own colours, exactly: the GPU's colour of each point is its RGB
    s = app.pointlabel_session
    idx, _ = s.frame(ds.frame_ids[0]).view_indices(s.config.budget.view3d)
    drawn = np.asarray(page.canvas("Array.from(c.view3d.points.geometry.attributes.color.array.slice(0, 3000))"))
    assert np.array_equal(drawn.reshape(-1, 3), s.frame(ds.frame_ids[0]).cloud.rgb[idx][:1000])
    assert page.js("return document.querySelector('.cameras-row').innerText") == "no cameras in this dataset"
    _fits(page)
    # look at the mug, as a reviewer's jump to it would (the focus store), from the picture's side
    page.js("window.dash_clientside.set_props('focus-store', {data: {frame: arguments[0], x: arguments[1], "
            "y: arguments[2], z: arguments[3], radius: 0.6, ts: Date.now()}})", ds.frame_ids[0], *VIEW_CENTRE)
    page.wait_canvas("c.view3d.controls.target.distanceTo({x: arguments[0], y: arguments[1], z: arguments[2]}) < 1e-6",
                     "the view on the mug", *VIEW_CENTRE)
    page.js("""var v = window.pointlabelCanvas.view3d, t = v.controls.target, d = v.camera.position.distanceTo(t);
      var dir = arguments[0], n = Math.hypot(dir[0], dir[1], dir[2]);
      v.camera.position.set(t.x + dir[0] / n * d, t.y + dir[1] / n * d, t.z + dir[2] / n * d);
      v.controls.update(); window.dash_clientside.set_props('point-size', {value: 3});""", list(VIEW_FROM))
    page.wait_canvas("c.view3d.material.uniforms.size.value === 3", "the picture's point size")
    time.sleep(1)
    page.screenshot("app-09-scan-mug.png", also=DOCS / "scan_mug.png")
    assert page.errors() == []

    # a folder of scans: frame by frame, still no camera row
    folder = tmp_path / "scans"
    folder.mkdir()
    for name in ("bunny.pcd", "fast_gicp_251370668.pcd"):
        shutil.copy(scans_root / name, folder / name)
    fds = open_dataset(folder)
    fapp = create_app(fds, open_store(fds, tmp_path / "folder.sqlite"))
    server = serve_app(fapp)
    page.d.get(server.url)
    page.wait("return document.getElementById('frame-label').innerText.indexOf('bunny') === 0", what="bunny")
    page.wait_frame("bunny")
    assert page.points_drawn() == page.points_drawn("bev") == 397
    page.click("next-frame-btn")
    s = fapp.pointlabel_session
    sent = len(s.frame("fast_gicp_251370668").view_indices(s.config.budget.view3d)[0])  # 69k points, downsampled
    page.wait_frame("fast_gicp_251370668")
    assert page.points_drawn() == sent > 40_000
    assert page.js("return document.querySelectorAll('.camera').length") == 0
    _fits(page)
    assert page.errors() == []
