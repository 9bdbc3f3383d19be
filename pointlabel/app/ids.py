"""Every component id of the app, in one place (string constants; factories for dict ids)."""
from __future__ import annotations

# -- page state (dcc.Store) ------------------------------------------------------------------
ANNOTATIONS = "annotations-store"      # versioned JSON of the current frame's annotations
SELECTION = "selection-store"          # {"id": annotation id | None, "vertex": int | None}
CURRENT_CLASS = "current-class-store"  # class given to new cuboids / polylines
FIT_REQUEST = "fit-request"            # {"x","y","z","source","ts"}: a point clicked in fit mode
VERTEX_REQUEST = "vertex-request"      # the same, in polyline mode
REDACT_REQUEST = "redact-request"      # {"camera", "rect": [l, t, r, b], "ts"}: a region drawn in redact mode
SELECT_REQUEST = "select-request"      # {"id", "vertex"} or {"x","y","z"}: a click that selects
CONFIG = "config-store"                # what the canvas needs once: ids, topology, steps, keys (app.canvas_config)
URL = "url"                            # ?frame=<id>: a reload reopens the same frame
FINDINGS = "findings-store"            # the last QA checks' findings (app.review: findings state)
REVIEW_ITEMS = "review-items-store"    # the review list's rows as shown (a row click reads its item)
FOCUS = "focus-store"                  # {"frame","x","y","z","radius","ts"}: centre the 3D view and BEV there
CAMERA_OVERLAYS = "camera-overlays-store"  # the annotations projected into each camera (figures.overlays.camera_paths)


def canvas_sink(name: str) -> str:
    """A hidden store that only gives a clientside canvas callback its required output."""
    return f"canvas-sink-{name}"


# -- header ----------------------------------------------------------------------------------
FRAME_SLIDER = "frame-slider"
FRAME_LABEL = "frame-label"
PREV_BTN = "prev-frame-btn"
NEXT_BTN = "next-frame-btn"
PLAY_BTN = "play-btn"
PLAY_INTERVAL = "play-interval"
MODE = "mode-radio"
UNDO_BTN = "undo-btn"
REDO_BTN = "redo-btn"
SAVED = "saved-indicator"
EXPORT_BTN = "export-btn"
HELP_BTN = "help-btn"
HELP_PANEL = "help-panel"
HELP_CLOSE = "help-close-btn"
STATUS = "status-msg"
POINT_INPUT = "point-input"            # "x, y, z" + Enter: a point click by coordinates

# -- view settings ---------------------------------------------------------------------------
COLOR_MODE = "color-mode"
POINT_SIZE = "point-size"
RANGE = "range-filter"
HIDE_GROUND = "hide-ground"            # ["hide"]: the 3D view and the BEV leave out ground points
REDACTED_VIEW = "redacted-view"        # ["on"]: the cameras show their images redacted (privacy)

# -- views (drawn by the canvas, js/src; the 3D view keeps the id graph-3d) ---------------------
GRAPH_3D = "graph-3d"
GRAPH_BEV = "graph-bev"
GRAPH_BOX_VIEWS = "graph-box-views"
CAMERAS_ROW = "cameras-row"


# -- editor ----------------------------------------------------------------------------------
EDITOR_CUBOID = "editor-cuboid"
EDITOR_POLYLINE = "editor-polyline"
EDITOR_EMPTY = "editor-empty"
SELECTED_TITLE = "selected-title"
CLASS_BTN = "class-btn"
FIELD = "field"                        # numeric fields of the selected cuboid / vertex
APPLY_FIELDS_BTN = "apply-fields-btn"
TRACK_INPUT = "track-input"
OCCLUDED = "occluded-radio"
NOTE_INPUT = "note-input"
DELETE_BTN = "delete-btn"
COPY_NEXT_BTN = "copy-next-btn"
PROPAGATE_BTN = "propagate-btn"
INTERPOLATE_BTN = "interpolate-btn"
REFINE_TRACK_BTN = "refine-track-btn"  # refine the selected box's whole track (fitting.refine)
ACCEPT_BTN = "accept-btn"
REJECT_BTN = "reject-btn"
ACCEPT_ALL_BTN = "accept-all-btn"
REJECT_ALL_BTN = "reject-all-btn"
PRELABEL_BTN = "prelabel-btn"
NEW_POLYLINE_BTN = "new-polyline-btn"
CLOSE_POLYLINE_BTN = "close-polyline-btn"
DELETE_VERTEX_BTN = "delete-vertex-btn"
VERTEX_FIELD = "vertex-field"
APPLY_VERTEX_BTN = "apply-vertex-btn"
POLYLINE_HEIGHT = "polyline-height-radio"
POLY_CLASS_BTN = "poly-class-btn"
OBJECT_LIST = "object-list"
OBJECT_LIST_SHOWN = "object-list-shown"
OBJECT_ROW = "object-row"
OBJECT_PTS = "object-pts"

CUBOID_FIELDS = ("x", "y", "z", "l", "w", "h", "yaw")
VERTEX_FIELDS = ("vx", "vy", "vz")


GUIDE_TEXT = "guide-text"              # the guidelines' text for the selected / current class
OBJECT_FILTER = "object-filter"        # ["rejected"]: the object list shows only rejected items

# -- side panel tabs -------------------------------------------------------------------------
TAB_LABEL_BTN = "tab-label-btn"
TAB_REVIEW_BTN = "tab-review-btn"
LABEL_PANEL = "label-panel"
REVIEW_PANEL = "review-panel"

# -- review ----------------------------------------------------------------------------------
CHECK_SEQUENCE_BTN = "check-sequence-btn"
CHECK_FRAME_BTN = "check-frame-btn"
REVIEW_SUMMARY = "review-summary"
REVIEW_VIEW = "review-view-radio"      # "findings" | "rejected"
SEVERITY_FILTER = "severity-filter"    # "all" | "error" | "warning" | "info"
REVIEW_LIST = "review-list"
REVIEW_ROW = "review-row"
REVIEW_VERDICT = "review-verdict"      # the selected annotation's verdict and comment
REVIEW_GUIDE = "review-guide"
REVIEW_COMMENT = "review-comment"
REVIEW_ACCEPT_BTN = "review-accept-btn"
REVIEW_REJECT_BTN = "review-reject-btn"
REVIEW_EXPORT_BTN = "review-export-btn"
BOX_FROM_FINDING_BTN = "box-from-finding-btn"  # make a box from the picked missed_object finding
REVIEW_PICKED = "review-picked-store"  # the review item last clicked (what BOX_FROM_FINDING_BTN uses)
REVIEW_DOWNLOAD = "review-download"


def review_row(k: int) -> dict:
    return {"type": REVIEW_ROW, "index": k}


def class_button(name: str) -> dict:
    return {"type": CLASS_BTN, "index": name}


def poly_class_button(name: str) -> dict:
    return {"type": POLY_CLASS_BTN, "index": name}


def field(name: str) -> dict:
    return {"type": FIELD, "index": name}


def vertex_field(name: str) -> dict:
    return {"type": VERTEX_FIELD, "index": name}


def object_row(annotation_id: str) -> dict:
    return {"type": OBJECT_ROW, "index": annotation_id}


def object_pts(annotation_id: str) -> dict:
    """The point-count cell of a row (updated alone when only counts change)."""
    return {"type": OBJECT_PTS, "index": annotation_id}

# -- who edits, and the trail ------------------------------------------------------------------
CLIENT = "client-store"                # this page load's id (a uuid): its edits are its own undo steps
HISTORY_PANEL = "history-panel"        # the trail of the selected annotation (or of the frame)
HISTORY_LIST = "history-list"
