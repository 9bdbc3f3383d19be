"""Team mode on the app's Flask server: the guard and login (auth), the tasks and review API
(api), track ids from the database (tracks) and the admin page /team/admin (the team report
of this dataset, live)."""
from __future__ import annotations

from flask import Response


def register(server, session) -> None:
    from pointlabel.team import api, auth, tracks
    auth.install(server, session)
    api.register(server, session)
    tracks.install(session)  # track ids from the database: unique across worker processes

    @server.route("/team/admin")
    def team_admin():
        from pointlabel.team.metrics import compute
        from pointlabel.team.report import to_html
        from pointlabel.team.tasks import dataset_key
        m = compute(session.store, dataset_key(session.dataset.root), session.label_set)
        return Response(to_html(m), mimetype="text/html", headers={"Cache-Control": "no-store"})
