"""Roles over the real HTTP API (server in a subprocess, SQLite and PostgreSQL): no
credentials 401; a labeller edits only in their tasks' frames and cannot review (403); a
reviewer's verdict and rework comment reach the labeller; an admin creates tasks; a removed
user or a reset token is locked out; every change is recorded under the signed-in user."""
from __future__ import annotations

import http.client
import json
import subprocess
import sys
import urllib.parse


from pointlabel.api.client import ApiClient

BOX = {"type": "cuboid", "label": "Car", "center": [12.0, 1.0, -0.8], "size": [4.0, 1.8, 1.5], "yaw": 0.1}


def api(server, tokens, who):
    return ApiClient(server.url, token=tokens[who] if who else None, client=f"test-{who}")


def raw(server, method, path, headers=None, body=None):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    out = (r.status, dict(r.getheaders()), data)
    c.close()
    return out


def test_no_credentials_401_and_pages_redirect(team_server):
    server, tokens, _ = team_server
    assert api(server, tokens, None).request("GET", "/frames").status == 401
    assert api(server, tokens, None).request("POST", "/frames/000000/annotations", BOX).status == 401
    bad = ApiClient(server.url, token="not-a-token")
    assert bad.request("GET", "/frames").status == 401
    status, headers, _ = raw(server, "GET", "/")
    assert status == 302 and headers["Location"].startswith("/login")
    for path in ("/_pointlabel/cloud/0", "/_dash-layout", "/team/admin"):
        assert raw(server, "GET", path)[0] in (302, 401), path
    assert raw(server, "POST", "/_dash-update-component", {"Content-Type": "application/json"}, b"{}")[0] == 401
    assert raw(server, "GET", "/api/v1/openapi.json")[0] == 200  # the document stays readable


def test_admin_creates_tasks_labeller_cannot(team_server):
    server, tokens, _ = team_server
    lab = api(server, tokens, "lab1")
    r = lab.request("POST", "/tasks", {"frames": "000000:000001", "assignee": "lab1"})
    assert r.status == 403, r.body
    r = api(server, tokens, "admin1").request("POST", "/tasks", {"frames": "000000:000002", "assignee": "lab1",
                                                                  "split": 2})
    assert r.status == 201, r.body
    made = r.body["tasks"]
    assert [t["frames"] for t in made] == ["000000:000001", "000002:000002"]
    assert all(t["assignee"] == "lab1" and t["state"] == "todo" for t in made)
    r = api(server, tokens, "admin1").request("POST", "/tasks", {"frames": "000006:000008", "assignee": "lab2"})
    assert r.status == 201
    mine = lab.request("GET", "/tasks?assignee=lab1").body["tasks"]
    assert {t["id"] for t in mine} >= {t["id"] for t in made}
    assert api(server, tokens, "admin1").request("POST", "/tasks", {"frames": "000000:999999"}).status == 422
    r = api(server, tokens, "admin1").request("POST", "/tasks", {"frames": "000000", "assignee": "nobody"})
    assert r.status == 422


def test_labeller_edits_only_in_their_tasks(team_server):
    server, tokens, db = team_server
    lab, admin = api(server, tokens, "lab1"), api(server, tokens, "admin1")
    mine = lab.create("000000", BOX)  # in lab1's task
    r = lab.request("POST", "/frames/000006/annotations", BOX)  # lab2's task
    assert r.status == 403, r.body
    r = lab.request("POST", "/frames/000009/annotations", BOX)  # nobody's task, but lab1 has tasks
    assert r.status == 403
    theirs = admin.create("000006", BOX)
    r = lab.request("PUT", f"/annotations/{theirs['id']}", {"version": theirs["version"], "yaw": 0.5})
    assert r.status == 403
    r = lab.request("DELETE", f"/annotations/{theirs['id']}?version={theirs['version']}")
    assert r.status == 403
    assert admin.annotations("000006")[-1]["version"] == theirs["version"]  # untouched
    moved = lab.update(mine["id"], mine["version"], yaw=0.4)
    # a labeller without tasks in the dataset (rev1 is a reviewer: edits everywhere)
    api(server, tokens, "rev1").create("000009", BOX)
    from pointlabel.store import AnnotationStore
    store = AnnotationStore(db)
    authors = {(h.annotation_id, h.version): h.author for h in store.history()}
    store.close()
    assert authors[(mine["id"], moved["version"])] == "lab1"
    assert authors[(theirs["id"], theirs["version"])] == "admin1"


def test_canvas_edit_endpoint_is_checked(team_server):
    server, tokens, _ = team_server
    lab = api(server, tokens, "lab1")
    a = api(server, tokens, "admin1").create("000006", BOX)
    body = json.dumps({"client": "tab-1", "ops": [{"op": "nudge", "frame": "000006", "id": a["id"],
                                                   "action": "forward", "coarse": False}]}).encode()
    h = {"Authorization": f"Bearer {tokens['lab1']}", "Content-Type": "application/json"}
    assert raw(server, "POST", "/_pointlabel/edit", h, body)[0] == 403
    assert raw(server, "POST", "/_pointlabel/edit", {"Content-Type": "application/json"}, body)[0] == 401
    assert lab.annotations("000006")[-1]["version"] == a["version"]


def test_review_roles_and_the_loop(team_server):
    server, tokens, _ = team_server
    lab, rev, lab2 = api(server, tokens, "lab1"), api(server, tokens, "rev1"), api(server, tokens, "lab2")
    a = lab.create("000001", BOX)
    assert lab.request("POST", f"/annotations/{a['id']}/review", {"verdict": "accepted"}).status == 403
    assert rev.request("POST", f"/annotations/{a['id']}/review", {"verdict": "rejected"}).status == 422  # no comment
    assert rev.request("POST", "/annotations/nope/review", {"verdict": "accepted"}).status == 404
    r = rev.request("POST", f"/annotations/{a['id']}/review", {"verdict": "rejected", "comment": "box too long"})
    assert r.status == 200 and r.body["reviewer"] == "rev1"
    task = next(t for t in lab.request("GET", "/tasks?assignee=lab1").body["tasks"] if t["frames"].startswith("000000"))
    assert lab2.request("PATCH", f"/tasks/{task['id']}", {"state": "submitted"}).status == 403
    assert lab.request("PATCH", f"/tasks/{task['id']}", {"state": "in_progress"}).status == 200
    assert lab.request("PATCH", f"/tasks/{task['id']}", {"state": "submitted"}).body["state"] == "submitted"
    assert lab.request("PATCH", f"/tasks/{task['id']}", {"state": "accepted"}).status == 403
    assert rev.request("PATCH", f"/tasks/{task['id']}", {"state": "rework"}).status == 422  # needs a comment
    assert lab.request("PATCH", f"/tasks/{task['id']}", {"assignee": "lab2"}).status == 403  # admins assign
    r = rev.request("PATCH", f"/tasks/{task['id']}", {"state": "rework", "comment": "fix the long car"})
    assert r.status == 200 and r.body["state"] == "rework"
    # the labeller sees the verdict and the comment
    seen = next(t for t in lab.request("GET", "/tasks?assignee=lab1").body["tasks"] if t["id"] == task["id"])
    assert seen["state"] == "rework" and seen["comments"][-1]["text"] == "fix the long car"
    assert seen["comments"][-1]["author"] == "rev1"
    assert lab.request("PATCH", f"/tasks/{task['id']}", {"state": "submitted"}).status == 200
    assert rev.request("PATCH", f"/tasks/{task['id']}", {"state": "accepted"}).body["state"] == "accepted"
    assert lab.request("GET", "/me").body == {"name": "lab1", "role": "labeller"}


def test_login_cookie_and_lockout(team_server):
    server, tokens, db = team_server
    form = urllib.parse.urlencode({"name": "lab1", "secret": "wrong-password", "next": "/"}).encode()
    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    assert raw(server, "POST", "/login", ctype, form)[0] == 401
    form = urllib.parse.urlencode({"name": "lab1", "secret": "lab1-password", "next": "/?frame=000001"}).encode()
    status, headers, _ = raw(server, "POST", "/login", ctype, form)
    assert status == 302 and headers["Location"] == "/?frame=000001"
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    assert raw(server, "GET", "/", {"Cookie": cookie})[0] == 200
    assert raw(server, "GET", "/api/v1/me", {"Cookie": cookie})[2] == b'{"name":"lab1","role":"labeller"}\n'
    assert raw(server, "GET", "/", {"Cookie": cookie + "x"})[0] == 302
    evil = urllib.parse.urlencode({"name": "lab1", "secret": "lab1-password", "next": "//evil.example/"}).encode()
    assert raw(server, "POST", "/login", ctype, evil)[1]["Location"] == "/"
    # a removed user's token stops working; a reset token ends the old token and the web session
    subprocess.run([sys.executable, "-m", "pointlabel.cli", "users", "remove", "lab2", "--db", db], check=True,
                   capture_output=True, timeout=120)
    assert api(server, tokens, "lab2").request("GET", "/frames").status == 401
    r = subprocess.run([sys.executable, "-m", "pointlabel.cli", "users", "reset-token", "lab1", "--db", db, "--json"],
                       check=True, capture_output=True, text=True, timeout=120)
    new = json.loads(r.stdout)["token"]
    assert api(server, tokens, "lab1").request("GET", "/frames").status == 401
    assert ApiClient(server.url, token=new).request("GET", "/frames").status == 200
    assert raw(server, "GET", "/", {"Cookie": cookie})[0] == 302
    tokens["lab1"] = new
