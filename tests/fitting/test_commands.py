"""`pointlabel fit | prelabel | propagate` on the real KITTI frames (store in tmp_path)."""
import json

import numpy as np
import pytest

from pointlabel.cli import main
from pointlabel.geometry.boxes import points_in_box_mask
from pointlabel.geometry.iou import bev_iou
from pointlabel.store import AnnotationStore


@pytest.fixture(scope="module")
def car_seed(kitti_frames):
    """A labelled car of frame 000008 and its point nearest its centre."""
    pts, gts = kitti_frames("000008")
    car = next(g for g in gts if g.label == "Car" and points_in_box_mask(pts, g.as_array()).sum() > 1000)
    inside = pts[points_in_box_mask(pts, car.as_array())]
    return car, inside[np.argmin(np.linalg.norm(inside - car.center, axis=1))]


def test_fit_json(kitti_root, car_seed, capsys):
    car, seed = car_seed
    code = main(["fit", str(kitti_root), "--frame", "000008", "--seed=" + ",".join(map(str, seed)), "--json"])
    out = capsys.readouterr().out
    assert code == 0 and out.count("\n") == 1
    doc = json.loads(out)
    assert set(doc) == {"center", "size", "yaw", "label", "confidence"}
    assert doc["label"] == "Car" and 0 < doc["confidence"] <= 1
    box = np.array([*doc["center"], *doc["size"], doc["yaw"]])
    assert bev_iou(box, car.as_array())[0, 0] > 0.7


def test_fit_on_the_open_ground(kitti_root, capsys):
    code = main(["fit", str(kitti_root), "--frame", "000008", "--seed", "10,-1.5,-1.67", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["center"] is None and doc["reason"] == "no object here"


def test_fit_on_the_ground_under_a_car_snaps_to_it(kitti_root, capsys):
    """(6, -4) is a road point under the car of 000008 centred at (6.43, -3.80)."""
    code = main(["fit", str(kitti_root), "--frame", "000008", "--seed", "6,-4,-1.7", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["label"] == "Car"
    assert np.hypot(doc["center"][0] - 6.43, doc["center"][1] + 3.80) < 0.3


def test_fit_user_errors(kitti_root, capsys):
    assert main(["fit", str(kitti_root), "--frame", "999999", "--seed", "1,2,3"]) == 2
    with pytest.raises(SystemExit) as bad_seed:  # argparse's own usage error
        main(["fit", str(kitti_root), "--frame", "000008", "--seed", "1,2"])
    assert bad_seed.value.code == 2
    assert main(["fit", str(kitti_root), "--frame", "000008", "--seed", "1,2,3", "--label", "Zeppelin"]) == 2
    assert "Zeppelin" in capsys.readouterr().err


def test_prelabel_then_propagate(kitti_root, car_seed, tmp_path, capsys):
    db = tmp_path / "labels.sqlite"
    assert main(["prelabel", str(kitti_root), "--frames", "000008:000009", "--db", str(db)]) == 0
    store = AnnotationStore(db)
    proposals = store.frame("000008").cuboids
    assert proposals and all(c.status == "proposal" and c.source == "prelabel" for c in proposals)
    car, _ = car_seed
    assert bev_iou(car.as_array(), np.stack([c.as_array() for c in proposals])).max() > 0.5
    # Pre-labelling again replaces the earlier proposals instead of adding to them.
    assert main(["prelabel", str(kitti_root), "--frames", "000008:000008", "--db", str(db)]) == 0
    assert len(store.frame("000008").cuboids) == len(proposals)

    store.put("000008", proposals[0].replace(track_id=5, status="confirmed"))
    assert main(["propagate", str(kitti_root), "--track", "5", "--from", "000008", "--to", "000009",
                 "--db", str(db)]) == 0
    assert set(store.track(5)) == {"000008", "000009"}
    assert main(["propagate", str(kitti_root), "--track", "6", "--from", "000008", "--to", "000009",
                 "--db", str(db)]) == 2
    assert main(["prelabel", str(kitti_root), "--frames", "000009:000008", "--db", str(db)]) == 2
    assert "no box of track 6" in capsys.readouterr().err
