"""ASAM OpenLABEL 1.0 JSON: export and import of a dataset's annotations.

Objects: one OpenLABEL object per track (a track id and a class; uid = the track id), one per
untracked annotation (uid = a UUID derived from the annotation id, so exports are stable).
Per frame an object holds `cuboid` (10 values x y z qx qy qz qw sx sy sz: geometric centre,
the SciPy-order quaternion of R = Rz(yaw) Ry(pitch) Rx(roll), length along the box's x,
width, height), `poly3d` (flat x y z ..., `closed`) or, for KITTI DontCare regions, `bbox`
(centre x, y, width, height in the camera's pixels). Geometry is in the LiDAR coordinate
system; status, score (confidence), the annotation id, its source and every attribute travel
as typed attributes (`openlabel_attributes`). Coordinate systems, streams and frame
properties come from `openlabel_sensors`.

Import accepts what this module writes and other tools' files: 9-value (Euler ZYX) cuboids,
geometry in any coordinate system chained to the LiDAR's, frames matched to the dataset by
`frame_id`, the LiDAR stream's file name, or a frame number equal to a numeric stem.
Every export is validated against the official schema (`schemas/`), and so is every import.
"""
from __future__ import annotations

import json
import uuid
from functools import lru_cache
from pathlib import Path

import numpy as np
from pyquaternion import Quaternion

from pointlabel import __version__
from pointlabel.errors import PointlabelError
from pointlabel.formats import openlabel_attributes as attrs
from pointlabel.formats.openlabel_sensors import (CoordinateSystems, frame_properties, lidar_name,
                                                  static_sensors)
from pointlabel.model import STATUS_CONFIRMED, Cuboid, DontCare, FrameAnnotations, Polyline3D

SCHEMA_PATH = Path(__file__).with_name("schemas") / "openlabel_json_schema_v1.0.0.json"
SCHEMA_VERSION = "1.0.0"
DONTCARE = "DontCare"
_NS = uuid.UUID("6f1b7a52-61c4-4c33-9a53-6c1f0c4f6e8d")  # our namespace for derived object uids
SHAPE = {"cuboid": "box3d", "poly3d": "line3d", "bbox": "region2d"}


# -- schema ------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _validator():
    import jsonschema
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft7Validator(schema)


def validate(doc: dict, source: str = "<openlabel>") -> None:
    """Raise a PointlabelError naming the first schema violation (with its JSON path)."""
    error = next(iter(sorted(_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise PointlabelError(f"not valid OpenLABEL 1.0.0 at {where}: {error.message[:200]}", source)


# -- export ------------------------------------------------------------------------------------
def _object_key(kind: str, a) -> tuple:
    """Grouping key of an annotation's object: a track by (kind, track id, label); anything
    untracked (DontCare regions always) on its own."""
    track = getattr(a, "track_id", None)
    if track is not None:
        return ("track", kind, int(track), a.label)
    return ("single", kind, a.id)


def _cuboid_data(c: Cuboid, lidar: str) -> dict:
    q = c.quaternion
    meta = {"annotation_id": c.id, "status": c.status, "source": c.source, "score": c.confidence}
    return {"name": SHAPE["cuboid"], "coordinate_system": lidar,
            "val": [*c.center, float(q.x), float(q.y), float(q.z), float(q.w), *c.size_lwh],
            "attributes": attrs.encode(c.attributes, meta)}


def _poly_data(p: Polyline3D, lidar: str) -> dict:
    meta = {"annotation_id": p.id, "status": p.status}
    return {"name": SHAPE["poly3d"], "coordinate_system": lidar, "closed": bool(p.closed),
            "val": [float(v) for v in p.points.ravel()], "attributes": attrs.encode(p.attributes, meta)}


def _bbox_data(d: DontCare, camera: str | None) -> dict:
    l, t, r, b = d.box2d
    out = {"name": SHAPE["bbox"], "val": [(l + r) / 2, (t + b) / 2, r - l, b - t],
           "attributes": attrs.encode({}, {"annotation_id": d.id, "source": d.source})}
    if camera:
        out["coordinate_system"] = camera
    return out


def _intervals(indices) -> list[dict]:
    out: list[dict] = []
    for i in sorted(set(indices)):
        if out and out[-1]["frame_end"] == i - 1:
            out[-1]["frame_end"] = i
        else:
            out.append({"frame_start": i, "frame_end": i})
    return out


def _dontcare_camera(rig) -> str | None:
    if rig is None or not rig.cameras:
        return None
    return "image_2" if "image_2" in rig.cameras else rig.camera_names[0]


def encode(dataset, labels, frames=None) -> dict:
    """The OpenLABEL document of `labels` (anything with `.frame(id) -> FrameAnnotations`)
    on `dataset`'s frames (all, or `frames`)."""
    fids = list(frames or dataset.frame_ids)
    rig = dataset.rig(fids[0]) if fids else None
    lidar = lidar_name(dataset, rig)
    poses = getattr(dataset, "poses", None) or {}
    cs, streams = static_sensors(rig, lidar, bool(poses))
    camera = _dontcare_camera(rig)
    groups: dict[tuple, dict] = {}  # object key -> {"label", "track", "frames": {index: {kind: [data]}}}
    frames_out: dict[str, dict] = {}
    order: dict[int, list] = {}
    for index, fid in enumerate(fids):
        anns = labels.frame(fid)
        items = ([("cuboid", c, _cuboid_data(c, lidar)) for c in anns.cuboids]
                 + [("poly3d", p, _poly_data(p, lidar)) for p in anns.polylines]
                 + [("bbox", d, _bbox_data(d, camera)) for d in anns.dontcares])
        for kind, a, data in items:
            key = _object_key(kind, a)
            g = groups.setdefault(key, {"label": DONTCARE if kind == "bbox" else a.label,
                                        "track": key[2] if key[0] == "track" else None, "frames": {}})
            g["frames"].setdefault(index, {}).setdefault(kind, []).append(data)
            if key not in order.setdefault(index, []):
                order[index].append(key)  # a frame lists its objects in the frame's own order
        frames_out[str(index)] = {"frame_properties": frame_properties(dataset, fid, lidar, rig, poses)}
    objects, uids = {}, {}
    track_uids = {}
    for key in sorted(groups, key=lambda k: (0, k[1], k[2], k[3]) if k[0] == "track" else (1, k[1], k[2])):
        g = groups[key]
        if g["track"] is not None and g["track"] not in track_uids:
            uid = str(g["track"])
            track_uids[g["track"]] = uid
        else:
            uid = str(uuid.uuid5(_NS, repr(key)))
        obj = {"name": f"{g['label']}-{g['track']}" if g["track"] is not None else g["label"],
               "type": g["label"], "frame_intervals": _intervals(g["frames"])}
        if key[1] != "bbox":
            obj["coordinate_system"] = lidar
        if g["track"] is not None:
            obj["object_data"] = {"num": [{"name": "track_id", "val": g["track"]}]}
        obj["object_data_pointers"] = _pointers(g["frames"])
        objects[uid] = obj
        uids[key] = uid
    for index, keys in order.items():
        frames_out[str(index)]["objects"] = {uids[k]: {"object_data": groups[k]["frames"][index]} for k in keys}
    metadata = {"schema_version": SCHEMA_VERSION, "name": getattr(dataset, "name", None) or Path(dataset.root).name,
                "annotator": f"pointlabel {__version__}", "tagged_file": str(Path(dataset.root).name),
                "comment": "pointlabel export: geometry in the LiDAR coordinate system (x forward, "
                           "y left, z up, m); cuboid val = x y z qx qy qz qw length width height"}
    doc = {"openlabel": {"metadata": metadata, "coordinate_systems": cs, "streams": streams,
                         "objects": objects, "frames": frames_out}}
    if fids:
        doc["openlabel"]["frame_intervals"] = [{"frame_start": 0, "frame_end": len(fids) - 1}]
    return doc


def _pointers(frames: dict) -> dict:
    out: dict = {}
    for index, kinds in frames.items():
        for kind, items in kinds.items():
            for data in items:
                p = out.setdefault(data["name"], {"type": kind, "frame_intervals": [], "attribute_pointers": {}})
                p["frame_intervals"].append(index)
                p["attribute_pointers"].update(attrs.pointer_types(data.get("attributes", {})))
    for p in out.values():
        p["frame_intervals"] = _intervals(p["frame_intervals"])
    return out


def write(path: str | Path, doc: dict) -> Path:
    path = Path(path)
    if path.is_dir() or not path.suffix:
        path = path / "openlabel.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1))
    return path


def export_openlabel(dataset, labels, out: str | Path, frames=None) -> dict:
    """Write the OpenLABEL file (validated first); `out` is a .json path or a folder."""
    doc = encode(dataset, labels, frames)
    validate(doc, str(out))
    path = write(out, doc)
    ol = doc["openlabel"]
    counts = {k: sum(len(o["object_data"].get(k, [])) for f in ol["frames"].values()
                     for o in f.get("objects", {}).values()) for k in ("cuboid", "poly3d", "bbox")}
    return {"file": str(path), "frames": len(ol["frames"]), "objects": len(ol["objects"]),
            "cuboids": counts["cuboid"], "polylines": counts["poly3d"], "dontcare": counts["bbox"]}


# -- import ------------------------------------------------------------------------------------
def read(path: str | Path) -> dict:
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("*.json"))
        if len(found) != 1:
            raise PointlabelError("give the OpenLABEL .json file (this folder holds "
                                  f"{len(found)} .json files)", path)
        path = found[0]
    try:
        doc = json.loads(path.read_text())
    except OSError as e:
        raise PointlabelError(f"cannot read ({e.strerror})", path) from None
    except (ValueError, UnicodeDecodeError) as e:
        raise PointlabelError(f"not JSON ({e})", path) from None
    validate(doc, str(path))
    return doc


def _frame_map(ol: dict, dataset, source: str) -> dict[str, str]:
    """OpenLABEL frame number -> dataset frame id."""
    known = set(dataset.frame_ids)
    numeric = {int(s): s for s in dataset.frame_ids if s.isdigit()}
    out, unmatched = {}, []
    cs_lidar = CoordinateSystems(ol, source).lidar
    for key, frame in (ol.get("frames") or {}).items():
        props = frame.get("frame_properties") or {}
        fid = props.get("frame_id")
        if fid not in known:
            uri = ((props.get("streams") or {}).get(cs_lidar) or {}).get("uri") if cs_lidar else None
            stem = Path(uri).name.split(".")[0] if uri else None
            fid = stem if stem in known else numeric.get(int(key))
        if fid is None:
            unmatched.append(key)
        else:
            out[key] = fid
    if unmatched:
        raise PointlabelError(f"OpenLABEL frames {', '.join(unmatched[:5])} match no frame of the dataset "
                              f"(by frame_id, LiDAR file name or number; dataset frames: "
                              f"{', '.join(dataset.frame_ids[:3])}...)", source)
    return out


def _track_of(uid: str, obj: dict):
    for n in (obj.get("object_data") or {}).get("num", []):
        if n.get("name") == "track_id":
            return int(n["val"])
    return int(uid) if uid.lstrip("-").isdigit() else None


def _cuboid_from(data: dict, label: str, track, T_lidar_from_cs: np.ndarray, aid: str, where: str) -> Cuboid:
    val = data.get("val")
    if val is None or len(val) not in (9, 10):
        raise PointlabelError(f"{where}: a cuboid needs 9 or 10 values, got {val!r}")
    v = np.asarray(val, dtype=float)
    if len(v) == 10:
        qx, qy, qz, qw = v[3:7]
        if not np.hypot(np.hypot(qx, qy), np.hypot(qz, qw)) > 0:
            raise PointlabelError(f"{where}: cuboid quaternion is zero")
        R = Quaternion(w=qw, x=qx, y=qy, z=qz).normalised.rotation_matrix
    else:
        rx, ry, rz = v[3:6]
        R = (Quaternion(axis=[0, 0, 1], angle=rz) * Quaternion(axis=[0, 1, 0], angle=ry)
             * Quaternion(axis=[1, 0, 0], angle=rx)).rotation_matrix
    T_cs_from_box = np.eye(4)
    T_cs_from_box[:3, :3], T_cs_from_box[:3, 3] = R, v[:3]
    meta, user = attrs.decode(data.get("attributes"), f"{where}: ")
    try:
        box = Cuboid(center=(0, 0, 0), size_lwh=v[-3:], yaw=0.0, label=label, track_id=track,
                     id=str(meta.get("annotation_id") or aid), status=str(meta.get("status") or STATUS_CONFIRMED),
                     confidence=meta.get("score"), attributes=user, source=meta.get("source"))
    except ValueError as e:
        raise PointlabelError(f"{where}: {e}") from None
    return box.transformed(T_lidar_from_cs @ T_cs_from_box)


def _poly_from(data: dict, label: str, track, T: np.ndarray, aid: str, where: str) -> Polyline3D:
    v = np.asarray(data.get("val") or [], dtype=float)
    if v.size == 0 or v.size % 3:
        raise PointlabelError(f"{where}: poly3d needs a multiple of 3 values, got {v.size}")
    pts = v.reshape(-1, 3) @ T[:3, :3].T + T[:3, 3]
    meta, user = attrs.decode(data.get("attributes"), f"{where}: ")
    return Polyline3D(vertices=pts, label=label, closed=bool(data.get("closed", False)), track_id=track,
                      id=str(meta.get("annotation_id") or aid),
                      status=str(meta.get("status") or STATUS_CONFIRMED), attributes=user)


def _dontcare_from(data: dict, aid: str, where: str) -> DontCare:
    try:
        cx, cy, w, h = (float(x) for x in data["val"])
    except (KeyError, ValueError, TypeError):
        raise PointlabelError(f"{where}: bbox needs 4 values") from None
    meta, _ = attrs.decode(data.get("attributes"), f"{where}: ")
    return DontCare(box2d=(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2),
                    id=str(meta.get("annotation_id") or aid), source=meta.get("source"))


def decode(doc: dict, dataset, source: str = "<openlabel>") -> tuple[dict[str, FrameAnnotations], dict]:
    """An OpenLABEL document -> ({frame id: annotations in the LiDAR frame}, {what was skipped})."""
    ol = doc["openlabel"]
    systems = CoordinateSystems(ol, source)
    objects = ol.get("objects") or {}
    frame_of = _frame_map(ol, dataset, source)
    out: dict[str, list] = {}
    skipped: dict[str, int] = {}
    for key, frame in (ol.get("frames") or {}).items():
        fid = frame_of[key]
        props = frame.get("frame_properties") or {}
        for uid, entry in (frame.get("objects") or {}).items():
            obj = objects.get(uid)
            if obj is None:
                raise PointlabelError(f"frame {key}: object {uid} is not declared in 'objects'", source)
            label, track = str(obj["type"]), _track_of(uid, obj)
            for kind, items in (entry.get("object_data") or {}).items():
                for i, data in enumerate(items):
                    where = f"frame {key}, object {uid}, {kind} {i}"
                    aid = uuid.uuid5(_NS, f"{fid}:{uid}:{kind}:{i}").hex
                    cs = data.get("coordinate_system") or obj.get("coordinate_system")
                    if kind == "cuboid":
                        T = systems.T_to_lidar(cs, props)
                        out.setdefault(fid, []).append(_cuboid_from(data, label, track, T, aid, where))
                    elif kind == "poly3d":
                        T = systems.T_to_lidar(cs, props)
                        out.setdefault(fid, []).append(_poly_from(data, label, track, T, aid, where))
                    elif kind == "bbox" and label == DONTCARE:
                        out.setdefault(fid, []).append(_dontcare_from(data, aid, where))
                    else:
                        skipped[f"{kind} ({label})"] = skipped.get(f"{kind} ({label})", 0) + 1
    return {fid: FrameAnnotations.from_annotations(fid, anns) for fid, anns in out.items()}, skipped


def import_openlabel(dataset, store, src: str | Path, label_set: str = "default") -> dict:
    """Read, validate and decode everything first; then one store transaction (annotations
    keep their ids, so importing again updates instead of duplicating)."""
    doc = read(src)
    frames, skipped = decode(doc, dataset, str(src))
    from pointlabel.formats.store_import import store_frames
    return {**store_frames(store, frames, label_set, "import-openlabel"), "skipped": skipped}
