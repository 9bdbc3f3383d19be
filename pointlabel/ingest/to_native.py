"""A ROS 2 recording (bag folder or .mcap) -> the native layout (`datasets/native.py`).

What is read:
- the LiDAR: one `sensor_msgs/msg/PointCloud2` topic (the only one, or `lidar_topic`); each
  message is a sweep `lidar/NNNNNN.bin` in its own frame (header.frame_id), timed by its
  header stamp; intensity is kept (ring is not: the native .bin holds x y z intensity);
- cameras: every `Image` / `CompressedImage` topic (or `camera_topics`), each with the
  `CameraInfo` topic of its namespace (`/cam/image_raw` and `/cam/image_raw/compressed` ->
  `/cam/camera_info`); raw images become PNG, compressed ones are copied as they are;
  the camera is named after its namespace (`/cam/front` -> `cam_front`);
- `tf2_msgs/msg/TFMessage` on /tf and /tf_static: the rig's T_cam_from_lidar from the LiDAR's
  frame to each CameraInfo's frame (at the first sweep's time), and, with `world_frame`,
  poses.json (T_world_from_lidar at every sweep);
- K, image size and plumb_bob distortion from CameraInfo; each camera's time_offset is the
  median of (frame time - nearest sweep time).

Everything that can be checked before writing is checked first (topics, CameraInfo,
transforms); a failure later removes the half-written folder (dataset.json, written last,
marks a complete dataset anyway).
"""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from calibration.rig import CameraSensor, Rig
from pointlabel.datasets.native import DEFAULT_TOLERANCE, NativeWriter
from pointlabel.errors import PointlabelError
from pointlabel.ingest import messages as m
from pointlabel.ingest.recording import open_recording
from pointlabel.ingest.tf_tree import TfBuffer

CLOUD = "sensor_msgs/msg/PointCloud2"
IMAGE_TYPES = ("sensor_msgs/msg/Image", "sensor_msgs/msg/CompressedImage")
INFO = "sensor_msgs/msg/CameraInfo"
TF = "tf2_msgs/msg/TFMessage"
IMAGE_LEAVES = ("image_raw", "image_rect", "image_rect_color", "image_color", "image", "compressed")


@dataclass
class CameraTopics:
    name: str
    image: str
    info: str


def _namespace(topic: str) -> str:
    parts = topic.strip("/").split("/")
    while parts and parts[-1] in IMAGE_LEAVES:
        parts.pop()
    return "/" + "/".join(parts) if parts else ""


def plan(topics: dict[str, str], lidar_topic: str | None = None,
         camera_topics: list[str] | None = None) -> tuple[str, list[CameraTopics], list[str]]:
    """(LiDAR topic, cameras, tf topics) of a recording's {topic: type}."""
    listing = ", ".join(f"{t} ({ty.split('/')[-1]})" for t, ty in sorted(topics.items())) or "none"
    clouds = [t for t, ty in topics.items() if ty == CLOUD]
    if lidar_topic is None:
        if len(clouds) != 1:
            raise PointlabelError(f"{'no' if not clouds else 'several'} sensor_msgs/PointCloud2 topics "
                                  f"({', '.join(clouds) or 'none'}); name the LiDAR with --lidar (topics: {listing})")
        lidar_topic = clouds[0]
    elif topics.get(lidar_topic) != CLOUD:
        raise PointlabelError(f"{lidar_topic} is not a PointCloud2 topic of this recording (topics: {listing})")
    images = camera_topics if camera_topics is not None else sorted(t for t, ty in topics.items() if ty in IMAGE_TYPES)
    infos = {t for t, ty in topics.items() if ty == INFO}
    cams: list[CameraTopics] = []
    for topic in images:
        if topics.get(topic) not in IMAGE_TYPES:
            raise PointlabelError(f"{topic} is not an Image or CompressedImage topic (topics: {listing})")
        ns = _namespace(topic)
        info = f"{ns}/camera_info"
        if info not in infos:
            raise PointlabelError(f"camera topic {topic} has no sensor_msgs/CameraInfo topic "
                                  f"(expected {info}; topics: {listing})")
        name = ns.strip("/").replace("/", "_") or "camera"
        if any(c.name == name for c in cams):
            name = f"{name}_{len(cams)}"
        cams.append(CameraTopics(name, topic, info))
    tf_topics = [t for t, ty in topics.items() if ty == TF]
    if cams and not tf_topics:
        raise PointlabelError("the recording has cameras but no tf2_msgs/TFMessage topic (/tf, /tf_static): "
                              "without transforms there is no rig")
    return lidar_topic, cams, tf_topics


def _read_tf_and_infos(rec, tf_topics, cams):
    tf, infos = TfBuffer(), {}
    info_topic = {c.info: c.name for c in cams}
    for topic, _, t_ns, msg in rec.messages([*tf_topics, *info_topic]):
        if topic in info_topic:
            name = info_topic[topic]
            if name not in infos:
                try:
                    infos[name] = (m.camera_model(msg), m.frame_id(msg.header.frame_id))
                except ValueError as e:
                    raise PointlabelError(f"{topic}: {e}") from None
            continue
        for ts in msg.transforms:
            try:
                parent, child, stamp, T = m.transform_matrix(ts)
            except ValueError as e:
                raise PointlabelError(f"{topic}: {e}") from None
            tf.add(parent, child, stamp, T, static=topic.rstrip("/").endswith("tf_static"))
    missing = [c.info for c in cams if c.name not in infos]
    if missing:
        raise PointlabelError(f"no CameraInfo message on {', '.join(missing)}")
    return tf, infos


def _first_cloud(rec, lidar_topic):
    for _, _, _, msg in rec.messages([lidar_topic]):
        return m.frame_id(msg.header.frame_id), m.stamp_ns(msg.header)
    raise PointlabelError(f"no messages on the LiDAR topic {lidar_topic}")


def _rig(tf: TfBuffer, infos: dict, lidar_frame: str, t_ns: int, lidar_name: str) -> Rig:
    cams = {}
    for name, (camera, cam_frame) in infos.items():
        T = tf.lookup(cam_frame, lidar_frame, t_ns)
        if T is None:
            known = ", ".join(sorted(tf.frames)) or "none"
            raise PointlabelError(f"no transform between the LiDAR frame {lidar_frame!r} and camera {name}'s "
                                  f"frame {cam_frame!r} in /tf or /tf_static (frames: {known})")
        cams[name] = CameraSensor(name, camera, T)
    return Rig(cameras=cams, lidar=lidar_name)


def ingest(path: str | Path, out: str | Path, lidar_topic: str | None = None,
           camera_topics: list[str] | None = None, world_frame: str | None = None,
           sync_tolerance: float = DEFAULT_TOLERANCE) -> dict:
    """Convert the recording at `path` into a native dataset at `out` (see the module docstring)."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise PointlabelError("exists and is not an empty folder: not overwriting", out)
    rec = open_recording(path)
    lidar_topic, cams, tf_topics = plan(rec.topics(), lidar_topic, camera_topics)
    tf, infos = _read_tf_and_infos(rec, tf_topics, cams)
    lidar_frame, t0 = _first_cloud(rec, lidar_topic)
    lidar_name = lidar_frame.replace("/", "_") or "lidar"
    rig = _rig(tf, infos, lidar_frame, t0, lidar_name)
    if world_frame is not None and tf.lookup(world_frame, lidar_frame, t0) is None:
        raise PointlabelError(f"no transform from the LiDAR frame {lidar_frame!r} to the world frame "
                              f"{world_frame!r} in /tf (frames: {', '.join(sorted(tf.frames)) or 'none'})")
    created = not out.exists()
    try:
        return _write(rec, out, rig, lidar_topic, cams, tf, lidar_frame, world_frame, sync_tolerance, path)
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise


def _write(rec, out, rig, lidar_topic, cams, tf, lidar_frame, world_frame, tolerance, source) -> dict:
    writer = NativeWriter(out, rig=None, name=out.name, lidar=rig.lidar, sync_tolerance=tolerance,
                          meta={"source": {"recording": str(Path(source).name), "lidar_topic": lidar_topic,
                                           "cameras": {c.name: c.image for c in cams}}})
    camera_of = {c.image: c.name for c in cams}
    t_sweeps, t_cams = [], {c.name: [] for c in cams}
    with tempfile.TemporaryDirectory() as tmp:
        for topic, _, _, msg in rec.messages([lidar_topic, *camera_of]):
            t_ns = m.stamp_ns(msg.header)
            t = t_ns / 1e9
            try:
                if topic == lidar_topic:
                    pts, intensity, _ = m.pointcloud2_points(msg)
                    pose = tf.lookup(world_frame, lidar_frame, t_ns) if world_frame else None
                    writer.write_sweep(f"{len(t_sweeps):06d}", t, pts, intensity, T_world_from_lidar=pose)
                    t_sweeps.append(t)
                    continue
                name = camera_of[topic]
                stem = f"{len(t_cams[name]):06d}"
                if hasattr(msg, "encoding"):
                    image = m.image_rgb(msg)
                else:
                    suffix, data = m.compressed_image(msg)
                    image = Path(tmp) / f"{stem}{suffix}"
                    image.write_bytes(data)
                writer.write_image(name, stem, t, image)
                t_cams[name].append(t)
            except ValueError as e:
                raise PointlabelError(f"{topic} at {t:.6f} s: {e}", source) from None
    ts = np.sort(np.array(t_sweeps))
    writer.rig = Rig(cameras={n: CameraSensor(n, c.camera, c.T_cam_from_lidar, _offset(ts, t_cams[n]))
                              for n, c in rig.cameras.items()}, lidar=rig.lidar)
    writer.finish()
    return {"out": str(out), "sweeps": len(t_sweeps), "lidar_topic": lidar_topic, "lidar_frame": lidar_frame,
            "cameras": {c.name: {"topic": c.image, "images": len(t_cams[c.name]),
                                 "time_offset": writer.rig[c.name].time_offset} for c in cams},
            "poses": world_frame is not None}


def _offset(t_sweeps: np.ndarray, t_cam: list[float]) -> float:
    """Median of (camera time - nearest sweep time): the camera's nominal offset."""
    if not len(t_sweeps) or not t_cam:
        return 0.0
    tc = np.asarray(t_cam)
    k = np.clip(np.searchsorted(t_sweeps, tc), 1, max(len(t_sweeps) - 1, 1))
    prev, nxt = t_sweeps[k - 1], t_sweeps[np.minimum(k, len(t_sweeps) - 1)]
    nearest = np.where(np.abs(tc - prev) <= np.abs(tc - nxt), prev, nxt)
    return float(np.median(tc - nearest))
