"""Several workers (`pointlabel serve --workers 4`, gunicorn) on a real PostgreSQL: SIGKILL of
one worker in the middle of a burst of API edits loses no acknowledged edit (the master
restarts it; the sent / acknowledged / found figures go to artifacts/team_sigkill.json), and a
web login survives the worker's death and a restart of the whole server (the cookie's secret
is in the database)."""
from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
import urllib.parse
from pathlib import Path

from pointlabel.api.client import ApiClient, ApiError

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CLIENTS = 8


def _burst(url, token, frames, until, k, out):
    rng = random.Random(k)
    api = ApiClient(url, token=token, client=f"burst-{k}", timeout=30)
    sent, acked, live = 0, [], {}
    while time.monotonic() < until:
        sent += 1
        try:
            if not live or rng.random() < 0.3:
                body = {"type": "cuboid", "label": "Car", "center": [rng.uniform(5, 30), rng.uniform(-8, 8), -0.8],
                        "size": [4.0, 1.8, 1.5], "yaw": rng.uniform(-3, 3)}
                r = api.create(frames[k % len(frames)], body)
                live[r["id"]] = r["version"]
                acked.append((r["id"], r["version"], body["yaw"]))
            else:
                aid = rng.choice(list(live))
                yaw = rng.uniform(-3, 3)
                r = api.update(aid, live[aid], yaw=yaw)
                live[aid] = r["version"]
                acked.append((aid, r["version"], yaw))
        except ApiError as e:
            if e.status == 409 and (e.body or {}).get("current"):  # a cut answer of a committed edit
                live[e.body["current"]["id"]] = e.body["current"]["version"]
                continue
            out.setdefault("errors", []).append(str(e))
        except OSError:  # the connection died with the worker: not acknowledged
            api.close()
            for aid in list(live):  # the version may have moved without our knowing
                cur = {a["id"]: a["version"] for a in api.annotations(frames[k % len(frames)])}
                live[aid] = cur.get(aid, live[aid])
    out[k] = (sent, acked)


def _login(url_port, name, secret):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", url_port, timeout=30)
    c.request("POST", "/login", body=urllib.parse.urlencode({"name": name, "secret": secret, "next": "/"}),
              headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    r.read()
    return r.getheader("Set-Cookie").split(";", 1)[0]


def _get(port, path, cookie):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers={"Cookie": cookie})
    r = c.getresponse()
    r.read()
    return r.status


def test_sigkill_of_a_worker_loses_no_acknowledged_edit(postgres, kitti_root, tmp_path):
    from pointlabel.store import AnnotationStore
    from pointlabel.team.serving import TeamServer
    from pointlabel.team.serving import cli_add_user as add_user
    db = postgres.create_database()
    token = add_user(db, "admin1", "admin", password="admin-password")
    server = TeamServer(kitti_root, db, token=token, workers=4, log=tmp_path / "server.log").start()
    try:
        cookie = _login(server.port, "admin1", "admin-password")
        assert _get(server.port, "/api/v1/me", cookie) == 200
        workers = server.worker_pids()
        assert len(workers) == 4, workers
        frames = ApiClient(server.url, token=token).frames()[:4]
        out: dict = {}
        until = time.monotonic() + 8.0
        threads = [threading.Thread(target=_burst, args=(server.url, token, frames, until, k, out))
                   for k in range(CLIENTS)]
        [t.start() for t in threads]
        time.sleep(3.0)
        victim = workers[1]
        os.kill(victim, signal.SIGKILL)
        [t.join() for t in threads]
        assert not out.get("errors"), out.get("errors")[:3]
        # the master replaced the worker; the login still works on whichever worker answers
        deadline = time.monotonic() + 60
        while len(server.worker_pids()) < 4 and time.monotonic() < deadline:
            time.sleep(0.5)
        after = server.worker_pids()
        assert victim not in after and len(after) == 4
        assert all(_get(server.port, "/api/v1/me", cookie) == 200 for _ in range(8))
    finally:
        server.stop()
    store = AnnotationStore(db)
    rows = {(h.annotation_id, h.version): h for h in store.history()}
    store.close()
    sent = sum(v[0] for k, v in out.items() if isinstance(k, int))
    acked = [a for k, v in out.items() if isinstance(k, int) for a in v[1]]
    found = sum(1 for aid, v, yaw in acked if (aid, v) in rows and abs(rows[(aid, v)].after["yaw"] - yaw) < 1e-9)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "team_sigkill.json").write_text(json.dumps(
        {"workers": 4, "clients": CLIENTS, "sent": sent, "acknowledged": len(acked), "found": found,
         "killed_worker": victim}, indent=1))
    assert len(acked) > 50
    assert found == len(acked)
    # a restart of the whole server: the same cookie still signs in (the secret is in the database)
    server2 = TeamServer(kitti_root, db, token=token, workers=2, log=tmp_path / "server2.log").start()
    try:
        assert _get(server2.port, "/api/v1/me", cookie) == 200
        assert _get(server2.port, "/", cookie) == 200
    finally:
        server2.stop()
