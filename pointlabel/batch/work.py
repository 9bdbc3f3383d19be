"""The four batch commands as `Work` (runner.Work): what each submits per frame and what the
client does with each batch of results.

- prelabel: proposals come back as dicts; the client writes them with
  fitting.prelabel.write_proposals (one store transaction per frame, as `pointlabel prelabel`).
  Before writing a batch it records the frames as `pending` with the ids about to be written;
  a run killed in between is settled on resume by looking those ids up in the store, so a frame
  is never written twice.
- check: per-frame findings come back as dicts and are kept in the job table (the track checks
  run over all frames afterwards: batch.tracks).
- rank: each frame's FrameRank comes back and is kept with its score (ordered by SQL).
- export: each frame's KITTI files are written by the worker into the job's temporary folder;
  the written paths come back (batch.export renames the folder into place at the end).

Annotations of a store label set are read by the client and sent with each task; a label set
that is a folder or the dataset's `reference` is read by the worker itself.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from pointlabel.batch import tasks
from pointlabel.batch.jobs import DONE, FAILED, PENDING, Job, JobTable, Outcome, error_text
from pointlabel.batch.tasks import DatasetRef
from pointlabel.errors import PointlabelError
from pointlabel.model import STATUS_PROPOSAL


class _Recorded:
    """Work whose results only go into the job table (check, rank, export)."""

    command = ""

    def outcome(self, fid: str, value) -> Outcome:
        return Outcome(fid, DONE, result=value)

    def commit(self, table: JobTable, job: Job, results) -> list[Outcome]:
        outcomes = [self.outcome(fid, value) for fid, value in results]
        table.record(job.id, outcomes)
        return outcomes

    def resolve_pending(self, table: JobTable, job: Job) -> None:
        return None


class _LabelSource:
    """A label set as tasks receive it: store sets as dicts from the client, others by name."""

    def __init__(self, label_set, spec: str):
        self.label_set = label_set
        self.in_store = getattr(label_set, "kind", None) == "store"
        path = Path(spec)
        self.spec = str(path.resolve()) if path.is_dir() else spec  # workers may run elsewhere

    def args(self, fid: str) -> tuple[dict | None, str | None]:
        if self.in_store:
            return self.label_set.frame(fid).to_dict(), None
        return None, self.spec


class PrelabelWork:
    command = "prelabel"

    def __init__(self, ref: DatasetRef, store, label_set: str = "default", min_confidence: float = 0.4):
        self.ref, self.store, self.label_set, self.min_confidence = ref, store, label_set, min_confidence

    def task(self, fid: str):
        return tasks.prelabel_frame, (self.ref, fid, self.min_confidence)

    def commit(self, table: JobTable, job: Job, results) -> list[Outcome]:
        from pointlabel.fitting.prelabel import write_proposals
        from pointlabel.model import Cuboid
        table.record(job.id, [Outcome(fid, PENDING, result={"ids": [d["id"] for d in props]})
                              for fid, props in results])
        outcomes = []
        for fid, props in results:
            try:
                written = write_proposals(self.store, fid, [Cuboid.from_dict(d) for d in props], self.label_set)
            except PointlabelError as e:
                outcomes.append(Outcome(fid, FAILED, error=error_text(e)))
                continue
            outcomes.append(Outcome(fid, DONE, result=_proposal_counts(c.label for c in written)))
        table.record(job.id, outcomes)
        return outcomes

    def resolve_pending(self, table: JobTable, job: Job) -> None:
        """A pending frame whose proposals are in the store was written: done. The others were
        not (a frame's write is one transaction): they stay pending and run again."""
        settled = []
        for fid, result in table.pending(job.id).items():
            live = [self.store.get(i, self.label_set) for i in (result or {}).get("ids", [])]
            live = [x[0] for x in live if x is not None]
            if live:
                settled.append(Outcome(fid, DONE, result=_proposal_counts(c.label for c in live)))
        table.record(job.id, settled)


def _proposal_counts(labels) -> dict:
    counts = Counter(labels)
    return {"proposals": sum(counts.values()), "labels": dict(counts.most_common())}


class CheckWork(_Recorded):
    command = "check"

    def __init__(self, ref: DatasetRef, label_set, spec: str, guidelines):
        self.ref, self.source, self.guidelines = ref, _LabelSource(label_set, spec), guidelines

    def task(self, fid: str):
        annotations, spec = self.source.args(fid)
        return tasks.check_frame, (self.ref, fid, annotations, spec, self.guidelines)


class RankWork(_Recorded):
    command = "rank"

    def __init__(self, ref: DatasetRef, store=None, label_set: str = "default", few_points: int = 20):
        self.ref, self.store, self.label_set, self.few_points = ref, store, label_set, few_points

    def task(self, fid: str):
        proposals = None
        if self.store is not None:
            stored = [c.to_dict() for c in self.store.frame(fid, self.label_set).cuboids
                      if c.status == STATUS_PROPOSAL]
            proposals = stored or None
        return tasks.rank_frame, (self.ref, fid, proposals, self.few_points)

    def outcome(self, fid: str, value) -> Outcome:
        from pointlabel.qa.rank import FrameRank
        return Outcome(fid, DONE, result=FrameRank(**value).to_dict(), score=float(value["score"]))


class ExportWork(_Recorded):
    command = "export"

    def __init__(self, ref: DatasetRef, label_set, spec: str, tmp: Path, copy_data: bool = False,
                 keep_imported_2d: bool = False, camera: str | None = None):
        self.ref, self.source, self.tmp = ref, _LabelSource(label_set, spec), Path(tmp)
        self.options = (copy_data, keep_imported_2d, camera)

    def task(self, fid: str):
        annotations, spec = self.source.args(fid)
        return tasks.export_frame, (self.ref, fid, annotations, spec, str(self.tmp), *self.options)
