"""The annotation app (Dash): `create_app(dataset, store)`, `serve(dataset, store, host, port)`.

Both are imported on first use, so the CLI can read `pointlabel.app.config` without loading Dash.
"""


def __getattr__(name):
    if name == "create_app":
        from pointlabel.app.factory import create_app
        return create_app
    if name == "serve":
        from pointlabel.app.server import serve
        return serve
    raise AttributeError(f"module 'pointlabel.app' has no attribute {name!r}")
