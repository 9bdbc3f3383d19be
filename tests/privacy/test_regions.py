"""Regions from 3D boxes: properties over random poses, sizes and lenses.

A plate anywhere a real plate sits (centred within 0.14 m, 0.25-0.75 m above the ground, on
the face) projects inside the region of its face whenever that face looks at the camera; a
face turned away gives no region; a person's head top lies in the head region."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st

from calibration.camera import PinholeCamera
from calibration.rig import CameraSensor
from pointlabel.model import Cuboid, FrameAnnotations
from pointlabel.privacy.regions import box_regions

# camera looking along LiDAR +x (x right = -y_lidar, y down = -z_lidar, z forward = x_lidar), 1.6 m up
T_CAM_FROM_LIDAR = np.array([[0, -1, 0, 0], [0, 0, -1, 0.0], [1, 0, 0, 0], [0, 0, 0, 1]], float)
K = [[700, 0, 640], [0, 700, 360], [0, 0, 1]]


def _sensor(distorted: bool) -> CameraSensor:
    dist = (-0.25, 0.06, 0.0005, -0.0004, 0.0) if distorted else None
    return CameraSensor("cam", PinholeCamera(K, 1280, 720, dist), T_CAM_FROM_LIDAR)


def _inside(uv, regions, label) -> bool:
    return any(r.label == label and r.bounds[0] <= u <= r.bounds[2] and r.bounds[1] <= v <= r.bounds[3]
               for r in regions for u, v in [uv])


@settings(max_examples=80, deadline=None)
@given(dist=st.floats(5, 40), lateral=st.floats(-6, 6), yaw=st.floats(-np.pi, np.pi),
       l=st.floats(3.6, 5.2), w=st.floats(1.6, 2.0), h=st.floats(1.4, 2.1),
       off_y=st.floats(-0.14, 0.14), z_plate=st.floats(0.25, 0.75), distorted=st.booleans())
def test_a_visible_plate_lies_in_its_region(dist, lateral, yaw, l, w, h, off_y, z_plate, distorted):
    sensor = _sensor(distorted)
    ground = -1.6
    c = Cuboid((dist, lateral, ground + h / 2), (l, w, h), yaw, "Car")
    regions = box_regions(FrameAnnotations("f", (c,)), sensor)
    cam_lidar = np.linalg.inv(sensor.T)[:3, 3]
    for sign in (1.0, -1.0):
        local = np.array([[sign * l / 2, off_y + dy, z_plate - h / 2 + dz] for dy in (-0.26, 0.26) for dz in (-0.055, 0.055)])
        pts = local @ c.rotation.T + np.asarray(c.center)
        facing = (sign * c.rotation[:, 0]) @ (cam_lidar - pts.mean(0)) > 0
        uv, _, valid = sensor.project_lidar(pts)
        if facing and valid.all():
            assert all(_inside(p, regions, "plate") for p in uv)
    n_facing = sum((s * c.rotation[:, 0]) @ (cam_lidar - np.asarray(c.center)) > 0 for s in (1.0, -1.0))
    assert sum(r.label == "plate" for r in regions) <= n_facing  # no region for a face turned away


@settings(max_examples=60, deadline=None)
@given(dist=st.floats(3, 40), lateral=st.floats(-5, 5), yaw=st.floats(-np.pi, np.pi), h=st.floats(1.5, 1.95),
       label=st.sampled_from(["Pedestrian", "Cyclist"]), distorted=st.booleans())
def test_the_top_of_a_person_lies_in_the_head_region(dist, lateral, yaw, h, label, distorted):
    sensor = _sensor(distorted)
    size = (0.7, 0.6, h) if label == "Pedestrian" else (1.75, 0.6, h)
    c = Cuboid((dist, lateral, -1.6 + h / 2), size, yaw, label)
    regions = box_regions(FrameAnnotations("f", (c,)), sensor)
    head = np.asarray(c.center) + [0, 0, h / 2 - 0.12]  # the middle of a head below the box top
    uv, _, valid = sensor.project_lidar(head[None])
    if valid[0]:
        assert _inside(uv[0], regions, "face")
    assert all(r.label == "face" for r in regions)
