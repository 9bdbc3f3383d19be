"""The colours every view shares (the browser gets them through app.canvas_config)."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping

CLASS_COLOURS = {
    "Car": "#3fa7ff", "Van": "#62d2a2", "Truck": "#f5a623", "Pedestrian": "#ff5a5f",
    "Person_sitting": "#ff8ad8", "Cyclist": "#ffe14d", "Tram": "#b38cff", "Misc": "#a0a0a0",
    "lane": "#ffffff", "road_edge": "#ffb347", "curb": "#ff7f50", "stop_line": "#ff4040",
    "crosswalk": "#e0e0e0",
}
_PALETTE = ("#3fa7ff", "#62d2a2", "#f5a623", "#ff5a5f", "#b38cff", "#ffe14d", "#4dd0e1", "#ff8ad8")
PROPOSAL_COLOUR = "#ff9f1c"
SELECTED_COLOUR = "#ffffff"

def class_colour(label: str, colours: Mapping[str, str] | None = None) -> str:
    """A stable colour for a class name: the project's colour (`colours`, from the guidelines),
    else a fixed colour of a known class, else one picked by the name's hash."""
    if colours and label in colours:
        return colours[label]
    if label in CLASS_COLOURS:
        return CLASS_COLOURS[label]
    h = int(hashlib.md5(label.encode()).hexdigest()[:6], 16)
    return _PALETTE[h % len(_PALETTE)]
