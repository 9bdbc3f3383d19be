"""Fixtures of the team tests: accounts made with the real CLI, the real server in a
subprocess (pointlabel.team.serving.TeamServer) on SQLite or the test PostgreSQL."""
from __future__ import annotations

import pytest

from pointlabel.team.serving import cli_add_user as add_user


def team_db(backend: str, tmp_path_factory, request) -> str:
    if backend == "sqlite":
        return str(tmp_path_factory.mktemp("team") / "team.sqlite")
    return request.getfixturevalue("postgres").create_database()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def team_server(request, kitti_root, tmp_path_factory):
    """A served KITTI dataset with an admin, two labellers and a reviewer: (server, tokens, db)."""
    from pointlabel.team.serving import TeamServer
    db = team_db(request.param, tmp_path_factory, request)
    tokens = {"admin1": add_user(db, "admin1", "admin"),
              "lab1": add_user(db, "lab1", "labeller", password="lab1-password"),
              "lab2": add_user(db, "lab2", "labeller"),
              "rev1": add_user(db, "rev1", "reviewer")}
    log = tmp_path_factory.mktemp("log") / f"server-{request.param}.log"
    server = TeamServer(kitti_root, db, token=tokens["admin1"], log=log).start()
    yield server, tokens, db
    server.stop()
