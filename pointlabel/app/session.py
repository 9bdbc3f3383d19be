"""One running app's server-side session: the dataset, the annotation store, the frame cache,
and the page-state JSON that the browser keeps in `dcc.Store(ids.ANNOTATIONS)`.

Page state (schema 1), the current frame's annotations as the store holds them (plus
`"loaded": true` when it comes with a frame switch rather than an edit)::

    {"schema": 1, "frame": "000008", "label_set": "default", "rev": 57, "saved_at": 1764...,
     "annotations": [Cuboid/Polyline3D/DontCare .to_dict(), ...],
     "versions": {"<annotation id>": 3, ...},
     "points_inside": {"<cuboid id>": 812, ...},
     "verdicts": {"<annotation id>": {"verdict": "rejected", "comment": "...", "reviewer": "app",
                                      "ts": 1764..., "changed_since": false}, ...}}

`rev` is the store's latest history sequence number: it grows with every saved change, so
the page can show which saved state it displays. `versions` are the store versions the page
shows: an edit made from this page carries them (ClientView.commit), so a change based on a
stale copy is refused instead of overwriting someone else's. `verdicts` are the QA review's current
verdicts on the frame's annotations (pointlabel.qa.review.ReviewBook, in the same SQLite file);
`changed_since`: the annotation was edited after its verdict.
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Callable

from pointlabel.app.config import AppConfig
from pointlabel.app.state import FrameCache, FrameData
from pointlabel.errors import BadInput
from pointlabel.geometry.boxes import count_points_in_boxes, cuboids_to_array
from pointlabel.model import Annotation, FrameAnnotations, annotation_from_dict
from pointlabel.qa.guidelines import default_guidelines
from pointlabel.qa.review import ReviewBook, Verdict

SCHEMA = 1


def annotations_of(state: dict | None) -> FrameAnnotations | None:
    """The FrameAnnotations held by a page state (None for no state)."""
    if not state or state.get("schema") != SCHEMA:
        return None
    return FrameAnnotations.from_dict({"frame": state["frame"], "annotations": state["annotations"]})


def verdict_json(v: Verdict) -> dict:
    """A review verdict as the page state holds it."""
    return {"verdict": v.verdict, "comment": v.comment, "reviewer": v.reviewer, "ts": v.ts,
            "changed_since": bool(v.changed_since)}


def versions_of(state: dict | None) -> dict[str, int]:
    """id -> version that a page state shows (empty for none or an old page)."""
    return dict((state or {}).get("versions") or {})


class SerializedStore:
    """The annotation store (or the review book) as the callbacks share it. Kept as the one
    door the app uses, but it no longer holds a lock: the store is thread-safe itself (a
    pooled SQLAlchemy engine, one connection per call; SQLite in WAL mode, writers queued on a
    per-process lock and, across processes, SQLite's lock with a busy timeout; PostgreSQL row
    locks), so reads never wait for writes and the API's clients are not serialised here."""

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)


class AppSession:
    """Everything the callbacks of one app share (created by create_app)."""

    client: str | None = None  # the session itself acts for no particular tab

    def __init__(self, dataset, store, config: AppConfig):
        self.dataset = dataset
        self.store = SerializedStore(store)
        self.config = config
        self.cache = FrameCache(dataset, config.cache_frames)
        self.frame_ids = self.cache.frame_ids
        self.camera_names = self._camera_names()
        self.export_dir = Path(config.export_dir) if config.export_dir else (
            Path(store.path).parent if store.path else Path.cwd()) / "kitti_export"
        self.guidelines = config.guidelines or default_guidelines()
        self.class_colours = {name: g.colour for name, g in self.guidelines.classes.items()}
        self.review = SerializedStore(ReviewBook(self.store, config.label_set))
        self._max_track: int | None = None
        self._track_lock = threading.Lock()
        self._has_rgb: bool | None = None

    def _camera_names(self) -> list[str]:
        if not self.frame_ids:
            return []
        rig = self.dataset.rig(self.frame_ids[0])
        return [] if rig is None else list(rig.camera_names)

    # -- frames ----------------------------------------------------------------------------
    def frame_id(self, index) -> str:
        """The frame at slider position `index` (clamped); BadInput for anything but a whole
        number (the value comes from the browser, so from anyone who can send a request)."""
        if index is None:
            index = 0
        if isinstance(index, str) and index.strip().isascii() and index.strip().lstrip("-").isdigit():
            index = int(index)
        if isinstance(index, float) and index.is_integer():
            index = int(index)
        if isinstance(index, bool) or not isinstance(index, int):
            raise BadInput(f"frame index must be a whole number, got {index!r:.40}")
        i = min(max(index, 0), len(self.frame_ids) - 1)
        return self.frame_ids[i]

    def index_of(self, frame_id: str) -> int:
        return self.cache.index_of(frame_id)

    def frame(self, frame_id: str) -> FrameData:
        return self.cache.get(frame_id)

    def has_rgb(self) -> bool:
        """The dataset's clouds carry colour (judged by its first frame)."""
        if self._has_rgb is None:
            self._has_rgb = bool(self.frame_ids) and self.frame(self.frame_ids[0]).cloud.rgb is not None
        return self._has_rgb

    # -- annotations -----------------------------------------------------------------------
    @property
    def label_set(self) -> str:
        return self.config.label_set

    def annotations(self, frame_id: str) -> FrameAnnotations:
        return self.store.frame(frame_id, self.label_set)

    def page_state(self, frame_id: str) -> dict:
        rows = self.store.frame_versions(frame_id, self.label_set)
        objs = [annotation_from_dict(json.loads(d)) for d, _ in rows]
        anns = FrameAnnotations.from_annotations(frame_id, objs)
        versions = {a.id: v for a, (_, v) in zip(objs, rows)}
        counts = {}
        if anns.cuboids:
            xyz = self.frame(frame_id).xyz
            n = count_points_in_boxes(xyz, cuboids_to_array(anns.cuboids))
            counts = {c.id: int(k) for c, k in zip(anns.cuboids, n)}
        seq, ts = self.store.last_seq(self.label_set)
        return {"schema": SCHEMA, "frame": frame_id, "label_set": self.label_set, "rev": seq, "saved_at": ts,
                "annotations": [a.to_dict() for a in anns], "versions": versions, "points_inside": counts,
                "verdicts": {v.annotation: verdict_json(v) for v in self.review.verdicts(frame=frame_id).values()}}

    def commit(self, frame_id: str, upserts=(), deletes=(), expected: dict | None = None,
               client: str | None = None) -> dict:
        """Save changes of one frame (one transaction, one undo step of `client`) -> its new
        page state. `expected`: id -> the version the change was based on; a stored version
        that differs raises pointlabel.store.VersionConflict and nothing is saved."""
        upserts, deletes = list(upserts), list(deletes)
        if upserts or deletes:
            self.store.apply(frame_id, upserts=upserts, deletes=deletes, label_set=self.label_set,
                             author=self.author_for(frame_id), expected=expected, client=client)
            self._note_tracks(upserts)
        return self.page_state(frame_id)

    def apply_to_stored(self, frame_id: str, annotation_id: str, fn: Callable[[Annotation], Annotation],
                        client: str | None = None) -> dict:
        """Apply `fn` to the STORED annotation, atomically and serialised with every other
        writer (key nudges: none is lost, whatever the page showed) -> the page state of
        `frame_id`. One change, one undo step of `client`."""
        new, _, _ = self.store.update(annotation_id, fn, self.label_set, author=self.author_for(frame_id), client=client)
        self._note_tracks([new])
        return self.page_state(frame_id)

    def author_for(self, frame_id: str) -> str | None:
        """Who a change of `frame_id` is recorded under: the signed-in user when team mode's
        `edit_gate` is set (it raises when they may not edit the frame), else config.author."""
        gate = getattr(self, "edit_gate", None)
        return gate(frame_id) if gate else self.config.author

    def for_client(self, client: str | None, state: dict | None = None) -> "ClientView":
        """This session as one browser tab (or API client) sees it: its commits are `client`'s
        undo steps and carry the versions its page `state` shows."""
        return ClientView(self, client, state)

    def _note_tracks(self, annotations) -> None:
        with self._track_lock:
            for a in annotations:
                if getattr(a, "track_id", None) is not None and self._max_track is not None:
                    self._max_track = max(self._max_track, int(a.track_id))

    def next_track_id(self) -> int:
        """A track id no annotation of the label set uses yet (unique within this process;
        several server processes would need it from the database)."""
        with self._track_lock:
            if self._max_track is None:
                ids = [a.track_id for f in self.store.frames(self.label_set)
                       for a in self.store.frame(f, self.label_set) if getattr(a, "track_id", None) is not None]
                self._max_track = max(ids, default=0)
            self._max_track += 1
            return self._max_track

    def saved_label(self, state: dict | None) -> str:
        if not state or not state.get("saved_at"):
            return "saved · no changes yet"
        return f"saved ✓ {time.strftime('%H:%M:%S', time.localtime(state['saved_at']))} · rev {state['rev']}"


class ClientView:
    """An AppSession seen by one client (a browser tab: the uuid its page load made; or an
    API client). Everything is the session's, except that commits are this client's undo
    steps and carry the versions of the client's page `state` for the annotations they touch
    (those of the state's frame), so a change based on a stale copy is refused."""

    def __init__(self, session: AppSession, client: str | None, state: dict | None = None):
        self._session = session
        self.client = client or None
        self.state = state

    def __getattr__(self, name):
        return getattr(self._session, name)

    def seen(self, frame_id: str) -> dict[str, int]:
        """id -> version this client's page shows of frame `frame_id`'s annotations."""
        return versions_of(self.state) if self.state and self.state.get("frame") == frame_id else {}

    def commit(self, frame_id: str, upserts=(), deletes=(), expected: dict | None = None,
               client: str | None = None) -> dict:
        upserts, deletes = list(upserts), list(deletes)
        seen = self.seen(frame_id)
        touched = [a.id for a in upserts] + list(deletes)
        exp = {i: seen[i] for i in touched if i in seen}
        exp.update(expected or {})
        return self._session.commit(frame_id, upserts, deletes, expected=exp or None, client=client or self.client)

    def apply_to_stored(self, frame_id: str, annotation_id: str, fn, client: str | None = None) -> dict:
        return self._session.apply_to_stored(frame_id, annotation_id, fn, client=client or self.client)
