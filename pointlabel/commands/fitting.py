"""`fit`, `prelabel` and `propagate`: assisted labelling from the command line."""
from __future__ import annotations

import argparse
import json
from collections import Counter

from pointlabel.commands.common import add_dataset_args, dataset_of, store_of
from pointlabel.errors import PointlabelError


def register(sub) -> None:
    p = sub.add_parser("fit", help="fit a cuboid to the object at a seed point (LiDAR frame)")
    add_dataset_args(p, db=False)
    p.add_argument("--frame", required=True, help="frame id")
    p.add_argument("--seed", required=True, type=_xyz,
                   help="X,Y,Z of a point on the object, LiDAR frame, metres "
                        "(write --seed=-1,2,0 when X is negative)")
    p.add_argument("--label", help="object class, whose size prior is used (default: guessed)")
    p.add_argument("--guidelines", metavar="FILE", help="class sizes from this guidelines file (default: the class table)")
    p.add_argument("--json", action="store_true",
                   help='print one JSON object {"center", "size", "yaw", "label", "confidence"}')
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("prelabel", help="propose boxes for every object of some frames (unconfirmed)")
    add_dataset_args(p)
    p.add_argument("--frames", help="A:B, frame ids from A to B inclusive (either may be left out)")
    p.add_argument("--set", default="default", help="label set to write to (default: default)")
    p.add_argument("--min-confidence", type=float, default=0.4, help="drop weaker proposals (default 0.4)")
    p.add_argument("--guidelines", metavar="FILE", help="class sizes from this guidelines file (default: the class table)")
    p.set_defaults(func=cmd_prelabel)

    p = sub.add_parser("propagate", help="carry a track's box from one frame through to another")
    add_dataset_args(p)
    p.add_argument("--track", required=True, type=int, help="track id")
    p.add_argument("--from", dest="start", required=True, help="frame holding the track's box")
    p.add_argument("--to", dest="end", required=True, help="last frame to fill (before or after --from)")
    p.add_argument("--set", default="default", help="label set (default: default)")
    p.set_defaults(func=cmd_propagate)


def _xyz(text: str) -> tuple[float, float, float]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 3:
        raise argparse.ArgumentTypeError(f"wants X,Y,Z (three numbers), got {text!r}")
    return values


def _check_frame(dataset, frame_id: str) -> str:
    if frame_id not in dataset.frame_ids:
        ids = dataset.frame_ids
        raise PointlabelError(f"no frame {frame_id!r} (frames: {', '.join(ids[:5])}"
                              f"{', ...' if len(ids) > 5 else ''})", dataset.root)
    return frame_id


def cmd_fit(args) -> int:
    from pointlabel.fitting.context import context_for
    from pointlabel.fitting.fit import fit_cuboid
    from pointlabel.qa.guidelines import load_guidelines
    dataset = dataset_of(args)
    frame = _check_frame(dataset, args.frame)
    priors = load_guidelines(args.guidelines).fit_priors()  # the one class table, or the project's file
    if args.label is not None and args.label not in priors:
        raise PointlabelError(f"no size prior for class {args.label!r} (known: {', '.join(priors)})")
    result = fit_cuboid(context_for(dataset, frame), args.seed, label=args.label, priors=priors)
    c = result.cuboid
    if args.json:
        if c is None:
            doc = {"center": None, "size": None, "yaw": None, "label": None,
                   "confidence": 0.0, "reason": result.reason}
        else:
            doc = {"center": list(c.center), "size": list(c.size_lwh), "yaw": c.yaw,
                   "label": c.label, "confidence": c.confidence}
        print(json.dumps(doc))
    elif c is None:
        print(f"no box: {result.reason}")
    else:
        print(f"{c.label}  center {_fmt(c.center)}  size {_fmt(c.size_lwh)}  yaw {c.yaw:.3f}  "
              f"confidence {c.confidence:.2f}  ({result.n_points} points)")
    return 0 if c is not None else 1


def _frame_range(ids: list[str], spec: str | None) -> list[str]:
    if not spec:
        return list(ids)
    if ":" not in spec:
        raise PointlabelError(f"--frames wants A:B, got {spec!r}")
    a, b = (s.strip() for s in spec.split(":", 1))
    for f in (a, b):
        if f and f not in ids:
            raise PointlabelError(f"--frames: no frame {f!r}")
    i0 = ids.index(a) if a else 0
    i1 = ids.index(b) if b else len(ids) - 1
    if i1 < i0:
        raise PointlabelError(f"--frames: {b!r} comes before {a!r}")
    return ids[i0:i1 + 1]


def cmd_prelabel(args) -> int:
    from pointlabel.fitting.context import context_for
    from pointlabel.fitting.prelabel import prelabel, write_proposals
    from pointlabel.qa.guidelines import load_guidelines
    priors = load_guidelines(args.guidelines).fit_priors()
    dataset = dataset_of(args)
    frames = _frame_range(dataset.frame_ids, args.frames)
    store = store_of(args, dataset)
    total = 0
    for fid in frames:
        proposals = prelabel(context_for(dataset, fid), priors, min_confidence=args.min_confidence)
        written = write_proposals(store, fid, proposals, args.set)
        total += len(written)
        kinds = ", ".join(f"{k} {n}" for k, n in Counter(c.label for c in written).most_common())
        print(f"{fid}  {len(written)} proposals" + (f" ({kinds})" if kinds else ""))
    print(f"{total} proposals in {len(frames)} frames -> {store.path}")
    return 0


def cmd_propagate(args) -> int:
    from pointlabel.fitting.propagate import propagate_in_store
    dataset = dataset_of(args)
    for f in (args.start, args.end):
        _check_frame(dataset, f)
    store = store_of(args, dataset)
    for fid, box, kept in propagate_in_store(dataset, store, args.track, args.start, args.end, args.set):
        if kept:
            print(f"{fid}  confirmed box kept")
        else:
            print(f"{fid}  center {_fmt(box.center)}  yaw {box.yaw:.3f}  confidence {box.confidence:.2f}")
    return 0


def _fmt(v) -> str:
    return "(" + ", ".join(f"{x:.2f}" for x in v) + ")"
