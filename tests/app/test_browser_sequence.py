"""The app on a generated multi-sensor sequence (three cameras, one with lens distortion,
each with its own clock offset) in real headless Chromium: every camera renders with its sync
offset, and a box fitted by clicking a car point is drawn in the distorted camera as the lens
bends it, where that car is."""
from __future__ import annotations

import time

from pathlib import Path

import numpy as np
import pytest

from calibration.projection import box_iou_2d, cuboid_box2d
from pointlabel.app import create_app
from pointlabel.app.config import PointBudget
from pointlabel.datasets.detect import open_dataset
from pointlabel.geometry.boxes import count_points_in_boxes, cuboids_to_array
from pointlabel.store import open_store

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def sequence(tmp_path_factory):
    from sample_data import generate_sequence
    return generate_sequence(tmp_path_factory.mktemp("seq") / "seq", frames=2, seed=0, progress=False)


def test_generated_sequence_cameras_and_distorted_projection(sequence, tmp_path, serve_app, page):
    ds = open_dataset(sequence)
    app = create_app(ds, open_store(ds, tmp_path / "labels.sqlite"), budget=PointBudget(camera=5_000))
    s = app.pointlabel_session
    fid = ds.frame_ids[0]
    rig = ds.rig(fid)
    distorted = next(n for n, c in rig.cameras.items() if c.camera.dist is not None)
    sensor = rig[distorted]
    server = serve_app(app)
    page.d.get(server.url)

    # every camera renders: image, projected points, and its sync offset in the title
    page.wait_frame(fid)
    page.wait_canvas("Object.keys(c.cameras.views).length === arguments[0] && Object.values(c.cameras.views)"
                     ".every(v => v.data && v.data.uv.length > 200 && v.img.complete && v.img.naturalWidth > 0)",
                     "every camera with its image and points", len(rig.cameras))
    assert len(rig.cameras) >= 3
    titles = page.canvas("Object.values(c.cameras.views).map(v => v.title.textContent)")
    for name, match in ds.sync(fid).items():
        assert f"{name} · Δt {match.dt * 1000:+.0f} ms" in titles

    # the car the distorted camera sees best, and the LiDAR point nearest its centre
    ref = ds.reference(fid)
    xyz = ds.load_cloud(fid).xyz
    cars = [c for c in ref.cuboids if c.label in ("Car", "Van")
            and sensor.project_lidar(np.asarray([c.center]))[2][0]]
    car = cars[int(np.argmax(count_points_in_boxes(xyz, cuboids_to_array(cars))))]
    seed = xyz[np.argmin(np.linalg.norm(xyz - np.asarray(car.center, np.float32), axis=1))]
    page.key("2")
    page.wait_canvas("h.mode === 'fit'", "fit mode")
    # a click on the car in the distorted camera: the fit picks the points along the ray
    uv, _, _ = sensor.project_lidar(np.asarray(car.center, dtype=float)[None])
    page.click_at(*page.camera_px(distorted, *uv[0]))
    box = page.wait_until(lambda: s.annotations(fid).cuboids, what="fitted box")[0]
    assert np.linalg.norm(np.subtract(box.center[:2], car.center[:2])) < 0.7

    # the lens bends straight edges: each of the 13 segments comes back as a sampled curve
    item = page.wait_until(lambda: next((p for p in page.canvas("c.cameras.views[arguments[0]].paths", distorted)
                                         if p["id"] == box.id), None), what="the box in the distorted camera")
    uv = np.array([np.nan if v is None else v for v in item["path"]], dtype=float).reshape(-1, 2)
    uv = uv[np.isfinite(uv).all(1)]
    assert len(uv) > 13 * 8
    w, h = sensor.camera.size
    drawn = (max(uv[:, 0].min(), 0), max(uv[:, 1].min(), 0), min(uv[:, 0].max(), w - 1), min(uv[:, 1].max(), h - 1))
    truth = cuboid_box2d(sensor.lidar_to_cam(car.corners()), sensor.camera)
    assert box_iou_2d(drawn, truth.ltrb) > 0.6, (drawn, truth)
    page.key("g")  # focus the views on the new box, for the picture
    page.wait_canvas("c.view3d.controls.target.distanceTo({x: arguments[0], y: arguments[1], z: arguments[2]}) < 1e-6",
                     "focused on the box", *box.center)
    time.sleep(1.0)  # the last overlay drawn before the picture
    # the README's picture: generated data only (the KITTI frames' licence keeps them out of docs)
    page.screenshot("app-06-sequence.png", also=DOCS / "app.png")
    assert page.errors() == []
