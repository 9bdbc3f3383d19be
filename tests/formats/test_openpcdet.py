"""OpenPCDet detections -> proposals: golden file, round trip, result.pkl, bad input, import."""
import json
import os
import pickle
from types import SimpleNamespace

import numpy as np
import pytest

from pointlabel.errors import PointlabelError
from pointlabel.formats import IMPORTERS
from pointlabel.formats.openpcdet import decode, encode, import_openpcdet, read
from pointlabel.model import Cuboid
from pointlabel.store import AnnotationStore

# Written by hand: two boxes in frame 000008, none in 000009. Box 1 is a car 4.2 m long
# heading 90 degrees (along +y); box 2 a pedestrian whose heading 3.5 rad wraps to 3.5 - 2 pi.
GOLDEN = """{"format": "openpcdet", "frames": {
 "000008": {"boxes_lidar": [[10.0, 2.0, -0.9, 4.2, 1.8, 1.5, 1.5707963267948966], [6.5, -3.0, -0.8, 0.7, 0.6, 1.8, 3.5]], "score": [0.93, 0.41], "name": ["Car", "Pedestrian"]},
 "000009": {"boxes_lidar": [], "score": [], "name": []}
}}
"""


def test_golden_file(tmp_path):
    path = tmp_path / "detections.json"
    path.write_text(GOLDEN)
    frames = read(path)
    assert sorted(frames) == ["000008", "000009"] and frames["000009"] == []
    car, ped = frames["000008"]
    assert car.center == (10.0, 2.0, -0.9) and car.size_lwh == (4.2, 1.8, 1.5)
    assert car.yaw == pytest.approx(np.pi / 2) and car.label == "Car"
    assert (car.status, car.confidence, car.source) == ("proposal", 0.93, "openpcdet")
    # The corner order is ours: corner 0 (front-left) of a box heading +y lies at +y, -x.
    assert car.corners()[0] == pytest.approx((10.0 - 0.9, 2.0 + 2.1, -0.9 - 0.75))
    assert ped.yaw == pytest.approx(3.5 - 2 * np.pi) and ped.confidence == 0.41


def test_round_trip():
    frames = decode(GOLDEN.encode())
    text = encode(frames)
    assert json.loads(text) == json.loads(encode(decode(text.encode())))
    again = decode(text.encode())
    for fid in frames:
        for a, b in zip(frames[fid], again[fid]):
            np.testing.assert_allclose(a.as_array(), b.as_array())
            assert (a.label, a.confidence) == (b.label, b.confidence)
    unset = encode({"000001": [Cuboid((1, 2, 3), (4, 2, 1.5), 0.0)]})
    assert json.loads(unset)["frames"]["000001"]["score"] == [1.0]  # a confirmed box scores 1


def result_pkl(protocol=4) -> bytes:
    """What OpenPCDet's tools/test.py pickles: a list of per-frame dicts of numpy arrays."""
    return pickle.dumps([
        {"frame_id": "000008", "name": np.array(["Car", "Cyclist"]),
         "score": np.array([0.8, 0.3], dtype=np.float32),
         "boxes_lidar": np.array([[10, 2, -0.9, 4.2, 1.8, 1.5, 0.1],
                                  [5, 5, -1, 1.8, 0.6, 1.7, -2]], dtype=np.float32),
         "bbox": np.zeros((2, 4), dtype=np.float32), "alpha": np.zeros(2)},
        {"frame_id": 9, "name": np.array([], dtype="<U10"), "score": np.zeros(0, np.float32),
         "boxes_lidar": np.zeros((0, 7), np.float32)},
    ], protocol=protocol)


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_openpcdet_result_pkl(protocol):
    frames = decode(result_pkl(protocol))
    assert sorted(frames) == ["000008", "000009"]
    assert [c.label for c in frames["000008"]] == ["Car", "Cyclist"]
    assert frames["000008"][0].confidence == pytest.approx(0.8)
    # The same records as JSON are accepted too.
    as_json = json.dumps([{"frame_id": "000008", "boxes_lidar": [[1, 2, 3, 4, 2, 1, 0]],
                           "score": [0.5], "name": ["Car"]}])
    assert decode(as_json.encode())["000008"][0].center == (1.0, 2.0, 3.0)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo should-not-run",))


def _frame(boxes, score, name) -> bytes:
    return json.dumps({"frames": {"1": {"boxes_lidar": boxes, "score": score, "name": name}}}).encode()


@pytest.mark.parametrize("data, message", [
    (pickle.dumps([_Evil()]), "not allowed"),
    (b"\x80\x04garbage", "cannot read the pickle"),
    (b"{not json", "neither JSON nor a pickle"),
    (_frame([[1, 2, 3]], [1], ["Car"]), "N x 7"),
    (_frame([[1, 2, 3, 4, 2, 1, 0]], [], ["Car"]), "1 boxes, 0 scores"),
    (_frame([[1, 2, 3, 0, 2, 1, 0]], [1], ["Car"]), "box 0"),  # a zero length
    (json.dumps([{"boxes_lidar": []}]).encode(), "no frame_id"),
    (json.dumps(42).encode(), "expected a list"),
])
def test_bad_input_is_a_clear_error(data, message):
    with pytest.raises(PointlabelError, match=message):
        decode(data, "det.json")


def test_import_into_the_store(tmp_path):
    src = tmp_path / "result.pkl"
    src.write_bytes(result_pkl())
    dataset = SimpleNamespace(frame_ids=["000008"], root=tmp_path)
    store = AnnotationStore(tmp_path / "s.sqlite")
    mine = Cuboid((0, 0, 0), (1, 1, 1), 0.0, id="mine")
    store.put("000008", mine)
    summary = IMPORTERS["openpcdet"](dataset, store, src, "default")
    assert summary == {"frames": 1, "proposals": 2, "skipped": ["000009"]}
    again = import_openpcdet(dataset, store, src)  # replaces its own proposals
    assert again["proposals"] == 2
    cuboids = store.frame("000008").cuboids
    assert len(cuboids) == 3 and any(c.id == "mine" for c in cuboids)
