"""Point-wise labelling in real headless Chromium on a real KITTI sweep: paint mode (y), the
ground, a brush stroke in 3D, a lasso in the BEV, fill-this-cluster, points in a box, a new
instance, the eraser, hide labelled, undo; each op's result read back from the store and
compared with what the tool should have selected, and the painted colours checked in the 3D
view, the BEV and a camera."""
from __future__ import annotations

import numpy as np
import pytest

from pointlabel.app import create_app
from pointlabel.app.config import PointBudget
from pointlabel.datasets.detect import open_dataset
from pointlabel.fitting.context import context_for
from pointlabel.geometry.boxes import points_in_cuboid_mask
from pointlabel.pointlabels.storage import PointLabelStore
from pointlabel.store import open_store
from pointlabel.testing import browser

pytestmark = pytest.mark.browser

FRAME = "000008"  # cars of 1000-6000 returns near the sensor
ROAD, CAR, BUILDING, VEGETATION = 40, 10, 50, 70


def _key(page, k, ctrl=False):
    page.js("if (document.activeElement) { document.activeElement.blur(); }")
    browser.key(page.d, k, modifiers=2 if ctrl else 0)


def _op(page, before: int) -> dict:
    """Wait for the page's next paint op to come back (and its labels to be fetched)."""
    page.wait("var P = window.pointlabelPaint; return P.done > arguments[0] && P.ops === P.done && "
              "P.sem !== null && P.counts !== null && P.counts.version === P.version", 60, "paint op", before)
    last = page.js("return window.pointlabelPaint.lastOp")
    assert page.js("return window.pointlabelPaint.failed") == 0, page.js("return window.pointlabelPaint.error")
    return last


def _done(page) -> int:
    return page.js("return window.pointlabelPaint ? window.pointlabelPaint.done : 0")


def _drag_path(page, points):
    """Left button down at the first point, through the others, up at the last."""
    browser.mouse(page.d, "mouseMoved", *points[0], buttons=0)
    browser.mouse(page.d, "mousePressed", *points[0], button="left", buttons=1)
    for a, b in zip(points, points[1:]):
        for t in np.linspace(0, 1, 6)[1:]:
            browser.mouse(page.d, "mouseMoved", a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, button="left", buttons=1)
    browser.mouse(page.d, "mouseReleased", *points[-1], button="left")


def test_paint_with_every_tool(kitti_root, tmp_path, serve_app, page):
    dataset = open_dataset(kitti_root)
    store = open_store(dataset, tmp_path / "labels.sqlite")
    cars = [c.replace(track_id=30 + i) for i, c in enumerate(dataset.reference(FRAME).cuboids) if c.label == "Car"]
    store.put_many(FRAME, cars)
    app = create_app(dataset, store, budget=PointBudget(view3d=40_000, bev=40_000, camera=6_000))
    labels = PointLabelStore.for_store(store)
    pts = dataset.load_cloud(FRAME).xyz.astype(float)
    ctx = context_for(dataset, FRAME)
    server = serve_app(app)
    page.d.get(server.url + f"?frame={FRAME}")
    browser.wait(page.d, browser.CANVAS_READY + " === arguments[0]", 60, FRAME, FRAME)
    n_view = page.js("return window.pointlabelCanvas.hub.cloud.n")
    assert n_view < len(pts)  # the view gets a subset: labels must come back in its order

    # -- paint mode: y; the toolbar shows, classes and the (empty) labels arrive ---------------
    _key(page, "y")
    page.wait("var P = window.pointlabelPaint; return P.on && P.classes && P.sem && P.sem.length === arguments[0]",
              60, "paint mode", n_view)
    assert page.js("return document.getElementById('paint-toolbar').style.display") == ""

    # -- ground (g): the ground model's band, the road colour in both views ---------------------
    n0 = _done(page)
    _key(page, "1")  # palette 1 = road
    _key(page, "g")
    op = _op(page, n0)
    ground = (ctx.height >= -0.5) & (ctx.height <= 0.25)
    got = labels.get(FRAME)
    assert op["changed"] == ground.sum() > 20_000 and np.array_equal(got.semantic == ROAD, ground)
    view_sem = np.array(page.js("return Array.from(window.pointlabelPaint.sem)"))
    assert (view_sem == ROAD).sum() > 0.2 * n_view
    i = int(np.flatnonzero(view_sem == ROAD)[0])
    for v in ("view3d", "bev"):
        rgb = page.js(f"var a = window.pointlabelCanvas.{v}.points.geometry.getAttribute('color').array;"
                      "return [a[3*arguments[0]], a[3*arguments[0]+1], a[3*arguments[0]+2]]", i)
        assert rgb == [255, 0, 255], (v, rgb)  # SemanticKITTI's road colour
    page.screenshot("paint-01-ground.png")

    # -- a brush stroke in 3D on the nearest car (class 6 = car) --------------------------------
    car = max(cars, key=lambda c: points_in_cuboid_mask(pts, c).sum())
    inside = points_in_cuboid_mask(pts, car)
    top = pts[inside][np.argmax(pts[inside][:, 2])]
    x, y = browser.screen_of(page.d, top, "view3d")
    n0 = _done(page)
    _key(page, "6")
    _key(page, "b")
    _drag_path(page, [(x, y), (x + 6, y), (x + 12, y + 2)])
    op = _op(page, n0)
    got = labels.get(FRAME)
    painted = got.semantic == CAR
    assert op["tool"] == "brush" and op["changed"] == painted.sum() > 5
    r = page.js("return window.pointlabelPaint.radius")
    assert np.linalg.norm(pts[painted] - top, axis=1).max() < 2 * r + 1.0  # the stroke's few pixels and its radius

    # -- a lasso in the BEV (class 4 = vegetation): exactly the points in the drawn rectangle ----
    bev = page.js("var b = window.pointlabelCanvas.bev, r = b.renderer.domElement.getBoundingClientRect();"
                  "return [r.left, r.top, r.width, r.height, b.cx, b.cy, b.mpp]")
    left, top_px, w, h, cx, cy, mpp = bev
    corners = [(left + w * 0.15, top_px + h * 0.15), (left + w * 0.35, top_px + h * 0.15),
               (left + w * 0.35, top_px + h * 0.35), (left + w * 0.15, top_px + h * 0.35)]
    n0 = _done(page)
    _key(page, "4")
    _key(page, "l")
    _drag_path(page, corners + [corners[0]])
    op = _op(page, n0)
    wx = [cx + (corners[0][0] - left - w / 2) * mpp, cx + (corners[1][0] - left - w / 2) * mpp]
    wy = [cy - (corners[2][1] - top_px - h / 2) * mpp, cy - (corners[0][1] - top_px - h / 2) * mpp]
    in_rect = (pts[:, 0] >= wx[0]) & (pts[:, 0] <= wx[1]) & (pts[:, 1] >= wy[0]) & (pts[:, 1] <= wy[1])
    got = labels.get(FRAME)
    lassoed = got.semantic == VEGETATION
    assert op["tool"] == "lasso" and lassoed.sum() > 50
    assert (lassoed != in_rect).sum() <= 0.02 * in_rect.sum() + 5  # the polygon's sampled edge, a pixel or two

    # -- fill this cluster (c): a click on the car in 3D fills its above-ground returns ---------
    n0 = _done(page)
    _key(page, "3")  # building, to tell it from the brush
    _key(page, "c")
    browser.click(page.d, x, y)
    op = _op(page, n0)
    got = labels.get(FRAME)
    filled = got.semantic == BUILDING
    assert op["tool"] == "cluster" and filled.sum() > 0.5 * inside.sum()
    assert (ctx.height[filled] > 0.2).all() and (filled & inside).sum() > 0.8 * filled.sum()

    # -- a lasso in 3D with a depth range typed into the toolbar (class 5 = terrain) ------------
    cam = np.array(page.js("var c = window.pointlabelCanvas.view3d.camera; c.updateMatrixWorld();"
                           "var d = new c.position.constructor(); c.getWorldDirection(d);"
                           "return [c.position.x, c.position.y, c.position.z, d.x, d.y, d.z]"))
    depth_car = float((car.center - cam[:3]) @ cam[3:])
    near, far = depth_car - 3.0, depth_car + 3.0
    for cls, value in ((".paint-near", near), (".paint-far", far)):
        el = page.d.find_element("css selector", f"#paint-toolbar {cls}")
        el.clear()
        el.send_keys(f"{value:.2f}\n")
    page.js("document.activeElement.blur()")
    page.wait("var d = window.pointlabelPaint.depth; return d && Math.abs(d[1] - arguments[0]) < 0.01", 10, "depth", far)
    box_px = np.array([browser.screen_of(page.d, c, "view3d") for c in car.corners()])
    (x0, y0), (x1, y1) = box_px.min(axis=0) - 8, box_px.max(axis=0) + 8
    n0 = _done(page)
    _key(page, "5")
    _key(page, "l")
    _drag_path(page, [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
    op = _op(page, n0)
    got = labels.get(FRAME)
    terrain = got.semantic == 72
    depth = (pts - cam[:3]) @ cam[3:]
    assert op["tool"] == "lasso" and terrain.sum() > 100
    assert (depth[terrain] >= near - 0.01).all() and (depth[terrain] <= far + 0.01).all()
    assert (terrain & inside).sum() > 0.5 * inside.sum()  # the car (and the ground at its feet), nothing behind it

    # -- points in the selected box (x), with the box's track id as instance ---------------------
    page.js("window.dash_clientside.set_props(window.pointlabelCanvas.hub.config.ids.selection, {data: {id: arguments[0], vertex: null}})", car.id)
    page.wait("var h = window.pointlabelCanvas.hub; return h.selection.id === arguments[0]", 30, "box selected", car.id)
    n0 = _done(page)
    _key(page, "6")
    _key(page, "x")
    op = _op(page, n0)
    got = labels.get(FRAME)
    assert op["tool"] == "box" and np.array_equal((got.semantic == CAR) & inside, inside)
    assert set(np.unique(got.instance[inside])) == {car.track_id}

    # -- a new instance id (n), then a brush stroke carries it ------------------------------------
    _key(page, "n")
    page.wait("return window.pointlabelPaint.instance === arguments[0]", 30, "new instance", car.track_id + 1)  # the largest used + 1
    n0 = _done(page)
    _key(page, "b")
    far = pts[np.argmin(np.abs(np.linalg.norm(pts[:, :2], axis=1) - 8) + 10 * (ctx.height < 0.5))]
    fx, fy = browser.screen_of(page.d, far, "view3d")
    _drag_path(page, [(fx, fy), (fx + 3, fy)])
    op = _op(page, n0)
    got = labels.get(FRAME)
    assert op["changed"] > 0 and (got.instance == car.track_id + 1).sum() == op["changed"]

    # -- the eraser (e) over the car, then undo (Ctrl+Z) brings the labels back -----------------
    before = labels.get(FRAME)
    n0 = _done(page)
    _key(page, "e")
    _key(page, "]")
    _key(page, "]")
    _drag_path(page, [(x, y), (x + 4, y)])
    op = _op(page, n0)
    got = labels.get(FRAME)
    erased = (before.semantic > 0) & (got.semantic == 0)
    assert op["changed"] == erased.sum() > 5 and not got.instance[erased].any()
    n0 = _done(page)
    _key(page, "z", ctrl=True)
    op = _op(page, n0)
    assert op["tool"] == "undo" and op["changed"] == erased.sum()
    assert np.array_equal(labels.get(FRAME).semantic, before.semantic)
    _key(page, "e")  # eraser off

    # -- hide labelled points (v): their flags are set, the shader hides flagged points ---------
    _key(page, "v")
    page.wait("var c = window.pointlabelCanvas, a = c.view3d.points.geometry.getAttribute('flag').array, P = window.pointlabelPaint;"
              "var k = 0; for (var i = 0; i < a.length; i++) { if (a[i]) k++; }"
              "var s = 0; for (var j = 0; j < P.sem.length; j++) { if (P.sem[j]) s++; }"
              "return k === s && k > 0 && c.view3d.material.uniforms.hideGround.value === 1", 30, "labelled hidden")
    page.screenshot("paint-02-hidden.png")
    _key(page, "v")

    # -- the counts the page shows are the store's, and a camera draws painted points -----------
    counts = page.js("return window.pointlabelPaint.counts")
    got = labels.get(FRAME)
    assert {int(k): v for k, v in counts["classes"].items()} == {int(k): int(v) for k, v in zip(*np.unique(got.semantic, return_counts=True))}
    cam = page.js("var P = window.pointlabelPaint, c = P.cams['image_2']; if (!c) return null;"
                  "var t = window.pointlabelCanvas.hub.cameraTint('image_2', c.n), k = 0;"
                  "for (var i = 0; i < c.n; i++) { if (t[4*i+3]) k++; } return [c.n, k]")
    assert cam is not None and cam[0] > 1000 and cam[1] > 100
    page.screenshot("paint-03-done.png")
    assert "paint mode on / off" in page.js("return document.getElementById('help-panel').textContent")

    # -- next frame (→), then P carries this frame's labels over (KITTI has no poses: in place) --
    nxt = dataset.frame_ids[dataset.frame_ids.index(FRAME) + 1]
    browser.key(page.d, "ArrowRight", code="ArrowRight", vk=39)
    browser.wait(page.d, browser.CANVAS_READY + " === arguments[0]", 60, nxt, nxt)
    page.wait("var P = window.pointlabelPaint; return P.frame === arguments[0] && P.counts && P.counts.version === 0",
              60, "next frame's labels", nxt)
    n0 = _done(page)
    _key(page, "p")
    op = _op(page, n0)
    moved = labels.get(nxt)
    assert op["tool"] == "propagate" and op["poses"] is False and op["changed"] == int((moved.semantic > 0).sum()) > 1000
    assert not [e for e in page.errors() if "pointlabels" in e or "paint" in e]
