"""Fit from the cameras: clicks and rectangles in real KITTI images and in the generated
sequence's distorted wide camera, against the labels."""
import numpy as np
import pytest

from calibration.camera import PinholeCamera
from calibration.projection import cuboid_box2d
from calibration.rig import CameraSensor
from pointlabel.datasets.kitti import KittiDataset
from pointlabel.datasets.native import NativeDataset
from pointlabel.fitting.camera_fit import (NO_POINTS_IN_RECTANGLE, NO_POINTS_UNDER_CLICK,
                                           fit_from_camera_click, fit_in_rectangle, nearest_surface)
from pointlabel.fitting.context import FrameContext
from pointlabel.geometry.boxes import array_to_cuboids, points_in_box_mask
from pointlabel.geometry.iou import bev_iou

# A camera at the LiDAR's origin looking along +x (camera z = LiDAR x, camera x = -LiDAR y,
# camera y = -LiDAR z).
T_CAM_FROM_LIDAR = np.array([[0, -1, 0, 0], [0, 0, -1, 0], [1, 0, 0, 0], [0, 0, 0, 1]], dtype=float)
PINHOLE = PinholeCamera(K=[[700, 0, 600], [0, 700, 180], [0, 0, 1]], width=1200, height=360)


def iou(cuboid, truth) -> float:
    return 0.0 if cuboid is None else float(bev_iou(cuboid.as_array(), truth.as_array())[0, 0])


def test_nearest_surface_skips_a_stray_in_front():
    """Depths along the ray: a stray at 3 m, a car at 10-11 m, a wall at 20 m."""
    depth = np.array([20.1, 10.2, 3.0, 10.0, 20.0, 10.9, 10.5, 20.2])
    assert sorted(nearest_surface(depth)) == [1, 3, 5, 6]


def test_click_and_rectangle_on_a_simulated_car_behind_a_pole(lidar):
    """A pole stands in front of the car's left part: a click on the car beside it and a
    rectangle around the car (pole included) both fit the car, not the pole."""
    car = lidar.box_on_ground(12, 0.5, 4.2, 1.8, 1.5, 0.3)
    pole = lidar.box_on_ground(7, 0.9, 0.2, 0.2, 4.0, 0.0)
    pts, _ = lidar.scan([car, pole], az_limits=(-60, 60))
    ctx = FrameContext.build(pts)
    sensor = CameraSensor("front", PINHOLE, T_CAM_FROM_LIDAR)
    truth = array_to_cuboids(car[None])[0]
    uv, _, valid = sensor.project_lidar(car[None, :3] + [[0, -0.5, 0]])
    assert valid[0]
    click = fit_from_camera_click(ctx, sensor, uv[0])
    assert click.cuboid is not None and click.cuboid.label == "Car"
    assert iou(click.cuboid, truth) > 0.7
    rect = cuboid_box2d(sensor.lidar_to_cam(truth.corners()), PINHOLE).ltrb
    fitted = fit_in_rectangle(ctx, sensor, rect)
    assert fitted.cuboid is not None and fitted.cuboid.label == "Car"
    assert iou(fitted.cuboid, truth) > 0.7
    assert fitted.iou_2d_after >= fitted.iou_2d_before > 0.6


def test_clicks_on_nothing_say_why(lidar):
    pts, _ = lidar.scan([lidar.box_on_ground(12, 0, 4.2, 1.8, 1.5, 0.0)], az_limits=(-60, 60))
    ctx = FrameContext.build(pts)
    sensor = CameraSensor("front", PINHOLE, T_CAM_FROM_LIDAR)
    sky = fit_from_camera_click(ctx, sensor, (100.0, 10.0))
    assert sky.cuboid is None and sky.fit.reason == NO_POINTS_UNDER_CLICK
    empty = fit_in_rectangle(ctx, sensor, (50.0, 5.0, 90.0, 20.0))
    assert empty.cuboid is None and empty.fit.reason == NO_POINTS_IN_RECTANGLE
    with pytest.raises(ValueError):
        fit_in_rectangle(ctx, sensor, (90.0, 5.0, 50.0, 20.0))


@pytest.fixture(scope="module")
def kitti_cars(kitti_root):
    """(ctx, image_2 sensor, truth Cuboid, label_2 2D box) of the cars with >= 100 points
    in three real frames."""
    dataset = KittiDataset(kitti_root)
    out = []
    for fid in ("000010", "000032", "000142"):
        ctx = FrameContext.build(dataset.load_cloud(fid).xyz.astype(float), fid)
        sensor = dataset.rig(fid)["image_2"]
        for truth in dataset.reference(fid).cuboids:
            if truth.label == "Car" and points_in_box_mask(ctx.obj_pts, truth.as_array()).sum() >= 100:
                out.append((ctx, sensor, truth, tuple(truth.attributes["kitti"]["bbox"])))
    assert len(out) >= 10
    return out


def test_kitti_camera_clicks_at_the_projected_centre(kitti_cars):
    """A click at the projected label centre: the nearest surface there. One car of 000142
    is hidden at its centre by the car in front of it (that one is fitted: right)."""
    ious = []
    for ctx, sensor, truth, _ in kitti_cars:
        uv, _, valid = sensor.project_lidar(np.asarray(truth.center)[None])
        assert valid[0]
        ious.append(iou(fit_from_camera_click(ctx, sensor, uv[0]).cuboid, truth))
    print(f"camera clicks: median BEV IoU {np.median(ious):.3f}, >= 0.7: {np.mean(np.array(ious) >= 0.7):.2f}")
    assert np.median(ious) >= 0.8
    assert np.mean(np.array(ious) >= 0.7) >= 0.75


def test_kitti_rectangles_are_the_label_2_boxes(kitti_cars):
    ious, agree = [], []
    for ctx, sensor, truth, rect in kitti_cars:
        result = fit_in_rectangle(ctx, sensor, rect)
        ious.append(iou(result.cuboid, truth))
        agree.append(result.iou_2d_after)
    print(f"rectangles: median BEV IoU {np.median(ious):.3f}, median 2D IoU {np.median(agree):.3f}")
    assert np.median(ious) >= 0.8
    assert np.mean(np.array(ious) >= 0.7) >= 0.8
    assert np.median(agree) >= 0.8  # the box projects onto the rectangle


def test_generated_sequence_distorted_wide_camera():
    """front_left has strong lens distortion: clicks at the projected centres of the
    vehicles and rectangles from their projected boxes fit them."""
    import sample_data
    dataset = NativeDataset(sample_data.default_sequence(progress=False))
    fid = dataset.frame_ids[0]
    ctx = FrameContext.build(dataset.load_cloud(fid).xyz.astype(float), fid)
    sensor = dataset.rig(fid)["front_left"]
    assert sensor.camera.dist is not None
    clicks, rects = [], []
    for truth in dataset.reference(fid).cuboids:
        if truth.label not in ("Car", "Van") or points_in_box_mask(ctx.obj_pts, truth.as_array()).sum() < 100:
            continue
        uv, _, valid = sensor.project_lidar(np.asarray(truth.center)[None])
        if not valid[0]:
            continue
        clicks.append(iou(fit_from_camera_click(ctx, sensor, uv[0]).cuboid, truth))
        box2d = cuboid_box2d(sensor.lidar_to_cam(truth.corners()), sensor.camera)
        rects.append(iou(fit_in_rectangle(ctx, sensor, box2d.ltrb).cuboid, truth))
    assert len(clicks) >= 3
    assert min(clicks) > 0.8 and min(rects) > 0.8


def test_constrain_to_rectangle_restores_a_hidden_length(lidar):
    """An oblique car whose fitted box came out 0.8 m short at its hidden far end: the
    rectangle (the true box's projection) brings the box back to the truth, and the box
    still holds the car's points."""
    from pointlabel.fitting.camera_fit import constrain_to_rectangle, projected_iou
    from pointlabel.fitting.classes import CLASS_PRIORS
    truth = array_to_cuboids(lidar.box_on_ground(14, -3, 4.4, 1.8, 1.5, 0.5)[None])[0]
    pts, hit = lidar.scan([truth.as_array()], az_limits=(-60, 60))
    own = pts[hit == 0]
    sensor = CameraSensor("front", PINHOLE, T_CAM_FROM_LIDAR)
    rect = cuboid_box2d(sensor.lidar_to_cam(truth.corners()), PINHOLE).ltrb
    heading = np.array([np.cos(0.5), np.sin(0.5), 0.0])
    short = truth.replace(size_lwh=(3.6, 1.8, 1.5), center=np.asarray(truth.center) - 0.4 * heading)
    fixed = constrain_to_rectangle(short, own, sensor, rect, CLASS_PRIORS["Car"])
    assert projected_iou(fixed, sensor, rect) > projected_iou(short, sensor, rect) + 0.05
    assert iou(fixed, truth) > iou(short, truth) + 0.05
    assert points_in_box_mask(own, fixed.as_array(), margin=0.1).mean() > 0.95
