"""The four batch jobs as functions of the library (the CLI, `pointlabel batch ...`, is a thin
layer over these): pre-label, check, rank and export the frames of a dataset on Dask
(`clients`: a runner.DaskClient, started only when a frame is left to do).

Each opens its job in the job table (same command, dataset and parameters: the same job,
resumed), runs the frames not done yet (runner.run_job) and then finishes: check adds the
track checks and writes the findings, rank orders the frames, export renames its folder into
place. Outputs are streamed from the job table, never gathered in memory.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pointlabel.batch.jobs import DONE, JobTable
from pointlabel.batch.runner import BatchSummary, run_job
from pointlabel.batch.tasks import DatasetRef
from pointlabel.batch.work import CheckWork, ExportWork, PrelabelWork, RankWork
from pointlabel.errors import PointlabelError


@dataclass(frozen=True)
class RunOptions:
    retry_failed: bool = False
    window: int | None = None  # frames in flight (default: 4 per worker thread)
    batch_size: int = 32  # frames written to the store per batch
    progress: bool = True


@dataclass
class JobResult:
    summary: BatchSummary
    totals: dict = field(default_factory=dict)  # command-specific figures over the selected frames
    output: str | None = None  # file or folder written


def select_frames(ids: Sequence[str], spec: str | None) -> list[str]:
    """Frame ids from A to B inclusive for `A:B` (either may be left out); all for None."""
    ids = list(ids)
    if not spec:
        return ids
    if ":" not in spec:
        raise PointlabelError(f"--frames wants A:B, got {spec!r}")
    a, b = (s.strip() for s in spec.split(":", 1))
    index = {f: i for i, f in enumerate(ids)}
    for f in (a, b):
        if f and f not in index:
            raise PointlabelError(f"--frames: no frame {f!r}")
    i0 = index[a] if a else 0
    i1 = index[b] if b else len(ids) - 1
    if i1 < i0:
        raise PointlabelError(f"--frames: {b!r} comes before {a!r}")
    return ids[i0:i1 + 1]


def _run(clients, work, frames, table: JobTable, job, opts: RunOptions) -> BatchSummary:
    return run_job(clients, work, frames, table, job, retry_failed=opts.retry_failed, window=opts.window,
                   batch_size=opts.batch_size, progress=opts.progress)


def prelabel_job(clients, ref: DatasetRef, store, frames: Sequence[str], label_set: str = "default",
                 min_confidence: float = 0.4, opts: RunOptions = RunOptions()) -> JobResult:
    """Pre-label the frames into `label_set` of `store` (as `pointlabel prelabel`)."""
    table = JobTable.of(store)
    try:
        job = table.open_job("prelabel", ref.path, {"set": label_set, "min_confidence": min_confidence})
        summary = _run(clients, PrelabelWork(ref, store, label_set, min_confidence), frames, table, job, opts)
        labels, n = Counter(), 0
        for _, result in table.results(job.id, frames):
            n += result["proposals"]
            labels.update(result["labels"])
        return JobResult(summary, {"proposals": n, "labels": dict(labels.most_common())}, where(store))
    finally:
        table.close()


def check_job(clients, dataset, ref: DatasetRef, store, label_set, spec: str, guidelines,
              frames: Sequence[str], out: str | None = None, min_severity: str = "info",
              opts: RunOptions = RunOptions()) -> JobResult:
    """QA of `label_set` (named `spec`) over the frames: per-frame checks on the workers, then
    the track checks (batch.tracks) here. With `out`, every finding at or above `min_severity`
    is written there as one JSON list, by frame (per-frame findings, then the track findings).
    totals: findings per severity and per check."""
    from pointlabel.batch.tracks import track_findings
    from pointlabel.qa.findings import SEVERITIES, sort_findings, Finding
    keep = set(SEVERITIES[:SEVERITIES.index(min_severity) + 1])
    table = JobTable.of(store)
    try:
        params = {"set": _spec_key(spec), "labels": label_state(label_set),
                  "guidelines": _digest(guidelines.to_dict())}
        job = table.open_job("check", ref.path, params)
        summary = _run(clients, CheckWork(ref, label_set, spec, guidelines), frames, table, job, opts)
        severities, checks = Counter(), Counter()
        with _JsonList(out) as sink:
            for fid, found in table.results(job.id, frames):
                for f in sort_findings(Finding.from_dict(d) for d in found):
                    if f.severity in keep:
                        severities[f.severity] += 1
                        checks[f.check] += 1
                        sink.add(f.to_dict())
            for f in track_findings(dataset, label_set, list(frames), guidelines):
                if f.severity in keep:
                    severities[f.severity] += 1
                    checks[f.check] += 1
                    sink.add(f.to_dict())
        totals = {"findings": sum(severities.values()), "severity": {s: severities.get(s, 0) for s in SEVERITIES},
                  "check": dict(checks.most_common())}
        return JobResult(summary, totals, out)
    finally:
        table.close()


def rank_job(clients, ref: DatasetRef, store, frames: Sequence[str], label_set: str = "default",
             few_points: int = 20, out: str | None = None, top: int | None = None,
             opts: RunOptions = RunOptions()) -> JobResult:
    """Rank the frames by pre-label uncertainty (qa.rank): `store`'s proposals of `label_set`
    where it has some, else a pre-labelling run on the worker. With `out`, every rank, most
    uncertain first, as one JSON list; totals["top"]: the first `top` ranks (dicts)."""
    table = JobTable.of(store)
    try:
        params = {"set": label_set, "labels": store.last_seq(label_set)[0], "few_points": few_points}
        job = table.open_job("rank", ref.path, params)
        summary = _run(clients, RankWork(ref, store, label_set, few_points), frames, table, job, opts)
        head, n = [], 0
        with _JsonList(out) as sink:
            for _, rank in table.results(job.id, frames, by_score=True):
                n += 1
                sink.add(rank)
                if top and len(head) < top:
                    head.append(rank)
        return JobResult(summary, {"ranked": n, "top": head}, out)
    finally:
        table.close()


def export_job(clients, ref: DatasetRef, store, label_set, spec: str, frames: Sequence[str], out: str,
               copy_data: bool = False, keep_imported_2d: bool = False, camera: str | None = None,
               opts: RunOptions = RunOptions()) -> JobResult:
    """KITTI export of the frames into `out`, atomically (batch.export): the folder appears or
    is replaced only when every frame is written."""
    from pointlabel.batch import export
    target = Path(out).absolute()
    export.check_target(target)
    table = JobTable.of(store)
    try:
        params = {"set": _spec_key(spec), "labels": label_state(label_set), "out": str(target), "copy_data": copy_data,
                  "keep_imported_2d": keep_imported_2d, "camera": camera, "frames": _digest(list(frames))}
        job = table.open_job("export", ref.path, params)
        tmp = export.temporary_folder(target, job.id)
        in_place = export.installed_job(target) == job.id and not tmp.exists()
        if in_place:  # this job's export is in place: nothing to do
            summary = BatchSummary("export", job.id, selected=len(frames), skipped=len(frames))
        else:
            if job.state == "installed":
                table.reset(job.id)  # exported before, since replaced or removed: written anew
            export.prepare(tmp, copy_data)
            status = table.statuses(job.id, frames)
            table.forget(job.id, export.missing(tmp, [f for f in frames if status.get(f) == DONE]))
            summary = _run(clients, ExportWork(ref, label_set, spec, tmp, copy_data, keep_imported_2d, camera),
                           frames, table, job, opts)
        totals = {"frames": 0, "label_lines": 0, "left_out": 0}
        for _, r in table.results(job.id, frames):
            totals["frames"] += 1
            totals["label_lines"] += r["label_lines"]
            totals["left_out"] += r["left_out"]
        status = table.statuses(job.id, frames)
        if in_place:
            totals["installed"] = True
        elif all(status.get(f) == DONE for f in frames):
            export.install(tmp, target, {"frames": len(frames), "job": job.id})
            table.set_state(job.id, "installed")
            totals["installed"] = True
        else:
            totals["installed"] = False  # the target is left as it was
            totals["partial"] = str(tmp)
        return JobResult(summary, totals, str(target))
    finally:
        table.close()


def label_state(label_set):
    """What identifies the state of a label set, so that a job over labels that changed since
    is a new job (its frames run again) and never reports stale results: a store set's newest
    history row, a folder's file names, sizes and times; None for the dataset's own labels."""
    kind = getattr(label_set, "kind", None)
    if kind == "store":
        return label_set.store.last_seq(label_set.name)[0]
    folder = getattr(label_set, "folder", None)
    if folder is not None:
        with os.scandir(folder) as entries:
            return _digest(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in entries if e.is_file()))
    return None


def where(store) -> str:
    """The store's file, or its URL without the password."""
    return str(store.path) if store.path is not None else store.url.render_as_string(hide_password=True)


def _spec_key(spec: str) -> str:
    path = Path(spec)
    return str(path.resolve()) if path.is_dir() else spec


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


class _JsonList:
    """Writes dicts one by one as a JSON list into a file (nothing with path None)."""

    def __init__(self, path: str | None):
        self.path, self._f, self._n = path, None, 0

    def __enter__(self):
        if self.path:
            try:
                self._f = open(self.path, "w")
            except OSError as e:
                raise PointlabelError(f"cannot write ({e.strerror})", self.path) from None
            self._f.write("[")
        return self

    def add(self, doc: dict) -> None:
        if self._f is not None:
            self._f.write(("," if self._n else "") + "\n" + json.dumps(doc))
            self._n += 1

    def __exit__(self, *exc):
        if self._f is not None:
            self._f.write("\n]\n")
            self._f.close()
        return False
