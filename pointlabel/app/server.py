"""Serve the app on a host and port (Flask's threaded server; one labeller per store)."""
from __future__ import annotations


def serve(dataset, store, host: str = "127.0.0.1", port: int = 8050, debug: bool = False, **options) -> None:
    """Build the app and serve it until interrupted. `options` go to create_app."""
    from pointlabel.app.factory import create_app
    app = create_app(dataset, store, **options)
    print(f"pointlabel: {len(app.pointlabel_session.frame_ids)} frames of {dataset.root}, "
          f"annotations in {store.path or store.url.render_as_string(hide_password=True)}; open http://{host}:{port}/", flush=True)
    app.run(host=host, port=port, debug=debug, threaded=True)
