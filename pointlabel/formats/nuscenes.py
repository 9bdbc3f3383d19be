"""nuScenes export: a dataset and its cuboids as a nuScenes folder the devkit loads.

    <out>/<version>/{attribute,calibrated_sensor,category,ego_pose,instance,log,map,sample,
                     sample_annotation,sample_data,scene,sensor,visibility}.json
    <out>/<version>/pointlabel.json    our sidecar (below); other tools ignore it
    <out>/samples/LIDAR_TOP/<log>__LIDAR_TOP__<t_us>.pcd.bin   float32 x y z intensity ring
    <out>/samples/CAM_<NAME>/<log>__CAM_<NAME>__<t_us>.jpg     undistorted (nuScenes has no
                                                               distortion model)
    <out>/maps/<token>.png             a blank map (the devkit needs one map record)

Frames: one scene, one sample per LiDAR sweep; its sample_data are the sweep and every camera
frame synced to it (within tolerance). The ego frame is our LiDAR frame (LIDAR_TOP's
calibration is the identity), so `ego_pose` is the dataset's T_world_from_lidar (identity
without poses) at the sweep's time, and at each camera frame's own time for the cameras
(interpolated). A camera's `calibrated_sensor` is T_lidar_from_cam with K. Times in
microseconds; a dataset without timestamps gets 10 Hz from 0.

Boxes: `sample_annotation` in the global frame, geometric centre, size w l h, rotation
quaternion w x y z; one `instance` per track (an untracked box is its own instance);
classes, attributes and visibility by `nuscenes_map`. Rejected boxes are not nuScenes objects.
`pointlabel.json` keeps what nuScenes cannot hold (our label, id, status, confidence,
attributes per annotation token; rejected boxes, polylines and DontCare regions per frame; the frame id of
each sample and the camera of each channel), so `nuscenes_import` restores our own exports.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import numpy as np
from PIL import Image
from pyquaternion import Quaternion
from scipy.spatial import cKDTree

from calibration.transforms import invert, orthonormalize
from calibration.undistort import pinhole_of, undistort_image
from pointlabel.errors import PointlabelError
from pointlabel.formats import nuscenes_map as nmap
from pointlabel.geometry.boxes import points_in_cuboid_mask
from pointlabel.model import STATUS_REJECTED

VERSION = "v1.0-mini"
LIDAR = "LIDAR_TOP"
SIDECAR = "pointlabel.json"
TABLES = ("attribute", "calibrated_sensor", "category", "ego_pose", "instance", "log", "map", "sample",
          "sample_annotation", "sample_data", "scene", "sensor", "visibility")
_NS = uuid.UUID("3b1f1a4e-8f0e-4d55-9d8c-0b3c2a6f7e21")
SYNTH_PERIOD_US = 100_000


def token(*parts) -> str:
    """A stable 32-hex token (nuScenes' token shape) from what identifies a record."""
    return uuid.uuid5(_NS, ":".join(str(p) for p in parts)).hex


def channel_of(camera: str) -> str:
    c = camera.upper().replace("-", "_")
    return c if c.startswith("CAM") else f"CAM_{c}"


def _pose_record(T: np.ndarray) -> dict:
    """translation + rotation (w, x, y, z) of a rigid 4x4."""
    q = Quaternion(matrix=orthonormalize(np.asarray(T, dtype=float)[:3, :3]))
    return {"translation": [float(v) for v in T[:3, 3]], "rotation": [float(q.w), float(q.x), float(q.y), float(q.z)]}


def _us(t: float) -> int:
    return int(round(t * 1e6))


class _Tables:
    def __init__(self):
        self.rows = {t: [] for t in TABLES}
        self._seen: dict[tuple, str] = {}

    def add(self, table: str, record: dict) -> str:
        self.rows[table].append(record)
        return record["token"]

    def once(self, table: str, key: tuple, make) -> str:
        """Add the record `make()` unless one with the same key exists; its token."""
        if (table, key) not in self._seen:
            self._seen[(table, key)] = self.add(table, make())
        return self._seen[(table, key)]


def _chain(records: list[dict], order_key) -> None:
    """Fill prev/next along `records` sorted by order_key."""
    rs = sorted(records, key=order_key)
    for a, b in zip(rs, rs[1:]):
        a["next"], b["prev"] = b["token"], a["token"]


def export_nuscenes(dataset, labels, out: str | Path, version: str = VERSION, frames=None) -> dict:
    """Write `dataset` and `labels` (anything with `.frame(id)`) as a nuScenes folder."""
    out = Path(out)
    fids = list(frames or dataset.frame_ids)
    if not fids:
        raise PointlabelError("nothing to export: the dataset has no frames", dataset.root)
    if (out / version).exists() and any((out / version).iterdir()):
        raise PointlabelError(f"{version}/ exists and is not empty: not overwriting", out)
    for sub in (version, "maps", f"samples/{LIDAR}"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    name = str(getattr(dataset, "name", None) or Path(dataset.root).name)
    log_name = name.replace("/", "_")
    tb = _Tables()
    times = _sweep_times(dataset, fids)
    log = tb.add("log", {"token": token("log", name), "logfile": log_name, "vehicle": "pointlabel",
                         "date_captured": dt.datetime.fromtimestamp(times[fids[0]] / 1e6, dt.timezone.utc)
                         .strftime("%Y-%m-%d"), "location": "pointlabel"})
    map_token = token("map", name)
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(out / "maps" / f"{map_token}.png")
    tb.add("map", {"token": map_token, "log_tokens": [log], "category": "semantic_prior",
                   "filename": f"maps/{map_token}.png"})
    scene = token("scene", name)
    for cat, desc in nmap.CATEGORIES.items():
        tb.add("category", {"token": token("category", cat), "name": cat, "description": desc})
    for attr, desc in nmap.ATTRIBUTES.items():
        tb.add("attribute", {"token": token("attribute", attr), "name": attr, "description": desc})
    for vis, (level, desc) in nmap.VISIBILITY.items():
        tb.add("visibility", {"token": vis, "level": level, "description": desc})
    lidar_sensor = tb.add("sensor", {"token": token("sensor", LIDAR), "channel": LIDAR, "modality": "lidar"})
    lidar_calib = tb.add("calibrated_sensor", {"token": token("calib", LIDAR), "sensor_token": lidar_sensor,
                                               "translation": [0.0, 0.0, 0.0], "rotation": [1.0, 0.0, 0.0, 0.0],
                                               "camera_intrinsic": []})
    poses = getattr(dataset, "poses", None) or {}
    sidecar = {"format": "pointlabel-nuscenes", "version": 1, "dataset": name, "frames": {}, "channels": {},
               "annotations": {}, "extra": {}}
    instances: dict[tuple, dict] = {}
    summary = {"samples": 0, "sample_data": 0, "annotations": 0, "instances": 0, "unmapped": {}}
    for k, fid in enumerate(fids):
        t_us = times[fid]
        T_world_from_lidar = poses.get(fid, np.eye(4))
        sample = tb.add("sample", {"token": token("sample", name, fid), "timestamp": t_us, "prev": "", "next": "",
                                   "scene_token": scene})
        sidecar["frames"][sample] = fid
        ego = tb.add("ego_pose", {"token": token("ego", LIDAR, fid), "timestamp": t_us,
                                  **_pose_record(T_world_from_lidar)})
        cloud = dataset.load_cloud(fid)
        pts_lidar = np.asarray(cloud.xyz, dtype=np.float64) + cloud.offset
        rel = f"samples/{LIDAR}/{log_name}__{LIDAR}__{t_us}.pcd.bin"
        _write_pcd_bin(out / rel, pts_lidar, cloud.intensity, cloud.extra.get("ring"))
        tb.add("sample_data", {"token": token("sd", LIDAR, fid), "sample_token": sample, "ego_pose_token": ego,
                               "calibrated_sensor_token": lidar_calib, "timestamp": t_us, "fileformat": "pcd",
                               "is_key_frame": True, "height": 0, "width": 0, "filename": rel,
                               "prev": "", "next": ""})
        _write_cameras(dataset, fid, t_us, out, log_name, sample, tb, sidecar)
        anns = labels.frame(fid)
        cuboids = [c for c in anns.cuboids if c.status != STATUS_REJECTED]
        for c, n_pts in zip(cuboids, _point_counts(pts_lidar, cuboids)):
            _annotation(tb, sidecar, instances, summary, c, sample, fid, k, T_world_from_lidar, n_pts)
        rejected = [c for c in anns.cuboids if c.status == STATUS_REJECTED]  # not objects, but not lost
        extra = [a.to_dict() for a in (*rejected, *anns.polylines, *anns.dontcares)]
        if extra:
            sidecar["extra"][fid] = extra
    _chain([r for r in tb.rows["sample"]], lambda r: r["timestamp"])
    for ch in {r["token"]: r for r in tb.rows["sensor"]}:
        calibs = {c["token"] for c in tb.rows["calibrated_sensor"] if c["sensor_token"] == ch}
        _chain([r for r in tb.rows["sample_data"] if r["calibrated_sensor_token"] in calibs],
               lambda r: r["timestamp"])
    for inst in instances.values():
        anns = sorted(inst.pop("_anns"), key=lambda r: r["_k"])
        _chain(anns, lambda r: r["_k"])
        inst.update(nbr_annotations=len(anns), first_annotation_token=anns[0]["token"],
                    last_annotation_token=anns[-1]["token"])
        for a in anns:
            del a["_k"]
    samples = sorted(tb.rows["sample"], key=lambda r: r["timestamp"])
    tb.add("scene", {"token": scene, "log_token": log, "nbr_samples": len(samples), "name": f"scene-{name}",
                     "description": f"pointlabel export of {name}", "first_sample_token": samples[0]["token"],
                     "last_sample_token": samples[-1]["token"]})
    for table, rows in tb.rows.items():
        (out / version / f"{table}.json").write_text(json.dumps(rows, indent=0))
    (out / version / SIDECAR).write_text(json.dumps(sidecar, indent=0))
    summary.update(samples=len(samples), sample_data=len(tb.rows["sample_data"]),
                   annotations=len(tb.rows["sample_annotation"]), instances=len(instances),
                   dataroot=str(out), version=version)
    return summary


def _sweep_times(dataset, fids) -> dict[str, int]:
    """frame id -> sweep time in microseconds (10 Hz from 0 without timestamps)."""
    stamps = {f: dataset.frame(f).timestamp for f in fids}
    if all(t is not None for t in stamps.values()):
        return {f: _us(t) for f, t in stamps.items()}
    return {f: k * SYNTH_PERIOD_US for k, f in enumerate(fids)}


def _write_pcd_bin(path: Path, pts_lidar: np.ndarray, intensity, ring) -> None:
    """nuScenes LiDAR file: float32 x y z intensity ring (ring 0 where the cloud has none)."""
    values = np.zeros((len(pts_lidar), 5), "<f4")
    values[:, :3] = pts_lidar
    if intensity is not None:
        values[:, 3] = intensity
    if ring is not None:
        values[:, 4] = ring
    values.tofile(path)


def _write_cameras(dataset, fid, t_us, out, log_name, sample, tb: _Tables, sidecar) -> None:
    rig = dataset.rig(fid)
    t_sweep = dataset.frame(fid).timestamp
    for cam_name, match in dataset.sync(fid).items():
        if match.image is None or not match.ok or rig is None or cam_name not in rig.cameras:
            continue
        cam = rig[cam_name]
        channel = channel_of(cam_name)
        sidecar["channels"][channel] = cam_name
        sensor = tb.once("sensor", (channel,), lambda: {"token": token("sensor", channel), "channel": channel,
                                                        "modality": "camera"})
        pin = pinhole_of(cam.camera)
        T_lidar_from_cam = invert(cam.T)
        calib = tb.once("calibrated_sensor", (channel, json.dumps(cam.T.tolist()), pin.K),
                        lambda: {"token": token("calib", channel, cam.T.tolist(), pin.K), "sensor_token": sensor,
                                 **_pose_record(T_lidar_from_cam), "camera_intrinsic": [list(r) for r in pin.K]})
        t_cam = t_us + (_us(match.dt) if match.dt is not None else 0)
        pose_at = getattr(dataset, "pose_at", None)
        T_world = None
        if t_sweep is not None and match.dt is not None and pose_at is not None:
            T_world = pose_at(t_sweep + match.dt)
        if T_world is None:
            T_world = (getattr(dataset, "poses", None) or {}).get(fid, np.eye(4))
        ego = tb.add("ego_pose", {"token": token("ego", channel, fid), "timestamp": t_cam, **_pose_record(T_world)})
        rel = f"samples/{channel}/{log_name}__{channel}__{t_cam}.jpg"
        (out / "samples" / channel).mkdir(parents=True, exist_ok=True)
        with Image.open(match.image) as im:
            rgb = np.asarray(im.convert("RGB"))
        Image.fromarray(undistort_image(rgb, cam.camera)).save(out / rel, quality=95)
        tb.add("sample_data", {"token": token("sd", channel, fid), "sample_token": sample, "ego_pose_token": ego,
                               "calibrated_sensor_token": calib, "timestamp": t_cam, "fileformat": "jpg",
                               "is_key_frame": True, "height": int(pin.height), "width": int(pin.width),
                               "filename": rel, "prev": "", "next": ""})


def _point_counts(pts_lidar: np.ndarray, cuboids) -> list[int]:
    """LiDAR returns inside each cuboid (`num_lidar_pts`): candidates from a KD-tree ball
    around each centre, then the exact oriented-box test."""
    if not cuboids or not len(pts_lidar):
        return [0] * len(cuboids)
    tree = cKDTree(pts_lidar)
    centres = np.array([c.center for c in cuboids])
    radii = np.array([np.linalg.norm(c.size_lwh) / 2 for c in cuboids])
    near = tree.query_ball_point(centres, radii)
    return [int(points_in_cuboid_mask(pts_lidar[idx], c).sum()) if idx else 0 for c, idx in zip(cuboids, near)]


def _annotation(tb: _Tables, sidecar, instances, summary, c, sample, fid, k, T_world_from_lidar, n_pts: int) -> None:
    category = nmap.category_of(c.label)
    if category is None:
        category = nmap.FALLBACK
        summary["unmapped"][c.label] = summary["unmapped"].get(c.label, 0) + 1
    key = ("track", c.track_id, c.label) if c.track_id is not None else ("single", c.id)
    if key not in instances:
        instances[key] = {"token": token("instance", *key), "category_token": token("category", category), "_anns": []}
        tb.add("instance", instances[key])
    inst = instances[key]
    box_world = c.transformed(T_world_from_lidar)
    q = Quaternion(matrix=orthonormalize(box_world.rotation))
    l, w, h = c.size_lwh
    rec = {"token": token("ann", fid, c.id), "sample_token": sample, "instance_token": inst["token"],
           "visibility_token": nmap.visibility_of(c.attributes),
           "attribute_tokens": [token("attribute", a) for a in nmap.attributes_of(c.label, category, c.attributes)],
           "translation": [float(v) for v in box_world.center], "size": [float(w), float(l), float(h)],
           "rotation": [float(q.w), float(q.x), float(q.y), float(q.z)], "prev": "", "next": "",
           "num_lidar_pts": n_pts, "num_radar_pts": 0, "_k": k}
    tb.add("sample_annotation", rec)
    inst["_anns"].append(rec)
    sidecar["annotations"][rec["token"]] = {"id": c.id, "label": c.label, "track_id": c.track_id, "status": c.status,
                                            "confidence": c.confidence, "attributes": dict(c.attributes),
                                            "source": c.source}
