"""Decoded ROS 2 messages -> numpy: sensor_msgs PointCloud2, Image, CompressedImage,
CameraInfo, and geometry_msgs TransformStamped (inside tf2_msgs/TFMessage).

Works on the attribute trees of both `rosbags` (uint8[] as numpy arrays) and
`mcap-ros2-support` (bytes / lists). Raises ValueError with what is wrong; the caller adds
the topic.
"""
from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from calibration.camera import PinholeCamera

POINTFIELD_TYPES = {1: "i1", 2: "u1", 3: "i2", 4: "u2", 5: "i4", 6: "u4", 7: "f4", 8: "f8"}
RING_NAMES = ("ring", "channel", "laser_id")
INTENSITY_NAMES = ("intensity", "reflectivity", "i")


def _bytes(data) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    return np.asarray(data, dtype=np.uint8).tobytes()


def stamp_ns(header) -> int:
    """A std_msgs/Header's stamp in nanoseconds."""
    s = header.stamp
    return int(s.sec) * 1_000_000_000 + int(getattr(s, "nanosec", getattr(s, "nsec", 0)))


def frame_id(name: str) -> str:
    return str(name).lstrip("/")


# -- PointCloud2 -------------------------------------------------------------------------------
def pointcloud2_fields(msg) -> dict[str, np.ndarray]:
    """name -> (N,) values of every scalar field (count 1), row padding and point padding honoured."""
    names, formats, offsets = [], [], []
    endian = ">" if msg.is_bigendian else "<"
    for f in msg.fields:
        if f.datatype not in POINTFIELD_TYPES:
            raise ValueError(f"field {f.name!r} has unknown datatype {f.datatype}")
        if int(f.count) != 1:
            continue
        names.append(f.name)
        formats.append(endian + POINTFIELD_TYPES[f.datatype])
        offsets.append(int(f.offset))
    step, width, height = int(msg.point_step), int(msg.width), int(msg.height)
    dtype = np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": step})
    data = _bytes(msg.data)
    row = int(msg.row_step) or width * step
    if len(data) < row * (height - 1) + width * step:
        raise ValueError(f"data holds {len(data)} bytes, {height} rows of {row} need more")
    if row == width * step:
        points = np.frombuffer(data, dtype=dtype, count=width * height)
    else:
        points = np.concatenate([np.frombuffer(data, dtype=dtype, count=width, offset=r * row)
                                 for r in range(height)])
    return {n: points[n] for n in names}


def pointcloud2_points(msg) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """(pts (N, 3) float64 in the message's frame, intensity (N,) or None, ring (N,) or None);
    points with a non-finite coordinate are dropped."""
    fields = pointcloud2_fields(msg)
    missing = [c for c in "xyz" if c not in fields]
    if missing:
        raise ValueError(f"PointCloud2 has no {', '.join(missing)} field (fields: {', '.join(fields)})")
    pts = np.column_stack([fields[c].astype(np.float64) for c in "xyz"])
    keep = np.isfinite(pts).all(axis=1)
    intensity = next((fields[n] for n in INTENSITY_NAMES if n in fields), None)
    ring = next((fields[n] for n in RING_NAMES if n in fields), None)
    pick = (lambda a: None if a is None else a[keep].astype(np.float32))
    return pts[keep], pick(intensity), pick(ring)


# -- images ------------------------------------------------------------------------------------
def image_rgb(msg) -> np.ndarray:
    """sensor_msgs/Image -> (H, W, 3) uint8 RGB (rgb8, bgr8, rgba8, bgra8, mono8, mono16,
    8UC1, 8UC3 (as bgr8, cv_bridge's reading), 16UC1)."""
    enc = str(msg.encoding).lower()
    channels = {"rgb8": 3, "bgr8": 3, "8uc3": 3, "rgba8": 4, "bgra8": 4, "mono8": 1, "8uc1": 1,
                "mono16": 1, "16uc1": 1}.get(enc)
    if channels is None:
        raise ValueError(f"image encoding {msg.encoding!r} is not supported")
    depth = 2 if enc in ("mono16", "16uc1") else 1
    h, w, step = int(msg.height), int(msg.width), int(msg.step)
    data = np.frombuffer(_bytes(msg.data), dtype=np.uint8)
    if data.size < h * step or step < w * channels * depth:
        raise ValueError(f"image data ({data.size} bytes) too small for {w}x{h} {enc} (step {step})")
    rows = data[: h * step].reshape(h, step)[:, : w * channels * depth]
    if depth == 2:
        dt = ">u2" if msg.is_bigendian else "<u2"
        img = (np.frombuffer(rows.tobytes(), dtype=dt).reshape(h, w) >> 8).astype(np.uint8)
    else:
        img = rows.reshape(h, w, channels) if channels > 1 else rows.reshape(h, w)
    if img.ndim == 2:
        return np.repeat(img[:, :, None], 3, axis=2)
    if enc in ("bgr8", "8uc3", "bgra8"):
        img = img[:, :, [2, 1, 0]]
    return np.ascontiguousarray(img[:, :, :3])


def compressed_image(msg) -> tuple[str, bytes]:
    """sensor_msgs/CompressedImage -> (suffix '.jpg' or '.png', the file's bytes), by the
    bytes' own signature (the `format` string varies between drivers)."""
    data = _bytes(msg.data)
    if data[:3] == b"\xff\xd8\xff":
        return ".jpg", data
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return ".png", data
    raise ValueError(f"compressed image is neither JPEG nor PNG (format {msg.format!r})")


# -- CameraInfo --------------------------------------------------------------------------------
def camera_model(info) -> PinholeCamera:
    """sensor_msgs/CameraInfo -> PinholeCamera (K, size, OpenCV k1 k2 p1 p2 k3)."""
    K = np.asarray(info.k if hasattr(info, "k") else info.K, dtype=float).reshape(-1)  # ROS 2: k, ROS 1: K
    if K.size != 9 or not K.any():
        raise ValueError("CameraInfo has no intrinsic matrix K")
    d = np.asarray(info.d if hasattr(info, "d") else info.D, dtype=float).reshape(-1)
    model = str(info.distortion_model).lower()
    if d.size == 0 or not d.any():
        dist = None
    elif model in ("plumb_bob", "rational_polynomial"):
        if d.size > 5 and np.any(d[5:]):
            raise ValueError(f"{model} coefficients k4..k6 = {d[5:].tolist()} are not zero: the native "
                             "layout's camera model is OpenCV's five-coefficient one")
        dist = d[:5]
    else:
        raise ValueError(f"distortion model {info.distortion_model!r} is not supported (plumb_bob only)")
    return PinholeCamera(K=K.reshape(3, 3), width=int(info.width), height=int(info.height), dist=dist)


# -- tf ----------------------------------------------------------------------------------------
def transform_matrix(ts) -> tuple[str, str, int, np.ndarray]:
    """geometry_msgs/TransformStamped -> (parent frame, child frame, stamp ns, T_parent_from_child)."""
    t, q = ts.transform.translation, ts.transform.rotation
    quat = np.array([q.x, q.y, q.z, q.w], dtype=float)
    if not np.linalg.norm(quat) > 0:
        raise ValueError(f"transform {ts.header.frame_id} -> {ts.child_frame_id} has a zero quaternion")
    T = np.eye(4)
    T[:3, :3] = Rotation.from_quat(quat).as_matrix()
    T[:3, 3] = [t.x, t.y, t.z]
    return frame_id(ts.header.frame_id), frame_id(ts.child_frame_id), stamp_ns(ts.header), T
