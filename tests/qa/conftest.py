"""Fixtures of the QA tests: a synthetic sequence, the generated sample sequence, and a fault
injector that breaks a correct label set in the six ways a labeller does (see `inject`)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from pointlabel.geometry.iou import iou_3d
from pointlabel.model import FrameAnnotations
from pointlabel.qa.frames import FrameGeometry
from pointlabel.labelsets import MemorySet, ReferenceSet
from pointlabel.qa.synthetic import SyntheticSequence

VEHICLES = ("Car", "Van")


@pytest.fixture(scope="session")
def synthetic() -> SyntheticSequence:
    return SyntheticSequence(frames=12, objects=15, seed=3)


@pytest.fixture(scope="session")
def sample_root():
    """The demo sequence of sample_data (generated once into the user cache, then reused)."""
    import sample_data
    return sample_data.default_sequence(progress=False)


@pytest.fixture(scope="session")
def sample(sample_root):
    from pointlabel.datasets.detect import open_dataset
    return open_dataset(sample_root)


@dataclass
class Faults:
    """A faulty label set and what the checks must find in it."""

    label_set: MemorySet
    expect: dict = field(default_factory=dict)  # fault -> dict(frame, annotation | track | location)
    changed: set = field(default_factory=set)  # annotation ids the faults touched


def _targets(dataset, ref, frame_id: str, min_points: int = 120) -> list:
    """Vehicles of a frame with many returns, tracked in the sweeps before and after, no box
    within 5 m: boxes a fault can be injected into without touching anything else."""
    fids = dataset.frame_ids
    k = fids.index(frame_id)
    cubs = list(ref[frame_id].cuboids)
    geo = FrameGeometry(dataset.load_cloud(frame_id).xyz, cubs)
    neighbours = {t for f in (fids[k - 1], fids[k + 1]) for t in (c.track_id for c in ref[f].cuboids)}
    centres = np.array([c.center for c in cubs])
    out = []
    for i, c in enumerate(cubs):
        gap = np.delete(np.linalg.norm(centres[:, :2] - centres[i, :2], axis=1), i)
        if (c.label in VEHICLES and geo.counts[i] >= min_points and c.track_id in neighbours
                and (gap.min() if len(gap) else 99) > 5.0 and np.hypot(*c.center[:2]) < 30):
            out.append(c)
    return out


def _no_overlap(box, cubs) -> bool:
    others = np.array([c.as_array() for c in cubs if c.id != box.id])
    return len(others) == 0 or iou_3d(box.as_array()[None], others).max() == 0


def inject(dataset, label_set=None) -> Faults:
    """Break a correct label set (default: the dataset's reference) in six ways, each in its
    own track and sweep, in the middle of the sequence:
    shift a box 1.5 m, swap its l and w, lift one 1 m, delete one, give one another box's
    track id, shrink one to 70 % in one sweep."""
    label_set = label_set or ReferenceSet(dataset)
    ref = {f: label_set.frame(f) for f in dataset.frame_ids}
    frames = dict(ref)
    fids = dataset.frame_ids
    used_tracks: set = set()
    faults = Faults(MemorySet({}, "faulty"))
    plan = ["shift", "swap", "lift", "delete", "duplicate", "shrink"]
    middle = fids[2:-2]
    for n, fault in enumerate(plan):
        fid = middle[n % len(middle)]
        cubs = list(frames[fid].cuboids)
        for target in _targets(dataset, ref, fid):
            if target.track_id in used_tracks:
                continue
            new = _apply(fault, target, cubs, used_tracks)
            if new is False:
                continue
            cubs_new, expect = new
            used_tracks.add(target.track_id)
            if fault == "duplicate":
                used_tracks.add(expect["partner_track"])
            frames[fid] = FrameAnnotations(fid, tuple(cubs_new), frames[fid].polylines, frames[fid].dontcares)
            faults.expect[fault] = {"frame": fid, **expect}
            faults.changed.add(target.id)
            break
        else:
            raise AssertionError(f"no target for fault {fault!r} in frame {fid}")
    faults.label_set = MemorySet(frames, "faulty")
    return faults


def _apply(fault, target, cubs, used_tracks):
    """(new cuboid list, expectation) or False when the fault would touch another box (or a
    track another fault already uses)."""
    c = target
    if fault == "shift":  # along the heading: stays in its lane, far from the others
        d = 1.5 * np.array([np.cos(c.yaw), np.sin(c.yaw), 0.0])
        box = c.replace(center=np.add(c.center, d))
    elif fault == "swap":
        l, w, h = c.size_lwh
        box = c.replace(size_lwh=(w, l, h))
    elif fault == "lift":
        box = c.replace(center=np.add(c.center, [0.0, 0.0, 1.0]))
    elif fault == "shrink":
        box = c.replace(size_lwh=tuple(0.7 * np.asarray(c.size_lwh)))
    elif fault == "delete":
        return [x for x in cubs if x.id != c.id], {"track": c.track_id, "location": c.center}
    elif fault == "duplicate":
        partner = next((x for x in cubs if x.track_id is not None and x.track_id != c.track_id
                        and x.track_id not in used_tracks), None)
        if partner is None:
            return False
        box = c.replace(track_id=partner.track_id)
        return ([box if x.id == c.id else x for x in cubs],
                {"annotation": c.id, "partner": partner.id, "partner_track": partner.track_id})
    if not _no_overlap(box, cubs):
        return False
    return [box if x.id == c.id else x for x in cubs], {"annotation": c.id}


@pytest.fixture(scope="session")
def injector():
    """The fault injector (`inject` above) for tests to call."""
    return inject
