"""What the labeller's actions do, as functions of the session and the page's selection.

Each action reads the store, computes the change with the library (editing, fitting,
export), saves it at once, and returns an `Outcome` that the callbacks only unpack into
component properties. No Dash here, so every action is tested without a browser.

Called with `session.for_client(client, state)` (a browser tab's view), an edit carries the
versions the tab's page shows: if someone changed the object since, the edit is refused and
the Outcome holds the stored (newer) state and a message (`refuses_stale`). Undo and redo are
the client's own.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from pointlabel.app import assist, editing
from pointlabel.app.session import AppSession
from pointlabel.geometry.boxes import points_in_cuboid_mask
from pointlabel.model import (STATUS_CONFIRMED, STATUS_PROPOSAL, STATUS_REJECTED, Cuboid,
                              Polyline3D, new_id)
from pointlabel.store import UndoConflict, VersionConflict

NO_SELECTION = {"id": None, "vertex": None}


@dataclass(frozen=True)
class Outcome:
    """state: the new page state of `state['frame']` (None: unchanged); selection: the new
    selection (None: unchanged); goto: a frame index to switch to (None: stay)."""

    state: dict | None = None
    selection: dict | None = None
    message: str | None = None
    goto: int | None = None
    extra: dict = field(default_factory=dict)


def refuses_stale(action):
    """An edit action that, when its change is based on a stale copy (VersionConflict),
    saves nothing and returns the stored state of the frame with a message."""
    @functools.wraps(action)
    def run(session, frame_id, *args, **kwargs):
        try:
            return action(session, frame_id, *args, **kwargs)
        except VersionConflict as e:
            return Outcome(session.page_state(frame_id), message=f"not saved: {e.message}")
    return run


def _shown(session, frame_id: str, annotation_id: str) -> dict | None:
    """The annotation as the client's page shows it (None: unknown)."""
    state = getattr(session, "state", None)
    if not state or state.get("frame") != frame_id:
        return None
    return next((d for d in state.get("annotations", []) if d.get("id") == annotation_id), None)


def selection(annotation_id: str | None, vertex: int | None = None) -> dict:
    return {"id": annotation_id, "vertex": vertex}


def _selected(session: AppSession, frame_id: str, sel: dict | None):
    if not sel or not sel.get("id"):
        return None
    return session.annotations(frame_id).get(sel["id"])


def _seed(session: AppSession, frame_id: str, click: dict) -> np.ndarray:
    """The 3D point of a click: as clicked in 3D; from a BEV click (no z), the cloud point
    nearest in x-y."""
    if click.get("z") is None:
        return session.frame(frame_id).nearest_point_xy((click["x"], click["y"]))
    return np.array([click["x"], click["y"], click["z"]], dtype=float)


# -- cuboids -------------------------------------------------------------------------------
@refuses_stale
def fit_at(session: AppSession, frame_id: str, click: dict, label: str | None) -> Outcome:
    """Click-to-fit: a new confirmed cuboid, selected. The click: a point in 3D
    ({"x","y","z"}), in the BEV (z None: the nearest object above the ground), a camera pixel
    ({"source": "camera", "camera", "u", "v"}: the points under it, picked along the ray) or a
    camera rectangle ({"source": "camera-rect", "camera", "rect": [u0, v0, u1, v1]})."""
    frame = session.frame(frame_id)
    source = click.get("source")
    priors = session.guidelines.fit_priors()
    if source in ("camera", "camera-rect"):
        if frame.rig is None or click.get("camera") not in frame.rig.cameras:
            return Outcome(message="no such camera in this frame")
        sensor = frame.rig[click["camera"]]
        if source == "camera":
            fit = assist.fit_camera_click(frame, sensor, (float(click["u"]), float(click["v"])), label, priors)
        else:
            fit = assist.fit_camera_rect(frame, sensor, [float(v) for v in click["rect"]], label, priors)
    elif click.get("z") is None:
        fit = assist.fit_near(frame, (float(click["x"]), float(click["y"])), label, priors)
    else:
        fit = assist.fit_at(frame, _seed(session, frame_id, click), label, priors)
    if fit.cuboid is None:
        return Outcome(message=f"no box: {fit.reason or 'no object here'}")
    cub, state = _store_new_box(session, frame_id, fit)
    return Outcome(state, selection(cub.id),
                   f"fitted {cub.label} (track {cub.track_id}, {fit.n_points} points, confidence {fit.confidence:.2f})")


def _store_new_box(session: AppSession, frame_id: str, fit) -> tuple[Cuboid, dict]:
    """A fit's cuboid saved as a new annotation with a new track id -> (it, the page state)."""
    cub = fit.cuboid.replace(id=new_id(), track_id=session.next_track_id())
    return cub, session.commit(frame_id, upserts=[cub])


def select_at(session: AppSession, frame_id: str, click: dict) -> Outcome:
    """Select what is at a clicked point: the smallest cuboid holding it, else a polyline
    vertex within 1 m, else nothing."""
    p = _seed(session, frame_id, click)
    anns = session.annotations(frame_id)
    holding = [c for c in anns.cuboids if c.status != STATUS_REJECTED
               and points_in_cuboid_mask(p[None], c, margin=0.1)[0]]
    if holding:
        best = min(holding, key=lambda c: float(np.prod(c.size_lwh)))
        return Outcome(selection=selection(best.id))
    for pl in anns.polylines:
        if len(pl.vertices):
            d = np.linalg.norm(pl.points[:, :2] - p[:2], axis=1)
            if d.min() < 1.0:
                return Outcome(selection=selection(pl.id, int(d.argmin())))
    return Outcome(selection=dict(NO_SELECTION))


def nudge(session: AppSession, frame_id: str, sel: dict, action: str, coarse: bool,
          client: str | None = None) -> Outcome:
    """A key step on the selected cuboid (its own axes) or the selected polyline vertex,
    applied to the STORED annotation atomically (session.apply_to_stored): steps from any
    number of tabs serialise and none is lost."""
    a = _selected(session, frame_id, sel)
    client = client or getattr(session, "client", None)
    if isinstance(a, Cuboid):
        def step(stored):
            return editing.nudge_cuboid(stored, action, coarse) if isinstance(stored, Cuboid) else stored
        return Outcome(session.apply_to_stored(frame_id, a.id, step, client))
    k = (sel or {}).get("vertex")
    if isinstance(a, Polyline3D) and k is not None and k < len(a.vertices):
        def step_vertex(stored):
            ok = isinstance(stored, Polyline3D) and k < len(stored.vertices)
            return editing.nudge_vertex(stored, k, action, coarse) if ok else stored
        return Outcome(session.apply_to_stored(frame_id, a.id, step_vertex, client))
    return Outcome()


@refuses_stale
def set_fields(session: AppSession, frame_id: str, sel: dict, values: dict) -> Outcome:
    a = _selected(session, frame_id, sel)
    if not isinstance(a, Cuboid):
        return Outcome()
    try:
        new = editing.cuboid_with_fields(a, values)
    except (TypeError, ValueError) as e:
        return Outcome(message=f"not applied: {e}")
    return Outcome() if new is a else Outcome(session.commit(frame_id, upserts=[new]))


@refuses_stale
def add_redaction(session: AppSession, frame_id: str, camera: str, rect) -> Outcome:
    """A region drawn on a camera image to be redacted (privacy.regions.drawn_region):
    rect (left, top, right, bottom) in the recorded image's pixels; stored, versioned and
    reviewable like any annotation, and selected."""
    from pointlabel.privacy.regions import drawn_region
    rig = session.frame(frame_id).rig
    if rig is None or camera not in rig.cameras:
        return Outcome(message="no such camera in this frame")
    l, t, r, b = (float(v) for v in rect)
    if not all(np.isfinite([l, t, r, b])) or r - l < 2 or b - t < 2:
        return Outcome(message="draw a larger region")
    region = drawn_region(camera, [(l, t), (r, b)], image_size=tuple(rig[camera].camera.size))
    state = session.commit(frame_id, upserts=[region])
    return Outcome(state, selection(region.id), f"redact region on {camera} (exports with --redact blur it)")


def set_box(session: AppSession, frame_id: str, sel: dict, center, size_lwh, yaw) -> Outcome:
    """The selected cuboid placed where a handle drag left it (centre, size, yaw; LiDAR frame)."""
    a = _selected(session, frame_id, sel)
    if not isinstance(a, Cuboid):
        return Outcome(message="the box is gone")
    values = np.array([*center, *size_lwh, yaw], dtype=float)
    if values.shape != (7,) or not np.isfinite(values).all():
        raise ValueError("a box needs a finite centre (3), size (3) and yaw")
    new = a.replace(center=values[:3], size_lwh=np.maximum(values[3:6], editing.MIN_SIZE), yaw=values[6])
    return Outcome(session.commit(frame_id, upserts=[new]))


@refuses_stale
def set_label(session: AppSession, frame_id: str, sel: dict, label: str) -> Outcome:
    a = _selected(session, frame_id, sel)
    if isinstance(a, (Cuboid, Polyline3D)) and a.label != label:
        return Outcome(session.commit(frame_id, upserts=[a.replace(label=label)]))
    return Outcome()


@refuses_stale
def set_track(session: AppSession, frame_id: str, sel: dict, text) -> Outcome:
    a = _selected(session, frame_id, sel)
    if not isinstance(a, (Cuboid, Polyline3D)):
        return Outcome()
    try:
        track = None if text in (None, "") else int(text)
    except (TypeError, ValueError):
        return Outcome(message="a track id is a whole number")
    shown = _shown(session, frame_id, a.id)
    if track == a.track_id or (shown is not None and shown.get("track_id") == track):
        return Outcome()  # unchanged (leaving a field the page showed is no edit)
    return Outcome(session.commit(frame_id, upserts=[a.replace(track_id=track)]))


@refuses_stale
def set_attribute(session: AppSession, frame_id: str, sel: dict, key: str, value) -> Outcome:
    a = _selected(session, frame_id, sel)
    if not isinstance(a, (Cuboid, Polyline3D)):
        return Outcome()
    shown = _shown(session, frame_id, a.id)
    if shown is not None and (shown.get("attributes") or {}).get(key, "") == (value if value is not None else ""):
        return Outcome()  # the value the page showed: no edit
    attrs = dict(a.attributes)
    if value in (None, ""):
        if key not in attrs:
            return Outcome()
        attrs.pop(key)
    elif attrs.get(key) == value:
        return Outcome()
    else:
        attrs[key] = value
    return Outcome(session.commit(frame_id, upserts=[a.replace(attributes=attrs)]))


@refuses_stale
def delete(session: AppSession, frame_id: str, sel: dict) -> Outcome:
    a = _selected(session, frame_id, sel)
    if a is None:
        return Outcome(message="nothing selected")
    return Outcome(session.commit(frame_id, deletes=[a.id]), dict(NO_SELECTION), "deleted")


@refuses_stale
def to_next_frame(session: AppSession, frame_id: str, sel: dict, refine: bool) -> Outcome:
    """Copy (refine=False) or propagate (refine=True) the selected cuboid into the next frame,
    replacing that track's box there; then go to the next frame with the new box selected."""
    a = _selected(session, frame_id, sel)
    if not isinstance(a, Cuboid):
        return Outcome(message="select a box first")
    i = session.index_of(frame_id)
    if i + 1 >= len(session.frame_ids):
        return Outcome(message="this is the last frame")
    nxt = session.frame_ids[i + 1]
    track = a.track_id if a.track_id is not None else session.next_track_id()
    if a.track_id is None:
        session.commit(frame_id, upserts=[a.replace(track_id=track)])
    if refine:
        new = assist.propagate(a.replace(track_id=track), session.frame(nxt))
        verb = f"propagated (confidence {new.confidence or 0:.2f})"
    else:
        new = a.replace(id=new_id(), track_id=track, status=STATUS_CONFIRMED, source="copied")
        verb = "copied"
    old = [c for c in session.annotations(nxt).cuboids if c.track_id == track]
    if old:
        new = new.replace(id=old[0].id)
    state = session.commit(nxt, upserts=[new], deletes=[c.id for c in old[1:]])
    return Outcome(state, selection(new.id), f"{verb} track {track} to frame {nxt}", goto=i + 1)


@refuses_stale
def interpolate_track(session: AppSession, frame_id: str, sel: dict) -> Outcome:
    """Fill the frames between the keyframes of the selected box's track (keyframes: the
    track's confirmed boxes) with interpolated proposals, replacing earlier interpolations."""
    a = _selected(session, frame_id, sel)
    if not isinstance(a, Cuboid) or a.track_id is None:
        return Outcome(message="select a box with a track id")
    index = {f: i for i, f in enumerate(session.frame_ids)}
    boxes = session.store.track(a.track_id, session.label_set)
    keys = sorted((index[f], c) for f, c in boxes.items()
                  if f in index and c.status == STATUS_CONFIRMED and c.source != "interpolated")
    if len(keys) < 2:
        return Outcome(message=f"track {a.track_id} needs boxes in two frames (keyframes) to interpolate")
    made = 0
    for (i0, c0), (i1, c1) in zip(keys, keys[1:]):
        for i in range(i0 + 1, i1):
            f = session.frame_ids[i]
            old = [c for c in session.annotations(f).cuboids if c.track_id == a.track_id]
            if any(c.status == STATUS_CONFIRMED and c.source != "interpolated" for c in old):
                continue
            box = assist.interpolate(c0, i0, c1, i1, i)
            session.commit(f, upserts=[box], deletes=[c.id for c in old])
            made += 1
    return Outcome(session.page_state(frame_id),
                   message=f"interpolated {made} boxes of track {a.track_id} between {len(keys)} keyframes")


# -- proposals -----------------------------------------------------------------------------
@refuses_stale
def prelabel(session: AppSession, frame_id: str) -> Outcome:
    """Pre-label the frame: proposals for every object not already boxed."""
    anns = session.annotations(frame_id)
    taken = [c for c in anns.cuboids if c.status != STATUS_REJECTED]
    fresh = [p.replace(track_id=None) for p in assist.prelabel(session.frame(frame_id), session.guidelines.fit_priors())
             if not any(points_in_cuboid_mask(np.asarray(p.center)[None], c, margin=0.3)[0] for c in taken)]
    fresh = [p.replace(track_id=session.next_track_id()) for p in fresh]
    state = session.commit(frame_id, upserts=fresh)
    return Outcome(state, message=f"{len(fresh)} proposals")


@refuses_stale
def set_status(session: AppSession, frame_id: str, sel: dict, status: str) -> Outcome:
    a = _selected(session, frame_id, sel)
    if not isinstance(a, Cuboid) or a.status == status:
        return Outcome(message=None if isinstance(a, Cuboid) else "select a proposal")
    return Outcome(session.commit(frame_id, upserts=[a.replace(status=status)]),
                   message=f"{'accepted' if status == STATUS_CONFIRMED else 'rejected'} {a.label}")


@refuses_stale
def set_status_all(session: AppSession, frame_id: str, status: str) -> Outcome:
    """Accept or reject every open proposal of the frame (one undo step)."""
    props = [c for c in session.annotations(frame_id).cuboids if c.status == STATUS_PROPOSAL]
    if not props:
        return Outcome(message="no open proposals in this frame")
    state = session.commit(frame_id, upserts=[c.replace(status=status) for c in props])
    verb = "accepted" if status == STATUS_CONFIRMED else "rejected"
    return Outcome(state, message=f"{verb} {len(props)} proposals")


# -- polylines -----------------------------------------------------------------------------
@refuses_stale
def add_vertex_at(session: AppSession, frame_id: str, sel: dict, click: dict, height: str,
                  label: str) -> Outcome:
    """Polyline mode click: add a vertex to the selected polyline (after the selected vertex,
    else at its end), or start a new polyline. Height: the clicked point's ('point') or the
    ground model's below it ('ground'). A BEV click (no z) puts the vertex where it was
    clicked, at the height of the nearest point there (or the ground's)."""
    p = _seed(session, frame_id, click)
    if click.get("z") is None:
        p[:2] = (float(click["x"]), float(click["y"]))
    if height == "ground":
        p[2] = session.frame(frame_id).ground_z(p[:2])
    a = _selected(session, frame_id, sel)
    if isinstance(a, Polyline3D):
        after = sel.get("vertex")
        new = editing.add_vertex(a, p, after)
        k = len(a.vertices) if after is None else after + 1
    else:
        new = Polyline3D(vertices=[tuple(p)], label=label, track_id=session.next_track_id())
        k = 0
    return Outcome(session.commit(frame_id, upserts=[new]), selection(new.id, k),
                   f"{new.label}: {len(new.vertices)} vertices")


@refuses_stale
def delete_vertex(session: AppSession, frame_id: str, sel: dict) -> Outcome:
    a = _selected(session, frame_id, sel)
    k = (sel or {}).get("vertex")
    if not isinstance(a, Polyline3D) or k is None or k >= len(a.vertices):
        return Outcome(message="select a polyline vertex")
    if len(a.vertices) == 1:
        return Outcome(session.commit(frame_id, deletes=[a.id]), dict(NO_SELECTION), "polyline deleted")
    new = editing.delete_vertex(a, k)
    return Outcome(session.commit(frame_id, upserts=[new]), selection(a.id, max(0, k - 1)))


@refuses_stale
def toggle_closed(session: AppSession, frame_id: str, sel: dict) -> Outcome:
    a = _selected(session, frame_id, sel)
    if not isinstance(a, Polyline3D):
        return Outcome(message="select a polyline")
    new = editing.toggle_closed(a)
    return Outcome(session.commit(frame_id, upserts=[new]), message="closed" if new.closed else "open")


@refuses_stale
def set_vertex(session: AppSession, frame_id: str, sel: dict, values: dict) -> Outcome:
    a = _selected(session, frame_id, sel)
    k = (sel or {}).get("vertex")
    if not isinstance(a, Polyline3D) or k is None or k >= len(a.vertices):
        return Outcome()
    try:
        p = [float(values[n]) for n in ("vx", "vy", "vz")]
    except (KeyError, TypeError, ValueError):
        return Outcome(message="a vertex needs three numbers")
    if np.allclose(p, a.points[k]):
        return Outcome()
    return Outcome(session.commit(frame_id, upserts=[editing.move_vertex(a, k, p)]))


# -- history and export --------------------------------------------------------------------
def undo(session: AppSession, frame_id: str, redo: bool = False, client: str | None = None) -> Outcome:
    """Undo (or redo) the client's own last change, in whatever frame it was made; refused
    with a message if someone else changed that object since."""
    client = client or getattr(session, "client", None)
    try:
        f = (session.store.redo if redo else session.store.undo)(session.label_set, author=session.author_for(frame_id),
                                                                  client=client)
    except UndoConflict as e:
        return Outcome(session.page_state(frame_id), message=e.message)
    if f is None:
        return Outcome(message=f"nothing to {'redo' if redo else 'undo'}")
    goto = None if f == frame_id or f not in session.frame_ids else session.index_of(f)
    return Outcome(session.page_state(f), message=f"{'redone' if redo else 'undone'} (frame {f})", goto=goto)


def export_kitti(session: AppSession) -> Outcome:
    """Export the whole label set to a KITTI object folder (label_2, calib, json)."""
    from pointlabel.errors import PointlabelError
    from pointlabel.formats.kitti_io import export_kitti as run
    from pointlabel.labelsets import StoreSet
    try:
        s = run(session.dataset, StoreSet(session.store, session.label_set), session.export_dir)
    except PointlabelError as e:
        return Outcome(message=f"export failed: {e}")
    return Outcome(message=f"exported {s.frames} frames, {s.label_lines} label lines to {session.export_dir}",
                   extra={"path": str(session.export_dir)})


def follow_selection(session: AppSession, frame_id: str, sel: dict | None) -> dict | None:
    """The selection after switching to `frame_id`: unchanged if the annotation is there,
    else the same track's annotation there, else nothing. None: no change."""
    sel_id = (sel or {}).get("id")
    anns = session.annotations(frame_id)
    if not sel_id or anns.get(sel_id) is not None:
        return None
    found = session.store.get(sel_id, session.label_set)
    track = getattr(found[0], "track_id", None) if found else None
    same = [a for a in anns if track is not None and getattr(a, "track_id", None) == track]
    return selection(same[0].id) if same else dict(NO_SELECTION)


# -- whole tracks and QA findings ----------------------------------------------------------

@refuses_stale
def refine_track(session: AppSession, frame_id: str, sel: dict | None) -> Outcome:
    """Refine the selected cuboid's whole track (fitting.refine: one size, a smoothed path,
    the heading's sign from the motion); every box of the track gets a new version, in one
    undo step of this client."""
    from pointlabel.errors import PointlabelError
    from pointlabel.fitting.refine import refine_in_store
    a = _selected(session, frame_id, sel)
    if not isinstance(a, Cuboid) or a.track_id is None:
        return Outcome(message="select a cuboid of a track to refine it")
    try:
        (report,) = refine_in_store(session.dataset, session.store, session.label_set, [a.track_id],
                                    author=session.author_for(frame_id), client=session.client, count_points=False)
    except PointlabelError as e:
        return Outcome(message=f"not refined: {e}")
    if len(report.frames) < 2:
        return Outcome(session.page_state(frame_id), message=f"track {a.track_id} has one box: nothing to refine")
    return Outcome(session.page_state(frame_id), selection(a.id),
                   f"refined track {a.track_id}: {len(report.frames)} boxes, moved up to {report.moved:.2f} m, "
                   f"turned up to {report.turned:.1f}°")


@refuses_stale
def box_from_finding(session: AppSession, frame_id: str, finding: dict | None) -> Outcome:
    """A missed_object finding made into a box: fit at the cluster it found (the object point
    nearest its location), class from the finding when the fitting knows it; a new confirmed
    cuboid with a new track id, selected."""
    if not finding or finding.get("check") != "missed_object" or not finding.get("location"):
        return Outcome(message="pick a missed_object finding in the review list first")
    if str(finding.get("frame")) != str(frame_id):
        return Outcome(message=f"the finding is in frame {finding.get('frame')}: go there first")
    frame = session.frame(frame_id)
    priors = session.guidelines.fit_priors()
    label = finding.get("label") if finding.get("label") in priors else None
    fit = assist.fit_finding(frame, finding["location"], label, priors)
    if fit.cuboid is None:
        return Outcome(message=f"no box: {fit.reason or 'no object there'}")
    cub, state = _store_new_box(session, frame_id, fit)
    return Outcome(state, selection(cub.id),
                   f"made a {cub.label} from the finding (track {cub.track_id}, {fit.n_points} points)")
