"""The generated sequence is faithful: boxes sit on their objects in every camera, LiDAR
returns fall in the boxes, clocks carry their offsets, and the same seed gives the same files.

One short sequence (4 sweeps, seed 0) is generated once for the whole module.
"""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

import sample_data
from calibration.projection import cuboid_box2d
from calibration.transforms import invert, transform_points
from pointlabel.datasets.images import load_rgb
from pointlabel.datasets.native import NativeDataset
from pointlabel.geometry.boxes import points_in_cuboid_mask
from pointlabel.errors import PointlabelError
from sample_data import generate as gen
from sample_data.camera_render import JITTER_MAX
from sample_data.scene import build_scene

FRAMES, SEED = 4, 0
KITTI_CLASSES = {"Car", "Van", "Truck", "Pedestrian", "Person_sitting", "Cyclist", "Tram", "Misc"}


@pytest.fixture(scope="module")
def seq(tmp_path_factory):
    root = sample_data.generate_sequence(tmp_path_factory.mktemp("gen") / "seq", frames=FRAMES,
                                         seed=SEED, progress=False)
    return NativeDataset(root)


def _colour(hex_rgb: str) -> np.ndarray:
    return np.array([int(hex_rgb[i:i + 2], 16) for i in (1, 3, 5)], float)


def _same_hue(pixel: np.ndarray, colour: np.ndarray, max_deg: float = 4.0) -> bool:
    """Shading scales a colour: pixel ~ s * colour. Compare the directions in RGB space."""
    p = np.asarray(pixel, float)
    if p.sum() < 12:  # too dark to tell
        return False
    cos = p @ colour / (np.linalg.norm(p) * np.linalg.norm(colour))
    return np.degrees(np.arccos(np.clip(cos, -1, 1))) <= max_deg


def _world_centres(seq, frame_id):
    """track id -> box centre in the world frame, from the sweep's boxes and its pose."""
    T_world_from_lidar = seq.poses[frame_id]
    return {c.track_id: transform_points(T_world_from_lidar, [c.center])[0]
            for c in seq.reference(frame_id).cuboids}


def _lerp_pose(seq, k: int, t: float):
    """(T_world_from_lidar at time t, weight w): linear through sweeps k and k+1 (w < 0 is
    before sweep k); the rotation is sweep k's (the ego turns < 0.05 deg in 0.1 s)."""
    a_id, b_id = seq.frame_ids[k], seq.frame_ids[k + 1]
    a, b = seq.poses[a_id], seq.poses[b_id]
    w = (t - seq.timestamps[a_id]) / (seq.timestamps[b_id] - seq.timestamps[a_id])
    T = a.copy()
    T[:3, 3] = (1 - w) * a[:3, 3] + w * b[:3, 3]
    return T, w


def test_layout_sizes_and_points(seq):
    meta = json.loads((seq.root / "dataset.json").read_text())
    assert meta["format"] == "pointlabel-native" and meta["generator"]["seed"] == SEED
    assert seq.frame_ids == [f"{k:06d}" for k in range(FRAMES)]
    rig = seq.rig("000000")
    assert rig.camera_names == ["front_left", "front", "front_right"]
    assert [n for n, c in rig.cameras.items() if c.camera.dist is not None] == ["front_left"]
    for fid in seq.frame_ids:
        cloud = seq.load_cloud(fid)
        assert 100_000 <= len(cloud.xyz) <= 135_000
        r = np.linalg.norm(cloud.xyz, axis=1)
        assert r.min() >= 1.9 and r.max() <= 120.1
        assert 0.0 <= cloud.intensity.min() and cloud.intensity.max() <= 1.0
    counts = {c: len(list((seq.root / "cameras" / c).glob("*.png"))) for c in rig.camera_names}
    assert counts == {"front_left": FRAMES, "front": FRAMES, "front_right": FRAMES - 1}


def test_paint_is_brighter_than_asphalt(seq):
    cloud = seq.load_cloud("000000")
    ref = seq.reference("000000")
    pts, inten = cloud.xyz, cloud.intensity
    near_ground = (np.abs(pts[:, 2] + 1.73) < 0.08) & (np.abs(pts[:, 0]) < 25)
    lanes = [p.points for p in ref.polylines if p.label == "lane" and p.attributes["style"] == "solid"]
    d_paint = np.min([np.abs(pts[:, 1] - np.interp(pts[:, 0], lp[:, 0], lp[:, 1])) for lp in lanes], axis=0)
    paint = near_ground & (d_paint < 0.04)
    asphalt = near_ground & (d_paint > 0.5) & (np.abs(pts[:, 1]) < 6.5)
    assert paint.sum() > 50 and asphalt.sum() > 5000
    assert np.median(inten[paint]) > 4 * np.median(inten[asphalt])


def test_ground_truth_is_complete_and_stable(seq):
    scene = build_scene(SEED, FRAMES * gen.SWEEP_PERIOD)
    sizes = {a.track_id: a.size_lwh for a in scene.actors}
    mesh_extent = {a.track_id: np.ptp(a.mesh.vertices, axis=0) for a in scene.actors}
    labels_by_track = {}
    for fid in seq.frame_ids:
        ref = seq.reference(fid)
        assert ref.frame_id == fid
        assert len({c.id for c in ref.cuboids}) == len(ref.cuboids) > 30
        assert {c.label for c in ref.cuboids} <= KITTI_CLASSES
        assert {"Car", "Pedestrian", "Cyclist"} <= {c.label for c in ref.cuboids}
        for c in ref.cuboids:
            np.testing.assert_allclose(c.size_lwh, mesh_extent[c.track_id], atol=1e-9)
            assert labels_by_track.setdefault(c.track_id, (c.label, c.size_lwh)) == (c.label, c.size_lwh)
            assert abs(c.pitch) < np.deg2rad(3) and abs(c.roll) < np.deg2rad(1)
        lanes = [p for p in ref.polylines if p.label == "lane"]
        assert len(lanes) == 6 and len([p for p in ref.polylines if p.label == "curb"]) == 2
    l, w, h = np.array([sizes[t] for t, (lab, _) in labels_by_track.items() if lab == "Car"]).T
    assert l.min() >= 3.5 and l.max() <= 5.0 and w.min() >= 1.5 and w.max() <= 2.0 and h.max() <= 1.7
    h_ped = np.array([sizes[t][2] for t, (lab, _) in labels_by_track.items() if lab == "Pedestrian"])
    assert h_ped.min() >= 1.5 and h_ped.max() <= 1.95


def _footprint(actor, t) -> np.ndarray:
    """(4, 2) world x-y corners of the actor's box at time t."""
    l, w, _ = actor.size_lwh
    local = np.array([[l, w], [l, -w], [-l, -w], [-l, w]]) / 2
    T = actor.pose(t)
    return local @ T[:2, :2].T + T[:2, 3]


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Separating-axis test of two convex quads (4, 2)."""
    for quad in (a, b):
        for i in range(4):
            edge = quad[(i + 1) % 4] - quad[i]
            axis = np.array([-edge[1], edge[0]])
            pa, pb = a @ axis, b @ axis
            if pa.max() < pb.min() or pb.max() < pa.min():
                return False
    return True


@pytest.mark.parametrize("t", [0.0, 5.0, 10.0])
def test_objects_never_overlap_and_keep_to_their_places(t):
    """Over a 100-sweep scene: no two boxes intersect in bird's-eye view; vehicles stay on the
    road between the curbs, pedestrians on the sidewalks."""
    from sample_data.scene import CURB_Y
    scene = build_scene(SEED, 10.0)
    prints = [_footprint(a, t) for a in scene.actors]
    centres = np.array([p.mean(0) for p in prints])
    for i in range(len(prints)):
        near = np.flatnonzero(np.linalg.norm(centres[i + 1:] - centres[i], axis=1) < 12) + i + 1
        assert not any(_overlap(prints[i], prints[j]) for j in near), scene.actors[i].track_id
    for actor, quad in zip(scene.actors, prints):
        y = np.abs(quad[:, 1])
        if actor.label == "Pedestrian":
            assert y.min() > CURB_Y + 0.5 and y.max() < 15.0
        else:
            assert y.max() < CURB_Y, (actor.track_id, actor.label, y.max())


def test_tracks_move_at_their_speed_in_the_world(seq):
    a, b = seq.frame_ids[0], seq.frame_ids[1]
    dt = seq.timestamps[b] - seq.timestamps[a]
    ca, cb = _world_centres(seq, a), _world_centres(seq, b)
    ref = {c.track_id: c for c in seq.reference(a).cuboids}
    checked = 0
    for tid in ca.keys() & cb.keys():
        speed = np.linalg.norm((cb[tid] - ca[tid])[:2]) / dt
        expected = ref[tid].attributes["speed"]
        assert speed == pytest.approx(expected, abs=0.03 + 0.01 * expected), tid
        checked += 1
    assert checked > 30


def test_boxes_land_on_their_objects_in_every_camera(seq):
    """The projected centre of each box, moved to the camera's own time (from the timestamps
    and the sweeps' poses), lands on a pixel of that object's colour."""
    rig = seq.rig("000000")
    checked, hits, distorted_far = 0, 0, 0
    for k, fid in enumerate(seq.frame_ids[:-1]):
        centres_now = _world_centres(seq, fid)
        centres_next = _world_centres(seq, seq.frame_ids[k + 1])
        cuboids = {c.track_id: c for c in seq.reference(fid).cuboids}
        for name, match in seq.sync(fid).items():
            if not match.ok:
                continue
            sensor = rig[name]
            image = load_rgb(match.image)
            T_world_from_lidar, w = _lerp_pose(seq, k, seq.timestamps[fid] + match.dt)
            T_cam_from_world = sensor.T @ invert(T_world_from_lidar)
            boxes = {}
            for tid, c in cuboids.items():
                box = cuboid_box2d(sensor.lidar_to_cam(c.corners()), sensor.camera)
                if tid in centres_next and box is not None:
                    centre_world = (1 - w) * centres_now[tid] + w * centres_next[tid]
                    centre_cam = transform_points(T_cam_from_world, [centre_world])
                    boxes[tid] = (box, centre_cam[0, 2], sensor.camera.project(centre_cam))
            for tid, (box, depth, (uv, _, valid)) in boxes.items():
                if not valid[0] or box.height < 20 or box.truncation > 0:
                    continue
                u, v = uv[0]
                hidden = any(d < depth and b.left - 3 <= u <= b.right + 3 and b.top - 3 <= v <= b.bottom + 3
                             for t2, (b, d, _) in boxes.items() if t2 != tid)
                if hidden:
                    continue
                checked += 1
                pixel = image[int(round(v)), int(round(u))]
                hits += _same_hue(pixel, _colour(cuboids[tid].attributes["colour"]))
                if sensor.camera.dist is not None:
                    distorted_far += np.linalg.norm(sensor.camera.undistort_pixels(uv) - uv) > 10
    assert checked >= 30
    assert hits / checked >= 0.97, (hits, checked)
    assert distorted_far >= 3  # the lens model was exercised where it bends the picture


def test_lidar_returns_fall_inside_boxes_in_proportion_to_visibility(seq):
    """Every return that hit an object lies in its box (grown by 6 range sigmas), and the
    number of returns follows what the front camera sees of the object."""
    fid = "000001"
    cloud = seq.load_cloud(fid)
    ref = seq.reference(fid)
    match = seq.sync(fid)["front"]
    image = load_rgb(match.image).astype(float)
    sensor = seq.rig(fid)["front"]
    n_sim, n_box, areas, counts = [], [], [], []
    for c in ref.cuboids:
        n = c.attributes["num_points"]
        inside = points_in_cuboid_mask(cloud.xyz, c, margin=0.09)
        above_ground = cloud.xyz[:, 2] > c.corners()[:, 2].min() + 0.08
        n_sim.append(n)
        n_box.append(int((inside & above_ground).sum()))
        box = cuboid_box2d(sensor.lidar_to_cam(c.corners()), sensor.camera)
        if box is None or box.truncation > 0 or box.height < 15:
            continue
        crop = image[int(box.top):int(box.bottom) + 1, int(box.left):int(box.right) + 1].reshape(-1, 3)
        colour = _colour(c.attributes["colour"])
        cos = crop @ colour / (np.linalg.norm(crop, axis=1) * np.linalg.norm(colour) + 1e-9)
        areas.append(int((np.degrees(np.arccos(np.clip(cos, -1, 1))) < 4).sum()))
        counts.append(n)
    n_sim, n_box = np.array(n_sim), np.array(n_box)
    assert n_sim.sum() > 10_000
    assert n_box.sum() == pytest.approx(n_sim.sum(), rel=0.03)
    big = n_sim >= 30
    np.testing.assert_allclose(n_box[big], n_sim[big], rtol=0.12)
    areas, counts = np.array(areas), np.array(counts)
    seen = areas >= 30
    assert seen.sum() >= 10
    assert (counts[seen] > 0).all()
    rank = lambda a: np.argsort(np.argsort(a))  # noqa: E731
    assert np.corrcoef(rank(areas[seen]), rank(counts[seen]))[0, 1] > 0.8


def test_camera_timestamps_carry_their_offsets(seq):
    rig = seq.rig("000000")
    for name, sensor in rig.cameras.items():
        dts = [seq.sync(f)[name].dt for f in seq.frame_ids if seq.sync(f)[name].ok]
        assert len(dts) >= FRAMES - 1
        residual = np.array(dts) - sensor.time_offset
        assert np.abs(residual).max() <= JITTER_MAX + gen.SWEEP_JITTER + 1e-9
        assert abs(sensor.time_offset) >= 0.01  # every camera is off the LiDAR clock
    offsets = sorted(c.time_offset for c in rig.cameras.values())
    assert len(set(offsets)) == 3


def test_dropped_camera_frame_is_reported_and_stems_move_on(seq):
    m = seq.sync("000002")["front_right"]
    assert not m.ok and abs(abs(m.dt) - 0.1) < 0.03
    assert "front_right" not in seq.images("000002")
    assert seq.sync("000003")["front_right"].image.stem == "000002"
    assert seq.sync("000003")["front_right"].ok


def test_distortion_camera_round_trips(seq):
    sensor = next(c for c in seq.rig("000000").cameras.values() if c.camera.dist is not None)
    cam = sensor.camera
    corners = np.concatenate([c.corners() for c in seq.reference("000000").cuboids])
    uv, _, valid = sensor.project_lidar(corners)
    assert valid.sum() > 100
    pts_cam = sensor.lidar_to_cam(corners[valid])
    ideal = cam.normalised_to_pixels(pts_cam[:, :2] / pts_cam[:, 2:])
    shift = np.linalg.norm(ideal - uv[valid], axis=1)
    assert shift.max() > 20  # the lens really distorts
    assert np.abs(cam.undistort_pixels(uv[valid]) - ideal).max() < 1.0


def test_generation_is_deterministic(tmp_path):
    def digest(root):
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}
    a = digest(sample_data.generate_sequence(tmp_path / "a", frames=1, seed=5, progress=False))
    b = digest(sample_data.generate_sequence(tmp_path / "b", frames=1, seed=5, progress=False))
    c = digest(sample_data.generate_sequence(tmp_path / "c", frames=1, seed=6, progress=False))
    assert len(a) == 9 and a == b
    assert a["lidar/000000.bin"] != c["lidar/000000.bin"]


def test_refuses_to_overwrite_a_foreign_folder(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(PointlabelError, match="not overwriting"):
        sample_data.generate_sequence(tmp_path, frames=1, progress=False)
    assert (tmp_path / "mine.txt").read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]


def test_default_sequence_is_generated_once_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POINTLABEL_CACHE", str(tmp_path))
    monkeypatch.setattr(gen, "DEFAULT_FRAMES", 1)
    root = sample_data.default_sequence(progress=False)
    assert root == tmp_path / "sample-seed0-1" and (root / "dataset.json").is_file()
    stamp = (root / "dataset.json").stat().st_mtime_ns
    assert sample_data.default_sequence(progress=False) == root
    assert (root / "dataset.json").stat().st_mtime_ns == stamp  # reused, not regenerated
    meta = json.loads((root / "dataset.json").read_text())
    meta["generator"]["version"] = 0  # an older generator's output is replaced...
    (root / "dataset.json").write_text(json.dumps(meta))
    (root / "pointlabel.sqlite").write_bytes(b"the user's annotations")  # ...but not the user's
    sample_data.default_sequence(progress=False)
    assert json.loads((root / "dataset.json").read_text())["generator"]["version"] == gen.GENERATOR_VERSION
    assert (root / "pointlabel.sqlite").read_bytes() == b"the user's annotations"
    assert not list(tmp_path.glob(".*partial*"))


def test_contact_sheet(seq, tmp_path):
    from PIL import Image
    out = sample_data.make_contact_sheet(seq.root, "000002", tmp_path / "sheet.png")
    sheet = np.asarray(Image.open(out).convert("RGB"))
    assert sheet.shape == (28 + 270 + 600, 1440, 3)
    right = sheet[28 + 150:28 + 260, 2 * 480 + 10:3 * 480 - 10]  # front_right dropped: placeholder
    assert (right == (60, 60, 64)).all(axis=-1).mean() > 0.95
    front = sheet[28:28 + 270, 480:960]
    assert (np.abs(front.astype(int) - (60, 60, 64)).sum(-1) > 0).mean() > 0.99
