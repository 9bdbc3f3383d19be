"""Point-wise export of scans: labels land on the points inside the cuboid, file coordinates kept."""
import json

import numpy as np

from pointlabel.cli import main
from pointlabel.datasets.clouds import read_cloud
from pointlabel.datasets.folder import FolderDataset
from pointlabel.geometry.boxes import points_in_box_mask
from pointlabel.model import Cuboid
from pointlabel.store import AnnotationStore


def test_cuboid_on_fast_gicp_labels_its_points(scans_root, tmp_path, capsys):
    src = scans_root / "fast_gicp_251370668.pcd"
    ds = FolderDataset(src)
    cloud = ds.load_cloud(ds.frame_ids[0])
    # a box around the densest 4 m cell of the scan, so it surely holds points
    centre = np.median(cloud.xyz[np.linalg.norm(cloud.xyz[:, :2], axis=1) < 15], axis=0)
    box = Cuboid(center=centre, size_lwh=(4, 3, 2), yaw=0.4, label="Car", track_id=42)
    db = tmp_path / "s.sqlite"
    AnnotationStore(db).put(ds.frame_ids[0], box)
    for fmt in ("pcd", "ply"):
        out = tmp_path / fmt
        assert main(["export", str(src), "--format", fmt, "--out", str(out), "--db", str(db)]) == 0
        capsys.readouterr()
        back = read_cloud(out / f"{ds.frame_ids[0]}.{fmt}")
        inside = points_in_box_mask(back.xyz, box.as_array())
        assert inside.sum() > 50
        assert np.array_equal(back.extra["label"] == 1, inside)
        assert set(np.unique(back.extra["instance"][inside])) == {42}
        np.testing.assert_array_equal(back.xyz, cloud.xyz)
        assert json.loads((out / "classes.json").read_text()) == {"0": "unlabelled", "1": "Car"}


def test_up_axis_and_units_are_stored_and_applied(scans_root, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    src = scans_root / "bunny.pcd"
    raw = read_cloud(src)
    ds = FolderDataset(src, up="y", units="mm")
    cloud = ds.load_cloud(ds.frame_ids[0])
    # +y up: dataset z = file y, in metres
    np.testing.assert_allclose(cloud.xyz[:, 2], raw.xyz[:, 1] * 0.001, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(cloud.xyz[:, 1], -raw.xyz[:, 2] * 0.001, rtol=1e-6, atol=1e-9)
    again = FolderDataset(src)  # read-only folder: the settings came back from the config folder
    assert again.up == "+y" and again.units == "mm"


def test_optical_frame_minus_y_up(scans_root, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    src = scans_root / "table_scene_mug_stereo_textured.pcd"
    raw = read_cloud(src)
    cloud = FolderDataset(src, up="-y").load_cloud("table_scene_mug_stereo_textured")
    np.testing.assert_allclose(cloud.xyz[:, 0], raw.xyz[:, 2], atol=1e-6)   # forward = optical z
    np.testing.assert_allclose(cloud.xyz[:, 2], -raw.xyz[:, 1], atol=1e-6)  # up = -y
    assert cloud.rgb is not None and cloud.grid == (480, 640)


def test_info_json_contract_on_scans(scans_root, capsys):
    assert main(["info", str(scans_root / "autzen_trim.las"), "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    f = s["frames"][0]
    assert set(f) >= {"id", "file", "points", "dropped", "fields", "bounds", "offset", "units", "grid"}
    assert f["units"] == "ft" and f["points"] == 110000 and f["grid"] is None
    assert "rgb" in f["fields"] and "intensity" in f["fields"]
    (lo, hi) = np.array(f["bounds"])
    assert (hi - lo).max() < 2000  # re-centred metres, not feet or absolute coordinates
    assert np.abs(f["offset"]).max() > 1e5


def test_folder_with_one_bad_file_opens_the_others(scans_root, tmp_path, capsys):
    import shutil
    shutil.copyfile(scans_root / "bunny.pcd", tmp_path / "bunny.pcd")
    (tmp_path / "broken.pcd").write_bytes((scans_root / "bunny.pcd").read_bytes()[:2000])
    code = main(["info", str(tmp_path), "--json"])
    out, err = capsys.readouterr()
    s = json.loads(out)
    assert code != 0 and [f["id"] for f in s["frames"]] == ["bunny"]
    assert s["errors"][0]["id"] == "broken" and "broken.pcd" in err and "Traceback" not in err
