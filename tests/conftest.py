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
