"""The canvas' interactions in real headless Chromium, each as a person does it: a held key,
undo as fast, Tab through the objects, focus, the handles on the box in the 3D view, the box
views, the BEV, a click and a rectangle in the camera, and every view showing the same box.
Every key and pointer event is a real input event (DevTools); the store is the truth."""
from __future__ import annotations

import math
import time

import numpy as np
import pytest

from calibration.projection import cuboid_box2d
from pointlabel.app import create_app
from pointlabel.app.config import PointBudget
from pointlabel.datasets.detect import open_dataset
from pointlabel.geometry.iou import bev_iou
from pointlabel.model import Cuboid
from pointlabel.store import open_store

pytestmark = pytest.mark.browser

FRAME = "000008"


@pytest.fixture
def labelled(kitti_root, tmp_path, serve_app, page):
    """The app on the KITTI frames with frame 000008's reference boxes stored, opened there.
    -> (page, session, the reference cars sorted near to far)."""
    ds = open_dataset(kitti_root)
    store = open_store(ds, tmp_path / "labels.sqlite")
    store.apply(FRAME, upserts=list(ds.reference(FRAME).cuboids))
    app = create_app(ds, store, budget=PointBudget(camera=8_000))
    server = serve_app(app)
    page.d.get(server.url + f"?frame={FRAME}")
    page.wait_frame(FRAME)
    s = app.pointlabel_session
    cars = sorted((c for c in s.annotations(FRAME).cuboids if c.label == "Car"), key=lambda c: np.hypot(*c.center[:2]))
    return page, s, cars


def _select(page, box_id):
    page.js("window.dash_clientside.set_props('selection-store', {data: {id: arguments[0], vertex: null}})", box_id)
    page.wait_canvas("h.selection.id === arguments[0] && c.view3d.handles.children.length === 8", "selected", box_id)


def _stored(s, box_id) -> Cuboid:
    return s.annotations(FRAME).get(box_id)


def _settled(page):
    page.wait_canvas("h.pending() === 0", "every edit saved")


def test_a_held_key_moves_exactly_as_many_steps_and_undo_as_many(labelled):
    page, s, cars = labelled
    car = cars[0]
    _select(page, car.id)
    start = np.asarray(car.center)
    heading = np.array([math.cos(car.yaw), math.sin(car.yaw), 0.0])
    for _ in range(10):  # a held key: ten presses 33 ms apart
        page.key("w")
        time.sleep(0.033)
    shown = np.asarray(page.canvas("h.selected().center"))
    assert np.allclose(shown - start, 0.5 * heading, atol=1e-6)  # drawn at once, before the store answers
    _settled(page)
    assert np.allclose(np.asarray(_stored(s, car.id).center) - start, 0.5 * heading, atol=1e-6)
    for _ in range(10):
        page.key("z", ctrl=True)
        time.sleep(0.033)
    _settled(page)
    assert np.allclose(_stored(s, car.id).center, start, atol=1e-9)  # ten undos undid ten steps
    page.wait_canvas("Math.abs(h.selected().center[0] - arguments[0]) < 1e-9", "the view back too", start[0])


def test_tab_selects_in_turn_and_focus_brings_the_box_into_view(labelled):
    page, s, cars = labelled
    order = [a["id"] for a in s.page_state(FRAME)["annotations"] if a["status"] != "rejected" and a["type"] != "dontcare"]
    page.key("Tab")
    page.wait_canvas("h.selection.id === arguments[0]", "first object", order[0])
    page.key("Tab")
    page.wait_canvas("h.selection.id === arguments[0]", "second object", order[1])
    page.key("Tab", shift=True)
    page.wait_canvas("h.selection.id === arguments[0]", "back to the first", order[0])
    # Tab focuses the 3D view on what it selected: the orbit centre is the box's centre
    box = s.annotations(FRAME).get(order[0])
    page.wait_canvas("c.view3d.controls.target.distanceTo({x: arguments[0], y: arguments[1], z: arguments[2]}) < 1e-6",
                     "the 3D view on the box", *box.center)
    # orbit away, then G brings it back
    x, y, w, h = page.js("var r = document.getElementById('graph-3d').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]")
    page.drag((x + w * 0.3, y + h * 0.5), (x + w * 0.6, y + h * 0.4), button="right")  # pan
    assert page.canvas("c.view3d.controls.target.distanceTo({x: arguments[0], y: arguments[1], z: arguments[2]})", *box.center) > 0.5
    page.key("g")
    page.wait_canvas("c.view3d.controls.target.distanceTo({x: arguments[0], y: arguments[1], z: arguments[2]}) < 1e-6",
                     "G: focus", *box.center)
    # a row of the object list focuses the 3D view and centres the BEV on its box
    far = cars[-1]
    page.js("Array.from(document.querySelectorAll('#object-list tbody tr'))[arguments[0]].click()", order.index(far.id))
    page.wait_canvas("h.selection.id === arguments[0] && c.view3d.controls.target.distanceTo("
                     "{x: arguments[1], y: arguments[2], z: arguments[3]}) < 1e-6", "list pick focused", far.id, *far.center)
    assert page.canvas("[c.bev.cx, c.bev.cy]") == pytest.approx(list(far.center[:2]))
    # the BEV opened at a labelling scale: about 40 m across
    assert 30 < page.canvas("c.bev.mpp * c.bev.width") < 50


def _handle(page, kind: str, axis: int | None = None, sign: int | None = None):
    xyz = page.canvas("c.view3d.handles.children.find(m => m.userData.kind === arguments[0] && "
                      "(arguments[1] === null || (m.userData.axis === arguments[1] && m.userData.sign === arguments[2])))"
                      ".position.toArray()", kind, axis, sign)
    return page.screen_of(xyz)


def test_handles_on_the_box_move_turn_and_resize_at_once(labelled):
    page, s, cars = labelled
    car = cars[0]
    _select(page, car.id)
    page.key("g")
    page.wait_canvas("c.view3d.controls.target.distanceTo({x: arguments[0], y: arguments[1], z: arguments[2]}) < 1e-6",
                     "focused", *car.center)
    time.sleep(0.3)
    # move: drag the disc on top; the box follows in the ground plane, height kept
    x, y = _handle(page, "move")
    page.drag((x, y), (x + 40, y + 15))
    _settled(page)
    moved = _stored(s, car.id)
    shift = np.asarray(moved.center) - car.center
    assert np.hypot(*shift[:2]) > 0.3 and abs(shift[2]) < 1e-9 and moved.size_lwh == car.size_lwh
    assert np.allclose(page.canvas("h.selected().center"), moved.center, atol=1e-9)
    # turn: drag the knob in front sideways; only the yaw changes
    x, y = _handle(page, "turn")
    page.drag((x, y), (x + 30, y + 30))
    _settled(page)
    turned = _stored(s, car.id)
    assert abs(math.remainder(turned.yaw - moved.yaw, 2 * math.pi)) > math.radians(3)
    assert np.allclose(turned.center, moved.center) and turned.size_lwh == moved.size_lwh
    # resize: drag the front face (+x) outward; the rear face stays where it was
    x, y = _handle(page, "face", 0, 1)
    rear_before = np.asarray(turned.center) - turned.rotation[:, 0] * turned.size_lwh[0] / 2
    fx, fy = page.screen_of(np.asarray(turned.center) + turned.rotation[:, 0] * (turned.size_lwh[0] / 2 + 1.0))
    page.drag((x, y), (x + (fx - x) * 0.5, y + (fy - y) * 0.5))
    _settled(page)
    longer = _stored(s, car.id)
    rear_after = np.asarray(longer.center) - longer.rotation[:, 0] * longer.size_lwh[0] / 2
    assert longer.size_lwh[0] > turned.size_lwh[0] + 0.2 and longer.size_lwh[1:] == turned.size_lwh[1:]
    assert np.allclose(rear_after, rear_before, atol=1e-6)


def test_box_views_drag_an_edge_the_inside_and_the_knob(labelled):
    page, s, cars = labelled
    car = cars[0]
    _select(page, car.id)
    page.wait_canvas("c.boxViews.frames > 0", "box views drawn")

    def view_px(view, a, b):  # box-frame metres of a box view -> page pixels
        return page.js("""var v = window.pointlabelCanvas.boxViews.views.find(v => v.name === arguments[0]);
          var bv = window.pointlabelCanvas.boxViews, box = window.pointlabelCanvas.hub.selected();
          var f = bv.frame(v, box), r = v.canvas.getBoundingClientRect();
          return [r.left + f.px(arguments[1]), r.top + f.py(arguments[2])];""", view, a, b)
    l, w, h = car.size_lwh
    # top view: the front edge (x = l/2) dragged 0.6 m forward -> 0.6 m longer, rear fixed
    start = view_px("top", l / 2, 0)
    end = view_px("top", l / 2 + 0.6, 0)
    page.drag(start, end)
    _settled(page)
    b1 = _stored(s, car.id)
    assert b1.size_lwh[0] == pytest.approx(l + 0.6, abs=0.03) and b1.size_lwh[1:] == pytest.approx((w, h))
    # side view: the inside dragged 0.3 m up -> the box 0.3 m higher
    page.drag(view_px("side", 0, 0), view_px("side", 0, 0.3))
    _settled(page)
    b2 = _stored(s, car.id)
    assert b2.center[2] - b1.center[2] == pytest.approx(0.3, abs=0.03)
    # top view: the knob turned by 90 degrees
    k = page.canvas("c.boxViews.knob(h.selected())")
    page.drag(view_px("top", k, 0), view_px("top", 0, k))
    _settled(page)
    b3 = _stored(s, car.id)
    assert math.remainder(b3.yaw - b2.yaw, 2 * math.pi) == pytest.approx(math.pi / 2, abs=math.radians(3))


def test_the_bev_moves_the_selected_box_and_fits_what_a_click_lands_beside(labelled):
    page, s, cars = labelled
    car = cars[1]
    _select(page, car.id)
    x, y = page.screen_of(car.center, "bev")
    page.drag((x, y), page.screen_of((car.center[0] + 1.0, car.center[1], 0), "bev"))
    _settled(page)
    assert np.allclose(np.asarray(_stored(s, car.id).center)[:2], (car.center[0] + 1.0, car.center[1]), atol=0.05)
    # fit mode: a click on the ground just beside another car (0.3 m off its side) fits that car
    other = cars[0]
    s.commit(FRAME, deletes=[other.id])
    page.key("2")
    page.wait_canvas("h.mode === 'fit'", "fit mode")
    beside = np.asarray(other.center) + other.rotation[:, 1] * (other.size_lwh[1] / 2 + 0.3)
    page.click_at(*page.screen_of(beside, "bev"))
    fitted = page.wait_until(lambda: [c for c in s.annotations(FRAME).cuboids if c.source == "fit"], what="a fit")
    assert bev_iou(fitted[0].as_array()[None], other.as_array()[None])[0, 0] > 0.5


def test_a_camera_click_and_a_rectangle_fit_boxes(labelled):
    page, s, cars = labelled
    sensor = s.frame(FRAME).rig["image_2"]
    car = cars[0]
    s.commit(FRAME, deletes=[c.id for c in s.annotations(FRAME).cuboids])
    page.d.refresh()
    page.wait_frame(FRAME)
    page.wait_canvas("c.cameras.views.image_2 && c.cameras.views.image_2.data", "camera loaded")

    # a click on the car in the image: picked along the ray, fitted
    uv, _, ok = sensor.project_lidar(np.asarray(car.center, dtype=float)[None])
    page.click_at(*page.camera_px("image_2", *uv[0]))
    got = page.wait_until(lambda: s.annotations(FRAME).cuboids, what="a box from the camera click")
    assert bev_iou(got[0].as_array()[None], car.as_array()[None])[0, 0] > 0.5
    page.wait_until(lambda: (got[0].id, "box") in page.camera_items("image_2"), what="drawn in the camera")
    s.commit(FRAME, deletes=[got[0].id])
    # a rectangle around the car (its projected box): a cuboid fitted to the frustum's points
    box2d = cuboid_box2d(sensor.lidar_to_cam(car.corners()), sensor.camera)
    u0, v0, u1, v1 = box2d.left, box2d.top, box2d.right, box2d.bottom
    page.drag(page.camera_px("image_2", u0, v0), page.camera_px("image_2", u1, v1))
    rect = page.wait_until(lambda: s.annotations(FRAME).cuboids, what="a box from the rectangle")
    assert bev_iou(rect[0].as_array()[None], car.as_array()[None])[0, 0] > 0.5


def test_every_view_shows_the_same_box(labelled):
    page, s, cars = labelled
    car = cars[1]
    _select(page, car.id)
    bbox0 = page.wait_until(lambda: next((p["bbox"] for p in page.canvas("c.cameras.views.image_2.paths")
                                          if p["id"] == car.id), None), what="the box in the camera")
    for _ in range(4):
        page.key("d")  # right, in the box's own axes
    _settled(page)
    stored = _stored(s, car.id)
    for view in ("view3d", "bev"):
        assert np.allclose(page.canvas(f"c.{view}.overlay.userData.selected.center"), stored.center, atol=1e-9)
    title = page.canvas("c.boxViews.title.textContent")
    assert f"{stored.size_lwh[0]:.2f}" in title
    # the camera shows the stored box once the server has projected it
    from pointlabel.app.figures.overlays import camera_paths
    from pointlabel.model import FrameAnnotations
    (want,) = camera_paths(FrameAnnotations.from_annotations(FRAME, [stored]), s.frame(FRAME).rig["image_2"])
    assert abs(want["bbox"][0] - bbox0[0]) > 5  # it did move in the image

    def camera_box():
        return next((p["bbox"] for p in page.canvas("c.cameras.views.image_2.paths") if p["id"] == car.id), None)
    page.wait_until(lambda: np.allclose(camera_box(), want["bbox"], atol=0.2), what="the camera showing the stored box")
    errors = page.errors()
    assert errors == [], errors


_RECORD_CALLBACKS = """
window.__dashCalls = [];
if (!window.__fetchWrapped) {
  window.__fetchWrapped = true;
  var f = window.fetch;
  window.fetch = function (url, opts) {
    if (String(url).indexOf('_dash-update-component') >= 0 && opts && opts.body) {
      try { window.__dashCalls.push(JSON.parse(opts.body).output); } catch (e) { /* not JSON */ }
    }
    return f.apply(this, arguments);
  };
}
"""


def test_a_nudge_updates_the_object_list_s_counts_without_re_rendering_its_rows(labelled):
    # re-rendering the rows after every key press made Dash re-run their click callback (a
    # round trip and a long task per nudge); only the count cells change now
    page, s, cars = labelled
    car = cars[0]
    _select(page, car.id)
    row = '{"index":"%s","type":"object-row"}' % car.id
    cell = '{"index":"%s","type":"object-pts"}' % car.id
    page.wait_until(lambda: page.js("return !!document.getElementById(arguments[0])", cell), what="the count cell")
    before = int(page.js("return document.getElementById(arguments[0]).innerText", cell))
    page.js("document.getElementById(arguments[0]).dataset.mark = 'kept'", row)
    page.js(_RECORD_CALLBACKS)
    for _ in range(10):
        page.key("w")
        time.sleep(0.05)
    _settled(page)
    stored = s.page_state(FRAME)["points_inside"][car.id]
    assert stored != before  # half a metre along: the box holds other points
    page.wait_until(lambda: page.js("return document.getElementById(arguments[0]).innerText", cell) == str(stored),
                    what="the new count shown")
    assert page.js("return document.getElementById(arguments[0]).dataset.mark", row) == "kept"
    calls = page.js("return window.__dashCalls")
    assert any("object-pts" in c for c in calls)  # the counts went through the count cells
    assert not [c for c in calls if c.startswith("selection-store")], calls  # rows were not re-rendered
    assert page.errors() == []
