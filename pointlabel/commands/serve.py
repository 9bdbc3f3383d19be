"""`serve`: open a dataset in the annotation app."""
from __future__ import annotations

import os

from pointlabel.commands.common import add_dataset_args, dataset_of, store_of
from pointlabel.errors import PointlabelError


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
    p.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                   help="a further name browsers may use for this server (repeatable); requests for "
                        "any other Host than localhost, 127.0.0.1, --host and these are refused (421)")
    p.add_argument("--max-body-mb", type=float, default=4.0, metavar="MB",
                   help="largest request body accepted, in MB (default 4; larger: 413)")
    p.add_argument("--auth-token", default=os.environ.get("POINTLABEL_AUTH_TOKEN"), metavar="TOKEN",
                   help="require this token on every request (needed for a --host other than loopback; "
                        "default: $POINTLABEL_AUTH_TOKEN)")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="serve with gunicorn: N worker processes (each with its own frame cache; everything "
                        "else is in the database). Default: one process (Flask's threaded server)")
    p.set_defaults(func=cmd_serve)


def _default_db(args):
    from pointlabel.store.open import default_db_path
    return default_db_path(args.dataset)


def cmd_serve(args) -> int:
    from pointlabel.app.guard import check_bind
    from pointlabel.app.server import serve
    from pointlabel.privacy.access_log import log_store_access
    from pointlabel.qa.guidelines import load_guidelines
    from pointlabel.team.users import accounts_exist
    if args.db and "://" in str(args.db) and accounts_exist(args.db):  # team mode: accounts authenticate
        pass
    else:
        try:
            check_bind(args.host, args.auth_token)  # before the dataset is opened
        except PointlabelError:
            if not accounts_exist(args.db or _default_db(args)):
                raise
    if not 0 < args.max_body_mb <= 1024:
        raise PointlabelError("--max-body-mb must be in (0, 1024]")
    dataset = dataset_of(args)
    store = store_of(args, dataset)
    log_store_access(store, "open", dataset.root, {"command": "serve"})
    classes = [c.strip() for c in args.classes.split(",") if c.strip()] if args.classes else None
    options = {"label_set": args.set, "classes": classes, "guidelines": load_guidelines(args.guidelines)}
    if args.point_budget:
        from pointlabel.app.config import PointBudget
        options["budget"] = PointBudget(view3d=args.point_budget)
    if args.workers:
        from pointlabel.team.serving import serve_workers
        store.close()  # the workers open their own connections after the fork
        return serve_workers(args, dataset, options)
    serve(dataset, store, host=args.host, port=args.port, debug=args.debug, allowed_hosts=args.allowed_host,
          max_body_mb=args.max_body_mb, auth_token=args.auth_token, **options)
    return 0
