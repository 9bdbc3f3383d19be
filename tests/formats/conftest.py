"""A tiny native dataset worked out by hand (golden files of the OpenLABEL and nuScenes codecs)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from calibration.camera import PinholeCamera
from calibration.rig import CameraSensor, Rig
from calibration.transforms import invert
from pointlabel.datasets.native import NativeWriter
from pointlabel.labelsets import MemorySet
from pointlabel.model import Cuboid, FrameAnnotations, Polyline3D

# The camera sits 0.5 m ahead of and 0.2 m below the LiDAR, looking along its x axis
# (optical z = LiDAR x, optical x = -LiDAR y, optical y = -LiDAR z).
T_LIDAR_FROM_FRONT = np.array([[0, 0, 1, 0.5], [-1, 0, 0, 0], [0, -1, 0, -0.2], [0, 0, 0, 1]], dtype=float)
K_FRONT = [[100.0, 0.0, 50.0], [0.0, 100.0, 40.0], [0.0, 0.0, 1.0]]
TIMES = (100.0, 100.1)
WORLD_X = (10.0, 11.0)  # the LiDAR drives along world x: T_world_from_lidar = translation only


@pytest.fixture
def tiny(tmp_path):
    """(dataset root, labels): two sweeps, one camera, poses; a car (track 7) turned 90 degrees
    (heading +y) at (5, 1, -1) then (5.5, 1, -1), 4 x 2 x 1.5 m, moving; an untracked lane."""
    rig = Rig(cameras={"front": CameraSensor("front", PinholeCamera(K_FRONT, 100, 80), invert(T_LIDAR_FROM_FRONT),
                                             0.01)}, lidar="lidar_top")
    root = tmp_path / "tiny"
    with NativeWriter(root, rig=rig, name="tiny") as w:
        for k, t in enumerate(TIMES):
            inside = np.array([[5.0 + 0.5 * k, 1.0, -1.0], [5.3 + 0.5 * k, 2.5, -1.5], [4.6 + 0.5 * k, -0.9, -0.3]])
            outside = np.array([[20.0, 0.0, 0.0], [5.0, 4.0, -1.0]])
            pts = np.vstack([inside, outside])
            T_world_from_lidar = np.eye(4)
            T_world_from_lidar[0, 3] = WORLD_X[k]
            w.write_sweep(f"{k:06d}", t, pts, np.arange(len(pts), dtype=np.float32),
                          T_world_from_lidar=T_world_from_lidar)
            w.write_image("front", f"{k:06d}", t + 0.01, np.full((80, 100, 3), 90 + k, np.uint8))
    car = [Cuboid((5.0 + 0.5 * k, 1.0, -1.0), (4.0, 2.0, 1.5), math.pi / 2, label="Car", track_id=7,
                  id=f"car{k}", attributes={"moving": True}) for k in range(2)]
    lane = Polyline3D([(0, 0, 0), (1, 0, 0)], label="lane", id="lane0")
    labels = MemorySet({"000000": FrameAnnotations("000000", (car[0],), (lane,)),
                        "000001": FrameAnnotations("000001", (car[1],))})
    return root, labels
