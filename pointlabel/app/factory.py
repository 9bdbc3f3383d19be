"""create_app: the Dash app for one dataset and one annotation store."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import flask
from dash import Dash

from pointlabel.app.callbacks import register_all
from pointlabel.app.compression import enable_gzip
from pointlabel.app.endpoints import register as register_endpoints
from pointlabel.app.paint import register as register_paint
from pointlabel.app.config import DEFAULT_CLASSES, AppConfig, PointBudget
from pointlabel.app.layout import build_layout, initial_frame_index
from pointlabel.api import register_api
from pointlabel.team.web import register as register_team
from pointlabel.app.session import AppSession
from pointlabel.qa.guidelines import default_guidelines

ASSETS = Path(__file__).with_name("assets")


def resolved(config: AppConfig) -> AppConfig:
    """The config with its guidelines (default ones if none) and its class list (the
    guidelines' classes if none was given) filled in."""
    guidelines = config.guidelines or default_guidelines()
    classes = config.classes or tuple(guidelines.classes) or DEFAULT_CLASSES
    return replace(config, guidelines=guidelines, classes=tuple(classes))


def create_app(dataset, store, config: AppConfig | None = None, *, classes=None, polyline_classes=None,
               label_set: str | None = None, budget: PointBudget | None = None,
               export_dir: str | Path | None = None, guidelines=None) -> Dash:
    """The annotation app. `dataset`: any dataset of pointlabel.datasets (open_dataset);
    `store`: its AnnotationStore; `guidelines`: pointlabel.qa.guidelines.Guidelines (default:
    default_guidelines()), whose classes and colours the app offers unless `classes` is given.
    Keyword arguments override fields of `config`.
    The session (dataset, store, frame cache) is at `app.pointlabel_session`."""
    config = config or AppConfig()
    overrides = {k: v for k, v in {"classes": tuple(classes) if classes else None,
                                   "polyline_classes": tuple(polyline_classes) if polyline_classes else None,
                                   "label_set": label_set, "budget": budget, "guidelines": guidelines,
                                   "export_dir": Path(export_dir) if export_dir else None}.items() if v is not None}
    config = resolved(replace(config, **overrides))
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
    register_endpoints(app.server, session)
    register_paint(app.server, session)  # /pointlabels (point-wise labels, js/src/paint.js)
    register_api(app.server, session)  # /api/v1 (pointlabel.api)
    register_team(app.server, session)  # accounts, login, tasks, review API, team page (pointlabel.team)
    enable_gzip(app.server)
    app.pointlabel_session = session
    return app
