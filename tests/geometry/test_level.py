import json

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from pointlabel.cli import main
from pointlabel.datasets.folder import FolderDataset
from pointlabel.geometry.level import dominant_plane_normal, levelling_rotation, rotation_between

unit = st.tuples(st.floats(-1, 1), st.floats(-1, 1), st.floats(-1, 1)).filter(
    lambda v: np.linalg.norm(v) > 1e-3).map(lambda v: np.array(v) / np.linalg.norm(v))


@given(unit, unit)
def test_rotation_between_is_a_rotation_taking_a_to_b(a, b):
    R = rotation_between(a, b)
    np.testing.assert_allclose(R @ a, b, atol=1e-9)
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-9)
    assert np.isclose(np.linalg.det(R), 1.0)


def test_tilted_floor_is_levelled():
    rng = np.random.default_rng(1)
    floor = np.c_[rng.uniform(-2, 2, (4000, 2)), rng.normal(0, 0.002, 4000)]
    box = rng.uniform([-0.2, -0.2, 0], [0.2, 0.2, 0.5], (500, 3))
    tilt = rotation_between([0, 0, 1.0], [0.3, -0.2, 0.93])
    pts = np.r_[floor, box] @ tilt.T
    levelled = pts @ levelling_rotation(pts).T
    n = dominant_plane_normal(levelled)
    assert np.degrees(np.arccos(n[2])) < 0.5


def test_mug_scene_up_minus_y_and_level(scans_root, capsys):
    src = str(scans_root / "table_scene_mug_stereo_textured.pcd")
    # `--up -y` (not only `--up=-y`) is accepted by every command
    assert main(["info", src, "--up", "-y", "--json"]) == 0
    tilted = FolderDataset(src).load_cloud("table_scene_mug_stereo_textured")
    n = dominant_plane_normal(tilted.xyz)
    assert 20 < np.degrees(np.arccos(n[2])) < 45  # the camera looked down at the table
    assert main(["info", src, "--level", "--json"]) == 0
    s = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert s["frames"][0]["points"] == 209280
    level = FolderDataset(src).load_cloud("table_scene_mug_stereo_textured")  # settings were stored
    n = dominant_plane_normal(level.xyz)
    assert np.degrees(np.arccos(n[2])) < 1.0
