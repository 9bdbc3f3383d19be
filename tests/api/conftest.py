"""Fixtures of the API tests: the real server (`pointlabel serve`) in a subprocess on
127.0.0.1, on the real KITTI frames (read in place), its store a SQLite file under tmp or a
database on the test PostgreSQL (tests/conftest.py: postgres)."""
from __future__ import annotations

from pathlib import Path

import pytest

from pointlabel.api.client import ServerProcess

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def store_location(backend: str, tmp_path: Path, request) -> str:
    if backend == "sqlite":
        return str(tmp_path / "labels.sqlite")
    return request.getfixturevalue("postgres").create_database()


@pytest.fixture(scope="module")
def api_server(kitti_root, tmp_path_factory):
    """One served KITTI dataset (SQLite store) for a test module."""
    tmp = tmp_path_factory.mktemp("api")
    server = ServerProcess(kitti_root, tmp / "labels.sqlite", log=tmp / "server.log").start()
    yield server
    server.stop()
