"""Callbacks, one module per feature. The graph, in short:

  frame slider ──► annotations store (page state of the frame) ──► overlays (Patch of every view),
        │                   ▲                                        box views, object list,
        │                   │ every edit saves, then writes it        editor fields, saved mark
        ├─► 3D / BEV / camera figures (the cloud, once per frame)
        └─► selection follows the track

  clicks (3D, BEV, cameras, point field) ─► clientside routing ─► select / fit / vertex request
  keys ─► clientside: press a button, or send a nudge ─► nudge callback
  review: checks ─► findings ─► review list ─► row click ─► frame, selection, view focus;
          accept / reject ─► page state's verdicts (see callbacks.review)
"""
from __future__ import annotations

from pointlabel.app.callbacks import (
    canvas,
    clicks,
    cuboids,
    frames,
    history,
    page,
    polylines,
    proposals,
    refine,
    review,
    selection,
    team,
)


def register_all(app, session) -> None:
    for module in (frames, canvas, page, selection, clicks, cuboids, proposals, polylines, history, review, refine, team):
        module.register(app, session)
