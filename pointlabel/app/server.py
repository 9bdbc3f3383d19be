"""Serve the app on a host and port (Flask's threaded server; one labeller per store)."""
from __future__ import annotations


def serve(dataset, store, host: str = "127.0.0.1", port: int = 8050, debug: bool = False, *,
          allowed_hosts=(), max_body_mb: float = 4.0, auth_token: str | None = None, **options) -> None:
    """Build the app and serve it until interrupted. `options` go to create_app.
    Binding, the Host check, the body limit, the token and callback errors: app/guard.py."""
    from pointlabel.app.factory import create_app
    from pointlabel.app.guard import check_bind, install_guards
    from pointlabel.team.users import accounts_exist
    if auth_token or not accounts_exist(store):  # accounts (team mode) are authentication too
        check_bind(host, auth_token)
    app = create_app(dataset, store, **options)
    install_guards(app.server, host, allowed_hosts, int(max_body_mb * (1 << 20)), auth_token)
    print(f"pointlabel: {len(app.pointlabel_session.frame_ids)} frames of {dataset.root}, "
          f"annotations in {store.path or store.url.render_as_string(hide_password=True)}; open http://{host}:{port}/", flush=True)
    app.run(host=host, port=port, debug=debug, threaded=True)
