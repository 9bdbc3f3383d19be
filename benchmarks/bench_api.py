"""Load test of the HTTP API: 20 clients edit through /api/v1 for 60 s against the real server
(`pointlabel serve` in a subprocess on 127.0.0.1; the clients are threads of this process), on
SQLite and on a real PostgreSQL started in a temporary folder (pointlabel.store.pgtemp).

Each client creates, moves and deletes its own boxes (PUT / DELETE with the version it was
based on) over a keep-alive connection and reads its frame now and then. Measured: edits a
second, p50 / p95 latency of an edit, errors (anything but the expected answer), and lost edits
(an acknowledged edit missing from the history, or a last acknowledged state the server does
not serve afterwards). On the real KITTI frames of ../shared/kitti (read in place).

With 4 gunicorn workers on PostgreSQL (team mode: an account, bearer token on every request)
as a third run (issue 14). Rows (per run): edits/s, p95 ms, errors, lost. Run: `python benchmarks/bench_api.py
[seconds]` (also part of `pointlabel bench`; POINTLABEL_BENCH_API_SECONDS shortens it there).
"""
from __future__ import annotations

import http.client
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KITTI = ROOT.parent / "shared" / "kitti" / "training"
CLIENTS = 20
FRAMES: list[str] = []  # the served dataset's first five frames (set by run)
# (backend, gunicorn workers): one process on each backend, and team mode with 4 workers on PostgreSQL
RUNS = (("sqlite", 0), ("postgresql", 0), ("postgresql", 4))


class Client(threading.Thread):
    def __init__(self, url: str, k: int, until: float, token: str | None = None):
        super().__init__(daemon=True)
        self.url, self.k, self.until, self.token = url, k, until, token
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.acked: list[tuple[str, int, dict | None]] = []
        self.live: dict[str, tuple[int, dict]] = {}

    def run(self) -> None:
        from pointlabel.api.client import ApiClient, ApiError
        rng = random.Random(self.k)
        api = ApiClient(self.url, client=f"load-{self.k}", timeout=60, token=self.token)
        frame = FRAMES[self.k % len(FRAMES)]
        n = 0
        while time.monotonic() < self.until:
            op = rng.random()
            t0 = time.perf_counter()
            try:
                if not self.live or op < 0.2:
                    body = {"type": "cuboid", "label": "Car", "track": self.k,
                            "center": [round(rng.uniform(5, 40), 3), round(rng.uniform(-10, 10), 3), -0.8],
                            "size": [4.0, 1.8, 1.5], "yaw": round(rng.uniform(-3, 3), 3)}
                    r = api.create(frame, body)
                    self.live[r["id"]] = (r["version"], body)
                    self.acked.append((r["id"], r["version"], body))
                elif op < 0.9:
                    aid = rng.choice(list(self.live))
                    v, body = self.live[aid]
                    change = {"yaw": round(rng.uniform(-3, 3), 3),
                              "center": [round(rng.uniform(5, 40), 3), round(rng.uniform(-10, 10), 3), -0.8]}
                    r = api.update(aid, v, **change)
                    body = {**body, **change}
                    self.live[aid] = (r["version"], body)
                    self.acked.append((aid, r["version"], body))
                else:
                    aid = rng.choice(list(self.live))
                    v, _ = self.live.pop(aid)
                    api.delete(aid, v)
                    self.acked.append((aid, v + 1, None))
                self.latencies.append(time.perf_counter() - t0)
                n += 1
                if n % 10 == 0:
                    api.annotations(frame)
            except (ApiError, OSError, http.client.HTTPException, ValueError) as e:
                self.errors.append(f"{type(e).__name__}: {e}")
                api.close()
        api.close()


def _lost(db: str, url: str, clients: list[Client], token: str | None = None) -> int:
    """Acknowledged edits missing from the history, plus last acknowledged states not served."""
    from pointlabel.api.client import ApiClient
    from pointlabel.store import AnnotationStore
    store = AnnotationStore(db)
    rows = {(h.annotation_id, h.version): h for h in store.history()}
    store.close()
    lost = 0
    for c in clients:
        for aid, version, body in c.acked:
            h = rows.get((aid, version))
            if h is None or (body is None) != (h.after is None):
                lost += 1
            elif body is not None and (abs(h.after["yaw"] - body["yaw"]) > 1e-9 or h.after["center"] != body["center"]):
                lost += 1
    api = ApiClient(url, token=token)
    served = {a["id"]: a for f in FRAMES for a in api.annotations(f)}
    api.close()
    for c in clients:
        for aid, (version, _) in c.live.items():
            lost += served.get(aid, {}).get("version") != version
    return lost


def run(backend: str, seconds: float, tmp: Path, workers: int = 0) -> dict:
    """`workers` > 0: team mode (an account, every request with its bearer token) served by
    `pointlabel serve --workers N` (gunicorn)."""
    from pointlabel.api.client import ServerProcess
    pg = None
    if backend == "postgresql":
        from pointlabel.store.pgtemp import TempPostgres
        pg = TempPostgres().start()
        db = pg.create_database("load")
    else:
        db = str(tmp / "load.sqlite")
    try:
        token = None
        if workers:
            from pointlabel.store import AnnotationStore
            from pointlabel.team.serving import TeamServer
            from pointlabel.team.users import UserBook
            st = AnnotationStore(db)
            token = UserBook(st).add("loadtest", "admin")[1]
            st.close()
            server_cm = TeamServer(KITTI, db, token=token, workers=workers,
                                   log=tmp / f"server-{backend}-w{workers}.log")
        else:
            server_cm = ServerProcess(KITTI, db, log=tmp / f"server-{backend}.log")
        with server_cm as server:
            from pointlabel.api.client import ApiClient
            FRAMES[:] = ApiClient(server.url, token=token).frames()[:5]
            until = time.monotonic() + seconds
            clients = [Client(server.url, k, until, token) for k in range(CLIENTS)]
            t0 = time.perf_counter()
            [c.start() for c in clients]
            [c.join() for c in clients]
            elapsed = time.perf_counter() - t0
            lat = np.array([x for c in clients for x in c.latencies])
            errors = [e for c in clients for e in c.errors]
            lost = _lost(db, server.url, clients, token)
    finally:
        if pg is not None:
            pg.stop()
    return {"backend": backend + (f", {workers} workers" if workers else ""), "clients": CLIENTS, "seconds": round(elapsed, 1), "edits": int(len(lat)),
            "edits_per_s": round(len(lat) / elapsed, 1), "p50_ms": round(float(np.percentile(lat, 50)) * 1e3, 1),
            "p95_ms": round(float(np.percentile(lat, 95)) * 1e3, 1), "errors": len(errors), "lost": lost,
            "first_errors": errors[:3]}


def bench_rows() -> list[tuple[str, float, str]]:
    if not KITTI.is_dir():
        return [("API load test needs ../shared/kitti", float("nan"), "")]
    seconds = float(os.environ.get("POINTLABEL_BENCH_API_SECONDS", "60"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend, workers in RUNS:
            r = run(backend, seconds, Path(tmp), workers)
            name = f"API load, {CLIENTS} clients, {r['seconds']:.0f} s, {r['backend']}"
            rows += [(f"{name}: edits", r["edits_per_s"], "/s"), (f"{name}: p95 latency", r["p95_ms"], "ms"),
                     (f"{name}: errors", r["errors"], ""), (f"{name}: lost edits", r["lost"], "")]
    return rows


if __name__ == "__main__":
    secs = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    runs = [r for r in RUNS if r[1]] if sys.argv[2:] == ["workers"] else RUNS  # `bench_api.py 60 workers`
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend, workers in runs:
            results.append(run(backend, secs, Path(tmp), workers))
            print(json.dumps(results[-1]), flush=True)
    print("\n| backend | clients | s | edits | edits/s | p50 ms | p95 ms | errors | lost |\n|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['backend']} | {r['clients']} | {r['seconds']} | {r['edits']} | {r['edits_per_s']} | {r['p50_ms']} "
              f"| {r['p95_ms']} | {r['errors']} | {r['lost']} |")
    out = ROOT / "artifacts" / "bench_api.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
