"""`pointlabels stats|paint|undo|redo|propagate|classes|serve`: point-wise labels from the
command line (library: pointlabel.pointlabels). `compare --points` lives with `compare`."""
from __future__ import annotations

import json
from pathlib import Path

from pointlabel.commands.common import add_dataset_args, dataset_of, store_of
from pointlabel.errors import PointlabelError


def register(sub) -> None:
    top = sub.add_parser("pointlabels", help="point-wise labels: per-class counts, paint, undo, propagate, serve")
    cmds = top.add_subparsers(dest="pointlabels_command", metavar="ACTION", required=True)

    p = cmds.add_parser("stats", help="per-class point counts of a label set")
    _common(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (with per-frame counts)")
    p.set_defaults(func=cmd_stats)

    p = cmds.add_parser("paint", help="apply one tool request (JSON, see pointlabel.pointlabels.ops)")
    _common(p)
    p.add_argument("--frame", required=True)
    p.add_argument("--request", required=True, metavar="JSON",
                   help='e.g. \'{"tool": "ground", "class": "road"}\', or @file.json')
    p.add_argument("--client", default="cli", help="who paints (undo is per client)")
    p.set_defaults(func=cmd_paint)

    for name, fn in (("undo", cmd_undo), ("redo", cmd_redo)):
        p = cmds.add_parser(name, help=f"{name} the client's last point-label op")
        _common(p)
        p.add_argument("--client", default="cli")
        p.add_argument("--frame", help="only an op of this frame")
        p.set_defaults(func=fn)

    p = cmds.add_parser("propagate", help="carry a sweep's point labels to another sweep")
    _common(p)
    p.add_argument("--from", dest="src", required=True, metavar="FRAME")
    p.add_argument("--to", dest="dst", required=True, metavar="FRAME")
    p.add_argument("--max-dist", type=float, default=0.25, help="nearest-neighbour distance a static point may have (m)")
    p.add_argument("--overwrite", action="store_true", help="also overwrite points already labelled")
    p.add_argument("--client", default="cli")
    p.set_defaults(func=cmd_propagate)

    p = cmds.add_parser("classes", help="print the class map, or set it from a YAML/JSON file")
    _common(p)
    p.add_argument("--load", metavar="FILE", help="semantic-kitti.yaml-shaped YAML or JSON class map")
    p.set_defaults(func=cmd_classes)

    p = cmds.add_parser("serve", help="the point-label HTTP endpoints alone (for scripts and the canvas)")
    _common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8051)
    p.set_defaults(func=cmd_serve)


def _common(p) -> None:
    add_dataset_args(p)
    p.add_argument("--set", default="default", help="label set (default: default)")


def _open(args):
    from pointlabel.pointlabels.storage import PointLabelStore
    dataset = dataset_of(args)
    annotations = store_of(args, dataset)
    return dataset, annotations, PointLabelStore.for_store(annotations)


def cmd_stats(args) -> int:
    from pointlabel.pointlabels.stats import label_set_counts
    _, _, store = _open(args)
    s = label_set_counts(store, args.set)
    if args.json:
        print(json.dumps(s))
        return 0
    print(f"{s['frames']} frames, {s['points']} points, {s['labelled']} labelled")
    print(f"{'id':>5} {'class':<22} {'points':>10} {'share':>7} {'frames':>6}")
    for c in s["classes"]:
        print(f"{c['id']:>5} {c['name']:<22} {c['points']:>10} {c['points'] / max(s['points'], 1):>7.1%} {c['frames']:>6}")
    return 0


def cmd_paint(args) -> int:
    from pointlabel.pointlabels.ops import FramePoints, apply_request
    text = Path(args.request[1:]).read_text() if args.request.startswith("@") else args.request
    try:
        request = json.loads(text)
    except json.JSONDecodeError as e:
        raise PointlabelError(f"--request is not JSON ({e})") from None
    if not isinstance(request, dict):
        raise PointlabelError("--request must be a JSON object")
    dataset, annotations, store = _open(args)
    request = {**request, "client": request.get("client", args.client), "label_set": args.set}
    res = apply_request(store, FramePoints(dataset, args.frame, annotations, args.set), request)
    print(json.dumps(res.to_dict()))
    return 0


def _revert(args, undo: bool) -> int:
    _, _, store = _open(args)
    res = (store.undo if undo else store.redo)(args.set, args.client, args.frame)
    print(json.dumps({"frame": None, "changed": 0} if res is None else res.to_dict()))
    return 0


def cmd_undo(args) -> int:
    return _revert(args, True)


def cmd_redo(args) -> int:
    return _revert(args, False)


def cmd_propagate(args) -> int:
    from pointlabel.pointlabels.propagate import propagate_frame
    dataset, annotations, store = _open(args)
    for fid in (args.src, args.dst):
        dataset.frame(fid)  # the dataset's one unknown-frame error
    res, tr = propagate_frame(store, dataset, args.src, args.dst, annotations, args.set, args.client,
                              args.max_dist, args.overwrite)
    print(json.dumps({**res.to_dict(), "boxed": tr.n_boxed, "static": tr.n_static, "poses": tr.used_poses}))
    return 0


def cmd_classes(args) -> int:
    from pointlabel.pointlabels.classmap import read_class_map
    _, _, store = _open(args)
    if args.load:
        store.set_class_map(read_class_map(args.load), args.set)
    cm = store.class_map(args.set)
    for i, name in sorted(cm.names.items()):
        print(f"{i:>5} {name:<22} #{''.join(f'{c:02x}' for c in cm.colour(i))}")
    return 0


def cmd_serve(args) -> int:
    from pointlabel.pointlabels.http import serve
    dataset, annotations, _ = _open(args)
    serve(dataset, annotations, args.host, args.port)
    return 0


def cmd_compare_points(args, dataset, store) -> int:
    """`compare --points`: per-class IoU and mIoU of two point label sets (B the reference)."""
    from pointlabel.pointlabels.storage import PointLabelStore
    from pointlabel.qa.point_compare import compare_point_labels, open_point_labels
    plstore = PointLabelStore.for_store(store)
    a, b = open_point_labels(args.a, plstore), open_point_labels(args.b, plstore)
    names = plstore.class_map(args.b if not Path(args.b).is_dir() else "default").names
    r = compare_point_labels(a, b, dataset, dataset.frame_ids, names)
    if r.frames == 0:
        raise PointlabelError(f"B ({b.name}) has no point labels for any frame of the dataset")
    if args.json:
        print(json.dumps(r.to_dict()))
        return 0
    print(f"A = {a.name}, B = {b.name} (reference); {r.frames} frames, {r.points} points B labels")
    print(f"{'id':>5} {'class':<22} {'IoU':>6} {'A pts':>9} {'B pts':>9} {'TP':>9} {'FP':>9} {'FN':>9}")
    for c in r.classes:
        print(f"{c.id:>5} {c.name:<22} {c.iou:>6.3f} {c.points_a:>9} {c.points_b:>9} {c.tp:>9} {c.fp:>9} {c.fn:>9}")
    print(f"mIoU {r.miou:.3f}   accuracy {r.accuracy:.3f}")
    return 0
