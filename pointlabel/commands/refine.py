"""`refine-tracks`: whole-track refinement of a store label set (library:
pointlabel.fitting.refine). New versions of every box of the tracks, in one undoable step."""
from __future__ import annotations

import json

from pointlabel.commands.common import add_dataset_args, dataset_of, store_of


def register(sub) -> None:
    p = sub.add_parser("refine-tracks", help="refine whole tracks: one size from the sweeps seen best, a smoothed "
                                             "trajectory, the heading's sign from the motion (one undoable step)")
    add_dataset_args(p)
    p.add_argument("--set", default="default", help="store label set (default: default)")
    p.add_argument("--tracks", nargs="+", type=int, metavar="ID", help="these tracks only (default: every track "
                                                                          "with two boxes or more)")
    p.add_argument("--author", default="refine-tracks", help="who the change is recorded as")
    p.add_argument("--json", action="store_true", help="print one JSON list")
    p.set_defaults(func=cmd_refine)


def cmd_refine(args) -> int:
    from pointlabel.fitting.refine import refine_in_store
    dataset = dataset_of(args)
    store = store_of(args, dataset)
    report = refine_in_store(dataset, store, args.set, args.tracks, author=args.author)
    if args.json:
        print(json.dumps([{"track_id": r.track_id, "frames": list(r.frames), "moved_m": round(r.moved, 3),
                           "turned_deg": round(r.turned, 2)} for r in report]))
        return 0
    for r in report:
        print(f"track {r.track_id:<6} {len(r.frames):>4} boxes  moved up to {r.moved:.2f} m, turned up to {r.turned:.1f} deg")
    print(f"{len(report)} track(s) refined in {args.set!r}, written as one transaction (one undo step)")
    return 0
