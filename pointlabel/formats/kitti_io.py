"""KITTI import and export of a whole dataset (file I/O around the pure kitti_label codec).

Export writes a self-contained KITTI object folder: `label_2/` and `calib/` always, `json/`
with every annotation in the LiDAR frame, and `velodyne/` + `image_2/` files with `copy_data`.
For a non-KITTI dataset the chosen camera becomes image_2 (its frame is then the rect frame:
R0_rect = I, Tr_velo_to_cam = T_cam_from_lidar, P0-P3 = K [I | 0]); a camera with lens
distortion is exported as its ideal pinhole, its image undistorted, so label_2, P2 and image_2
agree.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from calibration.kitti_calib import KittiCalib
from calibration.rig import CameraSensor
from calibration.undistort import pinhole_of, undistort_image
from pointlabel.datasets.clouds import write_bin
from pointlabel.errors import PointlabelError
from pointlabel.formats import frame_json
from pointlabel.formats.atomic import MARKER, atomic_folder
from pointlabel.formats.kitti_label import annotations_from_text, frame_to_lines

# Files the app keeps in its KITTI export folder (the QA review, app/review.py): carried over.
CARRIED = ("review_*.json",)
EXPORT_ENTRIES = {"label_2", "calib", "json", "image_2", "velodyne", MARKER, *CARRIED}


@dataclass
class ExportSummary:
    frames: int = 0
    label_lines: int = 0
    left_out: int = 0  # cuboids that do not project into image_2 (kept in json/)
    files: list = field(default_factory=list)


def label_dir(path: str | Path) -> Path:
    """`--from` accepts the label_2 folder itself or the folder holding it."""
    path = Path(path)
    if (path / "label_2").is_dir():
        return path / "label_2"
    if path.is_dir():
        return path
    raise PointlabelError("no such label folder", path)


def import_kitti_labels(dataset, store, src: str | Path, label_set: str = "default") -> dict:
    """Import every `label_2/<frame>.txt` that matches a frame of the dataset.
    Returns {"frames": n, "objects": n, "dontcare": n, "skipped": [file names]}."""
    folder = label_dir(src)
    files = sorted(folder.glob("*.txt"))
    if not files:
        raise PointlabelError("no label files (*.txt) here", folder)
    frames = set(dataset.frame_ids)
    parsed, skipped = [], []
    for f in files:  # parse everything first: a bad line stops the import before anything is written
        if f.stem not in frames:
            skipped.append(f.name)
            continue
        parsed.append(annotations_from_text(_read(f), kitti_calib_of(dataset, f.stem), f.stem, str(f)))
    n_obj = n_dc = 0
    for frame in parsed:
        stored, seen = store.frame_state(frame.frame_id, label_set)
        old = [a.id for a in stored if (getattr(a, "source", None) or "").startswith(f"{frame.frame_id}.txt:")]
        keep = {a.id for a in frame}
        store.apply(frame.frame_id, upserts=list(frame), deletes=[i for i in old if i not in keep],
                    label_set=label_set, author="import-kitti",
                    expected={i: seen[i] for i in [*old, *keep] if i in seen})  # no change meanwhile overwritten
        n_obj += len(frame.cuboids)
        n_dc += len(frame.dontcares)
    return {"frames": len(parsed), "objects": n_obj, "dontcare": n_dc, "skipped": skipped}


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise PointlabelError(f"cannot read ({e.__class__.__name__})", path) from None


def kitti_calib_of(dataset, frame_id: str, camera: str | None = None) -> KittiCalib:
    """The KITTI calibration of a frame: the file for KITTI datasets, else built from the rig."""
    if dataset.kind == "kitti":
        return dataset.calib(frame_id)
    return _calib_of_camera(export_camera(dataset, frame_id, camera))


def _calib_of_camera(cam2: CameraSensor) -> KittiCalib:
    """A rig camera as KITTI's image_2: its frame is the rect frame, P0-P3 = K [I | 0]."""
    P = np.hstack([cam2.camera.K_matrix, np.zeros((3, 1))])
    return KittiCalib(P={i: P for i in range(4)}, R0_rect=np.eye(3), Tr_velo_to_cam=cam2.T[:3])


def _rig_camera(dataset, frame_id: str, camera: str | None) -> CameraSensor:
    """The rig camera that becomes image_2, with its own lens (distortion included)."""
    rig = dataset.rig(frame_id)
    if rig is None or not rig.cameras:
        raise PointlabelError("KITTI export needs a camera; this dataset has none "
                              "(use --format pcd or ply)", dataset.root)
    name = camera or ("image_2" if "image_2" in rig.cameras else rig.camera_names[0])
    if name not in rig.cameras:
        raise PointlabelError(f"no camera {name!r} (cameras: {', '.join(rig.camera_names)})", dataset.root)
    return rig[name]


def _as_pinhole(cam: CameraSensor) -> CameraSensor:
    return cam if cam.camera.dist is None else replace(cam, camera=pinhole_of(cam.camera))


def export_camera(dataset, frame_id: str, camera: str | None = None) -> CameraSensor:
    """The rig camera that becomes image_2, as an ideal pinhole: KITTI's P2 has no distortion
    term, so 2D boxes are computed (and, with copy_data, the image resampled) undistorted."""
    return _as_pinhole(_rig_camera(dataset, frame_id, camera))


def export_kitti(dataset, labels, out: str | Path, copy_data: bool = False,
                 keep_imported_2d: bool = False, camera: str | None = None, frames=None,
                 redact=None) -> ExportSummary:
    """labels: anything with `.frame(frame_id) -> FrameAnnotations` (an AnnotationStore for its
    default set, or a pointlabel.labelsets set). Atomic: written beside `out` and renamed into
    place when complete (formats.atomic); a failure leaves `out` as it was. `redact(frame_id,
    camera, rgb) -> rgb` (pointlabel.privacy.redact.Redactor) blurs each copied image first."""
    frames = list(frames or dataset.frame_ids)
    with atomic_folder(out, EXPORT_ENTRIES, {"format": "kitti", "frames": len(frames)}, CARRIED) as tmp:
        return _export_kitti_into(tmp, dataset, labels, frames, copy_data, keep_imported_2d, camera, redact)


def _export_kitti_into(out: Path, dataset, labels, frames, copy_data, keep_imported_2d, camera,
                       redact=None) -> ExportSummary:
    # image_2/ always exists (empty without copy_data): KITTI readers such as datumaro expect it.
    for sub in ("label_2", "calib", "json", "image_2") + (("velodyne",) if copy_data else ()):
        (out / sub).mkdir(parents=True, exist_ok=True)
    summary = ExportSummary()
    for fid in frames:
        lens = _rig_camera(dataset, fid, camera)  # the rig is read once per frame
        cam2 = _as_pinhole(lens)
        calib = dataset.calib(fid) if dataset.kind == "kitti" else _calib_of_camera(cam2)
        anns = labels.frame(fid)
        lines = frame_to_lines(anns, calib.T_rect_from_lidar, cam2, keep_imported_2d)
        n_cub = sum(1 for c in anns.cuboids if c.status != "rejected")
        summary.left_out += n_cub - (len(lines) - len(anns.dontcares))
        (out / "label_2" / f"{fid}.txt").write_text("".join(line + "\n" for line in lines))
        calib.write(out / "calib" / f"{fid}.txt")
        frame_json.write(out / "json" / f"{fid}.json", anns)
        if copy_data:
            _copy_frame_data(dataset, fid, out, lens, redact)
        summary.frames += 1
        summary.label_lines += len(lines)
    return summary


def _copy_frame_data(dataset, fid: str, out: Path, lens: CameraSensor, redact=None) -> None:
    """velodyne/<fid>.bin and image_2/<fid>.png; a distorted camera's image is undistorted."""
    if dataset.kind == "kitti":
        shutil.copyfile(dataset.frame(fid).cloud, out / "velodyne" / f"{fid}.bin")
    else:
        cloud = dataset.load_cloud(fid)
        write_bin(out / "velodyne" / f"{fid}.bin", cloud.xyz, cloud.intensity)
    match = dataset.sync(fid).get(lens.name)
    if match is None or match.image is None or not match.ok:
        return
    from PIL import Image
    with Image.open(match.image) as im:
        rgb = np.asarray(im.convert("RGB"))
    if redact is not None:  # on the image as recorded, where the regions were found
        rgb = redact(fid, lens.name, rgb)
    Image.fromarray(undistort_image(rgb, lens.camera)).save(out / "image_2" / f"{fid}.png")
