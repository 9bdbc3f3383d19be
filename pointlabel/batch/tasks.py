"""What a worker does with one frame: top-level functions (Dask ships them by name, so a
worker imports this module) that read the dataset from its path and return small plain data.

Each worker process opens a dataset once and keeps it (`_dataset`, a small cache keyed by
`DatasetRef`), so per-frame tasks pay only for the frame. Annotations travel as dicts
(Annotation.to_dict), findings as Finding.to_dict, ranks as FrameRank fields; nothing here
writes to the annotation store (the client does, in batches). Export writes the frame's files
into the job's temporary folder beside the target and returns their paths.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from pointlabel.model import FrameAnnotations


@dataclass(frozen=True)
class DatasetRef:
    """How a worker opens the dataset: its path (on a file system every worker shares) and the
    settings of plain scan folders."""

    path: str
    up: str | None = None
    units: str | None = None
    level: bool | None = None


@lru_cache(maxsize=4)
def _dataset(ref: DatasetRef):
    from pointlabel.datasets.detect import open_dataset
    return open_dataset(ref.path, up=ref.up, units=ref.units, level=ref.level)


@lru_cache(maxsize=4)
def _label_set(ref: DatasetRef, spec: str):
    """A label set a worker can read itself (a folder, or the dataset's `reference`)."""
    from pointlabel.labelsets import open_label_set
    return open_label_set(spec, _dataset(ref), None, must_exist=False)


def _annotations(ref: DatasetRef, fid: str, annotations: dict | None, spec: str | None) -> FrameAnnotations:
    """The frame's annotations: sent by the client (store sets), or read here (folders)."""
    if annotations is not None:
        return FrameAnnotations.from_dict(annotations)
    return _label_set(ref, spec).frame(fid)


def prelabel_frame(ref: DatasetRef, fid: str, min_confidence: float) -> list[dict]:
    """The pre-labelling proposals of one sweep (fitting.prelabel), as dicts, LiDAR frame."""
    from pointlabel.fitting.context import context_for
    from pointlabel.fitting.prelabel import prelabel
    proposals = prelabel(context_for(_dataset(ref), fid), min_confidence=min_confidence)
    return [c.to_dict() for c in proposals]


def check_frame(ref: DatasetRef, fid: str, annotations: dict | None, spec: str | None,
                guidelines) -> list[dict]:
    """The per-frame QA findings of one frame (qa.checks.check_frame with the sweep, rig, time
    and pose the dataset has), as dicts. The track checks run afterwards over all frames."""
    from pointlabel.qa.checks import check_frame as run, config_for
    from pointlabel.qa.completeness import resolve_fov
    from pointlabel.qa.frames import FrameInput
    ds = _dataset(ref)
    rig = frame_rig(ds, fid)
    poses = getattr(ds, "poses", None) or {}
    frame = FrameInput(fid, _annotations(ref, fid, annotations, spec), ds.load_cloud(fid).xyz, rig,
                       getattr(ds.frame(fid), "timestamp", None), poses.get(fid))
    fov = resolve_fov(config_for(guidelines).missed_fov, getattr(ds, "kind", None), rig)
    return [f.to_dict() for f in run(frame, guidelines, None, fov)]


def frame_rig(ds, fid: str):
    """The frame's rig, or None when it has none that can be read (checked without cameras)."""
    from calibration.errors import CalibrationError
    from pointlabel.errors import PointlabelError
    try:
        return ds.rig(fid)
    except (PointlabelError, CalibrationError):
        return None


def rank_frame(ref: DatasetRef, fid: str, proposals: list[dict] | None, few_points: int) -> dict:
    """How unsure one frame's pre-labels are (qa.rank.frame_uncertainty): FrameRank's fields,
    unrounded. proposals: the store's proposals of the frame as dicts, or None (pre-label now)."""
    from pointlabel.fitting.context import FrameContext
    from pointlabel.model import Cuboid
    from pointlabel.qa.rank import frame_uncertainty
    ctx = FrameContext.build(_dataset(ref).load_cloud(fid).xyz, frame_id=str(fid))
    cubs = None if proposals is None else [Cuboid.from_dict(d) for d in proposals]
    return asdict(frame_uncertainty(ctx, cubs, few_points))


def export_frame(ref: DatasetRef, fid: str, annotations: dict | None, spec: str | None, out: str,
                 copy_data: bool, keep_imported_2d: bool, camera: str | None) -> dict:
    """Write one frame's KITTI files into `out` (the job's temporary folder): label_2, calib,
    json, and with copy_data velodyne + image_2. Returns the label lines, the cuboids left out
    (outside image_2) and the files written, relative to `out`."""
    from pointlabel.batch.export import export_kitti_frame
    labels = _annotations(ref, fid, annotations, spec)
    return export_kitti_frame(_dataset(ref), labels, Path(out), fid, copy_data, keep_imported_2d, camera)
