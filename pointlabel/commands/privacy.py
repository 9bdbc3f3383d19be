"""`redact`, `erase`, `retention` and `access-log`: privacy and data governance."""
from __future__ import annotations

import json
import time

from pointlabel.commands.common import add_dataset_args, dataset_of, store_of
from pointlabel.errors import PointlabelError


def register(sub) -> None:
    from pointlabel.privacy.access_log import ACTIONS
    from pointlabel.privacy.redact import SOURCES
    p = sub.add_parser("redact", help="blur faces and licence plates in camera images (copies), or record the regions")
    add_dataset_args(p)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--out", help="write redacted copies of the images here (same relative paths) and redaction.json")
    g.add_argument("--record", action="store_true",
                   help="store the regions found as 2D redact proposals (reviewable; replaced on the next run)")
    p.add_argument("--frames", help="A:B (inclusive), A, or A,B,C (default: every frame)")
    p.add_argument("--camera", action="append", help="only this camera (repeat for more)")
    p.add_argument("--sources", default=",".join(SOURCES),
                   help=f"where regions come from, comma-separated: {', '.join(SOURCES)} (default: all)")
    p.add_argument("--set", default="default", help="label set of the boxes and drawn regions (default: default)")
    p.set_defaults(func=cmd_redact)

    p = sub.add_parser("erase", help="erase annotations (with history and reviews) for good; --data also the frames' files")
    add_dataset_args(p)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--frames", help="A:B (inclusive), A, or A,B,C")
    g.add_argument("--track", type=int, help="one track id (with --set: of that label set)")
    g.add_argument("--annotation", help="one annotation id")
    p.add_argument("--set", action="append", dest="sets", help="only this label set (repeat; default: every set)")
    p.add_argument("--data", action="store_true",
                   help="with --frames: also delete the sweeps, images and ground truth (native datasets pointlabel manages)")
    p.add_argument("--why", required=True, help="the reason, kept in the audit (e.g. the request's reference)")
    p.set_defaults(func=cmd_erase)

    p = sub.add_parser("retention", help="set a dataset's retention period or date; list (and --apply: erase) what is past it")
    add_dataset_args(p)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--set-period", help="keep each frame this long after its time: 90d, 12w, 2y")
    g.add_argument("--set-date", help="keep everything until this day: YYYY-MM-DD")
    p.add_argument("--apply", action="store_true", help="erase what is past retention (annotations, history, reviews)")
    p.add_argument("--data", action="store_true", help="with --apply: also delete those frames' files")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_retention)

    p = sub.add_parser("access-log", help="who opened, exported, redacted or erased what")
    add_dataset_args(p)
    p.add_argument("--action", choices=ACTIONS, help="only this kind of entry")
    p.add_argument("--limit", type=int, help="the last N entries")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_access_log)


def _db_path(args, dataset):
    """The store's database: `--db` as given (a SQLite file or a URL), else the file beside
    the dataset (the privacy tables live beside the store's, in the same database)."""
    from pointlabel.store import default_db_path
    db = getattr(args, "db", None)
    return db if db else default_db_path(dataset.root)


def cmd_redact(args) -> int:
    from pointlabel.labelsets import open_label_set
    from pointlabel.privacy.access_log import current_user, log_store_access
    from pointlabel.privacy.erase import frames_in
    from pointlabel.privacy.redact import Redactor
    from pointlabel.privacy.redact_dataset import redact_dataset
    dataset = dataset_of(args)
    sources = tuple(s.strip() for s in args.sources.split(",") if s.strip())
    needs_store = args.record or bool(set(sources) & {"boxes", "drawn"})
    store = store_of(args, dataset) if needs_store else None
    labels = open_label_set(args.set, dataset, lambda: store, must_exist=False) if store is not None else None
    frames = frames_in(args.frames, dataset.frame_ids) if args.frames else None
    redactor = Redactor(dataset, labels, sources, drawn=store)
    result = redact_dataset(dataset, redactor, frames, args.camera, out=args.out,
                            record=store if args.record else None, label_set=args.set, author=current_user())
    if store is not None:
        log_store_access(store, "redact", dataset.root, {k: v for k, v in result.items() if k != "ms_per_image"})
    print(json.dumps(result))
    return 0


def cmd_erase(args) -> int:
    from pointlabel.privacy.erase import Selection, erase, frames_in, stored_frames
    dataset = dataset_of(args)
    db = _db_path(args, dataset)
    frames = frames_in(args.frames, set(dataset.frame_ids) | stored_frames(db)) if args.frames else None
    selection = Selection(frames=frames, track=args.track, annotation=args.annotation,
                          label_sets=tuple(args.sets) if args.sets else None)
    report = erase(db, selection, args.why, target=dataset.root, dataset=dataset, data=args.data)
    print(json.dumps(report.to_dict()))
    return 0


def cmd_retention(args) -> int:
    from pointlabel.privacy import retention as ret
    from pointlabel.privacy.access_log import log_store_access
    from pointlabel.privacy.erase import Selection, erase
    dataset = dataset_of(args)
    store = store_of(args, dataset)
    if args.set_period or args.set_date:
        policy = (ret.Policy(period_days=ret.parse_period(args.set_period)) if args.set_period
                  else ret.Policy(until=ret.parse_date(args.set_date)))
        ret.set_policy(store, policy)
        log_store_access(store, "retention", dataset.root, {"policy": policy.to_dict()})
    policy = ret.get_policy(store)
    if policy is None:
        if args.apply:
            raise PointlabelError("no retention policy set: --set-period 90d or --set-date YYYY-MM-DD first")
        print("no retention policy set (--set-period 90d or --set-date YYYY-MM-DD)")
        return 0
    past = ret.expired(policy, ret.frame_times(dataset, store))
    out = {"policy": policy.to_dict(), "past": [f.__dict__ for f in past]}
    if args.apply and past:
        db = _db_path(args, dataset)
        report = erase(db, Selection(frames=tuple(f.frame for f in past)), f"retention: {policy.describe()}",
                       target=dataset.root, dataset=dataset, data=args.data)
        out["erased"] = report.to_dict()
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"retention {policy.describe()}: {len(past)} frame(s) past it")
    for f in past:
        when = time.strftime("%Y-%m-%d", time.gmtime(f.t))
        print(f"  {f.frame:<24} {when} ({f.basis})  {f.annotations} annotation(s)")
    if "erased" in out:
        e = out["erased"]
        print(f"erased {e['annotations']} annotation(s), {e['files_deleted']} file(s); audit entry {e['audit_seq']}")
    return 0


def cmd_access_log(args) -> int:
    from pointlabel.privacy.access_log import format_log, read_log
    dataset = dataset_of(args)
    entries = read_log(_db_path(args, dataset), args.action, args.limit)
    if args.json:
        for e in entries:
            print(json.dumps(e.to_dict()))
    elif entries:
        print(format_log(entries))
    else:
        print("no entries")
    return 0
