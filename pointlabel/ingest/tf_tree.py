"""A small tf buffer: static and time-stamped transforms between named frames, and the chain
between any two frames at a time.

Edges are T_parent_from_child as tf publishes them; a dynamic edge is interpolated between
its two samples around the asked time (translation linear, rotation slerp) and held at the
ends. `lookup(target, source, t_ns)` returns T_target_from_source.
"""
from __future__ import annotations

from collections import deque

import numpy as np
from scipy.spatial.transform import Rotation, Slerp

from calibration.transforms import invert


class TfBuffer:
    def __init__(self):
        self.static: dict[tuple[str, str], np.ndarray] = {}  # (parent, child) -> T_parent_from_child
        self.dynamic: dict[tuple[str, str], list[tuple[int, np.ndarray]]] = {}

    def add(self, parent: str, child: str, t_ns: int, T_parent_from_child: np.ndarray, static: bool) -> None:
        if static:
            self.static[(parent, child)] = np.asarray(T_parent_from_child, dtype=float)
        else:
            self.dynamic.setdefault((parent, child), []).append((int(t_ns), np.asarray(T_parent_from_child, float)))

    @property
    def frames(self) -> set[str]:
        return {f for edge in (*self.static, *self.dynamic) for f in edge}

    def _edge_at(self, edge: tuple[str, str], t_ns: int) -> np.ndarray:
        if edge in self.static:
            return self.static[edge]
        samples = sorted(self.dynamic[edge], key=lambda s: s[0])
        times = np.array([s[0] for s in samples])
        if len(samples) == 1 or t_ns <= times[0]:
            return samples[0][1]
        if t_ns >= times[-1]:
            return samples[-1][1]
        k = int(np.searchsorted(times, t_ns)) - 1
        (ta, A), (tb, B) = samples[k], samples[k + 1]
        w = (t_ns - ta) / (tb - ta)
        out = np.eye(4)
        out[:3, :3] = Slerp([0, 1], Rotation.from_matrix([A[:3, :3], B[:3, :3]]))([w]).as_matrix()[0]
        out[:3, 3] = (1 - w) * A[:3, 3] + w * B[:3, 3]
        return out

    def lookup(self, target: str, source: str, t_ns: int = 0) -> np.ndarray | None:
        """T_target_from_source at t_ns through any chain of edges, None when unconnected."""
        graph: dict[str, list[tuple[str, tuple[str, str], bool]]] = {}
        for parent, child in (*self.static, *self.dynamic):
            graph.setdefault(child, []).append((parent, (parent, child), True))
            graph.setdefault(parent, []).append((child, (parent, child), False))
        seen, todo = {source}, deque([(source, np.eye(4))])
        while todo:  # T maps points of `source` into `node`
            node, T = todo.popleft()
            if node == target:
                return T
            for nxt, edge, up in graph.get(node, []):
                if nxt in seen:
                    continue
                seen.add(nxt)
                T_edge = self._edge_at(edge, t_ns)  # T_parent_from_child
                todo.append((nxt, (T_edge if up else invert(T_edge)) @ T))
        return None
