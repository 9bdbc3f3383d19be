"""Scans in the app (no browser): the PCL mug scene, `--up -y`, opens coloured by its RGB and
the right way up; a folder of scans opens without cameras (the camera row collapses)."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from pointlabel.app import create_app, ids
from pointlabel.app import wire
from pointlabel.app.endpoints import cloud_message
from pointlabel.datasets.detect import open_dataset
from pointlabel.store import open_store

MUG = "table_scene_mug_stereo_textured.pcd"


def find(component, cid):
    """The component of a layout with id `cid` (None: not there)."""
    if getattr(component, "id", None) == cid:
        return component
    children = getattr(component, "children", None)
    for ch in children if isinstance(children, (list, tuple)) else [children]:
        if ch is not None and hasattr(ch, "to_plotly_json"):
            hit = find(ch, cid)
            if hit is not None:
                return hit
    return None


def classes_in(component) -> set:
    """Every className string of a layout."""
    names = {getattr(component, "className", None)}
    children = getattr(component, "children", None)
    for ch in children if isinstance(children, (list, tuple)) else [children]:
        if ch is not None and hasattr(ch, "to_plotly_json"):
            names |= classes_in(ch)
    return names


def table_normal(pts: np.ndarray, seed: int = 0) -> np.ndarray:
    """The unit normal of the largest plane (RANSAC, 1 cm), pointing to the side where the
    objects standing on it are (the most points 2-15 cm off the plane, over it)."""
    rng = np.random.default_rng(seed)
    best, n_best, p_best = 0, None, None
    for _ in range(300):
        p = pts[rng.choice(len(pts), 3, replace=False)]
        n = np.cross(p[1] - p[0], p[2] - p[0])
        if np.linalg.norm(n) < 1e-9:
            continue
        n /= np.linalg.norm(n)
        k = int((np.abs((pts - p[0]) @ n) < 0.01).sum())
        if k > best:
            best, n_best, p_best = k, n, p[0]
    d = (pts - p_best) @ n_best
    on = np.abs(d) < 0.01
    lo, hi = pts[on].min(0), pts[on].max(0)
    over = np.all((pts >= lo - 0.01) & (pts <= hi + 0.01), axis=1)
    up = ((d > 0.02) & (d < 0.15) & over).sum() >= ((d < -0.02) & (d > -0.15) & over).sum()
    assert best > 0.3 * len(pts)  # the table is the largest surface of the scene
    return n_best if up else -n_best


def test_mug_scan_opens_coloured_by_rgb_and_z_up(scans_root, tmp_path):
    from pointlabel.cli import build_parser
    from pointlabel.commands.common import dataset_of, join_signed_axes
    # the command line as a user types it: `--up -y` (a negative axis is a value, not an option)
    argv = ["serve", str(scans_root / MUG), "--up", "-y", "--db", str(tmp_path / "x.sqlite")]
    args = build_parser().parse_args(join_signed_axes(argv))
    assert args.up == "-y"
    ds = dataset_of(args)
    assert ds.up == "-y" and ds.rig(ds.frame_ids[0]) is None
    app = create_app(ds, open_store(ds, tmp_path / "x.sqlite"))
    s = app.pointlabel_session
    layout = app.layout()
    mode = find(layout, ids.COLOR_MODE).value
    assert mode == "rgb" and s.has_rgb()
    assert "cameras-row collapsed" in classes_in(layout)  # no cameras: one line, not a third of the page

    # the sweep as the canvas receives it: downsampled to the budget, each point in its own colour
    fid = ds.frame_ids[0]
    meta, arrays = wire.unpack(cloud_message(s, 0))
    frame = s.frame(fid)
    idx, voxel = frame.view_indices(s.config.budget.view3d)
    assert meta["voxel"] == voxel is not None
    assert len(arrays["xyz"]) == len(idx) <= s.config.budget.view3d < len(frame.xyz)  # 209k valid points
    assert np.array_equal(arrays["xyz"], frame.xyz[idx])
    assert np.array_equal(arrays["rgb"], frame.cloud.rgb[idx])  # the scene's 139 colours, exactly
    assert len(np.unique(arrays["rgb"], axis=0)) > 100

    # the right way up: the table's normal, towards the mug on it, points up (+z). The camera
    # looked down at the table, so it is tilted by that pitch (about 32 degrees): `--up` turns
    # the axes, it does not level the scan.
    # (The figure's points are the cloud's, as asserted above; the plane is fitted to a random
    # subset of the whole cloud, where the table is the largest surface: the voxel grid of the
    # view thins the dense near table more than the far wall.)
    sub = np.random.default_rng(1).choice(len(frame.xyz), 40_000, replace=False)
    n = table_normal(frame.xyz[sub].astype(float))
    tilt = np.degrees(np.arccos(n[2]))
    assert n[2] > 0.8, f"table normal {n.round(3)}: {tilt:.0f} degrees from +z"
    assert 25 < tilt < 40  # measured 32 degrees: the stereo camera's pitch
    # in the file's own axes (y down) the same scene lies on its side
    raw = open_dataset(scans_root / MUG, up="z").load_cloud(fid).xyz.astype(float)
    assert abs(table_normal(raw[sub])[2]) < 0.6


def test_a_folder_of_scans_opens_without_cameras(scans_root, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    for name in ("fast_gicp_251370668.pcd", "small_gicp_target.ply", "bunny.pcd"):
        shutil.copy(scans_root / name, folder / name)
    ds = open_dataset(folder)
    app = create_app(ds, open_store(ds, tmp_path / "f.sqlite"))
    s = app.pointlabel_session
    assert s.frame_ids == ["bunny", "fast_gicp_251370668", "small_gicp_target"] and s.camera_names == []
    layout = app.layout()
    assert "cameras-row collapsed" in classes_in(layout) and find(layout, ids.COLOR_MODE).value == "height"
    from pointlabel.app.endpoints import camera_message
    for i, fid in enumerate(s.frame_ids):
        meta, arrays = wire.unpack(cloud_message(s, i))
        n, budget = len(s.frame(fid).xyz), s.config.budget.view3d
        sent = len(arrays["xyz"])
        assert sent == n if n <= budget else 0.85 * budget <= sent <= budget  # 397 .. 64k points
        assert meta["frame"] == fid
        assert camera_message(s, i, "none") is None


@pytest.mark.parametrize("up, normal_z", [("-y", 1), ("y", -1)])
def test_the_up_axis_decides_which_way_the_table_faces(scans_root, up, normal_z):
    """The check the mug test relies on can fail: with the opposite axis the table faces down."""
    ds = open_dataset(scans_root / MUG, up=up)
    xyz = ds.load_cloud(ds.frame_ids[0]).xyz.astype(float)
    sub = xyz[np.random.default_rng(1).choice(len(xyz), 40_000, replace=False)]
    assert np.sign(table_normal(sub)[2]) == normal_z
