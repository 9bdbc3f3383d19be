"""The annotation app (Dash): `create_app(dataset, store)`, `serve(dataset, store, host, port)`."""
from pointlabel.app.factory import create_app  # noqa: F401
from pointlabel.app.server import serve  # noqa: F401
