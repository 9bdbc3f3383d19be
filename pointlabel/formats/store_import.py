"""The last step every label importer shares: decoded frames into the store as one change."""
from __future__ import annotations


def store_frames(store, frames: dict, label_set: str, author: str) -> dict:
    """frames: frame id -> FrameAnnotations, written in one transaction (all or nothing, one
    undo step; stable ids, so importing again updates) -> counts {"frames", "cuboids",
    "polylines", "dontcare"}."""
    store.apply_frames({fid: list(fa) for fid, fa in sorted(frames.items())}, label_set=label_set, author=author)
    return {"frames": len(frames), "cuboids": sum(len(fa.cuboids) for fa in frames.values()),
            "polylines": sum(len(fa.polylines) for fa in frames.values()),
            "dontcare": sum(len(fa.dontcares) for fa in frames.values())}
