"""A labelling session in real headless Chromium, the way a person works: load the app, see
the 3D view, the BEV and the camera, go to a frame by key, fit a box by clicking a car point
in the 3D view, move it by key, undo, draw a 3-vertex polyline by clicking the road in the
BEV, reload and find both, export KITTI and read it back. Every click and key is a real input
event; what the canvas drew is read back from the page."""
from __future__ import annotations

import numpy as np
import pytest

from pointlabel.app import create_app
from pointlabel.app.config import PointBudget
from pointlabel.datasets.detect import open_dataset
from pointlabel.formats.kitti_label import parse_label_line
from pointlabel.geometry.boxes import count_points_in_boxes, cuboids_to_array
from pointlabel.store import open_store

pytestmark = pytest.mark.browser

FRAME = "000008"
TEST_BUDGET = PointBudget(view3d=150_000, camera=8_000)


def _car_seed(dataset):
    """The car of the frame's reference labels with the most returns that image_2 sees, and
    its LiDAR point nearest the sensor (on the surface a labeller sees and clicks)."""
    ref = dataset.reference(FRAME)
    xyz = dataset.load_cloud(FRAME).xyz.astype(float)
    cars = [c for c in ref.cuboids if c.label == "Car" and c.center[0] > 6]
    n = count_points_in_boxes(xyz, cuboids_to_array(cars))
    car = cars[int(np.argmax(n))]
    from pointlabel.geometry.boxes import points_in_cuboid_mask
    on_car = xyz[points_in_cuboid_mask(xyz, car)]
    return car, on_car[np.argmax(on_car[:, 2])]  # its roof: seen from above and behind


def test_labelling_session(kitti_root, tmp_path, serve_app, page):
    dataset = open_dataset(kitti_root)
    store = open_store(dataset, tmp_path / "labels.sqlite")
    app = create_app(dataset, store, budget=TEST_BUDGET, export_dir=tmp_path / "export")
    session = app.pointlabel_session
    server = serve_app(app)
    car, seed = _car_seed(dataset)

    # -- load: the whole sweep in the 3D view and the BEV, the camera with its points ----------
    page.d.get(server.url)
    first = session.frame_ids[0]
    page.wait_frame(first)
    assert page.points_drawn("view3d") == page.points_drawn("bev") == len(session.frame(first).xyz)  # 115k: all
    page.wait_canvas("Object.values(c.cameras.views).every(v => v.data && v.data.uv.length > 200 && v.img.complete "
                     "&& v.img.naturalWidth > 0)", "camera image and points")
    assert page.js("return document.querySelector('#graph-3d canvas') !== null")
    page.screenshot("app-01-loaded.png")

    # -- go to the frame with cars by keys (→ four times) -----------------------------------
    for k in range(4):
        page.key("ArrowRight")
        page.wait_frame(session.frame_ids[k + 1])
    assert session.frame_ids[4] == FRAME
    page.wait(f"return window.location.search === '?frame={FRAME}'", what="the frame in the URL")

    # -- click-to-fit: mode key 2, then a click on the car in the 3D view -------------------
    page.key("2")
    page.wait("return document.querySelector('#mode-radio input[value=fit]').checked", what="fit mode")
    page.wait_canvas("h.mode === 'fit'", "the canvas in fit mode")
    page.click_at(*page.screen_of(seed))
    fitted = page.wait_until(lambda: session.annotations(FRAME).cuboids, what="a fitted cuboid in the store")
    assert len(fitted) == 1
    box = fitted[0]
    assert box.label == "Car"
    assert np.linalg.norm(np.asarray(box.center[:2]) - car.center[:2]) < 1.0, (box, car)
    page.wait_until(lambda: page.selected_drawn("view3d") == box.id == page.selected_drawn("bev"), what="selected")
    page.wait_until(lambda: (box.id, "box") in page.camera_items("image_2"), what="the box in the camera")
    bbox = page.canvas("c.cameras.views.image_2.paths[0].bbox")
    w, h = session.frame(FRAME).rig["image_2"].camera.size
    assert -50 < bbox[0] < bbox[2] < w + 50, "the projected box lies on the image"
    page.wait("return document.querySelectorAll('#object-list tbody tr').length === 1", what="object list row")
    page.screenshot("app-02-fitted.png")

    # -- move it by key (w: forward along its own heading), then undo (Ctrl+Z) ----------------
    page.key("w")
    moved = page.wait_until(lambda: (c := session.annotations(FRAME).cuboids) and c[0].center != box.center and c[0],
                            what="the moved box")
    step = np.asarray(moved.center) - np.asarray(box.center)
    assert np.allclose(step, 0.05 * np.array([np.cos(box.yaw), np.sin(box.yaw), 0.0]), atol=1e-6)
    page.wait(f"return Math.abs(parseFloat(document.getElementById('{{\"index\":\"x\",\"type\":\"field\"}}').value) - {moved.center[0]:.3f}) < 0.002",
              what="the x field showing the moved box")
    page.key("z", ctrl=True)
    page.wait_until(lambda: session.annotations(FRAME).cuboids[0].center == box.center, what="undo")
    page.wait("return document.getElementById('status-msg').innerText.indexOf('undone') === 0", what="undo message")
    page.wait_canvas("Math.abs(h.selected().center[0] - arguments[0]) < 1e-9", "the 3D view back", box.center[0])

    # -- a 3-vertex lane: N (new polyline), then three clicks on the road in the BEV ---------
    page.key("n")
    page.wait("return document.querySelector('#mode-radio input[value=polyline]').checked", what="polyline mode")
    page.wait_canvas("h.mode === 'polyline'", "the canvas in polyline mode")
    road = [(6.0, 2.0), (9.0, 2.0), (12.0, 2.0)]
    for x, y in road:
        n_before = sum(len(pl.vertices) for pl in session.annotations(FRAME).polylines)
        page.click_at(*page.screen_of((x, y, 0.0), "bev"))
        page.wait_until(lambda: sum(len(pl.vertices) for pl in session.annotations(FRAME).polylines) == n_before + 1,
                        what="a new vertex")
    (lane,) = session.annotations(FRAME).polylines
    assert np.allclose(lane.points[:, :2], road, atol=0.15)  # where the BEV was clicked (its pixel)
    page.wait_until(lambda: (lane.id, "polyline") in page.camera_items("image_2"), what="the lane in the camera")
    page.key("Escape")
    page.key("1")
    page.wait("return document.querySelectorAll('#object-list tbody tr').length === 2", what="two rows")
    page.screenshot("app-03-polyline.png")

    # -- reload: both annotations are still there (saved at once, no save button) -------------
    page.d.refresh()
    page.wait_frame(FRAME)
    page.wait("return document.querySelectorAll('#object-list tbody tr').length === 2", what="both rows after reload")
    page.wait_canvas("h.annotations().length === 2 && c.view3d.overlay.children.length >= 2", "both drawn after reload")
    assert "saved" in page.js("return document.getElementById('saved-indicator').innerText")
    rows = page.js("return Array.from(document.querySelectorAll('#object-list tbody tr')).map(r => r.innerText)")
    assert any("Car" in r for r in rows) and any("lane" in r for r in rows)
    page.screenshot("app-04-reloaded.png")

    # -- select from the list, export KITTI from the app, read it back ------------------------
    page.d.find_elements("css selector", "#object-list tbody tr")[0].click()
    page.wait("return document.getElementById('selected-title').innerText.indexOf('Car') === 0", what="list selection")
    page.click("export-btn")
    msg = page.wait("var t = document.getElementById('status-msg').innerText; return t.indexOf('exported') === 0 && t",
                    what="export message")
    assert str(tmp_path / "export") in msg
    lines = (tmp_path / "export" / "label_2" / f"{FRAME}.txt").read_text().splitlines()
    assert len(lines) == 1
    obj = parse_label_line(lines[0])
    assert obj.type == "Car"
    assert np.allclose(obj.hwl, np.round([box.size_lwh[2], box.size_lwh[1], box.size_lwh[0]], 2), atol=0.006)
    assert page.errors() == []
