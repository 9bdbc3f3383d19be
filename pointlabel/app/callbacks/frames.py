"""Frame navigation: previous / next / playback move the slider; the slider is the frame."""
from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from pointlabel.app import ids


def step_frame(trigger: str | None, index: int | None, n_frames: int) -> int | None:
    """The frame index after a navigation trigger (None: stay). Playback wraps around."""
    i = int(index or 0)
    if trigger == ids.PREV_BTN:
        return max(i - 1, 0)
    if trigger == ids.NEXT_BTN:
        return min(i + 1, n_frames - 1)
    if trigger == ids.PLAY_INTERVAL:
        return (i + 1) % n_frames
    return None


def register(app, session) -> None:
    n = len(session.frame_ids)

    @app.callback(Output(ids.FRAME_SLIDER, "value", allow_duplicate=True),
                  Input(ids.PREV_BTN, "n_clicks"), Input(ids.NEXT_BTN, "n_clicks"),
                  Input(ids.PLAY_INTERVAL, "n_intervals"), State(ids.FRAME_SLIDER, "value"),
                  prevent_initial_call=True)
    def navigate(_prev, _next, _tick, index):
        new = step_frame(ctx.triggered_id, index, n)
        return no_update if new is None or new == index else new

    @app.callback(Output(ids.PLAY_INTERVAL, "disabled"), Output(ids.PLAY_BTN, "children"),
                  Input(ids.PLAY_BTN, "n_clicks"), State(ids.PLAY_INTERVAL, "disabled"),
                  prevent_initial_call=True)
    def play(_n, disabled):
        playing = bool(disabled)
        return (not playing), ("❚❚ pause" if playing else "▶ play")

    @app.callback(Output(ids.FRAME_LABEL, "children"), Output(ids.URL, "search"), Input(ids.FRAME_SLIDER, "value"))
    def label(index):
        fid = session.frame_id(index)
        return f"{fid}  ({int(index or 0) + 1}/{n})", f"?frame={fid}"
