"""ROS 2 bags (written with rosbags) and MCAP files (written with mcap-ros2-support) ingested
into the native layout and opened with pointlabel's own reader: points, images, timestamps,
the rig from tf and CameraInfo, poses; bad recordings refused with one clear error."""
import dataclasses
import io
import json
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image
from rosbags.rosbag2 import Writer as BagWriter
from rosbags.typesys import Stores, get_typestore
from scipy.spatial.transform import Rotation

from calibration.transforms import invert
from pointlabel.cli import main
from pointlabel.datasets.detect import open_dataset
from pointlabel.errors import PointlabelError
from pointlabel.ingest.messages import pointcloud2_points
from pointlabel.ingest.tf_tree import TfBuffer
from pointlabel.ingest.to_native import ingest

TS = get_typestore(Stores.ROS2_HUMBLE)
T = TS.types
T0_NS = 1_700_000_000_000_000_000
SWEEPS, PERIOD_NS, CAM_DELAY_NS = 5, 100_000_000, 20_000_000
W, H, N_POINTS = 64, 48, 300
K = [[50.0, 0.0, 31.5], [0.0, 50.0, 23.5], [0.0, 0.0, 1.0]]
DIST = [-0.1, 0.01, 0.001, -0.002, 0.0]
SPEED = 5.0  # m/s along odom x


def _T(R, t):
    out = np.eye(4)
    out[:3, :3], out[:3, 3] = R, t
    return out


OPTICAL = np.array([[0, 0, 1], [-1, 0, 0], [0, -1, 0]], dtype=float)  # optical z forward, x right, y down
T_BASE_FROM_LIDAR = _T(Rotation.from_euler("z", 0.1).as_matrix(), [1.0, 0.0, 1.8])
T_BASE_FROM_FRONT = _T(OPTICAL, [1.5, 0.2, 1.5])
T_BASE_FROM_LEFT = _T(Rotation.from_euler("z", np.pi / 2).as_matrix() @ OPTICAL, [1.2, 0.6, 1.5])


def T_odom_from_base(t_ns):
    return _T(np.eye(3), [SPEED * (t_ns - T0_NS) / 1e9, 0.0, 0.0])


# -- messages ----------------------------------------------------------------------------------
def header(t_ns, frame):
    return T["std_msgs/msg/Header"](stamp=T["builtin_interfaces/msg/Time"](sec=t_ns // 10**9, nanosec=t_ns % 10**9),
                                    frame_id=frame)


def points(k):
    rng = np.random.default_rng(k)
    xyz = rng.uniform(-20, 20, (N_POINTS, 3)).astype(np.float32)
    xyz[:3] = np.nan  # "no return" points a driver leaves in a dense cloud
    return xyz, rng.uniform(0, 255, N_POINTS).astype(np.float32), rng.integers(0, 32, N_POINTS).astype(np.uint16)


def cloud_msg(k, t_ns):
    xyz, intensity, ring = points(k)
    rec = np.zeros(N_POINTS, dtype=np.dtype({"names": ["x", "y", "z", "intensity", "ring"],
                                             "formats": ["<f4"] * 4 + ["<u2"], "offsets": [0, 4, 8, 16, 20],
                                             "itemsize": 32}))  # padding as real drivers have
    rec["x"], rec["y"], rec["z"], rec["intensity"], rec["ring"] = *xyz.T, intensity, ring
    PF = T["sensor_msgs/msg/PointField"]
    fields = [PF(name=n, offset=o, datatype=d, count=1)
              for n, o, d in (("x", 0, 7), ("y", 4, 7), ("z", 8, 7), ("intensity", 16, 7), ("ring", 20, 4))]
    return T["sensor_msgs/msg/PointCloud2"](header=header(t_ns, "velodyne"), height=1, width=N_POINTS, fields=fields,
                                            is_bigendian=False, point_step=32, row_step=32 * N_POINTS,
                                            data=np.frombuffer(rec.tobytes(), np.uint8), is_dense=False)


def picture(k, seed):
    v, u = np.mgrid[0:H, 0:W]
    return np.stack([(u * 4 + k * 10) % 256, (v * 5 + seed) % 256, np.full((H, W), 40 * k % 256)], -1).astype(np.uint8)


def image_msg(k, t_ns):
    bgr = picture(k, 0)[:, :, ::-1]  # a bgr8 camera: pointlabel must swap to RGB
    return T["sensor_msgs/msg/Image"](header=header(t_ns, "cam_front_optical"), height=H, width=W, encoding="bgr8",
                                      is_bigendian=0, step=W * 3, data=np.frombuffer(bgr.tobytes(), np.uint8))


def jpeg_bytes(k):
    buf = io.BytesIO()
    Image.fromarray(picture(k, 99)).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def compressed_msg(k, t_ns):
    return T["sensor_msgs/msg/CompressedImage"](header=header(t_ns, "cam_left_optical"), format="rgb8; jpeg compressed",
                                                data=np.frombuffer(jpeg_bytes(k), np.uint8))


def info_msg(t_ns, frame):
    P = np.hstack([np.asarray(K), np.zeros((3, 1))])
    roi = T["sensor_msgs/msg/RegionOfInterest"](x_offset=0, y_offset=0, height=0, width=0, do_rectify=False)
    return T["sensor_msgs/msg/CameraInfo"](header=header(t_ns, frame), height=H, width=W, distortion_model="plumb_bob",
                                           d=np.array(DIST), k=np.asarray(K).ravel(), r=np.eye(3).ravel(),
                                           p=P.ravel(), binning_x=0, binning_y=0, roi=roi)


def tf_msg(t_ns, edges):
    out = []
    for parent, child, M in edges:
        q = Rotation.from_matrix(M[:3, :3]).as_quat()
        out.append(T["geometry_msgs/msg/TransformStamped"](
            header=header(t_ns, parent), child_frame_id=child,
            transform=T["geometry_msgs/msg/Transform"](
                translation=T["geometry_msgs/msg/Vector3"](x=M[0, 3], y=M[1, 3], z=M[2, 3]),
                rotation=T["geometry_msgs/msg/Quaternion"](x=q[0], y=q[1], z=q[2], w=q[3]))))
    return T["tf2_msgs/msg/TFMessage"](transforms=out)


def events(drop=()):
    """(log time ns, topic, type, message) of the whole recording; `drop` leaves topics or
    transforms out ('/cam_front/camera_info', 'tf:cam_front_optical', ...)."""
    ev = []
    static = [("base_link", "velodyne", T_BASE_FROM_LIDAR), ("base_link", "cam_front_optical", T_BASE_FROM_FRONT),
              ("base_link", "cam_left_optical", T_BASE_FROM_LEFT)]
    static = [e for e in static if f"tf:{e[1]}" not in drop]
    ev.append((T0_NS - 10**8, "/tf_static", "tf2_msgs/msg/TFMessage", tf_msg(T0_NS - 10**8, static)))
    for j in range(-2, 2 * SWEEPS + 2):  # odometry at 20 Hz around the sweeps
        t = T0_NS + j * PERIOD_NS // 2
        ev.append((t, "/tf", "tf2_msgs/msg/TFMessage", tf_msg(t, [("odom", "base_link", T_odom_from_base(t))])))
    for frame, topic in (("cam_front_optical", "/cam_front/camera_info"),
                         ("cam_left_optical", "/cam_left/camera_info")):
        for k in range(SWEEPS):
            ev.append((T0_NS + k * PERIOD_NS + CAM_DELAY_NS, topic, "sensor_msgs/msg/CameraInfo",
                       info_msg(T0_NS + k * PERIOD_NS + CAM_DELAY_NS, frame)))
    for k in range(SWEEPS):
        t = T0_NS + k * PERIOD_NS
        ev.append((t + 1000, "/velodyne_points", "sensor_msgs/msg/PointCloud2", cloud_msg(k, t)))
        ev.append((t + CAM_DELAY_NS + 500, "/cam_front/image_raw", "sensor_msgs/msg/Image",
                   image_msg(k, t + CAM_DELAY_NS)))
        ev.append((t + CAM_DELAY_NS + 700, "/cam_left/image_raw/compressed", "sensor_msgs/msg/CompressedImage",
                   compressed_msg(k, t + CAM_DELAY_NS)))
    return sorted((e for e in ev if e[1] not in drop), key=lambda e: e[0])


def write_bag(path, drop=()):
    ev = events(drop)
    with BagWriter(path, version=9) as w:
        conns = {}
        for _, topic, ty, _ in ev:
            if topic not in conns:
                conns[topic] = w.add_connection(topic, ty, typestore=TS)
        for t_ns, topic, ty, msg in ev:
            w.write(conns[topic], t_ns, TS.serialize_cdr(msg, ty))
    return path


def plain(msg):
    """A rosbags message as the dicts, lists and bytes mcap-ros2-support encodes."""
    if dataclasses.is_dataclass(msg):
        return {f.name: plain(getattr(msg, f.name)) for f in dataclasses.fields(msg)}
    if isinstance(msg, np.ndarray):
        return msg.tobytes() if msg.dtype == np.uint8 else msg.tolist()
    if isinstance(msg, list):
        return [plain(x) for x in msg]
    return msg


def write_mcap(path, drop=()):
    from mcap_ros2.writer import Writer
    ev = events(drop)
    with open(path, "wb") as f:
        w = Writer(f)
        schemas = {}
        for t_ns, topic, ty, msg in ev:
            if ty not in schemas:
                schemas[ty] = w.register_msgdef(ty, TS.generate_msgdef(ty, ros_version=2)[0])
            w.write_message(topic, schemas[ty], plain(msg), log_time=t_ns, publish_time=t_ns)
        w.finish()
    return path


def write_bag_mcap_storage(path, drop=()):
    """A rosbag2 folder whose storage is MCAP (ros2 bag record -s mcap)."""
    from rosbags.rosbag2 import StoragePlugin
    ev = events(drop)
    with BagWriter(path, version=9, storage_plugin=StoragePlugin.MCAP) as w:
        conns = {}
        for t_ns, topic, ty, msg in ev:
            if topic not in conns:
                conns[topic] = w.add_connection(topic, ty, typestore=TS)
            w.write(conns[topic], t_ns, TS.serialize_cdr(msg, ty))
    return path


WRITERS = {"bag": lambda d, drop=(): write_bag(d / "rec_bag", drop),
           "bag-mcap-storage": lambda d, drop=(): write_bag_mcap_storage(d / "rec_bag_mcap", drop),
           "mcap": lambda d, drop=(): write_mcap(d / "rec.mcap", drop)}


# -- the tests -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["bag", "mcap", "bag-mcap-storage"])
def test_ingest_and_open(kind, tmp_path):
    rec = WRITERS[kind](tmp_path)
    summary = ingest(rec, tmp_path / "native", world_frame="odom")
    assert summary["sweeps"] == SWEEPS and summary["lidar_frame"] == "velodyne"
    assert {c: v["images"] for c, v in summary["cameras"].items()} == {"cam_front": SWEEPS, "cam_left": SWEEPS}
    ds = open_dataset(tmp_path / "native")
    assert ds.kind == "native" and ds.frame_ids == [f"{k:06d}" for k in range(SWEEPS)]
    # Points: every finite point, in the LiDAR frame, with its intensity.
    for k, fid in enumerate(ds.frame_ids):
        xyz, intensity, _ = points(k)
        cloud = ds.load_cloud(fid)
        np.testing.assert_array_equal(cloud.xyz, xyz[3:])
        np.testing.assert_array_equal(cloud.intensity, intensity[3:])
        assert ds.timestamps[fid] == pytest.approx((T0_NS + k * PERIOD_NS) / 1e9, abs=1e-6)
        assert ds.camera_timestamps("cam_front")[fid] == pytest.approx(ds.timestamps[fid] + 0.02, abs=1e-6)
    # The rig: T_cam_from_lidar from tf, K and distortion from CameraInfo, the 20 ms offset.
    rig = ds.rig("000000")
    assert rig.camera_names == ["cam_front", "cam_left"] and rig.lidar == "velodyne"
    for name, T_base_from_cam in (("cam_front", T_BASE_FROM_FRONT), ("cam_left", T_BASE_FROM_LEFT)):
        cam = rig[name]
        np.testing.assert_allclose(cam.T, invert(T_base_from_cam) @ T_BASE_FROM_LIDAR, atol=1e-9)
        np.testing.assert_allclose(cam.camera.K_matrix, K)
        np.testing.assert_allclose(cam.camera.dist, DIST)
        assert cam.camera.size == (W, H) and cam.time_offset == pytest.approx(0.02, abs=1e-6)
    # Sync: every sweep has both cameras' frames within tolerance; images are what was recorded.
    for k, fid in enumerate(ds.frame_ids):
        sync = ds.sync(fid)
        assert all(m.ok and m.dt == pytest.approx(0.02, abs=1e-6) for m in sync.values())
        np.testing.assert_array_equal(np.asarray(Image.open(sync["cam_front"].image)), picture(k, 0))
        assert sync["cam_left"].image.suffix == ".jpg" and sync["cam_left"].image.read_bytes() == jpeg_bytes(k)
    # A LiDAR point seen by the front camera lands where the recorded geometry says.
    p_lidar = np.array([[12.0, -0.5, -1.0]])
    p_cam = (invert(T_BASE_FROM_FRONT) @ T_BASE_FROM_LIDAR @ [*p_lidar[0], 1])[:3]
    uv, _, _ = rig["cam_front"].project_lidar(p_lidar, in_image=False)
    np.testing.assert_allclose(uv[0], rig["cam_front"].camera.project(p_cam[None], in_image=False)[0][0])
    # Poses from /tf (odom -> base_link, interpolated at each sweep's stamp).
    for k, fid in enumerate(ds.frame_ids):
        want = T_odom_from_base(T0_NS + k * PERIOD_NS) @ T_BASE_FROM_LIDAR
        np.testing.assert_allclose(ds.poses[fid], want, atol=1e-9)


@pytest.mark.parametrize("kind", ["bag", "mcap"])
@pytest.mark.parametrize("drop, kwargs, message", [
    (("/cam_front/camera_info",), {}, "camera topic /cam_front/image_raw has no sensor_msgs/CameraInfo topic"),
    (("tf:cam_left_optical",), {}, "no transform between the LiDAR frame 'velodyne' and camera cam_left's frame"),
    (("/velodyne_points",), {}, "no sensor_msgs/PointCloud2 topics"),
    ((), {"lidar_topic": "/points"}, "/points is not a PointCloud2 topic of this recording"),
    ((), {"world_frame": "map"}, "no transform from the LiDAR frame 'velodyne' to the world frame 'map'"),
    (("/tf", "/tf_static"), {}, "has cameras but no tf2_msgs/TFMessage topic"),
])
def test_bad_recordings_are_refused(kind, drop, kwargs, message, tmp_path):
    rec = WRITERS[kind](tmp_path, drop)
    with pytest.raises(PointlabelError, match=message):
        ingest(rec, tmp_path / "native", **kwargs)
    assert not (tmp_path / "native").exists()


def test_not_a_recording_and_no_overwrite(tmp_path):
    with pytest.raises(PointlabelError, match="no such recording"):
        ingest(tmp_path / "nothing.mcap", tmp_path / "out")
    (tmp_path / "junk.mcap").write_bytes(b"not an mcap file at all")
    with pytest.raises(PointlabelError, match="cannot read the MCAP file"):
        ingest(tmp_path / "junk.mcap", tmp_path / "out")
    bag = write_bag(tmp_path / "bag")
    (next(bag.glob("*.db3"))).write_bytes(b"garbage")
    with pytest.raises(PointlabelError, match="cannot read the ROS 2 bag"):
        ingest(bag, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    rec = write_mcap(tmp_path / "rec.mcap")
    cut = tmp_path / "cut.mcap"  # a recording cut short (the recorder was killed)
    cut.write_bytes(rec.read_bytes()[: rec.stat().st_size // 2])
    with pytest.raises(PointlabelError, match="cut.mcap: (cannot read|the MCAP file has no summary)"):
        ingest(cut, tmp_path / "out")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(PointlabelError, match="not overwriting"):
        ingest(rec, tmp_path / "full")
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_cli_ingest(tmp_path, capsys):
    rec = write_bag(tmp_path / "bag")
    assert main(["ingest", str(rec), "--out", str(tmp_path / "n"), "--world-frame", "odom",
                 "--camera", "/cam_front/image_raw"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["sweeps"] == SWEEPS and list(summary["cameras"]) == ["cam_front"] and summary["poses"]
    assert main(["info", str(tmp_path / "n"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "native" and len(info["frames"]) == SWEEPS
    assert main(["ingest", str(rec), "--out", str(tmp_path / "m"), "--lidar", "/nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pointlabel: error: /nope is not a PointCloud2 topic") and len(err.splitlines()) == 1


def test_pointcloud2_rows_with_padding():
    """Two rows, each padded past width * point_step (row_step larger), big-endian floats."""
    vals = np.arange(12, dtype=">f4").reshape(4, 3)
    rows = [vals[:2].tobytes() + b"\0" * 8, vals[2:].tobytes() + b"\0" * 8]
    fields = [SimpleNamespace(name=n, offset=4 * i, datatype=7, count=1) for i, n in enumerate("xyz")]
    msg = SimpleNamespace(fields=fields, is_bigendian=True, point_step=12, row_step=32, width=2, height=2,
                          data=b"".join(rows))
    pts, intensity, ring = pointcloud2_points(msg)
    np.testing.assert_array_equal(pts, vals.astype(float))
    assert intensity is None and ring is None
    msg.data = msg.data[:-20]
    with pytest.raises(ValueError, match="need more"):
        pointcloud2_points(msg)


def test_tf_buffer_chains_and_interpolates():
    tf = TfBuffer()
    tf.add("base", "lidar", 0, T_BASE_FROM_LIDAR, static=True)
    tf.add("base", "cam", 0, T_BASE_FROM_FRONT, static=True)
    tf.add("odom", "base", 0, T_odom_from_base(T0_NS), static=False)
    tf.add("odom", "base", 10**9, _T(Rotation.from_euler("z", 0.4).as_matrix(), [5.0, 1.0, 0.0]), static=False)
    np.testing.assert_allclose(tf.lookup("cam", "lidar"), invert(T_BASE_FROM_FRONT) @ T_BASE_FROM_LIDAR, atol=1e-12)
    half = tf.lookup("odom", "base", 5 * 10**8)
    np.testing.assert_allclose(half[:3, 3], [2.5, 0.5, 0.0])
    assert Rotation.from_matrix(half[:3, :3]).as_euler("zyx")[0] == pytest.approx(0.2)
    np.testing.assert_allclose(tf.lookup("odom", "base", 5 * 10**9)[:3, 3], [5.0, 1.0, 0.0])  # held at the end
    assert tf.lookup("cam", "elsewhere") is None


def test_lidar_only_recording(tmp_path):
    """No cameras, no tf: sweeps and their times only (an empty rig)."""
    drop = ("/cam_front/image_raw", "/cam_left/image_raw/compressed", "/cam_front/camera_info",
            "/cam_left/camera_info", "/tf", "/tf_static")
    summary = ingest(write_mcap(tmp_path / "l.mcap", drop), tmp_path / "n")
    assert summary["sweeps"] == SWEEPS and summary["cameras"] == {} and not summary["poses"]
    ds = open_dataset(tmp_path / "n")
    assert ds.frame_ids == [f"{k:06d}" for k in range(SWEEPS)] and ds.camera_names == []
    assert ds.timestamps["000004"] == pytest.approx((T0_NS + 4 * PERIOD_NS) / 1e9, abs=1e-6)
    np.testing.assert_array_equal(ds.load_cloud("000002").xyz, points(2)[0][3:])
