"""Nothing acknowledged is lost: the real server in a subprocess takes a burst of API edits
from several clients, is SIGKILLed in the middle of it, restarted, and every acknowledged edit
(create, update, delete: each an (id, version) with the body sent) is found again, in the
append-only history and in the state the restarted API serves. On SQLite and on a real
PostgreSQL. The figures (sent / acknowledged / found) go to artifacts/crash_api.json."""
from __future__ import annotations

import http.client
import json
import random
import threading
import time

import pytest

from pointlabel.api.client import ApiClient, ApiError, ServerProcess
from pointlabel.store import AnnotationStore

from .conftest import ARTIFACTS, store_location

ROUNDS = 3
CLIENTS = 6
BURST_S = 3.0


class Burst:
    """CLIENTS threads editing their own boxes until the server dies. Per acknowledged edit:
    (id, version, the state it made: dict or None for a delete)."""

    def __init__(self, url: str, frames: list[str], seed: int):
        self.url, self.frames, self.seed = url, frames, seed
        self.sent = 0
        self.acked: list[tuple[str, int, dict | None]] = []
        self.in_flight: dict[int, str | None] = {}
        self.lock = threading.Lock()
        self.errors: list[str] = []

    def _client(self, k: int) -> None:
        rng = random.Random(self.seed * 100 + k)
        api = ApiClient(self.url, client=f"crash-{self.seed}-{k}", timeout=10)
        live: dict[str, tuple[int, dict]] = {}
        try:
            while True:
                op = rng.random()
                if not live or op < 0.4:
                    body = {"type": "cuboid", "label": rng.choice(["Car", "Van", "Pedestrian"]),
                            "center": [round(rng.uniform(5, 40), 3), round(rng.uniform(-10, 10), 3), -0.8],
                            "size": [4.0, 1.8, 1.5], "yaw": round(rng.uniform(-3, 3), 3), "track": k}
                    frame = rng.choice(self.frames)
                    self._start(k, None)
                    r = api.create(frame, body)
                    self._ack(k, r["id"], r["version"], body)
                    live[r["id"]] = (r["version"], body)
                elif op < 0.9:
                    aid = rng.choice(list(live))
                    v, body = live[aid]
                    change = {"yaw": round(rng.uniform(-3, 3), 3), "center": [round(rng.uniform(5, 40), 3), 0.0, -0.8]}
                    self._start(k, aid)
                    r = api.update(aid, v, **change)
                    body = {**body, **change}
                    self._ack(k, aid, r["version"], body)
                    live[aid] = (r["version"], body)
                else:
                    aid = rng.choice(list(live))
                    v, _ = live.pop(aid)
                    self._start(k, aid)
                    api.delete(aid, v)
                    self._ack(k, aid, v + 1, None)
        except ApiError as e:  # a refusal would be a bug: these clients never conflict
            self.errors.append(str(e))
        except (OSError, http.client.HTTPException, ValueError):
            pass  # the server was killed (mid-response: a short or unparsable answer)
        finally:
            api.close()

    def _start(self, k, aid):
        with self.lock:
            self.sent += 1
            self.in_flight[k] = aid

    def _ack(self, k, aid, version, body):
        with self.lock:
            self.acked.append((aid, version, body))
            self.in_flight[k] = None

    def run_and_kill(self, server: ServerProcess) -> None:
        threads = [threading.Thread(target=self._client, args=(k,), daemon=True) for k in range(CLIENTS)]
        [t.start() for t in threads]
        time.sleep(BURST_S)
        server.kill()
        [t.join(timeout=30) for t in threads]


def _same(found: dict, sent: dict) -> bool:
    """The stored dict (model JSON) holds what the API body said."""
    return (found["label"] == sent["label"] and found["track_id"] == sent.get("track")
            and all(abs(a - b) < 1e-9 for a, b in zip(found["center"], sent["center"]))
            and abs(found["yaw"] - sent["yaw"]) < 1e-9 and list(found["size_lwh"]) == sent["size"])


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkill_mid_burst_loses_no_acknowledged_edit(backend, kitti_root, tmp_path, request):
    db = store_location(backend, tmp_path, request)
    frames = ["000000", "000001", "000002"]
    totals = {"backend": backend, "rounds": ROUNDS, "clients": CLIENTS, "sent": 0, "acknowledged": 0, "found": 0}
    latest: dict[str, tuple[int, dict | None]] = {}
    for rnd in range(ROUNDS):
        server = ServerProcess(kitti_root, db, log=tmp_path / f"server{rnd}.log").start()
        burst = Burst(server.url, frames, seed=rnd)
        burst.run_and_kill(server)
        assert not burst.errors, burst.errors[:3]
        assert len(burst.acked) > 20, "the burst was too short to mean anything"
        totals["sent"] += burst.sent
        totals["acknowledged"] += len(burst.acked)

        # every acknowledged edit is in the history, as sent
        store = AnnotationStore(db)
        rows = {(h.annotation_id, h.version): h for h in store.history()}
        for aid, version, body in burst.acked:
            h = rows.get((aid, version))
            ok = h is not None and (h.after is None if body is None else h.after is not None and _same(h.after, body))
            totals["found"] += ok
            latest[aid] = (version, body)
        store.close()

        # and the restarted server serves the latest acknowledged state (or one in-flight step on)
        server = ServerProcess(kitti_root, db, log=tmp_path / f"server{rnd}b.log").start()
        api = ApiClient(server.url)
        served = {a["id"]: a for f in frames for a in api.annotations(f)}
        api.close()
        server.stop()
        unacked = {aid for aid in burst.in_flight.values() if aid}
        for aid, (version, body) in latest.items():
            got = served.get(aid)
            if body is None:
                assert got is None, f"{aid} was deleted (acknowledged) but is served"
            elif aid in unacked and (got is None or got["version"] == version + 1):
                continue  # an edit in flight at the kill may or may not have committed
            else:
                assert got is not None and got["version"] == version, (aid, version, got)
                assert got["yaw"] == pytest.approx(body["yaw"]) and got["center"] == pytest.approx(body["center"])
        latest = {aid: vb for aid, vb in latest.items() if aid not in unacked}
    if backend == "sqlite":
        import sqlite3
        assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "crash_api.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[backend] = totals
    path.write_text(json.dumps(figures, indent=1))
    print(f"\ncrash test {backend}: {totals}")
    assert totals["found"] == totals["acknowledged"]
