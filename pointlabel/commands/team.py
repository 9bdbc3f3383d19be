"""`users`, `tasks` and `report team`: team mode's accounts, tasks and metrics (pointlabel.team)."""
from __future__ import annotations

import json
import sys

from pointlabel.errors import PointlabelError


def _db_args(p, dataset_optional: bool = True) -> None:
    p.add_argument("--db", help="the store's database: a SQLite file or postgresql://user@host/db")
    if dataset_optional:
        p.add_argument("--dataset", help="use the dataset's default store (pointlabel.sqlite beside it) "
                                         "instead of --db")


def _store(args):
    from pointlabel.store import AnnotationStore
    from pointlabel.store.open import open_store
    if getattr(args, "dataset_obj", None) is not None:
        return open_store(args.dataset_obj, args.db)
    if args.db:
        return AnnotationStore(args.db)
    if getattr(args, "dataset", None):
        from pointlabel.datasets.detect import open_dataset
        return open_store(open_dataset(args.dataset), None)
    raise PointlabelError("say which database holds the accounts: --db FILE|URL or --dataset DIR")


def register(sub) -> None:
    u = sub.add_parser("users", help="team accounts: add, list, remove, reset-token")
    us = u.add_subparsers(dest="users_cmd", metavar="ACTION", required=True)
    a = us.add_parser("add", help="a new account; prints its API token (shown once)")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=("admin", "labeller", "reviewer"))
    a.add_argument("--password-stdin", action="store_true", help="read a web-login password from stdin")
    a.add_argument("--json", action="store_true", help='print {"name", "role", "token"}')
    _db_args(a)
    a.set_defaults(func=cmd_users_add)
    ls = us.add_parser("list", help="the accounts")
    ls.add_argument("--json", action="store_true")
    _db_args(ls)
    ls.set_defaults(func=cmd_users_list)
    rm = us.add_parser("remove", help="remove an account (its token and sessions stop working)")
    rm.add_argument("name")
    _db_args(rm)
    rm.set_defaults(func=cmd_users_remove)
    rt = us.add_parser("reset-token", help="a new API token (the old one and the user's web sessions end)")
    rt.add_argument("name")
    rt.add_argument("--json", action="store_true")
    _db_args(rt)
    rt.set_defaults(func=cmd_users_reset)

    t = sub.add_parser("tasks", help="team tasks: create (split a frame range, assign), list")
    ts = t.add_subparsers(dest="tasks_cmd", metavar="ACTION", required=True)
    c = ts.add_parser("create", help="tasks over a frame range of a dataset")
    c.add_argument("dataset", help="dataset folder")
    c.add_argument("--frames", required=True, metavar="FIRST:LAST", help="frame range (inclusive), e.g. 000000:000049")
    c.add_argument("--assignee", help="user name, or several comma-separated (tasks dealt out in turn)")
    c.add_argument("--split", type=int, metavar="N", help="N consecutive frames per task (by count)")
    c.add_argument("--parts", type=int, metavar="K", help="K tasks of consecutive frames (by sequence order)")
    c.add_argument("--set", default="default", help="label set (default: default)")
    c.add_argument("--json", action="store_true")
    c.add_argument("--db", help="annotation store (default: pointlabel.sqlite beside the dataset)")
    c.set_defaults(func=cmd_tasks_create)
    tl = ts.add_parser("list", help="the tasks of a dataset")
    tl.add_argument("dataset", help="dataset folder")
    tl.add_argument("--assignee")
    tl.add_argument("--state")
    tl.add_argument("--json", action="store_true")
    tl.add_argument("--db", help="annotation store (default: pointlabel.sqlite beside the dataset)")
    tl.set_defaults(func=cmd_tasks_list)

    r = sub.add_parser("report", help="reports: 'report team DATASET' (team metrics)")
    rs = r.add_subparsers(dest="report_cmd", metavar="REPORT", required=True)
    rt = rs.add_parser("team", help="per person and class: objects/h, time per object, turnaround, rework, "
                                    "errors, rejection reasons, agreement")
    rt.add_argument("dataset", help="dataset folder")
    rt.add_argument("--html", metavar="FILE", help="also write the report with its plots as one HTML page")
    rt.add_argument("--set", default="default", help="label set (default: default)")
    rt.add_argument("--json", action="store_true")
    rt.add_argument("--db", help="annotation store (default: pointlabel.sqlite beside the dataset)")
    rt.set_defaults(func=cmd_report_team)


def _dataset(args):
    from pointlabel.datasets.detect import open_dataset
    args.dataset_obj = open_dataset(args.dataset)
    return args.dataset_obj


def cmd_users_add(args) -> int:
    from pointlabel.team.users import UserBook
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise PointlabelError("--password-stdin: no password on stdin")
    user, token = UserBook(_store(args)).add(args.name, args.role, password)
    if args.json:
        print(json.dumps({"name": user.name, "role": user.role, "token": token}))
    else:
        print(f"{user.name} ({user.role}) token: {token}\n(shown once; the database keeps only its hash)")
    return 0


def cmd_users_list(args) -> int:
    from pointlabel.team.users import UserBook
    users = UserBook(_store(args)).list()
    if args.json:
        print(json.dumps([u.to_dict() for u in users]))
    else:
        for u in users:
            print(f"{u.name:<24} {u.role}")
        if not users:
            print("no accounts (the app and API are open to everyone on this machine)")
    return 0


def cmd_users_remove(args) -> int:
    from pointlabel.team.users import UserBook
    UserBook(_store(args)).remove(args.name)
    print(f"removed {args.name}")
    return 0


def cmd_users_reset(args) -> int:
    from pointlabel.team.users import UserBook
    token = UserBook(_store(args)).reset_token(args.name)
    print(json.dumps({"name": args.name, "token": token}) if args.json else f"{args.name} token: {token}")
    return 0


def cmd_tasks_create(args) -> int:
    from pointlabel.team.tasks import TaskBook, dataset_key, frame_range, split
    ds = _dataset(args)
    frames = frame_range(args.frames, list(ds.frame_ids))
    chunks = split(frames, args.split, args.parts)
    people = [p.strip() for p in args.assignee.split(",") if p.strip()] if args.assignee else [None]
    book = TaskBook(_store(args))
    made = [book.create(dataset_key(ds.root), chunk, people[k % len(people)], label_set=args.set)
            for k, chunk in enumerate(chunks)]
    if args.json:
        print(json.dumps([t.to_dict() for t in made]))
    else:
        for t in made:
            print(f"task {t.id}: frames {t.first_frame}:{t.last_frame} ({len(t.frames)}) → {t.assignee or 'nobody'}")
    return 0


def cmd_tasks_list(args) -> int:
    from pointlabel.team.tasks import TaskBook, dataset_key
    ds = _dataset(args)
    tasks = TaskBook(_store(args)).list(dataset_key(ds.root), assignee=args.assignee, state=args.state)
    if args.json:
        print(json.dumps([t.to_dict() for t in tasks]))
    else:
        for t in tasks:
            last = f"  “{t.comments[-1]['text']}”" if t.comments else ""
            print(f"task {t.id:<4} {t.first_frame}:{t.last_frame} ({len(t.frames)} frames)  {t.assignee or '-':<14} "
                  f"{t.state}{last}")
        if not tasks:
            print("no tasks")
    return 0


def cmd_report_team(args) -> int:
    from pathlib import Path
    from pointlabel.team.metrics import compute
    from pointlabel.team.report import text, to_html
    from pointlabel.team.tasks import dataset_key
    ds = _dataset(args)
    m = compute(_store(args), dataset_key(ds.root), args.set)
    print(json.dumps(m.to_dict(), default=str) if args.json else text(m))
    if args.html:
        Path(args.html).write_text(to_html(m))
        if not args.json:
            print(f"wrote {args.html}")
    return 0
