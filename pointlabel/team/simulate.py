"""A simulated day of team work through the HTTP API: three labellers and a reviewer on the
generated sample sequence (sample_data), served by `pointlabel serve` in a subprocess.

An admin splits the sequence into one task per labeller (plus a double-labelled frame for
agreement). Each labeller starts their task and, frame by frame, draws the ground-truth
objects within RANGE_M with their own skill (centre noise, a chance to miss or mislabel an
object, seconds per object by class) and submits. The reviewer takes the queue of submitted
tasks, judges every object against the ground truth (POST /annotations/<id>/review: wrong
class, misplaced box, box too loose) and accepts the task or sends it back to rework with a
comment; the labeller fixes the rejected objects and submits again. The day runs `speed`
times faster than real time (the store's `team.time_scale` meta tells the team report).

    python -m pointlabel.team.simulate OUT_DIR [--frames 6] [--speed 60] [--postgres]

writes OUT_DIR/seq (the sequence), OUT_DIR/day.sqlite (or a temporary PostgreSQL), and the team
report of the day: OUT_DIR/team_report.txt and OUT_DIR/team_report.html (`pointlabel report team`).
"""
from __future__ import annotations

import argparse
import math
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from pointlabel.api.client import ApiClient, ApiError

RANGE_M = 25.0
PER_FRAME = 12  # the nearest objects a labeller draws per frame (keeps the day small)
CLASS_SECONDS = {"Car": 45.0, "Van": 50.0, "Truck": 70.0, "Cyclist": 60.0, "Pedestrian": 35.0}


@dataclass(frozen=True)
class Skill:
    centre_sigma_m: float
    miss: float        # chance of skipping an object
    mislabel: float    # chance of the wrong class
    pace: float        # × CLASS_SECONDS


LABELLERS = {"ana": Skill(0.08, 0.02, 0.02, 0.8), "ben": Skill(0.25, 0.05, 0.10, 1.0),
             "cleo": Skill(0.55, 0.08, 0.05, 1.3)}
REVIEWER = "rita"


def _truth(ds, frame: str):
    cubs = [c for c in ds.reference(frame).cuboids if math.hypot(c.center[0], c.center[1]) <= RANGE_M]
    return sorted(cubs, key=lambda c: math.hypot(c.center[0], c.center[1]))[:PER_FRAME]


def _body(c, label: str, rng: random.Random, sigma: float) -> dict:
    return {"type": "cuboid", "label": label,
            "center": [round(float(c.center[0]) + rng.gauss(0, sigma), 3),
                       round(float(c.center[1]) + rng.gauss(0, sigma), 3), round(float(c.center[2]), 3)],
            "size": [round(float(v) * (1 + abs(rng.gauss(0, sigma / 4))), 3) for v in c.size_lwh],
            "yaw": round(float(c.yaw) + rng.gauss(0, sigma / 5), 4), "track": int(c.track_id or 0)}


def judge(a: dict, truth) -> str | None:
    """The reviewer's reason to reject `a` (None: accept): compared with the nearest truth box."""
    best = min(truth, key=lambda c: math.dist(a["center"][:2], c.center[:2]), default=None)
    if best is None or math.dist(a["center"][:2], best.center[:2]) > 0.4:
        return "box misplaced"
    if a["label"] != best.label:
        return "wrong class"
    if any(s > t * 1.12 for s, t in zip(a["size"], best.size_lwh)):
        return "box too loose"
    return None


class Day:
    def __init__(self, url: str, tokens: dict, ds, tasks: dict, speed: float, seed: int = 0):
        self.url, self.tokens, self.ds, self.tasks, self.speed = url, tokens, ds, tasks, speed
        self.seed = seed
        self.done = threading.Event()
        self.log: list[str] = []

    def wait(self, day_seconds: float) -> None:
        time.sleep(max(day_seconds, 0) / self.speed)

    def api(self, who: str) -> ApiClient:
        return ApiClient(self.url, token=self.tokens[who], client=f"sim-{who}", timeout=60)

    def labeller(self, who: str) -> None:
        rng, skill, api = random.Random(f"{self.seed}-{who}"), LABELLERS[who], self.api(who)
        classes = list(CLASS_SECONDS)
        for task in api.request("GET", f"/tasks?assignee={who}").body["tasks"]:
            api.request("PATCH", f"/tasks/{task['id']}", {"state": "in_progress"})
            for frame in self.tasks[task["id"]]:
                for c in _truth(self.ds, frame):
                    if rng.random() < skill.miss:
                        continue
                    label = rng.choice(classes) if rng.random() < skill.mislabel else c.label
                    self.wait(CLASS_SECONDS.get(c.label, 50) * skill.pace * rng.uniform(0.6, 1.4))
                    r = api.create(frame, _body(c, label, rng, skill.centre_sigma_m))
                    if rng.random() < 0.3:  # a second look: a small correction
                        self.wait(8 * skill.pace)
                        api.update(r["id"], r["version"], yaw=round(float(c.yaw) + rng.gauss(0, 0.02), 4))
            self.wait(rng.uniform(30, 120))
            api.request("PATCH", f"/tasks/{task['id']}", {"state": "submitted"})
            if rng.random() < 0.5:
                self.wait(rng.uniform(400, 900))  # a coffee break (> 5 min: not active time)
        while not self.done.is_set():  # rework: fix what the reviewer rejected, submit again
            for task in api.request("GET", f"/tasks?assignee={who}&state=rework").body["tasks"]:
                api.request("PATCH", f"/tasks/{task['id']}", {"state": "in_progress"})
                for frame in self.tasks[task["id"]]:
                    truth = _truth(self.ds, frame)
                    for a in api.annotations(frame):  # every object of the task's frames the reviewer would reject
                        if truth and judge(a, truth) is not None:
                            c = min(truth, key=lambda t: math.dist(a["center"][:2], t.center[:2]))
                            self.wait(CLASS_SECONDS.get(c.label, 50) * 0.6 * skill.pace)
                            try:
                                api.update(a["id"], a["version"], label=c.label, yaw=float(c.yaw),
                                           center=[float(v) for v in c.center], size=[float(v) for v in c.size_lwh])
                            except ApiError as e:  # another labeller's fix of the same box came first
                                if e.status != 409:
                                    raise
                api.request("PATCH", f"/tasks/{task['id']}", {"state": "submitted"})
            time.sleep(0.3)

    def reviewer(self) -> None:
        api, rng = self.api(REVIEWER), random.Random(f"{self.seed}-rev")
        judged: dict[str, int] = {}
        while not self.done.is_set():
            queue = api.request("GET", "/tasks?state=submitted").body["tasks"]
            for task in queue:
                reasons = []
                for frame in self.tasks[task["id"]]:
                    truth = _truth(self.ds, frame)
                    for a in api.annotations(frame):
                        if judged.get(a["id"]) == a["version"]:
                            continue
                        self.wait(rng.uniform(6, 15))
                        why = judge(a, truth)
                        body = {"verdict": "rejected", "comment": why} if why else {"verdict": "accepted"}
                        api.request("POST", f"/annotations/{a['id']}/review", body)
                        judged[a["id"]] = a["version"]
                        if why:
                            reasons.append(why)
                if reasons:
                    top = max(set(reasons), key=reasons.count)
                    api.request("PATCH", f"/tasks/{task['id']}", {
                        "state": "rework", "comment": f"{len(reasons)} objects rejected, mostly: {top}"})
                else:
                    api.request("PATCH", f"/tasks/{task['id']}", {"state": "accepted"})
            states = {t["state"] for t in api.request("GET", "/tasks").body["tasks"]}
            if states == {"accepted"}:
                self.done.set()
            time.sleep(0.3)


def run(out: Path, frames: int = 6, speed: float = 60.0, postgres: bool = False, seed: int = 0) -> dict:
    import sample_data
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.store import AnnotationStore
    from pointlabel.team.serving import TeamServer
    from pointlabel.team.tasks import TaskBook, dataset_key
    from pointlabel.team.users import UserBook
    if frames < len(LABELLERS):
        raise ValueError(f"a simulated day needs at least {len(LABELLERS)} frames (one task per labeller)")
    out.mkdir(parents=True, exist_ok=True)
    seq = out / "seq"
    if not seq.exists():
        sample_data.generate_sequence(seq, frames=frames, seed=seed, progress=False)
    ds = open_dataset(seq)
    pg = None
    if postgres:
        from pointlabel.store.pgtemp import TempPostgres
        pg = TempPostgres().start()
        db = pg.create_database("day")
    else:
        db = str(out / "day.sqlite")
        Path(db).unlink(missing_ok=True)
    try:
        store = AnnotationStore(db)
        store.set_meta("team.time_scale", speed)
        users = UserBook(store)
        tokens = {"admin": users.add("admin", "admin")[1], REVIEWER: users.add(REVIEWER, "reviewer")[1]}
        for who in LABELLERS:
            tokens[who] = users.add(who, "labeller")[1]
        book, key, ids = TaskBook(store), dataset_key(ds.root), list(ds.frame_ids)
        per = max(1, len(ids) // len(LABELLERS))
        tasks = {}
        for k, who in enumerate(LABELLERS):
            chunk = ids[k * per:(k + 1) * per] if k < len(LABELLERS) - 1 else ids[k * per:]
            t = book.create(key, chunk, who, actor="admin")
            tasks[t.id] = t.frames
        t = book.create(key, ids[:1], "ben", actor="admin")  # frame 0 twice: ana's and ben's (agreement)
        tasks[t.id] = t.frames
        store.close()
        with TeamServer(seq, db, token=tokens["admin"], log=out / "server.log") as server:
            day = Day(server.url, tokens, ds, tasks, speed, seed)
            threads = [threading.Thread(target=day.labeller, args=(w,), daemon=True) for w in LABELLERS]
            threads.append(threading.Thread(target=day.reviewer, daemon=True))
            t0 = time.monotonic()
            [t.start() for t in threads]
            day.done.wait(timeout=900)
            day.done.set()
            [t.join(timeout=30) for t in threads]
            elapsed = time.monotonic() - t0
        cmd = [sys.executable, "-m", "pointlabel.cli", "report", "team", str(seq), "--db", db,
               "--html", str(out / "team_report.html")]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        (out / "team_report.txt").write_text(r.stdout + r.stderr)
        if r.returncode != 0:
            raise RuntimeError(f"report team failed: {r.stderr}")
        import json as _json
        metrics = _json.loads(subprocess.run(cmd[:-2] + ["--json"], capture_output=True, text=True, timeout=300,
                                             check=True).stdout)
        return {"seconds": round(elapsed, 1), "report": r.stdout, "metrics": metrics, "db": db}
    finally:
        if pg is not None:
            pg.stop()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m pointlabel.team.simulate", description=__doc__.split("\n\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--frames", type=int, default=6)
    p.add_argument("--speed", type=float, default=60.0, help="day seconds per real second (default 60)")
    p.add_argument("--postgres", action="store_true", help="on a temporary PostgreSQL instead of SQLite")
    a = p.parse_args(argv)
    res = run(a.out, a.frames, a.speed, a.postgres)
    print(res["report"])
    print(f"simulated in {res['seconds']} s; report: {a.out / 'team_report.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
