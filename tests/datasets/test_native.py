"""The native multi-sensor layout: write with NativeWriter, read back with NativeDataset."""
from __future__ import annotations

import json

import numpy as np
import pytest

from calibration.camera import PinholeCamera
from calibration.rig import CameraSensor, Rig
from calibration.transforms import RigidTransform
from pointlabel.datasets.detect import open_dataset
from pointlabel.datasets.native import NativeDataset, NativeWriter, is_native
from pointlabel.errors import PointlabelError
from pointlabel.model import Cuboid, FrameAnnotations, Polyline3D

T_CAM_FROM_LIDAR = [[0, -1, 0, 0], [0, 0, -1, -0.3], [1, 0, 0, -0.5], [0, 0, 0, 1]]
T0 = 1_700_000_000.0


def _rig() -> Rig:
    K = [[500, 0, 320], [0, 500, 240], [0, 0, 1]]
    return Rig({"front": CameraSensor("front", PinholeCamera(K, 640, 480), T_CAM_FROM_LIDAR, 0.02),
                "side": CameraSensor("side", PinholeCamera(K, 640, 480, (-0.1, 0.01)), T_CAM_FROM_LIDAR,
                                     0.0)},
               lidar="lidar_top")


def _pts(k: int) -> np.ndarray:
    return np.array([[10.0 + k, 0.5, -1.0], [5.0, -2.0, 0.25 * k], [1.5, 1.5, 1.5]], np.float32)


@pytest.fixture
def native(tmp_path):
    """3 sweeps at 10 Hz. 'front' fires 20 ms after each sweep (its nominal offset) with its own
    stems starting at 100 and misses the third; 'side' fires 60 ms after the sweeps, off its
    nominal 0 offset, so only the nearest-frame rule with tolerance decides."""
    root = tmp_path / "seq"
    image = np.zeros((480, 640, 3), np.uint8)
    with NativeWriter(root, _rig(), name="unit") as w:
        for k in range(3):
            car = Cuboid((10.0 + k, 0.5, -0.5), (4, 2, 1.5), 0.1, "Car", track_id=7, id=f"c{k}")
            ref = FrameAnnotations(f"{k:06d}", (car,),
                                   (Polyline3D(((0, 3.5, -1.7), (20, 3.5, -1.7)), "lane", id=f"l{k}"),))
            T_world_from_lidar = RigidTransform.from_yaw(0.1 * k, (1.5 * k, 0.0, 0.0)).matrix
            w.write_sweep(f"{k:06d}", T0 + 0.1 * k, _pts(k), np.array([0.1, 0.5, 0.9]), ref,
                          T_world_from_lidar)
            if k < 2:
                w.write_image("front", f"{100 + k:06d}", T0 + 0.1 * k + 0.02, image)
            w.write_image("side", f"{k:06d}", T0 + 0.1 * k + 0.06, image)
    return root


def test_layout_on_disk(native):
    meta = json.loads((native / "dataset.json").read_text())
    assert meta == {"format": "pointlabel-native", "version": 1, "name": "unit", "lidar": "lidar_top",
                    "sync_tolerance": 0.05}
    assert sorted(p.name for p in (native / "lidar").iterdir()) == ["000000.bin", "000001.bin", "000002.bin"]
    assert (native / "lidar" / "000001.bin").stat().st_size == 3 * 16
    assert sorted(p.name for p in (native / "cameras" / "front").iterdir()) == ["000100.png", "000101.png"]
    stamps = json.loads((native / "timestamps.json").read_text())
    assert stamps["lidar"]["000002"] == T0 + 0.2
    assert stamps["cameras"]["front"] == {"000100": T0 + 0.02, "000101": T0 + 0.12}


def test_frames_clouds_rig_and_reference_read_back(native):
    ds = NativeDataset(native)
    assert ds.kind == "native" and ds.root == native and ds.name == "unit"
    assert ds.frame_ids == ["000000", "000001", "000002"]
    cloud = ds.load_cloud("000001")
    np.testing.assert_allclose(cloud.xyz + cloud.offset, _pts(1))
    np.testing.assert_allclose(cloud.intensity, [0.1, 0.5, 0.9], atol=1e-7)
    info = ds.frame("000002")
    assert info.cloud == native / "lidar" / "000002.bin" and info.timestamp == T0 + 0.2
    rig = ds.rig("000000")
    assert rig.to_dict() == _rig().to_dict()
    ref = ds.reference("000001")
    assert ref.frame_id == "000001"
    (cuboid,), (lane,) = ref.cuboids, ref.polylines
    assert cuboid.center == (11.0, 0.5, -0.5) and cuboid.track_id == 7 and cuboid.id == "c1"
    assert lane.label == "lane" and lane.vertices[1] == (20.0, 3.5, -1.7)
    assert ds.timestamps == {"000000": T0, "000001": T0 + 0.1, "000002": T0 + 0.2}
    np.testing.assert_allclose(ds.poses["000002"], RigidTransform.from_yaw(0.2, (3.0, 0, 0)).matrix)


@pytest.mark.parametrize("t, x, yaw", [(0.05, 0.75, 0.05), (0.15, 2.25, 0.15),
                                       (0.25, 3.75, 0.25), (-0.02, -0.3, -0.02)])
def test_pose_at_interpolates_and_extrapolates(native, t, x, yaw):
    # sweeps k = 0, 1, 2 at t0 + 0.1 k sit at x = 1.5 k, yaw = 0.1 k (15 m/s, 1 rad/s)
    T = NativeDataset(native).pose_at(T0 + t)
    expected = RigidTransform.from_yaw(yaw, (x, 0, 0)).matrix
    np.testing.assert_allclose(T, expected, atol=1e-5)  # the clock resolves ~1e-7 s at t0


def test_sync_uses_timestamps_offsets_and_tolerance(native):
    ds = NativeDataset(native)
    s0 = ds.sync("000000")
    assert set(s0) == {"front", "side"}
    assert s0["front"].image.name == "000100.png" and s0["front"].ok
    assert s0["front"].dt == pytest.approx(0.02, abs=1e-6)
    # 'side' is 60 ms late against a nominal 0: more than the 50 ms tolerance
    assert s0["side"].image.name == "000000.png" and s0["side"].dt == pytest.approx(0.06, abs=1e-6)
    assert not s0["side"].ok
    # the third sweep: front's nearest frame is the second one, 80 ms away -> reported, not used
    s2 = ds.sync("000002")["front"]
    assert s2.image.name == "000101.png" and s2.dt == pytest.approx(-0.08, abs=1e-6) and not s2.ok
    # sweep 1 (t0 + 0.1): side's nearest frame is the one of sweep 0 (t0 + 0.06, 40 ms before):
    # within tolerance, so used. This is why a rig states its cameras' nominal offsets.
    s1 = ds.sync("000001")["side"]
    assert s1.image.name == "000000.png" and s1.dt == pytest.approx(-0.04, abs=1e-6) and s1.ok
    assert ds.images("000001") == {"front": native / "cameras" / "front" / "000101.png",
                                   "side": native / "cameras" / "side" / "000000.png"}
    assert ds.images("000002") == {"side": native / "cameras" / "side" / "000001.png"}


def test_a_wider_tolerance_in_dataset_json_accepts_more(native):
    meta = json.loads((native / "dataset.json").read_text())
    meta["sync_tolerance"] = 0.07
    (native / "dataset.json").write_text(json.dumps(meta))
    ds = NativeDataset(native)
    assert ds.sync("000000")["side"].ok
    assert set(ds.images("000000")) == {"front", "side"}


def test_without_timestamps_images_pair_by_stem(native):
    (native / "timestamps.json").unlink()
    ds = NativeDataset(native)
    m = ds.sync("000001")
    assert m["side"].image.name == "000001.png" and m["side"].ok and m["side"].dt is None
    assert m["front"].image is None and not m["front"].ok  # its stems are its own
    assert ds.frame("000001").timestamp is None


def test_detection_and_open_dataset(native, tmp_path):
    assert is_native(native)
    assert not is_native(tmp_path)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "dataset.json").write_text('{"format": "something-else"}')
    assert not is_native(tmp_path / "other")
    assert isinstance(open_dataset(native), NativeDataset)


@pytest.mark.parametrize("meta, message", [
    ('{"format": "pointlabel-native", "version": 2}', "version 2 is not supported"),
    ('{"format": "pointlabel-native", "version": 1', "not valid JSON"),
    ('{"format": "other", "version": 1}', "'format' must be"),
])
def test_bad_dataset_json(native, meta, message):
    (native / "dataset.json").write_text(meta)
    assert is_native(native) == ("other" not in meta)
    with pytest.raises(PointlabelError, match=message):
        NativeDataset(native)


def test_bad_inputs(native, tmp_path):
    with pytest.raises(PointlabelError, match="no dataset.json"):
        NativeDataset(tmp_path)
    ds = NativeDataset(native)
    with pytest.raises(PointlabelError, match="no frame '000009'"):
        ds.frame("000009")
    (native / "lidar" / "000001.pcd").write_text("not used")
    ds = NativeDataset(native)  # the stray second file is reported and skipped; the rest opens
    assert ds.frame("000001").cloud.suffix == ".bin"
    assert [(f.path.name, "two files for stem '000001'" in f.reason) for f in ds.skipped] == [("000001.pcd", True)]
    (native / "lidar" / "000001.pcd").unlink()
    bad = '{"frame": "000000", "annotations": [{"type": "blob"}]}'
    (native / "reference" / "000000.json").write_text(bad)
    with pytest.raises(PointlabelError, match="bad reference"):
        NativeDataset(native).reference("000000")
    (native / "timestamps.json").write_text('{"lidar": {"000000": "soon"}}')
    with pytest.raises(PointlabelError, match="times must be numbers"):
        NativeDataset(native).sync("000000")


def test_frames_without_reference_or_rig(tmp_path):
    with NativeWriter(tmp_path / "bare", None, name="bare") as w:
        w.write_sweep("a", None, _pts(0))
    ds = NativeDataset(tmp_path / "bare")
    assert ds.frame_ids == ["a"] and ds.reference("a") is None and ds.rig("a") is None
    assert ds.sync("a") == {} and ds.images("a") == {}
    np.testing.assert_array_equal(ds.load_cloud("a").intensity, np.zeros(3, np.float32))
