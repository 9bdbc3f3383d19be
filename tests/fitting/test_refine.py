"""Whole-track refinement: the smoother, one size, the heading's sign from the motion, the
world frame through poses, and the store (one undoable step) and CLI. The sample sequence's
ground truth with labelling noise gets closer to the truth."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointlabel.fitting.refine import RefineConfig, refine_track, rts_smooth, track_size
from pointlabel.geometry.iou import iou_3d
from pointlabel.model import Cuboid


def _car(x, y=4.0, yaw=0.0, size=(4.0, 1.8, 1.5), k=0):
    return Cuboid(center=(x, y, -0.98), size_lwh=size, yaw=yaw, label="Car", track_id=3, id=f"c{k}")


@settings(max_examples=30, deadline=None)
@given(v=st.floats(-15, 15), x0=st.floats(-30, 30))
def test_the_smoother_keeps_a_constant_velocity_path(v, x0):
    t = np.arange(10) * 0.1
    z = (x0 + v * t)[:, None]
    values, rates = rts_smooth(t, z, 0.2, 2.0)
    assert np.allclose(values[:, 0], z[:, 0], atol=1e-4 * max(1.0, abs(v)))
    assert np.allclose(rates[:, 0], v, atol=1e-3 * max(1.0, abs(v)))


def test_the_smoother_halves_the_noise_of_a_straight_path():
    rng = np.random.default_rng(1)
    t = np.arange(20) * 0.1
    truth = 5.0 + 8.0 * t
    noisy = truth + rng.normal(0, 0.2, t.shape)
    smooth, _ = rts_smooth(t, noisy[:, None], 0.2, 2.0)
    assert np.sqrt(np.mean((smooth[:, 0] - truth) ** 2)) < 0.5 * np.sqrt(np.mean((noisy - truth) ** 2))


def test_one_size_from_the_sweeps_seen_best():
    boxes = [_car(0, size=s, k=k) for k, s in enumerate([(3.0, 1.5, 1.4), (4.1, 1.8, 1.5), (4.0, 1.8, 1.5), (2.5, 1.2, 1.0)])]
    seen = np.array([10.0, 900.0, 800.0, 5.0])  # the middle two are seen close up
    assert np.allclose(track_size(boxes, seen), (4.1, 1.8, 1.5))


def test_a_backwards_box_turns_to_the_motion_and_sizes_agree():
    boxes = [_car(10.0 * 0.1 * k, yaw=np.pi if k in (2, 5) else 0.03 * (-1) ** k,
                  size=(4.0 + 0.2 * (-1) ** k, 1.8, 1.5), k=k) for k in range(8)]
    out = refine_track(boxes, np.arange(8) * 0.1)
    assert all(abs(b.yaw) < np.radians(3) for b in out)
    assert len({b.size_lwh for b in out}) == 1
    assert [b.id for b in out] == [b.id for b in boxes] and all(b.track_id == 3 for b in out)


def test_a_parked_car_keeps_the_majority_heading():
    boxes = [_car(12.0, yaw=-np.pi / 2 if k == 1 else np.pi / 2 + 0.02 * k, k=k) for k in range(5)]  # one flipped
    out = refine_track(boxes, np.arange(5) * 0.1)
    assert all(abs(((b.yaw - np.pi / 2) + np.pi) % (2 * np.pi) - np.pi) < np.radians(10) for b in out)


def test_refinement_works_in_the_world_frame():
    # a parked car seen from a sensor driving past at 10 m/s: in each sweep's own frame the car
    # moves backwards; in the world it stands still, and its heading must not follow the motion
    poses = []
    boxes = []
    for k in range(6):
        T = np.eye(4)
        T[0, 3] = 1.0 * k
        poses.append(T)
        boxes.append(_car(20.0 - 1.0 * k, yaw=0.0, k=k))  # LiDAR frame of sweep k
    out = refine_track(boxes, np.arange(6) * 0.1, poses)
    assert all(abs(b.yaw) < 1e-6 for b in out)
    assert np.allclose([b.center[0] for b in out], [20.0 - k for k in range(6)], atol=1e-6)


def test_refinement_brings_noisy_ground_truth_closer(sample_root):
    """The benchmark's study on the sample sequence (fewer frames): IoU up for every class."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from bench_refine import refinement_study
    from pointlabel.datasets.detect import open_dataset
    table, _ = refinement_study(open_dataset(sample_root))
    for label, (n, before, after) in table.items():
        assert after > before + 0.05, (label, before, after)


@pytest.fixture(scope="module")
def sample_root():
    import sample_data
    return sample_data.default_sequence(progress=False)


def test_refine_tracks_cli_writes_one_undoable_step(sample_root, tmp_path, capsys):
    from pointlabel.cli import main
    from pointlabel.datasets.detect import open_dataset
    from pointlabel.store import AnnotationStore
    ds = open_dataset(sample_root)
    db = tmp_path / "s.sqlite"
    store = AnnotationStore(db)
    rng = np.random.default_rng(0)
    truth = {}
    for f in ds.frame_ids:
        for c in ds.reference(f).cuboids:
            if c.track_id in (1, 2):
                truth[c.id] = c
                store.put(f, c.replace(center=np.add(c.center, rng.normal(0, 0.2, 3)),
                                       yaw=c.yaw + np.radians(rng.normal(0, 5))))
    before = {i: store.get(i)[0] for i in truth}
    assert main([str(sample_root), "--db", str(db)][:0] + ["refine-tracks", str(sample_root), "--db", str(db),
                                                           "--tracks", "1", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["track_id"] for r in report] == [1, 2] and all(len(r["frames"]) >= 5 for r in report)
    after = {i: store.get(i)[0] for i in truth}
    iou = lambda boxes: np.mean([iou_3d(boxes[i].as_array()[None], truth[i].as_array()[None])[0, 0] for i in truth])
    assert iou(after) > iou(before)
    assert all(store.version(i) == 2 for i in truth)
    store.undo()  # one step reverts every box of both tracks
    assert {i: store.get(i)[0] for i in truth} == before
    # an unknown track is a clear error, nothing written
    assert main(["refine-tracks", str(sample_root), "--db", str(db), "--tracks", "999"]) == 2
    assert "no track(s) 999" in capsys.readouterr().err
