"""KITTI export of a batch job: workers write frames into the job's temporary folder beside
the target, and the client renames it into place once every frame is done.

The temporary folder, `.<target>.pointlabel-batch-<job>`, is named after the job (not a
process), so a rerun of the job finds the frames written before and adds the rest. The target
is replaced only when it is absent or a previous export (it holds the export marker, or only
what an export holds), and never while frames are missing: a failed frame keeps the target as
it was. `export_kitti_frame` writes one frame with the pieces of formats.kitti_io that its
serial export uses per frame (calibration, label lines, JSON, data files).
"""
from __future__ import annotations

import fnmatch
import json
import os
import shutil
from pathlib import Path

from pointlabel.errors import PointlabelError
from pointlabel.model import FrameAnnotations

MARKER = ".pointlabel-export.json"  # what formats.atomic writes into a finished export
EXPORT_ENTRIES = ("label_2", "calib", "json", "image_2", "velodyne", MARKER, "review_*.json")
CARRIED = ("review_*.json",)  # files the app keeps in an export folder: carried over


def export_kitti_frame(dataset, annotations: FrameAnnotations, out: Path, fid: str, copy_data: bool = False,
                       keep_imported_2d: bool = False, camera: str | None = None) -> dict:
    """Write frame `fid` into the KITTI folder `out` (label_2, calib, json; velodyne and image_2
    with copy_data) exactly as formats.kitti_io.export_kitti does. Returns the label lines, the
    cuboids left out (they do not project into image_2; kept in json/) and the files, relative
    to `out`."""
    from pointlabel.formats import frame_json, kitti_io
    from pointlabel.formats.kitti_label import frame_to_lines
    for sub in ("label_2", "calib", "json", "image_2") + (("velodyne",) if copy_data else ()):
        (out / sub).mkdir(parents=True, exist_ok=True)
    lens = kitti_io._rig_camera(dataset, fid, camera)
    cam2 = kitti_io._as_pinhole(lens)
    calib = dataset.calib(fid) if dataset.kind == "kitti" else kitti_io._calib_of_camera(cam2)
    lines = frame_to_lines(annotations, calib.T_rect_from_lidar, cam2, keep_imported_2d)
    n_cub = sum(1 for c in annotations.cuboids if c.status != "rejected")
    files = [f"label_2/{fid}.txt", f"calib/{fid}.txt", f"json/{fid}.json"]
    (out / files[0]).write_text("".join(line + "\n" for line in lines))
    calib.write(out / files[1])
    frame_json.write(out / files[2], annotations)
    if copy_data:
        kitti_io._copy_frame_data(dataset, fid, out, lens)
        files += [p for p in (f"velodyne/{fid}.bin", f"image_2/{fid}.png") if (out / p).is_file()]
    return {"label_lines": len(lines), "left_out": n_cub - (len(lines) - len(annotations.dontcares)),
            "files": files}


def temporary_folder(target: Path, job_id: str) -> Path:
    """Where the job writes its frames: beside the target, named after the job."""
    target = Path(target).absolute()
    return target.parent / f".{target.name}.pointlabel-batch-{job_id}"


def check_target(target: Path) -> None:
    """Refuse a target that exists and is not a previous export (before any work is done)."""
    target = Path(target)
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink() or not target.is_dir():
        raise PointlabelError("output exists and is not a folder; choose another --out", target)
    names = [p.name for p in target.iterdir()]
    if MARKER in names:
        return
    foreign = [n for n in names if not any(fnmatch.fnmatchcase(n, e) for e in EXPORT_ENTRIES)]
    if foreign:
        raise PointlabelError(f"output folder holds files that are not a pointlabel export "
                              f"({', '.join(sorted(foreign)[:3])}); choose a new or empty --out", target)


def prepare(tmp: Path, copy_data: bool) -> None:
    try:
        for sub in ("label_2", "calib", "json", "image_2") + (("velodyne",) if copy_data else ()):
            (tmp / sub).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise PointlabelError(f"cannot write beside the output: {e.strerror}", tmp.parent) from None


def install(tmp: Path, target: Path, meta: dict) -> None:
    """Put the finished `tmp` in place of `target` (replacing a previous export, whose
    review files are carried over); the old export is renamed aside first, so a kill leaves
    either export whole, never a mix."""
    target = Path(target).absolute()
    check_target(target)
    if target.is_dir():
        for p in target.iterdir():
            if p.is_file() and any(fnmatch.fnmatchcase(p.name, pat) for pat in CARRIED) \
                    and not (tmp / p.name).exists():
                shutil.copy2(p, tmp / p.name)
    (tmp / MARKER).write_text(json.dumps({"complete": True, **meta}, indent=1))
    if not target.exists():
        os.rename(tmp, target)
        return
    old = tmp.with_name(tmp.name + "-old")
    shutil.rmtree(old, ignore_errors=True)
    os.rename(target, old)
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)
