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
    page.wait_until(lambda: page.trace_length("graph-3d", 0) > 1000, what="the mug scene")
    assert page.js("return document.querySelector('#color-mode').innerText").strip() == "rgb"
    assert page.js(page.GRAPH + "return g._fullData[0].marker.colorscale.length", "graph-3d") == 256
    assert page.js("return document.querySelector('.cameras-row').innerText") == "no cameras in this dataset"
    _fits(page)
    # look at the mug, as a reviewer's jump to it would (the focus store, see assets/pointlabel.js)
    page.js("window.dash_clientside.set_props('focus-store', {data: {frame: arguments[0], x: arguments[1], "
            "y: arguments[2], z: arguments[3], radius: 0.6, ts: Date.now()}})", ds.frame_ids[0], *VIEW_CENTRE)
    page.wait(page.GRAPH + "var c = g._fullLayout.scene.camera.center; return Math.abs(c.x) + Math.abs(c.z) > 0.01",
              60, "the view on the mug", "graph-3d")
    cam = page.js(page.GRAPH + "return g._fullLayout.scene.camera", "graph-3d")
    c, e = (np.array([cam[k][a] for a in "xyz"]) for k in ("center", "eye"))
    eye = c + np.linalg.norm(e - c) * np.array(VIEW_FROM) / np.linalg.norm(VIEW_FROM)
    page.js(page.GRAPH + "return Plotly.relayout(g, {'scene.camera.eye': {x: arguments[1], y: arguments[2], "
                         "z: arguments[3]}})", "graph-3d", *eye.tolist())
    page.js(page.GRAPH + "return Plotly.restyle(g, {'marker.size': 3}, [0])", "graph-3d")  # the picture's points
    time.sleep(2)  # software WebGL paints the new view a moment after Plotly's promise
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
    page.wait_until(lambda: page.trace_length("graph-3d", 0) == 397, what="the bunny's 397 points")
    page.click("next-frame-btn")
    s = fapp.pointlabel_session
    sent = len(s.frame("fast_gicp_251370668").view_indices(s.config.budget.view3d)[0])  # 69k points, downsampled
    page.wait_until(lambda: page.trace_length("graph-3d", 0) == sent > 40_000, what="the outdoor sweep")
    assert page.js("return document.querySelectorAll('.camera').length") == 0
    _fits(page)
    assert page.errors() == []
