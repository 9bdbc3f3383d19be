"""Team mode in Chromium against the real server (`pointlabel serve` in a subprocess, accounts
made with `pointlabel users add`, a task with `pointlabel tasks create`): the login page; the
signed-in labeller's page cannot edit outside their task or give a verdict (403); a
labeller sees "my tasks", starts and submits; a reviewer sees the task in the queue and sends
it to rework with a comment (and rejects an object through the API); the labeller sees the
comment and the rejected object; the admin page (team report) with its plots. Run it alone."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pointlabel.api.client import ApiClient
from pointlabel.team.serving import TeamServer, cli_add_user

from .conftest import DOCS

pytestmark = pytest.mark.browser
BOX = {"type": "cuboid", "label": "Car", "center": [12.0, 1.0, -0.8], "size": [4.0, 1.8, 1.5], "yaw": 0.1}


def act_id(task: int, to: str) -> str:
    return json.dumps({"task": task, "to": to, "type": "team-act"}, separators=(",", ":"))


def login(page, url: str, name: str, secret: str) -> None:
    page.d.delete_all_cookies()
    page.d.get(url + "/")
    page.wait("return document.getElementById('login-form') !== null", what="the login page")
    assert "/login" in page.d.current_url
    page.type_into("login-name", name, enter=False)
    page.type_into("login-secret", secret, enter=True)
    page.wait("var u = document.getElementById('team-user'); return u && u.innerText.indexOf(arguments[0]) >= 0",
              90, f"{name} signed in", name)


def text_of(page, element_id: str) -> str:
    return page.js("var e = document.getElementById(arguments[0]); return e ? e.innerText : ''", element_id)


def test_login_my_tasks_review_loop_and_admin_page(page, kitti_root, tmp_path):
    db = str(tmp_path / "team.sqlite")
    admin = cli_add_user(db, "admin1", "admin", password="admin-password")
    lab = cli_add_user(db, "lab1", "labeller", password="lab1-password")
    rev = cli_add_user(db, "rev1", "reviewer", password="rev1-password")
    r = subprocess.run([sys.executable, "-m", "pointlabel.cli", "tasks", "create", str(kitti_root), "--db", db,
                        "--frames", "000000:000001", "--assignee", "lab1", "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    task = json.loads(r.stdout)[0]["id"]
    with TeamServer(kitti_root, db, token=admin, log=tmp_path / "server.log") as server:
        box = ApiClient(server.url, token=lab).create("000000", BOX)
        # a wrong password stays on the login page
        page.d.delete_all_cookies()
        page.d.get(server.url + "/login")
        page.type_into("login-name", "lab1", enter=False)
        page.type_into("login-secret", "not-the-password", enter=True)
        page.wait("return document.getElementById('login-error') !== null", what="the login error")
        assert all("401" in e for e in page.errors())  # the refused sign-in's answer, nothing else

        login(page, server.url, "lab1", "lab1-password")
        page.wait("return document.getElementById('team-task-%d') !== null" % task, what="my tasks")
        assert "My tasks" in text_of(page, "team-tasks") and "todo" in text_of(page, f"team-task-{task}")
        # the signed-in page cannot edit outside the task, nor give a verdict (403 with its cookie)
        other = ApiClient(server.url, token=admin).create("000006", BOX)
        fetch = """var done = arguments[arguments.length - 1];
            fetch(arguments[0], {method: 'POST', headers: {'Content-Type': 'application/json'},
                  body: JSON.stringify(arguments[1])}).then(function (r) { done(r.status); });"""
        nudge = {"client": "tab-x", "ops": [{"op": "nudge", "frame": "000006", "id": other["id"], "action": "forward",
                                             "coarse": False}]}
        assert page.d.execute_async_script(fetch, "/_pointlabel/edit", nudge) == 403
        review = f"/api/v1/annotations/{box['id']}/review"
        assert page.d.execute_async_script(fetch, review, {"verdict": "accepted"}) == 403
        page.d.get_log("browser")  # the two refusals are logged by the browser as failed loads
        page.click(act_id(task, "in_progress"))
        page.wait("return document.getElementById(arguments[0]) !== null", 60, "the submit button",
                  act_id(task, "submitted"))
        page.click(act_id(task, "submitted"))
        page.wait("var e = document.getElementById('team-task-%d'); return e && e.innerText.indexOf('submitted') >= 0"
                  % task, what="submitted")
        assert not page.errors()

        login(page, server.url, "rev1", "rev1-password")
        page.wait("return document.getElementById('team-queue-%d') !== null" % task, what="the review queue")
        ApiClient(server.url, token=rev).request("POST", f"/annotations/{box['id']}/review",
                                                 {"verdict": "rejected", "comment": "box too loose"})
        page.click(f"team-review-{task}")  # open the task: its first frame, in the Review tab
        page.wait("var b = document.getElementById('tab-review-btn'); return b && b.className.indexOf('active') >= 0",
                  what="the Review tab")
        assert "frame=000000" in page.d.current_url
        page.wait("return document.getElementById('team-queue-%d') !== null" % task, what="the queue again")
        page.type_into("team-comment", "the car in 000000 is too loose", enter=False)
        page.click(act_id(task, "rework"))
        page.wait("return document.getElementById('team-queue-%d') === null" % task, what="the task left the queue")

        login(page, server.url, "lab1", "lab1-password")
        page.wait("var e = document.getElementById('team-task-%d'); return e && e.innerText.indexOf('rework') >= 0"
                  % task, what="rework")
        panel = text_of(page, "team-tasks")
        assert "the car in 000000 is too loose" in panel and "rev1" in panel
        assert "box too loose" in panel and box["id"][:8] in panel  # the object's verdict reached the labeller
        page.screenshot("team_labeller.png")
        assert not page.errors()

        login(page, server.url, "admin1", admin)  # the API token works as the password too
        page.d.get(server.url + "/team/admin")
        page.wait("return document.querySelectorAll('.js-plotly-plot').length >= 5", what="the admin page's plots")
        assert "lab1" in text_of(page, "team-people")


def test_admin_page_of_a_simulated_day(page, tmp_path):
    """The admin page on a small simulated day (3 frames; docs/team_admin.png)."""
    from pointlabel.store import AnnotationStore
    from pointlabel.team.simulate import run
    from pointlabel.team.users import UserBook
    day = run(tmp_path / "day", frames=3, speed=240.0)
    metrics = day["metrics"]
    assert set(metrics["people"]) >= {"ana", "ben", "cleo"} and metrics["tasks"] == {"accepted": 4}
    store = AnnotationStore(day["db"])
    token = UserBook(store).reset_token("admin")
    store.close()
    with TeamServer(tmp_path / "day" / "seq", day["db"], token=token, log=tmp_path / "server.log") as server:
        page.d.set_window_size(1400, 1000)
        login(page, server.url, "admin", token)
        page.d.get(server.url + "/team/admin")
        page.wait("return document.querySelectorAll('.js-plotly-plot').length >= 6", what="the admin page's plots")
        people = text_of(page, "team-people")
        assert all(name in people for name in ("ana", "ben", "cleo"))
        page.screenshot("team_admin.png", also=DOCS / "team_admin.png")
        assert not page.errors()
