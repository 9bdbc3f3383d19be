"""Run every check over a labelled sequence and collect the findings.

Per frame (independent, so frames run in parallel): classes and attributes, sizes,
3D overlaps, 2D/3D consistency with the rig's cameras, and, with the sweep, points inside,
ground contact, points left outside, polylines and completeness. Then along tracks over all
frames (temporal). Every cuboid finding also carries the cuboid's KITTI difficulty.

    findings = check_dataset(dataset, open_label_set("reference", dataset))
    findings = run_checks([FrameInput(fid, annotations, pts_lidar, rig, t), ...])
"""
from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from calibration.errors import CalibrationError
from pointlabel.errors import PointlabelError
from pointlabel.model import FrameAnnotations
from pointlabel.qa.completeness import check_completeness, resolve_fov
from pointlabel.qa.config import CheckConfig
from pointlabel.qa.consistency import best_view, check_consistency, project_views
from pointlabel.qa.difficulty import difficulty_of
from pointlabel.qa.findings import Finding, sort_findings
from pointlabel.qa.frames import FrameGeometry, FrameInput
from pointlabel.qa.geometry_checks import (check_classes, check_overlaps, check_points, check_polylines,
                                           check_sizes)
from pointlabel.qa.guidelines import Guidelines, default_guidelines
from pointlabel.qa.point_checks import check_label_points
from pointlabel.qa.temporal import check_tracks


def config_for(guidelines: Guidelines, config: CheckConfig | None = None) -> CheckConfig:
    """`config` (or the defaults) with the guidelines' "checks" overrides applied."""
    return (config or CheckConfig()).updated(guidelines.checks)


def check_frame(frame: FrameInput, guidelines: Guidelines | None = None, config: CheckConfig | None = None,
                fov: str = "all", ground=None) -> list[Finding]:
    """All per-frame checks of one frame (what the app re-runs after an edit; the track checks
    need the neighbouring frames: run_checks or temporal.check_tracks). `ground`: the sweep's
    GroundModel when the caller has it already."""
    guidelines = guidelines or default_guidelines()
    return _check_frame(frame, guidelines, config_for(guidelines, config), fov, ground)[0]


def _check_frame(frame, guidelines, config, fov, ground=None) -> tuple[list[Finding], dict[str, str]]:
    """(findings, annotation id -> KITTI difficulty) of one frame."""
    cubs = frame.cuboids
    views = project_views(cubs, frame.rig)
    out = check_classes(frame, guidelines) + check_sizes(frame, guidelines) + check_overlaps(frame, config)
    out += check_consistency(frame, config, views)
    if frame.pts_lidar is not None and len(frame.pts_lidar):
        geo = FrameGeometry(frame.pts_lidar, cubs, ground)
        out += check_points(frame, geo, guidelines, config)
        out += check_label_points(frame, geo, guidelines, config)
        out += check_polylines(frame, geo, config)
        out += check_completeness(frame, geo, guidelines, config, fov)
    level = {}
    for c, seen in zip(cubs, views):
        view = best_view(seen)
        level[c.id] = difficulty_of(c, view.box if view else None)
    return [replace(f, difficulty=level[f.annotation]) if f.annotation in level else f for f in out], level


def run_checks(frames, guidelines: Guidelines | None = None, config: CheckConfig | None = None,
               fov: str = "all", workers: int = 4) -> list[Finding]:
    """All checks over `frames` (FrameInput, in sequence order); errors first."""
    guidelines = guidelines or default_guidelines()
    config = config_for(guidelines, config)
    frames = list(frames)
    per_frame = _map(lambda f: _check_frame(f, guidelines, config, fov), frames, workers)
    return _finish(per_frame, frames, guidelines, config)


def check_dataset(dataset, label_set, guidelines: Guidelines | None = None,
                  config: CheckConfig | None = None, frame_ids=None, workers: int = 4,
                  use_clouds: bool = True, processes: int = 0) -> list[Finding]:
    """All checks of `label_set` (anything with .frame(fid), see pointlabel.labelsets) over the frames of
    `dataset` (all, or `frame_ids`). Sweeps are loaded one frame at a time, never all at once.

    Frames run on `workers` threads, or, with `processes` > 1, on that many forked processes
    (much faster: the checks hold the GIL often). Forking is for single-threaded callers such
    as the CLI; a server calling this from a request thread should stay with threads."""
    guidelines = guidelines or default_guidelines()
    job = _Job(dataset, label_set, guidelines, config_for(guidelines, config), use_clouds)
    ids = list(frame_ids) if frame_ids is not None else dataset.frame_ids
    if processes > 1 and len(ids) >= 2 * processes and "fork" in mp.get_all_start_methods():
        results = _fork_map(job, ids, processes)
    else:
        results = _map(job.frame, ids, workers)
    return _finish([r[0] for r in results], [r[1] for r in results], guidelines, job.config)


@dataclass(frozen=True, eq=False)
class _Job:
    """What checking one frame of a dataset needs."""

    dataset: object
    label_set: object
    guidelines: Guidelines
    config: CheckConfig
    use_clouds: bool

    def frame(self, fid: str):
        """((findings, difficulty by id), the frame without its points for the track checks)."""
        ds = self.dataset
        rig = _rig(ds, fid)
        poses = getattr(ds, "poses", None) or {}  # native datasets: stem -> T_world_from_lidar
        frame = FrameInput(fid, self.label_set.frame(fid), None, rig,
                           getattr(ds.frame(fid), "timestamp", None), poses.get(fid))
        pts = ds.load_cloud(fid).xyz if self.use_clouds else None
        fov = resolve_fov(self.config.missed_fov, getattr(ds, "kind", None), rig)
        return _check_frame(replace(frame, pts_lidar=pts), self.guidelines, self.config, fov), frame


_FORKED_JOB: _Job | None = None  # set in the parent just before forking, read by the children


def _fork_map(job: _Job, ids: list[str], processes: int):
    global _FORKED_JOB
    _FORKED_JOB = job
    try:
        with mp.get_context("fork").Pool(processes) as pool:
            packed = pool.map(_forked_frame, ids, chunksize=max(1, len(ids) // (4 * processes)))
    finally:
        _FORKED_JOB = None
    return [(result, FrameInput(fid, FrameAnnotations.from_dict(ann), None, None, t,
                                None if T is None else np.asarray(T)))
            for result, (fid, ann, t, T) in packed]


def _forked_frame(fid: str):
    """In a child: check one frame; the frame goes back as plain data (annotations as dicts)."""
    result, frame = _FORKED_JOB.frame(fid)
    T = frame.T_world_from_lidar
    return result, (fid, frame.annotations.to_dict(), frame.timestamp, None if T is None else T.tolist())


def _finish(per_frame, frames, guidelines, config) -> list[Finding]:
    """Per-frame findings + the track checks (with their boxes' difficulty), sorted."""
    out = [f for fs, _ in per_frame for f in fs]
    level = {k: v for _, lv in per_frame for k, v in lv.items()}
    tracks = check_tracks(frames, guidelines, config)
    out += [replace(f, difficulty=level.get(f.annotation)) for f in tracks]
    return sort_findings(out)


def _rig(dataset, fid):
    try:
        return dataset.rig(fid)
    except (PointlabelError, CalibrationError):  # checked without cameras, not aborted
        return None


def _map(fn, items, workers: int):
    items = list(items)
    if workers <= 1 or len(items) < 2:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))
