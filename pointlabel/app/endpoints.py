"""The canvas' HTTP endpoints on the app's Flask server (beside Dash's own routes).

The canvas (js/src, bundled into assets/canvas.bundle.js) fetches a frame's heavy data once,
as binary messages (app.wire), and sends the labeller's key edits here in order:

  GET  /_pointlabel/cloud/<i>           the sweep of frame index i: xyz (float32), intensity
                                        and rgb (uint8) when the cloud has them
  GET  /_pointlabel/ground/<i>          one flag byte a point of that message: 1 = ground
  GET  /_pointlabel/camera/<i>/<name>   the LiDAR points projected into a camera: uv (float32
                                        pixels of the original image), depth (float32 m)
  GET  /_pointlabel/image/<i>/<name>    the camera image (JPEG, downscaled for display)
  POST /_pointlabel/edit                {"client", "ops": [op, ...]} applied in order, each its
                                        own transaction (one undo step): see apply_ops
"""
from __future__ import annotations

import threading

import numpy as np
from flask import Response, abort, jsonify, request

from pointlabel.app import actions, wire
from pointlabel.app.views import camera_points, sync_label, view_points

PREFIX = "/_pointlabel"
MAX_OPS = 500  # one request's ops at most (a held key sends ~30 a second)


def robust_range(v: np.ndarray) -> tuple[float, float]:
    """The 2nd..98th percentile of v (a colour scale's range), never empty."""
    if len(v) == 0:
        return 0.0, 1.0
    lo, hi = np.percentile(v, [2, 98])
    return float(lo), float(hi if hi > lo else lo + 1.0)


def cloud_message(session, index: int) -> bytes:
    """The points the 3D view and the BEV draw (the 3D point budget applies)."""
    fid = session.frame_id(index)
    frame = session.frame(fid)
    idx, voxel = view_points(session, fid, session.config.budget.view3d)
    cloud = frame.cloud
    arrays = {"xyz": np.asarray(frame.xyz[idx], dtype=np.float32)}
    meta = {"frame": fid, "index": session.index_of(fid), "total": int(len(frame.xyz)), "voxel": voxel}
    if cloud.intensity is not None:
        v = np.asarray(cloud.intensity[idx], dtype=np.float32)
        lo, hi = robust_range(v)
        arrays["intensity"] = np.clip((v - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)
        meta["intensity_range"] = [lo, hi]
    if cloud.rgb is not None:
        arrays["rgb"] = np.asarray(cloud.rgb[idx], dtype=np.uint8)
    return wire.pack(arrays, **meta)


def ground_message(session, index: int) -> bytes:
    """1 for the points of cloud_message within 0.2 m of the frame's ground model."""
    fid = session.frame_id(index)
    frame = session.frame(fid)
    idx, _ = view_points(session, fid, session.config.budget.view3d)
    ground = frame.fit_context().ground
    flags = (ground.height_above(np.asarray(frame.xyz[idx], dtype=float)) < 0.2).astype(np.uint8)
    return wire.pack({"ground": flags}, frame=fid)


def camera_message(session, index: int, name: str) -> bytes | None:
    fid = session.frame_id(index)
    frame = session.frame(fid)
    if frame.rig is None or name not in frame.rig.cameras:
        return None
    uv, depth = camera_points(session, fid, name)
    w, h = frame.rig[name].camera.size
    has_image = frame.camera_image(name, session.config.image_max_width) is not None
    return wire.pack({"uv": uv, "depth": depth}, frame=fid, camera=name, width=int(w), height=int(h),
                     title=sync_label(name, frame.sync.get(name)),
                     image=f"{PREFIX}/image/{session.index_of(fid)}/{name}" if has_image else None)


def redacted_image(session, frame_id: str, camera: str) -> bytes | None:
    """The camera image as the redacted view shows it (privacy.redact.redacted_view: the
    projected boxes' head and plate zones and the drawn regions, blurred), JPEG, downscaled."""
    import io

    from PIL import Image

    from pointlabel.labelsets import StoreSet
    from pointlabel.privacy.redact import redacted_view
    match = session.frame(frame_id).sync.get(camera)
    if match is None or match.image is None:
        return None
    with Image.open(match.image) as im:
        rgb = np.asarray(im.convert("RGB"))
    out = Image.fromarray(redacted_view(session.dataset, StoreSet(session.store, session.label_set), frame_id, camera, rgb))
    w = session.config.image_max_width
    if out.width > w:
        out = out.resize((w, max(1, round(out.height * w / out.width))), Image.BILINEAR)
    buf = io.BytesIO()
    out.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


def apply_ops(session, client: str | None, ops: list[dict]) -> dict:
    """Apply the page's queued edits in order, each its own change (one undo step), against
    the stored state (never the page's copy), so no key press is lost or reordered.

    op: {"op": "nudge", "frame", "id", "action", "coarse", "vertex"?}   (applied to the stored box)
        {"op": "set", "frame", "id", "center", "size_lwh", "yaw", "version"?}   (a handle drag
            released; `version`: the box's version the drag started from: a box someone else
            changed since is not overwritten)
        {"op": "undo" | "redo", "frame"}   (the client's own last change)
    -> {"state": page state of the last op's frame, "goto": frame index or None, "messages": [...]}
    """
    state, goto, messages = None, None, []
    for op in ops:
        kind, fid = op.get("op"), op.get("frame")
        if fid not in session.frame_ids:
            raise ValueError(f"unknown frame {fid!r}")
        sel = {"id": op.get("id"), "vertex": op.get("vertex")}
        if kind == "nudge":
            out = actions.nudge(session.for_client(client), fid, sel, str(op.get("action")), bool(op.get("coarse")))
        elif kind == "set":
            seen = {"frame": fid, "versions": {sel["id"]: int(op["version"])}} if op.get("version") is not None else None
            out = actions.set_box(session.for_client(client, seen), fid, sel, op.get("center"), op.get("size_lwh"),
                                  op.get("yaw"))
        elif kind in ("undo", "redo"):
            out = actions.undo(session.for_client(client), fid, redo=kind == "redo")
        else:
            raise ValueError(f"unknown op {kind!r}")
        if out.message:
            messages.append(out.message)
        if out.state is not None:
            state = out.state
        if out.goto is not None:
            goto = out.goto
    if state is None and ops:
        state = session.page_state(ops[-1]["frame"])
    return {"state": state, "goto": goto, "messages": messages}


def register(server, session) -> None:
    """Add the canvas' routes to the app's Flask server."""
    edit_lock = threading.Lock()  # one page's queue at a time: ops of two tabs never interleave mid-batch

    def index_arg(i: int) -> int:
        if not 0 <= i < len(session.frame_ids):
            abort(404)
        return i

    def binary(data: bytes) -> Response:
        return Response(data, mimetype="application/octet-stream", headers={"Cache-Control": "no-store"})

    @server.route(f"{PREFIX}/cloud/<int:i>")
    def _cloud(i):
        return binary(cloud_message(session, index_arg(i)))

    @server.route(f"{PREFIX}/ground/<int:i>")
    def _ground(i):
        return binary(ground_message(session, index_arg(i)))

    @server.route(f"{PREFIX}/camera/<int:i>/<name>")
    def _camera(i, name):
        data = camera_message(session, index_arg(i), name)
        if data is None:
            abort(404)
        return binary(data)

    @server.route(f"{PREFIX}/image/<int:i>/<name>")
    def _image(i, name):
        import base64
        fid = session.frame_id(index_arg(i))
        frame = session.frame(fid)
        if name not in session.camera_names:
            abort(404)
        if request.args.get("redacted"):
            body = redacted_image(session, fid, name)
            if body is None:
                abort(404)
            return Response(body, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})
        img = frame.camera_image(name, session.config.image_max_width)
        if img is None:
            abort(404)
        body = base64.b64decode(img.uri.split(",", 1)[1])
        return Response(body, mimetype="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    @server.route(f"{PREFIX}/edit", methods=["POST"])
    def _edit():
        body = request.get_json(silent=True)
        ops = body.get("ops") if isinstance(body, dict) else None
        if not isinstance(ops, list) or not ops or len(ops) > MAX_OPS or not all(isinstance(o, dict) for o in ops):
            return jsonify({"error": f"expected {{'ops': [1..{MAX_OPS} objects]}}"}), 400
        client = body.get("client") if isinstance(body.get("client"), str) else None
        try:
            with edit_lock:
                return jsonify(apply_ops(session, client, ops))
        except (ValueError, TypeError, KeyError) as e:
            return jsonify({"error": str(e)}), 400
