"""The track checks of a batch `check`, over any number of frames in bounded memory.

qa.temporal.check_tracks needs every observation of a track at once (a track's median size,
its gaps), so it cannot run per frame. Here the frames are read twice, in order, from the
label set: first only each track's first and last frame (one pair per track id), then the
sequence is cut wherever no track spans the cut, and check_tracks runs on each piece of at
least `segment` frames. Every track lies wholly inside one piece, so the findings are those of
one check_tracks call over all frames, while only one piece's annotations are held at a time
(a piece is as long as the longest run of overlapping tracks: minutes of driving, not hours).

Timestamps and poses are used only when every frame has them, as check_tracks decides for the
whole sequence. Track findings get their box's KITTI difficulty like the per-frame ones.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

import numpy as np

from pointlabel.model import STATUS_REJECTED
from pointlabel.qa.findings import Finding


def _tracked(annotations):
    return [c for c in annotations.cuboids if c.status != STATUS_REJECTED and c.track_id is not None]


def pieces(spans: dict[int, tuple[int, int]], n_frames: int, segment: int) -> list[tuple[int, int]]:
    """[start, stop) frame index ranges, each at least `segment` long (but the last), cut only
    where no track's [first, last] span crosses. spans: track id -> (first, last) index."""
    crossing = np.zeros(n_frames + 1, dtype=np.int64)
    for first, last in spans.values():
        crossing[first] += 1
        crossing[last] -= 1
    open_after = np.cumsum(crossing)[:n_frames]  # tracks spanning the cut after frame k
    out, start = [], 0
    for k in np.flatnonzero(open_after == 0):
        if k + 1 - start >= segment:
            out.append((start, int(k) + 1))
            start = int(k) + 1
    if start < n_frames:
        out.append((start, n_frames))
    return out


def track_findings(dataset, label_set, frame_ids: Sequence[str], guidelines,
                   segment: int = 256) -> Iterator[Finding]:
    """The track findings (qa.temporal) of `label_set` over `frame_ids` (in sequence order)."""
    from pointlabel.qa.checks import config_for
    from pointlabel.qa.difficulty import frame_difficulties
    from pointlabel.qa.frames import FrameInput
    from pointlabel.qa.temporal import check_tracks
    config = config_for(guidelines)
    poses = getattr(dataset, "poses", None) or {}
    spans: dict[int, tuple[int, int]] = {}
    stamps: list[float | None] = []
    for k, fid in enumerate(frame_ids):
        for c in _tracked(label_set.frame(fid)):
            spans[c.track_id] = (spans.get(c.track_id, (k, k))[0], k)
        stamps.append(getattr(dataset.frame(fid), "timestamp", None))
    use_times = all(t is not None for t in stamps)
    use_poses = all(fid in poses for fid in frame_ids)
    for start, stop in pieces(spans, len(frame_ids), segment):
        frames = [FrameInput(fid, label_set.frame(fid), None, None, stamps[k] if use_times else None,
                             poses[fid] if use_poses else None)
                  for k, fid in zip(range(start, stop), frame_ids[start:stop])]
        found = check_tracks(frames, guidelines, config)
        if not found:
            continue
        home = {c.id: f for f in frames for c in f.cuboids}  # a track_gap's box is in another frame
        levels: dict[str, str] = {}
        for frame in {home[f.annotation].frame_id: home[f.annotation] for f in found if f.annotation in home}.values():
            levels.update(frame_difficulties(dataset, frame.frame_id, frame.cuboids))
        yield from (replace(f, difficulty=levels.get(f.annotation)) for f in found)
