"""`batch prelabel|check|rank|export`: whole recordings on Dask distributed (library:
pointlabel.batch). A local cluster by default, or an existing scheduler with --scheduler."""
from __future__ import annotations

import json
from pathlib import Path

from pointlabel.commands.common import add_dataset_args, dataset_of, store_of


def register(sub) -> None:
    p = sub.add_parser("batch", help="pre-label, check, rank or export a whole recording on Dask "
                                     "(resumable; a local cluster or --scheduler)")
    bsub = p.add_subparsers(dest="batch_command", metavar="JOB", required=True)

    q = bsub.add_parser("prelabel", help="proposals for every frame (as `prelabel`)")
    _common(q)
    q.add_argument("--set", default="default", help="label set to write to (default: default)")
    q.add_argument("--min-confidence", type=float, default=0.4, help="drop weaker proposals (default 0.4)")
    q.set_defaults(func=cmd_prelabel)

    q = bsub.add_parser("check", help="QA findings of a label set (as `check`)")
    _common(q)
    q.add_argument("--set", default="default", help="store label set, `reference`, or a label_2 / JSON folder")
    q.add_argument("--guidelines", metavar="FILE", help="project guidelines (classes, size limits, thresholds)")
    q.add_argument("--min-severity", choices=["info", "warning", "error"], default="info",
                   help="leave out findings below this severity")
    q.add_argument("--out", metavar="FILE", help="write the findings as one JSON list (by frame)")
    q.set_defaults(func=cmd_check)

    q = bsub.add_parser("rank", help="frames ordered by how unsure their pre-labels are (as `rank`)")
    _common(q)
    q.add_argument("--set", default="default", help="store label set whose proposals to use, if any")
    q.add_argument("--top", type=int, default=20, help="print the first N (default 20)")
    q.add_argument("--out", metavar="FILE", help="write every rank, most uncertain first, as one JSON list")
    q.set_defaults(func=cmd_rank)

    q = bsub.add_parser("export", help="KITTI export (as `export --format kitti`), atomic")
    _common(q)
    q.add_argument("--out", required=True, help="output folder (appears when every frame is written)")
    q.add_argument("--set", default="default", help="label set to export (default: default)")
    q.add_argument("--copy-data", action="store_true", help="also write velodyne/ and image_2/")
    q.add_argument("--keep-imported-2d", action="store_true",
                   help="write boxes unchanged since import exactly as imported (2D box, alpha)")
    q.add_argument("--camera", help="from a multi-camera rig: the camera that becomes image_2")
    q.set_defaults(func=cmd_export)

    q = bsub.add_parser("jobs", help="the batch jobs of a store: frames done, failed, pending")
    add_dataset_args(q)
    q.add_argument("--failed", action="store_true", help="also list every failed frame with its error")
    q.set_defaults(func=cmd_jobs)


def _common(q) -> None:
    add_dataset_args(q)
    q.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="an existing Dask scheduler "
                   "(default: a local cluster); workers must see DATASET at the same path")
    q.add_argument("--workers", type=int, help="local cluster: worker processes, one thread each "
                   "(default: the CPUs)")
    q.add_argument("--frames", metavar="A:B", help="frame ids from A to B inclusive (either may be left out)")
    q.add_argument("--retry-failed", action="store_true", help="run frames that failed before again")
    q.add_argument("--window", type=int, help="frames in flight at once (default: 4 per worker)")
    q.add_argument("--batch-size", type=int, default=32, help="frames written to the store per batch")
    q.add_argument("--no-progress", action="store_true", help="no progress bar")


def _setup(args):
    from pointlabel.batch.api import RunOptions, select_frames
    from pointlabel.batch.tasks import DatasetRef
    from pointlabel.errors import PointlabelError
    if args.workers is not None and args.workers < 1:
        raise PointlabelError("--workers must be at least 1")
    dataset = dataset_of(args)
    ref = DatasetRef(str(Path(args.dataset).resolve()), args.up, args.units, args.level)
    frames = select_frames(dataset.frame_ids, args.frames)
    opts = RunOptions(args.retry_failed, args.window, max(1, args.batch_size), not args.no_progress)
    return dataset, ref, frames, opts


def _client(args):
    from pointlabel.batch.runner import DaskClient
    return DaskClient(args.scheduler, args.workers)


def _finish(result) -> int:
    for line in result.summary.lines():
        print(line)
    return 1 if result.summary.failed or result.summary.left_failed else 0


def cmd_prelabel(args) -> int:
    from pointlabel.batch.api import prelabel_job
    dataset, ref, frames, opts = _setup(args)
    store = store_of(args, dataset)
    with _client(args) as client:
        result = prelabel_job(client, ref, store, frames, args.set, args.min_confidence, opts)
    kinds = ", ".join(f"{k} {n}" for k, n in result.totals["labels"].items())
    print(f"{result.totals['proposals']} proposals in {len(frames)} frames" + (f" ({kinds})" if kinds else "")
          + f" -> {result.output}")
    return _finish(result)


def cmd_check(args) -> int:
    from pointlabel.batch.api import check_job
    from pointlabel.labelsets import open_label_set
    from pointlabel.qa.guidelines import load_guidelines
    dataset, ref, frames, opts = _setup(args)
    guidelines = load_guidelines(args.guidelines)
    store = store_of(args, dataset)  # the job table lives in the store's file
    label_set = open_label_set(args.set, dataset, lambda: store)
    with _client(args) as client:
        result = check_job(client, dataset, ref, store, label_set, args.set, guidelines, frames,
                           args.out, args.min_severity, opts)
    t = result.totals
    print(f"{t['findings']} findings: " + ", ".join(f"{n} {s}" for s, n in t["severity"].items())
          + (f" -> {args.out}" if args.out else ""))
    for check, n in t["check"].items():
        print(f"  {check:<22} {n}")
    code = _finish(result)
    return code or (1 if t["severity"].get("error") else 0)


def cmd_rank(args) -> int:
    from pointlabel.batch.api import rank_job
    dataset, ref, frames, opts = _setup(args)
    store = store_of(args, dataset)
    with _client(args) as client:
        result = rank_job(client, ref, store, frames, args.set, out=args.out, top=args.top,
                          opts=opts)
    print(f"{'frame':<12} {'score':>7} {'proposals':>9} {'1-conf':>7} {'few pts':>7} {'disagree':>8}  source")
    for r in result.totals["top"]:
        print(f"{r['frame']:<12} {r['score']:>7.2f} {r['proposals']:>9} {r['low_confidence']:>7.2f} "
              f"{r['few_points']:>7} {r['disagreement']:>8.2f}  {r['source']}")
    return _finish(result)


def cmd_export(args) -> int:
    from pointlabel.batch.api import export_job
    from pointlabel.labelsets import open_label_set
    dataset, ref, frames, opts = _setup(args)
    store = store_of(args, dataset)
    label_set = open_label_set(args.set, dataset, lambda: store, must_exist=False)
    with _client(args) as client:
        result = export_job(client, ref, store, label_set, args.set, frames, args.out, args.copy_data,
                            args.keep_imported_2d, args.camera, opts)
    print(json.dumps(result.totals))
    return _finish(result)


def cmd_jobs(args) -> int:
    from pointlabel.batch.jobs import JobTable
    table = JobTable.of(store_of(args, dataset_of(args)))
    for job in table.jobs():
        n = table.counts(job.id)
        params = ", ".join(f"{k}={v}" for k, v in sorted(job.params.items()))
        print(f"{job.id}  {job.command:<8} {job.state:<9} done {n.get('done', 0)}  failed {n.get('failed', 0)}  "
              f"pending {n.get('pending', 0)}  {job.dataset}  ({params})")
        if args.failed:
            for fid, err in table.failures(job.id):
                print(f"  failed {fid}: {err}")
    return 0
