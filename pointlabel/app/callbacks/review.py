"""The review workflow: run the checks, list findings or rejected items, jump to one, accept /
reject the selected annotation, show the guidelines' text, export. The work is in app.review.

  check buttons ──► findings store ──┐
  view / severity / page state ──────┴─► review list (+ the items it shows) ──► row click ──►
      slider (frame), selection, focus store ──► clientside: centre the 3D view and BEV there
  accept / reject (+ comment) ──► page state (its verdicts) ──► object list, verdict line
"""
from __future__ import annotations

from dash import ALL, ClientsideFunction, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from pointlabel.app import ids, review
from pointlabel.app.callbacks.common import unpack
from pointlabel.app.layout import review as review_layout
from pointlabel.app.session import annotations_of
from pointlabel.qa.review import ACCEPTED
from pointlabel.qa.review import REJECTED as VERDICT_REJECTED

STATE = Output(ids.ANNOTATIONS, "data", allow_duplicate=True)
STATUS = Output(ids.STATUS, "children", allow_duplicate=True)
FRAME = State(ids.FRAME_SLIDER, "value")
SELECTED = State(ids.SELECTION, "data")

SCOPES = {ids.CHECK_SEQUENCE_BTN: review.SEQUENCE, ids.CHECK_FRAME_BTN: review.FRAME}
VERDICTS = {ids.REVIEW_ACCEPT_BTN: ACCEPTED, ids.REVIEW_REJECT_BTN: VERDICT_REJECTED}


def selected_label(state: dict | None, selection: dict | None, current: dict | None) -> str | None:
    """The class whose guideline text shows: the selected annotation's, else the class new
    boxes get (pure)."""
    anns = annotations_of(state)
    sel = anns.get((selection or {}).get("id") or "") if anns is not None else None
    return getattr(sel, "label", None) or (current or {}).get("cuboid")


def register(app, session) -> None:
    app.clientside_callback(ClientsideFunction("pointlabel", "showTab"),
                            Output(ids.LABEL_PANEL, "style"), Output(ids.REVIEW_PANEL, "style"),
                            Output(ids.TAB_LABEL_BTN, "className"), Output(ids.TAB_REVIEW_BTN, "className"),
                            Input(ids.TAB_LABEL_BTN, "n_clicks"), Input(ids.TAB_REVIEW_BTN, "n_clicks"),
                            prevent_initial_call=True)

    @app.callback(Output(ids.FINDINGS, "data"), STATUS,
                  Input(ids.CHECK_SEQUENCE_BTN, "n_clicks"), Input(ids.CHECK_FRAME_BTN, "n_clicks"),
                  FRAME, State(ids.FINDINGS, "data"), prevent_initial_call=True)
    def run_checks(_seq, _frame, index, old):
        new = review.run_checks(session, SCOPES[ctx.triggered_id], session.frame_id(index))
        state = review.merge_findings(old, new)
        return state, f"checked: {review.summary(new)}"

    @app.callback(Output(ids.REVIEW_LIST, "children"), Output(ids.REVIEW_ITEMS, "data"),
                  Output(ids.REVIEW_SUMMARY, "children"),
                  Input(ids.FINDINGS, "data"), Input(ids.REVIEW_VIEW, "value"), Input(ids.SEVERITY_FILTER, "value"),
                  Input(ids.ANNOTATIONS, "data"), Input(ids.SELECTION, "data"),
                  State(ids.REVIEW_ITEMS, "data"), State(ids.REVIEW_SUMMARY, "children"))
    def review_list(findings, view, severity, _state, selection, shown_items, shown_summary):
        rejected = session.review.rejected() if view == review.REJECTED else None
        items = review.review_items(findings, session.review.verdicts(), view, severity or review.ALL_SEVERITIES,
                                    rejected, review.rejected_annotations(session, rejected or []))
        summary = review.summary(findings if findings and findings.get("label_set") == session.label_set else None)
        if ctx.triggered_id == ids.ANNOTATIONS and items == shown_items and summary == shown_summary:
            raise PreventUpdate  # an edit that changes nothing here (a key nudge): no page update
        return review_layout.rows(items, view, (selection or {}).get("id")), items, summary

    @app.callback(Output(ids.FRAME_SLIDER, "value", allow_duplicate=True),
                  Output(ids.SELECTION, "data", allow_duplicate=True), Output(ids.FOCUS, "data"), STATUS,
                  Input(ids.review_row(ALL), "n_clicks"), State(ids.REVIEW_ITEMS, "data"), FRAME,
                  prevent_initial_call=True)
    def jump(_clicks, items, index):
        t = ctx.triggered_id
        if not isinstance(t, dict) or not (ctx.triggered and ctx.triggered[0]["value"]):
            raise PreventUpdate  # rows re-rendered, not clicked
        item = (items or [])[t["index"]] if t["index"] < len(items or []) else None
        j = review.jump(session, item)
        goto = no_update if j.index is None or j.index == index else j.index
        return (goto, no_update if j.selection is None else j.selection,
                no_update if j.focus is None else j.focus, no_update if j.message is None else j.message)

    @app.callback(STATE, STATUS, Input(ids.REVIEW_ACCEPT_BTN, "n_clicks"), Input(ids.REVIEW_REJECT_BTN, "n_clicks"),
                  State(ids.REVIEW_COMMENT, "value"), FRAME, SELECTED, prevent_initial_call=True)
    def verdict(_a, _r, comment, index, sel):
        out = review.set_verdict(session, session.frame_id(index), sel, VERDICTS[ctx.triggered_id], comment)
        return unpack(out, "state", "message")

    @app.callback(Output(ids.REVIEW_VERDICT, "children"), Output(ids.REVIEW_COMMENT, "value"),
                  Output(ids.GUIDE_TEXT, "children"), Output(ids.REVIEW_GUIDE, "children"),
                  Input(ids.ANNOTATIONS, "data"), Input(ids.SELECTION, "data"), Input(ids.CURRENT_CLASS, "data"),
                  State(ids.REVIEW_VERDICT, "children"), State(ids.GUIDE_TEXT, "children"))
    def beside_selection(state, selection, current, shown_verdict, shown_guide):
        """The verdict line, the comment on record and the class's guideline text of the
        selection: one callback (one round trip per edit instead of three)."""
        triggered = {t["prop_id"].split(".")[0] for t in ctx.triggered}
        line = review.verdict_line(state, selection)
        # A new selection, or a frame's state arriving after a jump, shows the comment on
        # record; an edit's state does not overwrite what the reviewer is typing.
        fresh = ctx.triggered_id is None or ids.SELECTION in triggered or (
            ids.ANNOTATIONS in triggered and (state or {}).get("loaded"))
        text = review.guide_text(session.guidelines, selected_label(state, selection, current))
        out = (no_update if line == shown_verdict else line,
               review.comment_of(state, selection) if fresh else no_update,
               no_update if text == shown_guide else text, no_update if text == shown_guide else text)
        if all(o is no_update for o in out):
            raise PreventUpdate  # (a key nudge)
        return out

    @app.callback(Output(ids.REVIEW_DOWNLOAD, "data"), STATUS, Input(ids.REVIEW_EXPORT_BTN, "n_clicks"),
                  State(ids.FINDINGS, "data"), prevent_initial_call=True)
    def export(_n, findings):
        path, text = review.export_review(session, findings)
        return {"content": text, "filename": path.name, "type": "application/json"}, f"review written to {path}"
