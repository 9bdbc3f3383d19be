import numpy as np
import pytest

from calibration.errors import CalibrationError
from calibration.kitti_calib import parse_kitti_calib, read_kitti_calib


def test_real_calib_projects_like_the_kitti_chain(kitti_root):
    calib = read_kitti_calib(kitti_root / "calib" / "000008.txt")
    rig = calib.to_rig({2: (1242, 375)})
    pts_lidar = np.fromfile(kitti_root / "velodyne" / "000008.bin", dtype=np.float32).reshape(-1, 4)[:, :3]
    uv, depth, valid = rig["image_2"].project_lidar(pts_lidar)
    # The chain of CONVENTIONS.md: P2 . R0_rect . Tr_velo_to_cam . [x y z 1]
    R0 = np.eye(4); R0[:3, :3] = calib.R0_rect
    Tr = np.eye(4); Tr[:3] = calib.Tr_velo_to_cam
    h = np.c_[pts_lidar, np.ones(len(pts_lidar))] @ (calib.P[2] @ R0 @ Tr).T
    assert valid.sum() > 10000
    np.testing.assert_allclose(uv[valid], h[valid, :2] / h[valid, 2:], atol=1e-6)


def test_write_read_round_trip_and_aliases(kitti_root, tmp_path):
    calib = read_kitti_calib(kitti_root / "calib" / "000000.txt")
    calib.write(tmp_path / "c.txt")
    again = read_kitti_calib(tmp_path / "c.txt")
    for i in range(4):
        np.testing.assert_allclose(again.P[i], calib.P[i])
    np.testing.assert_allclose(again.T_rect_from_lidar, calib.T_rect_from_lidar)
    old_style = (tmp_path / "c.txt").read_text().replace("R0_rect", "R_rect").replace("Tr_velo_to_cam", "Tr_velo_cam")
    np.testing.assert_allclose(parse_kitti_calib(old_style).Tr_velo_to_cam, calib.Tr_velo_to_cam)
    assert "R0_rect:" in calib.to_text() and "R_rect:" not in calib.to_text()


def test_key_order_does_not_matter(kitti_root):
    lines = (kitti_root / "calib" / "000000.txt").read_text().splitlines()
    a = parse_kitti_calib("\n".join(lines))
    b = parse_kitti_calib("\n".join(reversed(lines)))
    np.testing.assert_allclose(a.T_rect_from_lidar, b.T_rect_from_lidar)


def test_missing_key_is_named(kitti_root):
    text = "\n".join(l for l in (kitti_root / "calib" / "000000.txt").read_text().splitlines()
                     if not l.startswith("Tr_velo_to_cam"))
    with pytest.raises(CalibrationError, match="missing Tr_velo_to_cam"):
        parse_kitti_calib(text, "x.txt")


def test_wrong_value_count_is_named():
    with pytest.raises(CalibrationError, match="P2 has 3 values"):
        parse_kitti_calib("P2: 1 2 3\nR0_rect: 1 0 0 0 1 0 0 0 1\nTr_velo_to_cam: 0 0 0 0 0 0 0 0 0 0 0 0")
