"""The sensor side of OpenLABEL: coordinate systems, streams and frame properties from a
dataset's rig, timestamps and poses; and, on import, the transform from any declared
coordinate system to the LiDAR frame.

Export layout (names are the dataset's own: the LiDAR's, e.g. `lidar_top` or `velodyne`,
and the cameras'):

- `coordinate_systems`: the LiDAR (`sensor_cs`, the root, parent ""), each camera
  (`sensor_cs`, parent the LiDAR, `pose_wrt_parent` = T_lidar_from_cam as a row-major 4x4:
  OpenLABEL poses are passive, they carry the child's points into the parent), and `world`
  (`scene_cs`) when the dataset has poses;
- `streams`: the LiDAR (`lidar`) and each camera (`camera`) with `intrinsics_pinhole`
  (`camera_matrix` = K [I | 0] row-major, `distortion_coeffs` = OpenCV k1 k2 p1 p2 k3,
  `width_px`, `height_px`) and `time_offset` (s, nominal camera time after the sweep);
- per frame, `frame_properties`: `frame_id` (the LiDAR stem), `timestamp` (s), `streams`
  (each file's `uri` relative to the dataset root, a camera's `sync` with its own frame
  number and time), and `transforms`: `<lidar>_to_world` (T_world_from_lidar) with poses,
  and `<cam>_to_<lidar>` / per-frame intrinsics where a frame's calibration differs from
  the static one (KITTI: one calibration file per frame).
"""
from __future__ import annotations

from collections import deque

import numpy as np
from scipy.spatial.transform import Rotation

from calibration.rig import Rig
from calibration.transforms import invert
from pointlabel.errors import PointlabelError

WORLD = "world"


# -- transform_data ---------------------------------------------------------------------------
def matrix_data(T: np.ndarray) -> dict:
    return {"matrix4x4": [float(v) for v in np.asarray(T, dtype=float).reshape(16)]}


def matrix_of(data: dict, where: str) -> np.ndarray:
    """An OpenLABEL transform_data (4x4 matrix, quaternion + translation, or Euler angles +
    translation, sequence default ZYX) -> (4, 4) matrix."""
    try:
        if "matrix4x4" in data:
            return np.asarray(data["matrix4x4"], dtype=float).reshape(4, 4)
        T = np.eye(4)
        T[:3, 3] = np.asarray(data["translation"], dtype=float).reshape(3)
        if "quaternion" in data:
            T[:3, :3] = Rotation.from_quat(np.asarray(data["quaternion"], dtype=float)).as_matrix()
        else:
            seq = str(data.get("sequence", "ZYX")).upper()
            T[:3, :3] = Rotation.from_euler(seq, np.asarray(data["euler_angles"], dtype=float)).as_matrix()
        return T
    except (KeyError, ValueError, TypeError) as e:
        raise PointlabelError(f"{where}: bad transform ({e})") from None


# -- export -----------------------------------------------------------------------------------
def lidar_name(dataset, rig: Rig | None) -> str:
    return str(getattr(dataset, "lidar", None) or (rig.lidar if rig else None) or "lidar")


def intrinsics(cam) -> dict:
    K = cam.camera.K_matrix
    return {"camera_matrix": [float(v) for v in np.hstack([K, np.zeros((3, 1))]).ravel()],
            "distortion_coeffs": [float(v) for v in (cam.camera.dist or (0.0,) * 5)],
            "width_px": int(cam.camera.width), "height_px": int(cam.camera.height)}


def static_sensors(rig: Rig | None, lidar: str, has_poses: bool) -> tuple[dict, dict]:
    """(coordinate_systems, streams) of the rig."""
    cameras = rig.camera_names if rig else []
    cs = {lidar: {"type": "sensor_cs", "parent": "", "children": list(cameras)}}
    streams = {lidar: {"type": "lidar", "uri": ""}}
    for name in cameras:
        cam = rig[name]
        cs[name] = {"type": "sensor_cs", "parent": lidar, "children": [],
                    "pose_wrt_parent": matrix_data(invert(cam.T))}
        streams[name] = {"type": "camera", "uri": "", "stream_properties": {
            "intrinsics_pinhole": intrinsics(cam), "time_offset": float(cam.time_offset)}}
    if has_poses:
        cs[WORLD] = {"type": "scene_cs", "parent": "", "children": []}
    return cs, streams


def _relative(path, root) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def frame_properties(dataset, frame_id: str, lidar: str, static_rig: Rig | None, poses: dict) -> dict:
    """The frame_properties of one sweep (see the module docstring)."""
    info = dataset.frame(frame_id)
    streams = {lidar: {"uri": _relative(info.cloud, dataset.root)}}
    for name, match in dataset.sync(frame_id).items():
        if match.image is None or not match.ok:
            continue
        entry = {"uri": _relative(match.image, dataset.root)}
        sync = {}
        if match.image.stem.isdigit():
            sync["frame_stream"] = int(match.image.stem)
        if info.timestamp is not None and match.dt is not None:
            sync["timestamp"] = float(info.timestamp + match.dt)
        if sync:
            entry["stream_properties"] = {"sync": sync}
        streams[name] = entry
    props = {"frame_id": frame_id}
    if info.timestamp is not None:
        props["timestamp"] = float(info.timestamp)
    props["streams"] = streams
    transforms = {}
    if frame_id in poses:
        transforms[f"{lidar}_to_{WORLD}"] = {"src": lidar, "dst": WORLD,
                                             "transform_src_to_dst": matrix_data(poses[frame_id])}
    rig = dataset.rig(frame_id)
    for name in (rig.camera_names if rig else []):
        cam = rig[name]
        base = static_rig.cameras.get(name) if static_rig else None
        if base is None or not np.allclose(base.T, cam.T, atol=1e-12):
            transforms[f"{name}_to_{lidar}"] = {"src": name, "dst": lidar,
                                                "transform_src_to_dst": matrix_data(invert(cam.T))}
        if base is None or intrinsics(base) != intrinsics(cam):
            streams.setdefault(name, {})["stream_properties"] = {
                **streams.get(name, {}).get("stream_properties", {}), "intrinsics_pinhole": intrinsics(cam)}
    if transforms:
        props["transforms"] = transforms
    return props


# -- import -----------------------------------------------------------------------------------
class CoordinateSystems:
    """The coordinate systems of a document as a graph of transforms; `T_to_lidar(cs,
    frame_props)` is the 4x4 carrying points of `cs` into the LiDAR frame, a frame's
    transforms taking precedence over the static poses."""

    def __init__(self, doc: dict, where: str):
        self.where = where
        systems = doc.get("coordinate_systems") or {}
        self.names = set(systems)
        self.static: dict[tuple[str, str], np.ndarray] = {}  # (dst, src) -> T_dst_from_src
        for name, cs in systems.items():
            parent = cs.get("parent") or ""
            if parent:
                pose = cs.get("pose_wrt_parent")
                T = matrix_of(pose, f"{where}: coordinate system {name!r}") if pose else np.eye(4)
                self.static[(parent, name)] = T
        lidars = [n for n, s in (doc.get("streams") or {}).items() if s.get("type") == "lidar"]
        self.lidar = next((n for n in lidars if n in self.names), lidars[0] if lidars else None)

    def T_to_lidar(self, cs: str | None, frame_props: dict | None = None) -> np.ndarray:
        if not cs or cs == self.lidar:
            return np.eye(4)
        if self.lidar is None:
            raise PointlabelError(f"{self.where}: geometry in coordinate system {cs!r}, but no "
                                  "stream of type 'lidar' says which system is the LiDAR frame")
        edges = dict(self.static)
        for name, t in ((frame_props or {}).get("transforms") or {}).items():
            try:
                edges[(t["dst"], t["src"])] = matrix_of(t["transform_src_to_dst"], f"{self.where}: transform {name!r}")
            except KeyError as e:
                raise PointlabelError(f"{self.where}: transform {name!r} lacks {e}") from None
        graph: dict[str, list[tuple[str, np.ndarray]]] = {}
        for (dst, src), T in edges.items():
            graph.setdefault(src, []).append((dst, T))
            graph.setdefault(dst, []).append((src, invert(T)))
        seen, todo = {cs}, deque([(cs, np.eye(4))])
        while todo:  # breadth first: T maps points of `cs` into `node`
            node, T = todo.popleft()
            if node == self.lidar:
                return T
            for nxt, T_next_from_node in graph.get(node, []):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append((nxt, T_next_from_node @ T))
        raise PointlabelError(f"{self.where}: no chain of transforms from coordinate system {cs!r} "
                              f"to the LiDAR frame {self.lidar!r}")
