"""`history`: who changed what and when (the store's append-only trail)."""
from __future__ import annotations

import json

from pointlabel.commands.common import add_dataset_args, dataset_of, store_of


def register(sub) -> None:
    p = sub.add_parser("history", help="the trail of changes: who, when, what (newest first)")
    add_dataset_args(p)
    p.add_argument("--frame", help="only this frame's changes")
    p.add_argument("--annotation", metavar="ID", help="only this annotation's changes")
    p.add_argument("--set", default="default", help="label set (default: default)")
    p.add_argument("--limit", type=int, default=50, help="at most this many rows (default 50; 0: all)")
    p.add_argument("--json", action="store_true", help="JSON lines (before / after included)")
    p.set_defaults(func=cmd_history)


def cmd_history(args) -> int:
    from pointlabel.errors import PointlabelError
    from pointlabel.store.trail import describe, to_json
    dataset = dataset_of(args)
    if args.frame is not None and args.frame not in dataset.frame_ids:
        raise PointlabelError(f"no frame {args.frame!r} in the dataset")
    if args.limit < 0:
        raise PointlabelError("--limit must be 0 (all) or more")
    store = store_of(args, dataset)
    rows = store.history(args.set, frame=args.frame, annotation_id=args.annotation, limit=args.limit or None)
    for c in rows:
        print(json.dumps(to_json(c)) if args.json else describe(c))
    if not rows and not args.json:
        print("no changes")
    return 0
