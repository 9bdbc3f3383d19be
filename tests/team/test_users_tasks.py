"""Accounts, tasks and metrics as a library and through the CLI, on SQLite and PostgreSQL:
passwords argon2-hashed and tokens sha256-hashed (never stored in clear), the task state
machine and who may move it, can_edit, the Dash edit gate (the signed-in user is the author,
a frame outside a labeller's tasks refused), and the team metrics on a history with known
times (breaks > 5 min are not active time)."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from sqlalchemy import select

from pointlabel.errors import PointlabelError
from pointlabel.model import Cuboid
from pointlabel.store import AnnotationStore
from pointlabel.store.schema import users as U
from pointlabel.team.tasks import Forbidden, TaskBook, frame_range, split
from pointlabel.team.users import UserBook

FRAMES = [f"{i:06d}" for i in range(10)]


def car(x: float, label: str = "Car", aid: str | None = None) -> Cuboid:
    kw = {"id": aid} if aid else {}
    return Cuboid(center=np.array([x, 0.0, -0.8]), size_lwh=np.array([4.0, 1.8, 1.5]), yaw=0.0, label=label, **kw)


@pytest.fixture
def store(db_url):
    s = AnnotationStore(db_url)
    yield s
    s.close()


def test_credentials_are_stored_hashed(store, tmp_path):
    from pointlabel.team.users import accounts_exist
    users = UserBook(store)
    assert not users.any() and not accounts_exist(store) and not accounts_exist(tmp_path / "none.sqlite")
    u, token = users.add("ana", "labeller", password="correct horse")
    assert users.any() and len(token) >= 40 and accounts_exist(store) and accounts_exist(store.url_string())
    with store.engine.connect() as c:
        row = c.execute(select(U).where(U.c.name == "ana")).one()
    assert token not in (row.token_hash, row.password_hash) and row.password_hash.startswith("$argon2id$")
    assert "correct horse" not in row.password_hash
    assert users.by_token(token) == u and users.by_token(token + "x") is None
    assert users.login("ana", "correct horse") == u and users.login("ana", token) == u
    assert users.login("ana", "wrong") is None and users.login("nobody", "correct horse") is None
    new = users.reset_token("ana")
    assert users.by_token(token) is None and users.by_token(new).token_gen == 2
    with pytest.raises(PointlabelError, match="already"):
        users.add("ana", "admin")
    with pytest.raises(PointlabelError, match="role"):
        users.add("bob", "boss")
    with pytest.raises(PointlabelError, match="8 characters"):
        users.add("bob", "admin", password="short")
    with pytest.raises(PointlabelError, match="user name"):
        users.add("../x", "admin")
    users.remove("ana")
    assert users.by_token(new) is None
    with pytest.raises(PointlabelError, match="no user"):
        users.remove("ana")


def test_task_states_and_who_moves_them(store):
    users = UserBook(store)
    ana, _ = users.add("ana", "labeller")
    ben, _ = users.add("ben", "labeller")
    rita, _ = users.add("rita", "reviewer")
    boss, _ = users.add("boss", "admin")
    book = TaskBook(store)
    t = book.create("ds", FRAMES[0:5], "ana", actor="boss")
    assert t.state == "todo" and t.first_frame == "000000" and t.last_frame == "000004"
    with pytest.raises(Forbidden):
        book.move(t.id, "in_progress", ben)
    with pytest.raises(Forbidden):
        book.move(t.id, "accepted", ana)  # todo -> accepted: no such step
    assert book.move(t.id, "in_progress", ana).started_ts is not None
    assert book.move(t.id, "submitted", ana).submitted_ts is not None
    with pytest.raises(Forbidden):
        book.move(t.id, "accepted", ana)
    with pytest.raises(PointlabelError, match="comment"):
        book.move(t.id, "rework", rita)
    t = book.move(t.id, "rework", rita, "boxes too loose")
    assert t.state == "rework" and t.comments[-1]["text"] == "boxes too loose" and t.comments[-1]["author"] == "rita"
    book.move(t.id, "submitted", ana)
    assert book.move(t.id, "accepted", rita).accepted_ts is not None
    assert book.move(t.id, "todo", boss).state == "todo"  # an admin may force any state
    with pytest.raises(Forbidden):
        book.assign(t.id, "ben", rita)
    assert book.assign(t.id, "ben", boss).assignee == "ben"
    steps = [(e["from_state"], e["to_state"]) for e in book.events("ds")]
    assert steps[:7] == [(None, "todo"), ("todo", "in_progress"), ("in_progress", "submitted"),
                         ("submitted", "rework"), ("rework", "submitted"), ("submitted", "accepted"),
                         ("accepted", "todo")]
    with pytest.raises(PointlabelError, match="no user"):
        book.create("ds", FRAMES[:2], "nobody")


def test_can_edit_and_frame_ranges(store):
    users = UserBook(store)
    ana, _ = users.add("ana", "labeller")
    ben, _ = users.add("ben", "labeller")
    rita, _ = users.add("rita", "reviewer")
    book = TaskBook(store)
    assert book.can_edit(ana, "ds", "000007")  # no tasks yet: everywhere
    book.create("ds", frame_range("000002:000004", FRAMES), "ana")
    assert book.can_edit(ana, "ds", "000003") and not book.can_edit(ana, "ds", "000007")
    assert book.can_edit(ana, "other", "000007")  # tasks are per dataset
    assert book.can_edit(ben, "ds", "000003") and book.can_edit(rita, "ds", "000009")
    assert [len(c) for c in split(FRAMES, per_task=4)] == [4, 4, 2]
    assert [len(c) for c in split(FRAMES, parts=3)] == [4, 4, 2]
    for bad in ("000004:000002", "000000:999999", "x"):
        with pytest.raises(PointlabelError):
            frame_range(bad, FRAMES)


def test_dash_edit_gate_records_the_user_and_refuses_other_frames(kitti_root, tmp_path):
    from flask import g

    from pointlabel.app.factory import create_app
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.store import open_store
    from pointlabel.team.auth import EditRefused
    from pointlabel.team.tasks import dataset_key
    ds = open_dataset(kitti_root)
    store = open_store(ds, tmp_path / "s.sqlite")
    ana, _ = UserBook(store).add("ana", "labeller")
    TaskBook(store).create(dataset_key(ds.root), ["000000"], "ana")
    app = create_app(ds, store)
    session = app.pointlabel_session
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        g.pointlabel_user = ana
        tab = session.for_client("tab-1")
        tab.commit("000000", upserts=[car(10.0)])
        with pytest.raises(EditRefused):
            tab.commit("000001", upserts=[car(12.0)])
        from pointlabel.app import actions
        out = actions.refuses_stale(lambda s, f: s.commit(f, upserts=[car(14.0)]))(tab, "000001")
        assert out.message.startswith("not saved:") and "ana may edit only" in out.message
    assert [h.author for h in store.history()] == ["ana"]
    assert not store.frame("000001").cuboids
    # verdicts in the app's Review tab: not from a labeller; a reviewer's under their name
    from pointlabel.app import review as app_review
    rita, _ = UserBook(store).add("rita", "reviewer")
    aid = store.frame("000000").cuboids[0].id
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        g.pointlabel_user = ana
        out = app_review.set_verdict(session.for_client("tab-1"), "000000", {"id": aid}, "accepted", "")
        assert "only a reviewer" in out.message and session.review.verdict(aid) is None
        g.pointlabel_user = rita
        app_review.set_verdict(session.for_client("tab-2"), "000000", {"id": aid}, "rejected", "too long")
    assert session.review.verdict(aid).reviewer == "rita"


def test_metrics_active_time_breaks_turnaround_rework_and_agreement(store, monkeypatch):
    from pointlabel.qa.review import ReviewBook
    from pointlabel.store import annotation_store
    from pointlabel.team.metrics import compute
    clock = {"t": 1_000_000.0}
    monkeypatch.setattr(annotation_store.time, "time", lambda: clock["t"])

    def at(t):
        clock["t"] = 1_000_000.0 + t

    users = UserBook(store)
    ana, _ = users.add("ana", "labeller")
    rita, _ = users.add("rita", "reviewer")
    ben, _ = users.add("ben", "labeller")
    book = TaskBook(store)
    task = book.create("ds", ["000000", "000001"], "ana")
    book.move(task.id, "in_progress", ana)
    t_start = book.get(task.id).started_ts
    # ana: 4 cars 60 s apart, a 20 min break, 2 pedestrians 30 s apart -> active 3*60 + 30 = 210 s
    for k, t in enumerate((0, 60, 120, 180)):
        at(t)
        store.apply("000000", upserts=[car(10.0 + 6 * k)], author="ana")
    for k, t in enumerate((1380, 1410)):
        at(t)
        store.apply("000001", upserts=[car(5.0 + 3 * k, label="Pedestrian")], author="ana")
    # ben labels frame 000000 too: two of ana's cars exactly, one elsewhere
    for k, x in enumerate((10.0, 16.0, 40.0)):
        at(2000 + 10 * k)
        store.apply("000000", upserts=[car(x)], author="ben")
    monkeypatch.undo()
    book.move(task.id, "submitted", ana)
    book.move(task.id, "rework", rita, "fix it")
    book.move(task.id, "submitted", ana)
    book.move(task.id, "accepted", rita)
    rb = ReviewBook(store)
    anas = [c for c in store.frame("000000").cuboids][:4]
    rb.set_verdict(anas[0].id, "rejected", "box too loose", reviewer="rita")
    rb.set_verdict(anas[0].id, "accepted", reviewer="rita")  # fixed: still a first-pass error
    rb.set_verdict(anas[1].id, "accepted", reviewer="rita")
    m = compute(store, "ds")
    a = m.people["ana"]
    assert a["objects"] == 6 and a["active_h"] == pytest.approx(210 / 3600, abs=1e-3) and a["breaks"] == 1
    assert a["s_per_object"] == pytest.approx(35.0)
    assert m.per_class["ana"]["Pedestrian"] == {"objects": 2, "active_s": 30.0, "objects_per_h": 240.0,
                                                "s_per_object": 15.0}
    assert a["rework_rate"] == 0.5 and a["tasks_submitted"] == 2
    first_submit = [e["ts"] for e in book.events("ds") if e["to_state"] == "submitted"][0]
    assert a["turnaround_s_median"] == pytest.approx(first_submit - t_start, abs=0.2)
    assert m.class_errors["Car"]["judged"] == 2 and m.class_errors["Car"]["rejected"] == 1
    assert m.person_errors["ana"] == {"judged": 2, "rejected": 1, "rate": 0.5}
    assert m.rejection_reasons == [("box too loose", 1)]
    ag = m.agreement[0]
    assert (ag["a"], ag["b"], ag["frames"], ag["matches"], ag["n_a"], ag["n_b"]) == ("ana", "ben", 1, 2, 4, 3)
    assert ag["f1"] == pytest.approx(4 / 7, abs=1e-3) and ag["mean_iou"] == pytest.approx(1.0)


def test_cli_users_tasks_and_report(kitti_root, tmp_path):
    db = str(tmp_path / "s.sqlite")

    def cli(*args, stdin=None):
        return subprocess.run([sys.executable, "-m", "pointlabel.cli", *args], capture_output=True, text=True,
                              input=stdin, timeout=120)

    r = cli("users", "add", "ana", "--role", "labeller", "--db", db, "--password-stdin", "--json",
            stdin="pw-of-ana-1\n")
    assert r.returncode == 0 and set(json.loads(r.stdout)) == {"name", "role", "token"}
    r = cli("users", "add", "ana", "--role", "labeller", "--db", db)
    assert r.returncode != 0 and "already" in r.stderr and "Traceback" not in r.stderr
    assert json.loads(cli("users", "list", "--db", db, "--json").stdout) == [{"name": "ana", "role": "labeller"}]
    r = cli("tasks", "create", str(kitti_root), "--db", db, "--frames", "000000:000009", "--split", "3",
            "--assignee", "ana", "--json")
    assert r.returncode == 0, r.stderr
    assert [(t["frames"], t["n_frames"]) for t in json.loads(r.stdout)] == [("000000:000002", 3), ("000006:000009", 3)]
    r = cli("tasks", "create", str(kitti_root), "--db", db, "--frames", "000000:000003", "--assignee", "ana")
    assert r.returncode != 0 and "no frame '000003'" in r.stderr
    assert "000006:000009" in cli("tasks", "list", str(kitti_root), "--db", db).stdout
    r = cli("report", "team", str(kitti_root), "--db", db, "--html", str(tmp_path / "team.html"))
    assert r.returncode == 0 and "team report" in r.stdout
    assert "plotly" in (tmp_path / "team.html").read_text()[:200000].lower()
    assert cli("users", "remove", "ana", "--db", db).returncode == 0
    assert cli("users", "reset-token", "ana", "--db", db).returncode != 0
    assert "--db" in cli("users", "list").stderr


def test_track_ids_are_unique_across_processes(store):
    """Two app processes (two sessions on one database) taking new track ids in turn and at
    once: never the same id, and above every stored one."""
    import threading

    from pointlabel.team.tracks import next_track_id
    store.apply("000000", upserts=[car(10.0).replace(track_id=41)])
    other = AnnotationStore(store.url_string())
    got = [next_track_id(store, "default"), next_track_id(other, "default")]
    assert got == [42, 43]

    def take(s, out):
        out += [next_track_id(s, "default") for _ in range(15)]

    a, b = [], []
    threads = [threading.Thread(target=take, args=(store, a)), threading.Thread(target=take, args=(other, b))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    other.close()
    assert len(set(a + b + got)) == 32 and min(a + b) > 43
