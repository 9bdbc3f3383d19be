"""Agreement between two label sets: annotator against annotator, or labels against a reference.

Per frame and per class, the cuboids of A and B are matched one-to-one by 3D IoU with an
optimal assignment (scipy.optimize.linear_sum_assignment, maximising the summed IoU); a pair
counts as a match when its IoU reaches `min_iou`. B is the reference: precision = matches / |A|,
recall = matches / |B|. For the matches: mean 3D IoU, centre error (m), heading error (rad,
in [0, pi]), and tightness: `size_ratio` = volume(A) / volume(B) (> 1: A draws looser boxes),
and, when the sweeps are given, each set's fill (`box_fill`: extent of the box's object
returns / box size, averaged over l, w, h; 1 = the box touches its object on every side).

Everything is broken down by class and by KITTI difficulty (of the B box; of the A box when
unmatched). 3D IoU is that of upright boxes (pointlabel.geometry.iou).
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from pointlabel.geometry.iou import iou_3d
from pointlabel.model import STATUS_REJECTED
from pointlabel.qa.difficulty import frame_difficulties


@dataclass(frozen=True)
class Match:
    frame: str
    label: str
    a: str  # annotation id in A
    b: str  # annotation id in B
    iou: float
    centre_error: float
    heading_error: float
    size_ratio: float
    difficulty: str = "ignored"


@dataclass
class ClassStats:
    """Agreement of one class (or one class and difficulty)."""

    n_a: int = 0
    n_b: int = 0
    matched: int = 0
    precision: float = math.nan
    recall: float = math.nan
    mean_iou: float = math.nan
    centre_error: float = math.nan
    heading_error: float = math.nan
    size_ratio: float = math.nan
    fill_a: float = math.nan
    fill_b: float = math.nan

    def to_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else (round(v, 4) if isinstance(v, float) else v))
                for k, v in asdict(self).items()}


@dataclass
class CompareResult:
    min_iou: float
    classes: dict[str, ClassStats]
    by_difficulty: dict[tuple[str, str], ClassStats]
    matches: list[Match] = field(default_factory=list)
    unmatched_a: list[tuple[str, str, str]] = field(default_factory=list)  # (frame, id, label)
    unmatched_b: list[tuple[str, str, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"min_iou": self.min_iou,
                "classes": {c: s.to_dict() for c, s in self.classes.items()},
                "by_difficulty": {f"{c}/{d}": s.to_dict() for (c, d), s in self.by_difficulty.items()},
                "unmatched_a": [list(u) for u in self.unmatched_a],
                "unmatched_b": [list(u) for u in self.unmatched_b]}


def match_frame(cubs_a, cubs_b, min_iou: float = 0.5) -> tuple[list[tuple[int, int, float]], list[int], list[int]]:
    """Optimal one-to-one matching of two cuboid lists (same class assumed) by 3D IoU ->
    ([(i_a, i_b, iou)], unmatched A indices, unmatched B indices)."""
    if not cubs_a or not cubs_b:
        return [], list(range(len(cubs_a))), list(range(len(cubs_b)))
    iou = iou_3d(np.array([c.as_array() for c in cubs_a]), np.array([c.as_array() for c in cubs_b]))
    rows, cols = linear_sum_assignment(-iou)
    pairs = [(int(i), int(j), float(iou[i, j])) for i, j in zip(rows, cols) if iou[i, j] >= min_iou]
    used_a, used_b = {p[0] for p in pairs}, {p[1] for p in pairs}
    return (pairs, [i for i in range(len(cubs_a)) if i not in used_a],
            [j for j in range(len(cubs_b)) if j not in used_b])


def compare_sets(set_a, set_b, frame_ids, min_iou: float = 0.5, dataset=None, use_clouds: bool = True) -> CompareResult:
    """Compare label set A with reference B (anything with .frame(fid), see pointlabel.labelsets) over
    `frame_ids`. With `dataset`, difficulties come from its cameras and fill from its sweeps."""
    matches: list[Match] = []
    un_a, un_b = [], []
    levels: dict[str, str] = {}
    fills: dict[tuple[str, str], float] = {}  # (set, annotation id) -> fill
    for fid in frame_ids:
        fa = [c for c in set_a.frame(fid).cuboids if c.status != STATUS_REJECTED]
        fb = [c for c in set_b.frame(fid).cuboids if c.status != STATUS_REJECTED]
        if dataset is not None:
            levels.update(frame_difficulties(dataset, fid, fa + fb))
            if use_clouds and (fa or fb):
                fill = box_fill(dataset.load_cloud(fid).xyz, fa + fb)
                fills.update({("a", c.id): f for c, f in zip(fa, fill[:len(fa)]) if f is not None})
                fills.update({("b", c.id): f for c, f in zip(fb, fill[len(fa):]) if f is not None})
        for label in sorted({c.label for c in fa} | {c.label for c in fb}):
            ca = [c for c in fa if c.label == label]
            cb = [c for c in fb if c.label == label]
            pairs, ua, ub = match_frame(ca, cb, min_iou)
            for i, j, iou in pairs:
                a, b = ca[i], cb[j]
                matches.append(Match(fid, label, a.id, b.id, iou, float(np.linalg.norm(np.subtract(a.center, b.center))),
                                     float(abs((a.yaw - b.yaw + math.pi) % (2 * math.pi) - math.pi)),
                                     float(np.prod(a.size_lwh) / np.prod(b.size_lwh)), levels.get(b.id, "ignored")))
            un_a += [(fid, ca[i].id, label) for i in ua]
            un_b += [(fid, cb[j].id, label) for j in ub]
    classes = _tally(matches, un_a, un_b, fills, key=lambda label, level: label)
    by_level = _tally(matches, un_a, un_b, fills, key=lambda label, level: (label, level), levels=levels)
    return CompareResult(min_iou, classes, by_level, matches, un_a, un_b)


def box_fill(pts_lidar: np.ndarray, cuboids) -> list[float | None]:
    """Per cuboid, how well it hugs its object: the mean of (extent of its object returns /
    box size) along l and w and of (top return above the box bottom / h) in height, 1 = tight;
    object returns are those more than 0.2 m above the ground. None for boxes with fewer
    than 3 of them. pts_lidar: (N, 3) LiDAR frame."""
    from pointlabel.qa.frames import FrameGeometry
    geo = FrameGeometry(pts_lidar, cuboids)
    out: list[float | None] = []
    for k, c in enumerate(cuboids):
        idx = geo.inside[k]
        idx = idx[geo.height[idx] > 0.2]
        if len(idx) < 3:
            out.append(None)
            continue
        loc = geo.local(k, idx)
        l, w, h = c.size_lwh
        ext = np.ptp(loc[:, :2], axis=0)
        out.append(float(np.mean([ext[0] / l, ext[1] / w, (loc[:, 2].max() + h / 2) / h])))
    return out


def _tally(matches, un_a, un_b, fills, key, levels=None) -> dict:
    levels = levels or {}
    groups: dict = defaultdict(lambda: {"m": [], "a": 0, "b": 0})
    for m in matches:
        g = groups[key(m.label, m.difficulty)]
        g["m"].append(m)
        g["a"] += 1
        g["b"] += 1
    for _, aid, label in un_a:
        groups[key(label, levels.get(aid, "ignored"))]["a"] += 1
    for _, bid, label in un_b:
        groups[key(label, levels.get(bid, "ignored"))]["b"] += 1
    out = {}
    for k in sorted(groups, key=str):
        g = groups[k]
        ms = g["m"]
        s = ClassStats(n_a=g["a"], n_b=g["b"], matched=len(ms))
        s.precision = len(ms) / g["a"] if g["a"] else math.nan
        s.recall = len(ms) / g["b"] if g["b"] else math.nan
        if ms:
            s.mean_iou = float(np.mean([m.iou for m in ms]))
            s.centre_error = float(np.mean([m.centre_error for m in ms]))
            s.heading_error = float(np.mean([m.heading_error for m in ms]))
            s.size_ratio = float(np.mean([m.size_ratio for m in ms]))
            fa = [fills[("a", m.a)] for m in ms if ("a", m.a) in fills]
            fb = [fills[("b", m.b)] for m in ms if ("b", m.b) in fills]
            s.fill_a = float(np.mean(fa)) if fa else math.nan
            s.fill_b = float(np.mean(fb)) if fb else math.nan
        out[k] = s
    return out
