"""nuScenes import: the boxes of a nuScenes folder into a dataset's label set, LiDAR frame.

`--from` is the dataroot (holding one `v1.0-*` folder) or that version folder. Each sample
becomes a frame of the dataset, matched by the sidecar of our own exports, else by the
LIDAR_TOP timestamp (within 1 ms of a sweep's), else by position when the scene has exactly
as many samples as the dataset has frames. A box goes global -> ego (the LiDAR sample_data's
ego_pose) -> LiDAR (its calibrated_sensor); size w l h becomes our l w h. Label and
attributes come from the sidecar when it names the box, else from `nuscenes_map`; a
nuScenes instance is a track (track ids 1, 2, ... in instance table order).
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
from pyquaternion import Quaternion

from calibration.transforms import invert
from pointlabel.errors import PointlabelError
from pointlabel.formats import nuscenes_map as nmap
from pointlabel.formats.nuscenes import LIDAR, SIDECAR, TABLES
from pointlabel.model import STATUS_CONFIRMED, Cuboid, FrameAnnotations, annotation_from_dict

MATCH_TOLERANCE_US = 1000
_NS = uuid.UUID("5d0c1c4b-2b0a-4e4e-8f5e-2f6a1d9b7c10")


def version_dir(src: str | Path) -> Path:
    src = Path(src)
    if (src / "sample.json").is_file():
        return src
    found = sorted(p for p in src.glob("v1.0-*") if (p / "sample.json").is_file()) if src.is_dir() else []
    if len(found) != 1:
        what = "no v1.0-* folder with sample.json" if not found else \
            f"several versions ({', '.join(p.name for p in found)}): give one"
        raise PointlabelError(f"not a nuScenes dataroot: {what}", src)
    return found[0]


def read_tables(folder: Path) -> dict[str, list[dict]]:
    tables = {}
    for name in TABLES:
        path = folder / f"{name}.json"
        try:
            tables[name] = json.loads(path.read_text())
        except OSError:
            raise PointlabelError(f"nuScenes table {name}.json is missing", folder) from None
        except ValueError as e:
            raise PointlabelError(f"not JSON ({e})", path) from None
        if not isinstance(tables[name], list):
            raise PointlabelError("a nuScenes table must be a list of records", path)
    return tables


def _T(record: dict, where: str) -> np.ndarray:
    try:
        T = np.eye(4)
        T[:3, :3] = Quaternion(np.asarray(record["rotation"], dtype=float)).normalised.rotation_matrix
        T[:3, 3] = np.asarray(record["translation"], dtype=float).reshape(3)
        return T
    except (KeyError, ValueError, TypeError, ZeroDivisionError) as e:
        raise PointlabelError(f"{where}: bad translation/rotation ({e})") from None


def _frames_of_samples(samples: list[dict], lidar_sd: dict, sidecar: dict, dataset, src) -> dict[str, str]:
    known = set(dataset.frame_ids)
    named = {t: f for t, f in (sidecar.get("frames") or {}).items() if f in known}
    if len(named) == len(samples) and all(s["token"] in named for s in samples):
        return named
    stamps = {f: dataset.frame(f).timestamp for f in dataset.frame_ids}
    if all(t is not None for t in stamps.values()):
        fids = list(stamps)
        t_us = np.array([round(stamps[f] * 1e6) for f in fids])
        out = {}
        for s in samples:
            sd = lidar_sd.get(s["token"])
            if sd is not None:
                k = int(np.argmin(np.abs(t_us - sd["timestamp"])))
                if abs(t_us[k] - sd["timestamp"]) <= MATCH_TOLERANCE_US:
                    out[s["token"]] = fids[k]
        if len(out) == len(samples):
            return out
    if len(samples) == len(dataset.frame_ids):
        return {s["token"]: f for s, f in zip(sorted(samples, key=lambda r: r["timestamp"]), dataset.frame_ids)}
    raise PointlabelError(f"cannot match the {len(samples)} nuScenes samples to the dataset's "
                          f"{len(dataset.frame_ids)} frames (no sidecar, timestamps do not match within "
                          f"{MATCH_TOLERANCE_US} us)", src)


def decode(src: str | Path, dataset) -> dict[str, FrameAnnotations]:
    """A nuScenes folder -> {frame id: annotations in the LiDAR frame}."""
    folder = version_dir(src)
    tb = read_tables(folder)
    sidecar_path = folder / SIDECAR
    sidecar = json.loads(sidecar_path.read_text()) if sidecar_path.is_file() else {}
    by = {name: {r["token"]: r for r in rows if "token" in r} for name, rows in tb.items()}
    lidar_sensors = {t for t, s in by["sensor"].items() if s.get("channel") == LIDAR}
    if not lidar_sensors:
        raise PointlabelError(f"no {LIDAR} sensor in sensor.json", folder)
    lidar_sd = {}
    for sd in tb["sample_data"]:
        cs = by["calibrated_sensor"].get(sd.get("calibrated_sensor_token"))
        if cs and cs.get("sensor_token") in lidar_sensors and sd.get("is_key_frame"):
            lidar_sd[sd["sample_token"]] = sd
    frame_of = _frames_of_samples(tb["sample"], lidar_sd, sidecar, dataset, folder)
    track_of = {t: k + 1 for k, t in enumerate(by["instance"])}
    attr_name = {t: a["name"] for t, a in by["attribute"].items()}
    cat_name = {t: c["name"] for t, c in by["category"].items()}
    T_lidar_from_global: dict[str, np.ndarray] = {}
    out: dict[str, list] = {}
    for ann in tb["sample_annotation"]:
        where = f"{folder.name}/sample_annotation {ann.get('token')}"
        sample = ann.get("sample_token")
        if sample not in frame_of:
            raise PointlabelError(f"{where}: its sample is not in sample.json")
        if sample not in T_lidar_from_global:
            sd = lidar_sd.get(sample)
            if sd is None:
                raise PointlabelError(f"{where}: its sample has no {LIDAR} key frame")
            T_global_from_ego = _T(by["ego_pose"][sd["ego_pose_token"]], f"ego_pose {sd['ego_pose_token']}")
            T_ego_from_lidar = _T(by["calibrated_sensor"][sd["calibrated_sensor_token"]], "calibrated_sensor")
            T_lidar_from_global[sample] = invert(T_global_from_ego @ T_ego_from_lidar)
        out.setdefault(frame_of[sample], []).append(
            _cuboid(ann, by, T_lidar_from_global[sample], sidecar, track_of, attr_name, cat_name, where))
    for fid, extra in (sidecar.get("extra") or {}).items():
        if fid in set(frame_of.values()):
            out.setdefault(fid, []).extend(annotation_from_dict(d) for d in extra)
    return {fid: FrameAnnotations.from_annotations(fid, anns) for fid, anns in out.items()}


def _cuboid(ann, by, T_lidar_from_global, sidecar, track_of, attr_name, cat_name, where) -> Cuboid:
    try:
        w, l, h = (float(v) for v in ann["size"])
        inst = by["instance"][ann["instance_token"]]
        category = cat_name[inst["category_token"]]
        attributes = [attr_name[t] for t in ann.get("attribute_tokens", [])]
    except (KeyError, ValueError, TypeError) as e:
        raise PointlabelError(f"{where}: missing or bad field ({e})") from None
    T_global_from_box = _T(ann, where)
    ours = (sidecar.get("annotations") or {}).get(ann["token"])
    if ours:
        fields = dict(label=ours["label"], track_id=ours.get("track_id"), id=ours["id"],
                      status=ours.get("status", STATUS_CONFIRMED), confidence=ours.get("confidence"),
                      attributes=ours.get("attributes") or {}, source=ours.get("source"))
    else:
        label, attrs = nmap.from_nuscenes(category, attributes, ann.get("visibility_token"))
        fields = dict(label=label, track_id=track_of[ann["instance_token"]], id=uuid.uuid5(_NS, ann["token"]).hex,
                      attributes=attrs, source=f"nuscenes:{ann['token']}")
    try:
        box = Cuboid(center=(0, 0, 0), size_lwh=(l, w, h), yaw=0.0, **fields)
    except ValueError as e:
        raise PointlabelError(f"{where}: {e}") from None
    return box.transformed(T_lidar_from_global @ T_global_from_box)


def import_nuscenes(dataset, store, src: str | Path, label_set: str = "default") -> dict:
    """Decode everything first, then one store transaction (ids are stable: a second import
    updates)."""
    from pointlabel.formats.store_import import store_frames
    return store_frames(store, decode(src, dataset), label_set, "import-nuscenes")
