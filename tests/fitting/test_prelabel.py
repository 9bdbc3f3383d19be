"""Pre-labelling a simulated sweep, and writing proposals into the store."""
import numpy as np
import pytest

from pointlabel.fitting.context import FrameContext
from pointlabel.fitting.prelabel import prelabel, write_proposals
from pointlabel.geometry.boxes import cuboids_to_array
from pointlabel.geometry.iou import bev_iou
from pointlabel.store import AnnotationStore


@pytest.fixture(scope="module")
def scene(lidar):
    cyclist, parts = lidar.cyclist_parts(6, -7, 0.2)
    objects = [("Car", lidar.box_on_ground(10, 3, 4.2, 1.8, 1.5, 0.5)),
               ("Car", lidar.box_on_ground(18, -3, 4.4, 1.8, 1.5, 0.0)),
               ("Car", lidar.box_on_ground(-12, 4, 4.0, 1.7, 1.45, -2.8)),
               ("Pedestrian", lidar.box_on_ground(-6, -6, 0.6, 0.7, 1.75, 0.3)),
               ("Cyclist", cyclist)]
    wall = lidar.box_on_ground(0, 14, 40, 0.3, 3.0, 0.0)  # a long wall: not an object
    pts, _ = lidar.scan([b for _, b in objects[:4]] + list(parts) + [wall])
    return FrameContext.build(pts), objects


def test_finds_every_object_with_its_class(scene):
    ctx, objects = scene
    proposals = prelabel(ctx)
    iou = bev_iou(np.stack([b for _, b in objects]), cuboids_to_array(proposals))
    for (label, _), row in zip(objects, iou):
        j = int(np.argmax(row))
        assert row[j] > 0.5, label
        assert proposals[j].label == label
    assert len(proposals) == len(objects)  # nothing on the wall or the ground
    assert all(p.status == "proposal" and 0 < p.confidence <= 1 for p in proposals)
    confidences = [p.confidence for p in proposals]
    assert confidences == sorted(confidences, reverse=True)


def test_write_proposals_replaces_its_own_and_spares_the_rest(scene, tmp_path):
    ctx, _ = scene
    store = AnnotationStore(tmp_path / "s.sqlite")
    proposals = prelabel(ctx)
    confirmed = proposals[0].replace(status="confirmed", source=None, id="mine")
    store.put("000000", confirmed)
    written = write_proposals(store, "000000", proposals)
    assert len(written) == len(proposals) - 1  # none over the confirmed box
    again = write_proposals(store, "000000", prelabel(ctx))  # a second run replaces the first
    frame = store.frame("000000")
    assert len(frame.cuboids) == 1 + len(again)
    assert frame.get("mine") is not None


def test_an_empty_sweep_has_no_proposals(lidar):
    pts, _ = lidar.scan([])
    assert prelabel(FrameContext.build(pts)) == []
