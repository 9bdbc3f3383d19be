"""The app as a WSGI application for several worker processes (gunicorn).

Each worker builds its own app (its own frame cache and database connections) from the
settings in the environment, so `gunicorn pointlabel.app.wsgi:application` works as well as
`pointlabel serve --workers N` (which sets them):

  POINTLABEL_DATASET   the dataset folder or file
  POINTLABEL_DB        the store (a SQLite file or postgresql://...; default: beside the dataset)
  POINTLABEL_SERVE     JSON: label_set, classes, guidelines (a file), point_budget, host,
                       allowed_hosts, max_body_mb, auth_token

Everything that matters (annotations, versions, history, undo, reviews, tasks, users, the
login cookie's secret) is in the database, so any worker serves any request and a login
survives a worker's restart.
"""
from __future__ import annotations

import json
import os

ENV_DATASET, ENV_DB, ENV_SERVE = "POINTLABEL_DATASET", "POINTLABEL_DB", "POINTLABEL_SERVE"


def build_from_env():
    """The Flask server (WSGI callable) of the app the environment describes."""
    from pointlabel.app.factory import create_app
    from pointlabel.app.guard import install_guards
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.errors import PointlabelError
    from pointlabel.qa.guidelines import load_guidelines
    from pointlabel.store.open import open_store
    root = os.environ.get(ENV_DATASET)
    if not root:
        raise PointlabelError(f"{ENV_DATASET} is not set (the dataset to serve)")
    opts = json.loads(os.environ.get(ENV_SERVE) or "{}")
    dataset = open_dataset(root)
    store = open_store(dataset, os.environ.get(ENV_DB) or None)
    options = {"label_set": opts.get("label_set", "default"), "classes": opts.get("classes"),
               "guidelines": load_guidelines(opts.get("guidelines"))}
    if opts.get("point_budget"):
        from pointlabel.app.config import PointBudget
        options["budget"] = PointBudget(view3d=int(opts["point_budget"]))
    app = create_app(dataset, store, **options)
    install_guards(app.server, opts.get("host", "127.0.0.1"), opts.get("allowed_hosts", ()),
                   int(float(opts.get("max_body_mb", 4.0)) * (1 << 20)), opts.get("auth_token"))
    return app.server


_app = None


def application(environ, start_response):
    """Built on the first request of each worker process (after gunicorn's fork)."""
    global _app
    if _app is None:
        _app = build_from_env()
    return _app(environ, start_response)


def run_gunicorn(host: str, port: int, workers: int, threads: int = 8, timeout: int = 120) -> None:
    """Serve `application` with gunicorn: `workers` processes of `threads` threads each; the
    master restarts a worker that dies. Runs until interrupted."""
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):
        def load_config(self):
            for k, v in {"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread",
                         "threads": threads, "timeout": timeout, "graceful_timeout": 10,
                         "accesslog": None, "errorlog": "-", "loglevel": "warning"}.items():
                self.cfg.set(k, v)

        def load(self):
            server = build_from_env()  # in each worker, after the fork
            return server

    _App().run()
