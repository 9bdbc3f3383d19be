"""KITTI export of a batch job: workers write frames into the job's folder beside the target,
and the client puts the finished export in place atomically (formats.atomic).

The job's folder, `.<target>.pointlabel-batch-<job>`, is named after the job (not a process),
so a rerun of the job finds the frames written before and adds the rest. When every frame is
done, its contents are moved (renames on one file system) into formats.atomic's temporary
folder, which is renamed or exchanged into place with the export marker and the carried-over
review files, exactly as a serial export ends. The target is replaced only when it is absent or
a previous export, and never while frames are missing: a failed frame keeps it as it was.

A frame is written by formats.kitti_io's own per-folder writer (`_export_kitti_into`, given one
frame), so a batch export and `pointlabel export` write the same bytes.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from pointlabel.errors import PointlabelError
from pointlabel.model import FrameAnnotations

SUBFOLDERS = ("label_2", "calib", "json", "image_2")


def export_kitti_frame(dataset, annotations: FrameAnnotations, out: Path, fid: str, copy_data: bool = False,
                       keep_imported_2d: bool = False, camera: str | None = None) -> dict:
    """Write frame `fid` into the KITTI folder `out` (label_2, calib, json; velodyne and image_2
    with copy_data). Returns the label lines, the cuboids left out (they do not project into
    image_2; kept in json/) and the files written, relative to `out`."""
    from pointlabel.formats.kitti_io import _export_kitti_into
    from pointlabel.labelsets import MemorySet
    s = _export_kitti_into(Path(out), dataset, MemorySet({fid: annotations}), [fid], copy_data,
                           keep_imported_2d, camera)
    files = [f"label_2/{fid}.txt", f"calib/{fid}.txt", f"json/{fid}.json"]
    if copy_data:
        files += [p for p in (f"velodyne/{fid}.bin", f"image_2/{fid}.png") if (Path(out) / p).is_file()]
    return {"label_lines": s.label_lines, "left_out": s.left_out, "files": files}


def temporary_folder(target: Path, job_id: str) -> Path:
    """Where the job writes its frames: beside the target, named after the job."""
    target = Path(target).absolute()
    return target.parent / f".{target.name}.pointlabel-batch-{job_id}"


def check_target(target: Path) -> None:
    """Refuse a target that exists and is not a previous export (before any work is done)."""
    from pointlabel.formats.atomic import check_replaceable
    from pointlabel.formats.kitti_io import EXPORT_ENTRIES
    check_replaceable(Path(target).absolute(), EXPORT_ENTRIES)


def prepare(tmp: Path, copy_data: bool) -> None:
    try:
        for sub in SUBFOLDERS + (("velodyne",) if copy_data else ()):
            (tmp / sub).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise PointlabelError(f"cannot write beside the output: {e.strerror}", tmp.parent) from None


def missing(tmp: Path, frames) -> list[str]:
    """Frames whose label file is not in the job's folder (a folder removed by hand)."""
    return [f for f in frames if not (tmp / "label_2" / f"{f}.txt").is_file()]


def installed_job(target: Path) -> str | None:
    """The batch job whose export is at `target` (from its marker), if any."""
    import json
    from pointlabel.formats.atomic import MARKER
    try:
        return json.loads((Path(target) / MARKER).read_text()).get("job")
    except (OSError, ValueError, AttributeError):
        return None


def install(tmp: Path, target: Path, meta: dict) -> None:
    """Put the job's finished folder in place of `target` (formats.atomic.atomic_folder: the
    target is the old or the new export at every instant); the job's folder is then gone."""
    from pointlabel.formats.atomic import atomic_folder
    from pointlabel.formats.kitti_io import CARRIED, EXPORT_ENTRIES
    with atomic_folder(target, EXPORT_ENTRIES, {"format": "kitti", **meta}, CARRIED) as final:
        for entry in tmp.iterdir():
            os.rename(entry, final / entry.name)
    shutil.rmtree(tmp, ignore_errors=True)
