"""Keyboard shortcuts: one table, read by the help panel and handed to assets/pointlabel.js.

A binding's target says what the key does in the page:
- ``{"click": "<element id>"}`` presses a real button of the page (undo, delete, next frame...);
- ``{"nudge": "<action>"}`` moves, turns or resizes the selected cuboid (or moves the selected
  polyline vertex) by one step; Shift makes the step coarse;
- ``{"set": ["<component id>", "<prop>", value]}`` sets a component property (mode, selection);
- ``{"edit": "undo" | "redo"}`` undoes / redoes through the canvas' edit queue, in order with
  the nudges before it (ten quick presses undo ten changes);
- ``{"select": "next" | "prev"}`` selects the frame's next / previous object;
- ``{"view": "focus" | "ground"}`` centres the views on the selection / hides ground points.
The canvas (js/src/index.js) acts on them; keys typed into a text field are left alone.
"""
from __future__ import annotations

from pointlabel.app import ids

# (keys, target, description, group)
BINDINGS: tuple[tuple[tuple[str, ...], dict, str, str], ...] = (
    (("w",), {"nudge": "move_forward"}, "move forward (box's own x)", "Move / turn / resize"),
    (("s",), {"nudge": "move_back"}, "move back", "Move / turn / resize"),
    (("a",), {"nudge": "move_left"}, "move left (box's own y)", "Move / turn / resize"),
    (("d",), {"nudge": "move_right"}, "move right", "Move / turn / resize"),
    (("r",), {"nudge": "move_up"}, "move up", "Move / turn / resize"),
    (("f",), {"nudge": "move_down"}, "move down", "Move / turn / resize"),
    (("q",), {"nudge": "rotate_ccw"}, "turn left (counter-clockwise)", "Move / turn / resize"),
    (("e",), {"nudge": "rotate_cw"}, "turn right (clockwise)", "Move / turn / resize"),
    (("i",), {"nudge": "longer"}, "longer", "Move / turn / resize"),
    (("k",), {"nudge": "shorter"}, "shorter", "Move / turn / resize"),
    (("l",), {"nudge": "wider"}, "wider", "Move / turn / resize"),
    (("j",), {"nudge": "narrower"}, "narrower", "Move / turn / resize"),
    (("u",), {"nudge": "taller"}, "taller", "Move / turn / resize"),
    (("o",), {"nudge": "lower"}, "lower (less tall)", "Move / turn / resize"),
    (("1",), {"set": [ids.MODE, "value", "select"]}, "mode: select", "Modes"),
    (("2",), {"set": [ids.MODE, "value", "fit"]}, "mode: click-to-fit box", "Modes"),
    (("3",), {"set": [ids.MODE, "value", "polyline"]}, "mode: polyline (click adds a vertex)", "Modes"),
    (("4",), {"set": [ids.MODE, "value", "redact"]}, "mode: redact (drag a region on a camera image)", "Modes"),
    (("n",), {"click": ids.NEW_POLYLINE_BTN}, "start a new polyline", "Polylines"),
    (("m",), {"click": ids.CLOSE_POLYLINE_BTN}, "close / open the polyline", "Polylines"),
    (("backspace",), {"click": ids.DELETE_VERTEX_BTN}, "delete the selected vertex", "Polylines"),
    (("delete",), {"click": ids.DELETE_BTN}, "delete the selected object", "Objects"),
    (("escape",), {"set": [ids.SELECTION, "data", {"id": None, "vertex": None}]}, "deselect", "Objects"),
    (("enter",), {"click": ids.ACCEPT_BTN}, "accept the selected proposal", "Objects"),
    (("x",), {"click": ids.REJECT_BTN}, "reject the selected proposal", "Objects"),
    (("c",), {"click": ids.COPY_NEXT_BTN}, "copy the box to the next frame", "Objects"),
    (("p",), {"click": ids.PROPAGATE_BTN}, "propagate the box to the next frame", "Objects"),
    (("t",), {"click": ids.INTERPOLATE_BTN}, "interpolate the track between keyframes", "Objects"),
    (("tab",), {"select": "next"}, "select the next object of the frame", "Objects"),
    (("shift+tab",), {"select": "prev"}, "select the previous object", "Objects"),
    (("g",), {"view": "focus"}, "focus the views on the selected object", "Views"),
    (("h",), {"view": "ground"}, "hide / show ground points", "Views"),
    (("ctrl+z",), {"edit": "undo"}, "undo", "History"),
    (("ctrl+y", "ctrl+shift+z"), {"edit": "redo"}, "redo", "History"),
    (("arrowright", "."), {"click": ids.NEXT_BTN}, "next frame", "Frames"),
    (("arrowleft", ","), {"click": ids.PREV_BTN}, "previous frame", "Frames"),
    (("space",), {"click": ids.PLAY_BTN}, "play / pause", "Frames"),
    (("?",), {"click": ids.HELP_BTN}, "this help", "Help"),
)


def keymap() -> dict[str, dict]:
    """combo -> target, for the browser. Combos are lower case: 'ctrl+shift+z', 'w', '?'."""
    return {k: target for keys, target, _, _ in BINDINGS for k in keys}


def help_rows() -> list[tuple[str, str, str]]:
    """(group, keys as shown, description) for the help panel."""
    names = {"arrowright": "→", "arrowleft": "←"}

    def show(k: str) -> str:
        return "+".join(names.get(p, p.capitalize() if len(p) > 1 else p.upper() if p.isalpha() else p)
                        for p in k.split("+"))
    rows = [(group, " / ".join(show(k) for k in keys), desc) for keys, _, desc, group in BINDINGS]
    rows.insert(0, ("Move / turn / resize", "Shift + key", "coarse step (fine: 5 cm / 1°, coarse: 50 cm / 10°)"))
    return rows + list(MOUSE_ROWS) + list(PAINT_ROWS)


MOUSE_ROWS = (
    ("Mouse", "click a point", "select mode: select the box holding it · fit mode: fit a box · polyline mode: add a vertex"),
    ("Mouse", "click a box, a vertex or a row", "select it in every view"),
    ("Mouse", "drag / right-drag / wheel", "3D view: orbit / pan / zoom toward the cursor"),
    ("Mouse", "handles on the box", "3D view: disc moves, yellow knob turns, face squares resize"),
    ("Mouse", "drag / wheel", "BEV: pan / zoom; drag the selected box to move it, its knob to turn it"),
    ("Mouse", "drag in a box view", "an edge or corner resizes, the inside moves, the knob (top) turns"),
    ("Mouse", "click / drag in a camera", "click: select a box or fit one to the points under the click; "
                                           "drag: fit a box to the points in the rectangle; wheel zooms"),
)

# Paint mode (point-wise labels): js/src/paint.js handles these keys itself while it is on.
PAINT_ROWS = (
    ("Paint points", "Y", "paint mode on / off (Escape leaves it)"),
    ("Paint points", "B / L / C", "brush (drag) / lasso (drag a polygon; 3D: the toolbar's depth range) / fill this cluster (click)"),
    ("Paint points", "X / G", "paint the points in the selected box / the ground"),
    ("Paint points", "1-9 / E", "class of the palette (road, sidewalk, building, vegetation, terrain, car, person, pole, other) / eraser"),
    ("Paint points", "N / I", "a new instance id / no instance"),
    ("Paint points", "[ / ]", "brush radius smaller / larger"),
    ("Paint points", "V / P", "hide labelled points / carry the previous frame's labels to this one"),
    ("Paint points", "Ctrl+Z / Ctrl+Y", "undo / redo this page's paint ops"),
)
