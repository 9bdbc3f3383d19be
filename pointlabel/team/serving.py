"""`pointlabel serve --workers N` (gunicorn, pointlabel.app.wsgi), and a served app in a
subprocess with accounts for tests, benchmarks and the simulated day."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from pointlabel.api.client import ServerProcess
from pointlabel.errors import PointlabelError


def serve_workers(args, dataset, options: dict) -> int:
    from pointlabel.app.wsgi import ENV_DATASET, ENV_DB, ENV_SERVE, run_gunicorn
    if not 1 <= args.workers <= 64:
        raise PointlabelError("--workers must be from 1 to 64")
    opts = {"label_set": options["label_set"], "classes": options.get("classes"), "guidelines": args.guidelines,
            "point_budget": args.point_budget, "host": args.host, "allowed_hosts": args.allowed_host,
            "max_body_mb": args.max_body_mb, "auth_token": args.auth_token}
    os.environ[ENV_DATASET] = str(dataset.root)
    if args.db:
        os.environ[ENV_DB] = str(args.db)
    os.environ[ENV_SERVE] = json.dumps(opts)
    print(f"pointlabel: {dataset.root} with {args.workers} gunicorn workers; open http://{args.host}:{args.port}/",
          flush=True)
    run_gunicorn(args.host, args.port, args.workers)
    return 0


class TeamServer(ServerProcess):
    """`pointlabel serve` in a subprocess whose readiness is checked with `token` (accounts
    exist: an anonymous request gets 401). `workers`: gunicorn worker processes (0: one process)."""

    def __init__(self, dataset, db, token: str | None = None, workers: int = 0, **kw):
        extra = list(kw.pop("extra_args", ()))
        if workers:
            extra += ["--workers", str(workers)]
        super().__init__(dataset, db, extra_args=extra, **kw)
        self.token = token
        self.workers = workers

    new_session = True  # gunicorn's master and workers: kill() ends the group
    stop_timeout = 20.0

    def start(self, timeout: float = 180.0) -> "TeamServer":
        return super().start(timeout)

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the master)."""
        if self.proc is None:
            return []
        try:
            out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True,
                                 text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        return [int(x) for x in out.split()]


def cli_add_user(db: str, name: str, role: str, password: str | None = None) -> str:
    """`pointlabel users add NAME --role ROLE --db DB --json` (the real command) -> the token."""
    cmd = [sys.executable, "-m", "pointlabel.cli", "users", "add", name, "--role", role, "--db", str(db), "--json"]
    if password:
        cmd.append("--password-stdin")
    r = subprocess.run(cmd, input=(password + "\n") if password else None, capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        raise PointlabelError(f"users add {name} failed: {r.stderr.strip()}")
    out = json.loads(r.stdout)
    if out["name"] != name or out["role"] != role:
        raise PointlabelError(f"users add printed {out}")
    return out["token"]
