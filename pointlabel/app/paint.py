"""Point-wise labelling in the app: the point-label endpoints (pointlabel.pointlabels.http) on
the app's Flask server, told which points each view of the canvas received, so the browser's
paint layer (js/src/paint.js) gets labels for exactly the points it draws:

- order `view`: the points of the 3D view and the BEV (app.views.view_points, 3D budget);
- order `camera` (`&camera=NAME`): the LiDAR points projected into that camera
  (app.views.camera_point_indices).
"""
from __future__ import annotations

from pointlabel.app import views
from pointlabel.pointlabels.http import PREFIX, pointlabels_blueprint


def orders(session) -> dict:
    def view(frame_id: str, _camera=None):
        return views.view_points(session, frame_id, session.config.budget.view3d)[0]

    def camera(frame_id: str, name=None):
        frame = session.frame(frame_id)
        if name not in session.camera_names or frame.rig is None or name not in frame.rig.cameras:
            return None
        return views.camera_point_indices(session, frame_id, name)
    return {"view": view, "camera": camera}


def register(server, session) -> None:
    """Add /pointlabels/... to the app's server (the app's label set is the default set)."""
    server.register_blueprint(pointlabels_blueprint(session.dataset, session.store, orders=orders(session),
                                                    default_set=session.label_set))


__all__ = ["PREFIX", "register", "orders"]
