"""What the canvas (js/src) is told once per page load: the component ids it talks to, the
cuboid topology and the nudge steps (so the browser moves a box exactly as the server will),
the class colours, the key bindings and the cameras. One source for each: the browser never
re-types a constant of the Python side."""
from __future__ import annotations

from calibration.cuboid_topology import EDGES, UNIT_CORNERS
from pointlabel.app import editing, ids
from pointlabel.app.endpoints import PREFIX
from pointlabel.app.figures.style import CLASS_COLOURS, PROPOSAL_COLOUR, SELECTED_COLOUR
from pointlabel.app.keys import keymap

BROWSER_IDS = {
    "view3d": ids.GRAPH_3D, "bev": ids.GRAPH_BEV, "boxViews": ids.GRAPH_BOX_VIEWS,
    "annotations": ids.ANNOTATIONS, "selection": ids.SELECTION, "slider": ids.FRAME_SLIDER,
    "fitRequest": ids.FIT_REQUEST, "selectRequest": ids.SELECT_REQUEST, "vertexRequest": ids.VERTEX_REQUEST,
    "status": ids.STATUS, "hideGround": ids.HIDE_GROUND, "redactRequest": ids.REDACT_REQUEST,
}


def nudge_steps() -> dict:
    """app.editing's steps and action tables, as the browser's cuboid.js reads them."""
    return {"move": list(editing.MOVE_STEP), "turn": list(editing.TURN_STEP), "size": list(editing.SIZE_STEP),
            "min_size": editing.MIN_SIZE, "moves": {k: list(v) for k, v in editing._MOVES.items()},
            "turns": dict(editing._TURNS), "resizes": {k: list(v) for k, v in editing._RESIZES.items()}}


def canvas_config(session) -> dict:
    cfg = session.config
    return {"prefix": PREFIX, "ids": BROWSER_IDS, "keymap": keymap(),
            "topology": {"unit_corners": UNIT_CORNERS.tolist(), "edges": EDGES.tolist()},
            "steps": nudge_steps(), "class_colours": {**CLASS_COLOURS, **session.class_colours},
            "colours": {"proposal": PROPOSAL_COLOUR, "selected": SELECTED_COLOUR},
            "range_max": cfg.range_max, "budget": cfg.budget.to_dict(), "frames": len(session.frame_ids),
            "cameras": session.camera_names}
