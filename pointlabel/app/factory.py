"""create_app: the Dash app for one dataset and one annotation store."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import flask
from dash import Dash

from pointlabel.app.callbacks import register_all
from pointlabel.app.compression import enable_gzip
from pointlabel.app.config import AppConfig, PointBudget
from pointlabel.app.layout import build_layout, initial_frame_index
from pointlabel.app.session import AppSession

ASSETS = Path(__file__).with_name("assets")


def create_app(dataset, store, config: AppConfig | None = None, *, classes=None, polyline_classes=None,
               label_set: str | None = None, budget: PointBudget | None = None,
               export_dir: str | Path | None = None) -> Dash:
    """The annotation app. `dataset`: any dataset of pointlabel.datasets (open_dataset);
    `store`: its AnnotationStore. Keyword arguments override fields of `config`.
    The session (dataset, store, frame cache) is at `app.pointlabel_session`."""
    config = config or AppConfig()
    overrides = {k: v for k, v in {"classes": tuple(classes) if classes else None,
                                   "polyline_classes": tuple(polyline_classes) if polyline_classes else None,
                                   "label_set": label_set, "budget": budget,
                                   "export_dir": Path(export_dir) if export_dir else None}.items() if v is not None}
    config = replace(config, **overrides)
    session = AppSession(dataset, store, config)
    app = Dash(__name__, title="pointlabel", assets_folder=str(ASSETS), update_title=None,
               suppress_callback_exceptions=False)
    def layout():
        # The layout is fetched by the page's script: the page's own query is in the referrer.
        query = {}
        if flask.has_request_context():
            query = dict(flask.request.args) or dict(parse_qsl(urlparse(flask.request.referrer or "").query))
        return build_layout(session, initial_frame_index(session, query))

    app.layout = layout
    register_all(app, session)
    enable_gzip(app.server)
    app.pointlabel_session = session
    return app
