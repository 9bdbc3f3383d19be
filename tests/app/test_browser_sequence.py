"""The app on a generated multi-sensor sequence (three cameras, one with lens distortion,
each with its own clock offset) in real headless Chromium: every camera renders with its sync
offset, and a box fitted by clicking a car point is drawn in the distorted camera as the lens
bends it, where that car is."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from calibration.projection import box_iou_2d, cuboid_box2d
from pointlabel.app import create_app
from pointlabel.app.config import PointBudget
from pointlabel.app.figures.camera import CAMERA_BASE
from pointlabel.app.figures.overlays import OVERLAY_SLOTS
from pointlabel.datasets.detect import open_dataset
from pointlabel.geometry.boxes import count_points_in_boxes, cuboids_to_array
from pointlabel.store import open_store

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"
BOXES = CAMERA_BASE + OVERLAY_SLOTS.index("boxes")


@pytest.fixture(scope="module")
def sequence(tmp_path_factory):
    from sample_data import generate_sequence
    return generate_sequence(tmp_path_factory.mktemp("seq") / "seq", frames=2, seed=0, progress=False)


def test_generated_sequence_cameras_and_distorted_projection(sequence, tmp_path, serve_app, page):
    ds = open_dataset(sequence)
    app = create_app(ds, open_store(ds, tmp_path / "labels.sqlite"),
                     budget=PointBudget(view3d=20_000, bev=20_000, camera=5_000))
    s = app.pointlabel_session
    fid = ds.frame_ids[0]
    rig = ds.rig(fid)
    distorted = next(n for n, c in rig.cameras.items() if c.camera.dist is not None)
    sensor = rig[distorted]
    server = serve_app(app)
    page.d.get(server.url)

    # every camera renders: image, projected points, and its sync offset in the title
    cams = page.wait_until(lambda: len(page.cameras()) == len(rig.cameras) and page.cameras(), what="cameras")
    assert len(cams) >= 3
    titles = []
    for cam in cams:
        page.wait_until(lambda: page.trace_length(cam, 1) > 100, what="points in a camera")
        titles.append(page.js(page.GRAPH + "return g._fullLayout.annotations[0].text", cam))
    for name, match in ds.sync(fid).items():
        assert f"{name} · Δt {match.dt * 1000:+.0f} ms" in titles

    # the car the distorted camera sees best, and the LiDAR point nearest its centre
    ref = ds.reference(fid)
    xyz = ds.load_cloud(fid).xyz
    cars = [c for c in ref.cuboids if c.label in ("Car", "Van")
            and sensor.project_lidar(np.asarray([c.center]))[2][0]]
    car = cars[int(np.argmax(count_points_in_boxes(xyz, cuboids_to_array(cars))))]
    seed = xyz[np.argmin(np.linalg.norm(xyz - np.asarray(car.center, np.float32), axis=1))]
    page.press("2")
    page.type_into("point-input", ", ".join(f"{v:.4f}" for v in seed))
    box = page.wait_until(lambda: s.annotations(fid).cuboids, what="fitted box")[0]
    assert np.linalg.norm(np.subtract(box.center[:2], car.center[:2])) < 0.7

    index = s.camera_names.index(distorted)
    cam = page.cameras()[index]
    # the lens bends straight edges: each of the 13 segments comes back as a sampled curve
    n = page.wait_until(lambda: page.finite_points(cam, BOXES) > 13 * 8 and page.finite_points(cam, BOXES),
                        what="curved box edges in the distorted camera")
    assert n > 13 * 8
    uv = np.array(page.js(page.GRAPH + f"var t = g._fullData[{BOXES}]; return [Array.from(t.x), Array.from(t.y)];",
                          cam), dtype=float).T
    uv = uv[np.isfinite(uv).all(1)]
    w, h = sensor.camera.size
    drawn = (max(uv[:, 0].min(), 0), max(uv[:, 1].min(), 0), min(uv[:, 0].max(), w - 1), min(uv[:, 1].max(), h - 1))
    truth = cuboid_box2d(sensor.lidar_to_cam(car.corners()), sensor.camera)
    assert box_iou_2d(drawn, truth.ltrb) > 0.6, (drawn, truth)
    # the README's picture: generated data only (the KITTI frames' licence keeps them out of docs)
    page.screenshot("app-06-sequence.png", also=DOCS / "app.png")
    assert page.errors() == []
