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
