"""QA actions in real headless Chromium: a track's box selected in the object list is refined
with the 'refine track' button (every box of the track a new version, one size); a
missed_object finding picked in the Review tab becomes a box with one click."""
from __future__ import annotations

import numpy as np
import pytest

from pointlabel.app import create_app
from pointlabel.app.config import PointBudget
from pointlabel.app.review import format_value
from pointlabel.geometry.boxes import count_points_in_boxes, cuboids_to_array
from pointlabel.geometry.iou import bev_iou
from pointlabel.model import Cuboid

pytestmark = pytest.mark.browser

FRAME = "000008"  # the frame whose best-seen car is left unlabelled
ROWS = "return Array.from(document.querySelectorAll('#review-list tbody tr.row')).map(r => r.innerText)"


def _status(page, text: str, what: str):
    page.wait(f"return document.getElementById('status-msg').innerText.indexOf({text!r}) >= 0", what=what)


def test_refine_a_track_and_make_a_box_from_a_finding(kitti_root, tmp_path, serve_app, page):
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.qa.checks import check_frame
    from pointlabel.qa.frames import FrameInput
    from pointlabel.store import open_store
    ds = open_dataset(kitti_root)
    store = open_store(ds, tmp_path / "labels.sqlite")
    first = ds.frame_ids[:4]
    track = [Cuboid(center=(10.0 + 1.0 * k, 5.0, -0.9), size_lwh=(3.9 + 0.3 * (-1) ** k, 1.6, 1.5),
                    yaw=np.pi if k == 2 else 0.0, label="Car", track_id=7, id=f"t7-{k}") for k in range(4)]
    for f, b in zip(first, track):
        store.put(f, b)
    ref = ds.reference(FRAME)
    xyz = ds.load_cloud(FRAME).xyz
    cars = [c for c in ref.cuboids if c.label == "Car"]
    gone = cars[int(np.argmax(count_points_in_boxes(xyz, cuboids_to_array(cars))))]
    store.put_many(FRAME, [c for c in ref.cuboids if c.id != gone.id])

    app = create_app(ds, store, budget=PointBudget(camera=5_000), export_dir=tmp_path / "export")
    s = app.pointlabel_session
    server = serve_app(app)
    page.d.get(server.url)
    page.wait_frame(first[0])

    # -- refine track: select the track's box in the object list, one button ----------------
    page.wait("return document.querySelectorAll('#object-list tbody tr').length === 1", what="object list row")
    page.d.find_elements("css selector", "#object-list tbody tr")[0].click()
    page.wait("return document.getElementById('selected-title').innerText.indexOf('Car') === 0", what="selected")
    page.click("refine-track-btn")
    _status(page, "refined track 7: 4 boxes", "the refinement's message")
    after = [s.annotations(f).get(f"t7-{k}") for k, f in enumerate(first)]
    assert len({a.size_lwh for a in after}) == 1 and all(abs(a.yaw) < 0.1 for a in after)
    assert all(store.version(f"t7-{k}") == 2 for k in range(4))
    page.screenshot("app-refine-track.png")

    # -- the unlabelled car: the checks find it, one click on the finding makes its box -------
    seen = check_frame(FrameInput(FRAME, s.annotations(FRAME), xyz, ds.rig(FRAME)), s.guidelines,
                       fov="image_2")  # what the app's run checks: KITTI labels what image_2 sees
    expected = min((f for f in seen if f.check == "missed_object"),
                   key=lambda f: np.hypot(*np.subtract(f.location[:2], gone.center[:2])))
    page.click("tab-review-btn")
    page.wait("return getComputedStyle(document.getElementById('review-panel')).display === 'flex'", what="review tab")
    page.click("check-sequence-btn")
    want = f"missed_object\t{FRAME}\t{expected.label}\t{format_value(expected.value)}"
    page.wait(ROWS + f".filter(t => t.indexOf({want!r}) >= 0)", what="the missed car's finding")
    page.js("Array.from(document.querySelectorAll('#review-list tbody tr.row'))"
            f".find(r => r.innerText.indexOf({want!r}) >= 0).click()")
    page.wait_frame(FRAME)
    n_before = len(s.annotations(FRAME).cuboids)
    page.click("box-from-finding-btn")
    _status(page, f"made a {expected.label} from the finding", "the new box's message")
    new = [c for c in s.annotations(FRAME).cuboids if c.id not in {x.id for x in ref.cuboids}]
    assert len(s.annotations(FRAME).cuboids) == n_before + 1 and len(new) == 1
    assert bev_iou(new[0].as_array()[None], gone.as_array()[None])[0, 0] > 0.5
    page.wait("return document.getElementById('selected-title').innerText.indexOf('Car') === 0", what="new box selected")
    page.screenshot("app-box-from-finding.png")
    assert not page.errors()
