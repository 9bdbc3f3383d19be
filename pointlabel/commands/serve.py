"""`serve`: open a dataset in the annotation app."""
from __future__ import annotations

from pointlabel.commands.common import add_dataset_args, dataset_of, store_of


def register(sub) -> None:
    from pointlabel.app.config import DEFAULT_BUDGET_3D
    p = sub.add_parser("serve", help="open a dataset in the annotation app (a local web page)")
    add_dataset_args(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8050, help="port (default: 8050)")
    p.add_argument("--set", default="default", help="label set to edit (default: default)")
    p.add_argument("--guidelines", metavar="FILE",
                   help="project guidelines (JSON: classes, colours, size limits, guideline text); "
                        "default: KITTI's classes")
    p.add_argument("--classes", help="comma-separated cuboid classes (default: the guidelines' classes)")
    p.add_argument("--point-budget", type=int, metavar="N",
                   help=f"most points the 3D view receives (default {DEFAULT_BUDGET_3D}; voxel-downsampled "
                        "above, full resolution around the selected box)")
    p.add_argument("--debug", action="store_true", help="Dash debug mode (reloads, dev tools)")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args) -> int:
    from pointlabel.app.server import serve
    from pointlabel.privacy.access_log import log_store_access
    from pointlabel.qa.guidelines import load_guidelines
    dataset = dataset_of(args)
    store = store_of(args, dataset)
    log_store_access(store, "open", dataset.root, {"command": "serve"})
    classes = [c.strip() for c in args.classes.split(",") if c.strip()] if args.classes else None
    options = {"label_set": args.set, "classes": classes, "guidelines": load_guidelines(args.guidelines)}
    if args.point_budget:
        from pointlabel.app.config import PointBudget
        options["budget"] = PointBudget(view3d=args.point_budget)
    serve(dataset, store, host=args.host, port=args.port, debug=args.debug, **options)
    return 0
