"""HTTP endpoints of point-wise labelling: a Flask blueprint, independent of Dash.

Register it on any Flask server (the app's is `dash_app.server`):
`server.register_blueprint(pointlabels_blueprint(dataset, annotations))`.

  GET  /pointlabels/classes?set=S        the class map: {"labels": {id: name}, "color_map": {id: [r, g, b]}}
  GET  /pointlabels/<frame>.bin?set=S    N uint16 classes then N uint16 instances, little-endian, in
                                         the loaded cloud's full order; headers X-Pointlabels-Points
                                         and X-Pointlabels-Version. `&order=NAME[&camera=C]`: only the
                                         points (in the order) an `orders` hook gives, e.g. those
                                         the app's 3D view or a camera received
  GET  /pointlabels/instances/next?set=S {"instance": the largest instance id used + 1}
  GET  /pointlabels/<frame>/counts?set=S {"version", "points", "labelled", "classes": {id: n}, "instances": k}
  GET  /pointlabels/<frame>/history?set=S   the frame's ops, newest first
  POST /pointlabels/<frame>/op           {tool, params, class, instance, client, version, set,
                                         only_unlabelled, erase} (see pointlabels.ops) -> {"version",
                                         "changed", "selected", "seq", "previous_version", "stale"}
  POST /pointlabels/undo | /redo         {client, set, frame (optional)} -> the op's result, or {"frame": null}
  POST /pointlabels/<frame>/propagate    {"from": frame or "previous", client, set, max_dist, overwrite}

Paint ops are geometric (the server selects the points), so an op sent with an older
`version` is still applied; `stale: true` tells the client to fetch the labels again.
Bad input answers 400 (unknown frame: 404) with {"error": "..."}.
"""
from __future__ import annotations

import threading

from flask import Blueprint, Response, jsonify, request

from pointlabel.errors import PointlabelError
from pointlabel.pointlabels.ops import FramePoints, apply_request
from pointlabel.pointlabels.propagate import propagate_frame
from pointlabel.pointlabels.stats import frame_counts
from pointlabel.pointlabels.storage import DEFAULT_SET, PointLabelStore

PREFIX = "/pointlabels"


def pointlabels_blueprint(dataset, annotations, point_store: PointLabelStore | None = None,
                          url_prefix: str = PREFIX, orders: dict | None = None,
                          default_set: str = DEFAULT_SET) -> Blueprint:
    """The endpoints above for one dataset; `annotations` is its AnnotationStore (the box
    tool and propagation read cuboids from it); the labels live in the same database.
    orders: name -> fn(frame_id, camera or None) -> (M,) indices into the loaded cloud (the
    points a client was sent, in its order); default_set: the label set when a request
    names none."""
    orders = dict(orders or {})
    store = point_store or PointLabelStore.for_store(annotations)
    bp = Blueprint("pointlabels", __name__, url_prefix=url_prefix)
    lock = threading.Lock()  # one op at a time: each reads the frame's labels and writes them back
    known = set(dataset.frame_ids)

    def frame_of(fid: str) -> FramePoints:
        if fid not in known:
            raise _NotFound(f"no frame {fid!r}")
        return FramePoints(dataset, fid, annotations, label_set())

    def label_set() -> str:
        body = request.get_json(silent=True) if request.method == "POST" else None
        name = (body or {}).get("set") if isinstance(body, dict) else None
        return str(name or request.args.get("set") or default_set)

    def body() -> dict:
        b = request.get_json(silent=True)
        if not isinstance(b, dict):
            raise PointlabelError("expected a JSON object")
        return b

    @bp.errorhandler(PointlabelError)
    def _bad(e):
        return jsonify({"error": str(e)}), 400

    @bp.errorhandler(_NotFound)
    def _missing(e):
        return jsonify({"error": str(e)}), 404

    @bp.get("/classes")
    def _classes():
        return jsonify(store.class_map(label_set()).to_dict())

    @bp.get("/<frame>.bin")
    def _labels(frame):
        f = frame_of(frame)
        got = store.labels(frame, f.n_points, label_set())
        sem, inst = got.semantic, got.instance
        order = request.args.get("order")
        if order is not None:
            if order not in orders:
                raise PointlabelError(f"unknown order {order!r} (orders: {', '.join(sorted(orders)) or 'none'})")
            idx = orders[order](frame, request.args.get("camera"))
            if idx is None:
                raise _NotFound(f"no {order} points for frame {frame!r}")
            sem, inst = sem[idx], inst[idx]
        data = sem.astype("<u2").tobytes() + inst.astype("<u2").tobytes()
        return Response(data, mimetype="application/octet-stream",
                        headers={"Cache-Control": "no-store", "X-Pointlabels-Points": str(len(sem)),
                                 "X-Pointlabels-Version": str(got.version)})

    @bp.get("/instances/next")
    def _next_instance():
        return jsonify({"instance": store.max_instance(label_set()) + 1})

    @bp.get("/<frame>/counts")
    def _counts(frame):
        f = frame_of(frame)
        got = store.labels(frame, f.n_points, label_set())
        return jsonify({"version": got.version, "points": f.n_points, **frame_counts(got.semantic, got.instance)})

    @bp.get("/<frame>/history")
    def _history(frame):
        frame_of(frame)
        return jsonify(store.history(label_set(), frame))

    @bp.post("/<frame>/op")
    def _op(frame):
        req = body()
        f = frame_of(frame)
        req["label_set"] = label_set()
        with lock:
            before = store.version(frame, req["label_set"])
            res = apply_request(store, f, req)
        sent = req.get("version")
        return jsonify({**res.to_dict(), "previous_version": before,
                        "stale": sent is not None and int(sent) != before})

    def _revert(undo: bool):
        req = body()
        fid = req.get("frame")
        if fid is not None and fid not in known:
            raise _NotFound(f"no frame {fid!r}")
        with lock:
            fn = store.undo if undo else store.redo
            res = fn(label_set(), req.get("client"), fid)
        return jsonify({"frame": None, "changed": 0} if res is None else res.to_dict())

    bp.add_url_rule("/undo", "undo", lambda: _revert(True), methods=["POST"])
    bp.add_url_rule("/redo", "redo", lambda: _revert(False), methods=["POST"])

    @bp.post("/<frame>/propagate")
    def _propagate(frame):
        req = body()
        src = req.get("from")
        frame_of(frame)
        if src == "previous":  # the frame before this one in the dataset's order
            ids = dataset.frame_ids
            src = ids[ids.index(frame) - 1] if ids.index(frame) > 0 else None
        if src not in known:
            raise _NotFound(f"no frame {src!r}")
        with lock:
            res, tr = propagate_frame(store, dataset, src, frame, annotations, label_set(), req.get("client"),
                                      float(req.get("max_dist", 0.25)), bool(req.get("overwrite")))
        return jsonify({**res.to_dict(), "boxed": tr.n_boxed, "static": tr.n_static, "poses": tr.used_poses})

    return bp


class _NotFound(Exception):
    pass


def serve(dataset, annotations, host: str = "127.0.0.1", port: int = 8051) -> None:
    """The endpoints alone on a small Flask app (scripts, tests, a canvas under development)."""
    from flask import Flask
    app = Flask("pointlabels")
    app.register_blueprint(pointlabels_blueprint(dataset, annotations))
    print(f"pointlabels: http://{host}:{port}{PREFIX}/", flush=True)
    app.run(host=host, port=port, threaded=True)
