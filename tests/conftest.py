"""Shared fixtures: where the read-only real data lives (../shared beside the project)."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
KITTI = SHARED / "kitti" / "training"
SCANS = SHARED / "scans"


@pytest.fixture(scope="session")
def kitti_root() -> Path:
    assert KITTI.is_dir(), f"the real KITTI frames are expected in {KITTI}"
    return KITTI


@pytest.fixture(scope="session")
def scans_root() -> Path:
    assert SCANS.is_dir(), f"the real scan files are expected in {SCANS}"
    return SCANS


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory, monkeypatch):
    """Dataset settings the tests store go to a temporary config folder, never the user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the whole run: Debian's `postgresql`, started in a temporary
    folder (pointlabel.store.pgtemp), stopped and removed at the end."""
    from pointlabel.store.pgtemp import TempPostgres
    with TempPostgres() as pg:
        yield pg


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty store location on each backend: a SQLite file, or a new database on the
    test PostgreSQL (a URL)."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite")
    return request.getfixturevalue("postgres").create_database()
