"""The team report: TeamMetrics as text (the command line) and as one HTML page with plotly
figures (`pointlabel report team --html FILE`, and the app's admin page /team/admin)."""
from __future__ import annotations

import html
from collections import defaultdict

from pointlabel.team.metrics import TeamMetrics


def _minutes(seconds):
    return None if seconds is None else round(seconds / 60, 1)


def _fmt(v, unit: str = "") -> str:
    return "–" if v is None else f"{v}{unit}"


def text(m: TeamMetrics) -> str:
    sim = f" · simulated, clock × {m.time_scale:g}" if m.time_scale != 1 else ""
    lines = [f"team report · dataset {m.dataset} · label set {m.label_set}{sim}",
             "tasks: " + (", ".join(f"{k} {v}" for k, v in sorted(m.tasks.items())) or "none"), "",
             f"{'person':<14}{'active h':>9}{'objects':>8}{'obj/h':>8}{'s/obj':>8}{'turnaround':>11}{'rework':>8}"
             f"{'err rate':>9}"]
    for who, p in sorted(m.people.items()):
        err = m.person_errors.get(who, {}).get("rate")
        turn = p.get("turnaround_s_median")
        lines.append(f"{who:<14}{p['active_h']:>9.2f}{p['objects']:>8}{_fmt(p['objects_per_h']):>8}"
                     f"{_fmt(p['s_per_object']):>8}{_fmt(None if turn is None else round(turn / 60, 1), ' min'):>11}"
                     f"{_fmt(p.get('rework_rate')):>8}{_fmt(err):>9}")
    lines += ["", "per class (objects, s/object):"]
    for who, classes in sorted(m.per_class.items()):
        lines.append(f"  {who}: " + ", ".join(f"{c} {v['objects']} ({_fmt(v['s_per_object'])} s)"
                                              for c, v in sorted(classes.items()) if v["objects"]))
    lines += ["", "error rate per class (reviews and audits; Wilson 95 %):"]
    for c, e in sorted(m.class_errors.items()):
        lines.append(f"  {c:<12} {e['rejected']}/{e['judged']} = {e['rate']:.2f}  [{e['lo']:.2f}, {e['hi']:.2f}]")
    lines += ["", "rejection reasons:"] + [f"  {n:>3}  {r}" for r, n in m.rejection_reasons]
    lines += ["", "agreement (same frames, 3D IoU ≥ 0.5):"]
    lines += [f"  {a['a']} × {a['b']}: {a['frames']} frames, F1 {_fmt(a['f1'])}, mean IoU {_fmt(a['mean_iou'])}"
              for a in m.agreement] or ["  no frame labelled by two people"]
    return "\n".join(lines)


def figures(m: TeamMetrics) -> list:
    """The report's plotly figures."""
    import plotly.graph_objects as go
    people = sorted(p for p in m.people if m.people[p]["objects"] or m.people[p].get("tasks_submitted"))
    figs = []
    f = go.Figure(go.Bar(x=people, y=[m.people[p]["objects_per_h"] or 0 for p in people], name="objects / h"))
    f.update_layout(title="Objects per hour of active time", yaxis_title="objects / h")
    figs.append(f)
    classes = sorted({c for p in people for c in m.per_class.get(p, {})})
    f = go.Figure([go.Bar(name=c, x=people, y=[(m.per_class.get(p, {}).get(c) or {}).get("s_per_object") or 0
                                                for p in people]) for c in classes])
    f.update_layout(title="Seconds per object, by class", barmode="group", yaxis_title="s / object")
    figs.append(f)
    f = go.Figure([go.Bar(name="turnaround (min, median)", x=people,
                          y=[(m.people[p].get("turnaround_s_median") or 0) / 60 for p in people]),
                   go.Bar(name="rework rate", x=people, y=[m.people[p].get("rework_rate") or 0 for p in people],
                          yaxis="y2")])
    f.update_layout(title="Task turnaround and rework rate", barmode="group", yaxis_title="minutes",
                    yaxis2={"overlaying": "y", "side": "right", "title": "rework rate", "range": [0, 1]})
    figs.append(f)
    cls = sorted(m.class_errors)
    e = [m.class_errors[c] for c in cls]
    f = go.Figure(go.Bar(x=cls, y=[x["rate"] for x in e], error_y={
        "type": "data", "symmetric": False, "array": [x["hi"] - x["rate"] for x in e],
        "arrayminus": [x["rate"] - x["lo"] for x in e]}))
    f.update_layout(title="Error rate per class (rejected / judged, Wilson 95 %)", yaxis_range=[0, 1])
    figs.append(f)
    reasons = m.rejection_reasons[:12]
    f = go.Figure(go.Bar(y=[r for r, _ in reasons][::-1], x=[n for _, n in reasons][::-1], orientation="h"))
    f.update_layout(title="Reviewers' rejection reasons", xaxis_title="rejections")
    figs.append(f)
    per = defaultdict(list)
    for ts, who, _ in m.timeline:
        per[who].append(ts)
    t0 = min((t for ts in per.values() for t in ts), default=0)
    f = go.Figure([go.Scatter(x=[(t - t0) / 60 for t in ts], y=list(range(1, len(ts) + 1)), name=who, mode="lines")
                   for who, ts in sorted(per.items())])
    f.update_layout(title="Changes over the day", xaxis_title="minutes", yaxis_title="changes (cumulative)")
    figs.append(f)
    for fig in figs:
        fig.update_layout(template="plotly_white", height=300, margin={"l": 50, "r": 30, "t": 40, "b": 35})
    return figs


def _table(headers, rows, table_id: str = "") -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def to_html(m: TeamMetrics, inline_js: bool = True) -> str:
    """One self-contained HTML page (plotly.js inlined; `inline_js=False`: from the app's own copy)."""
    import plotly.io as pio
    people = sorted(m.people)
    rows = [(p, m.people[p]["active_h"], m.people[p]["objects"], m.people[p]["objects_per_h"],
             m.people[p]["s_per_object"],
             _minutes(m.people[p].get("turnaround_s_median")),
             m.people[p].get("rework_rate"), m.person_errors.get(p, {}).get("rate")) for p in people]
    parts = [f"<h1>Team report · {html.escape(m.dataset)}</h1>",
             f"<p>label set {html.escape(m.label_set)}"
             + (f" · simulated day, clock × {m.time_scale:g}" if m.time_scale != 1 else "") + " · tasks: "
             + html.escape(", ".join(f"{k} {v}" for k, v in sorted(m.tasks.items())) or "none") + "</p>",
             '<div class="top"><div>',
             _table(["person", "active h", "objects", "objects/h", "s/object", "turnaround min", "rework rate",
                     "error rate"], rows, "team-people"),
             "</div><div><b>Agreement</b> (same frames, 3D IoU ≥ 0.5)",
             _table(["a", "b", "frames", "F1", "mean IoU"],
                    [(a["a"], a["b"], a["frames"], a["f1"], a["mean_iou"]) for a in m.agreement], "team-agreement"),
             "</div></div>"]
    js = "inline" if inline_js else "cdn"
    plots = [pio.to_html(fig, full_html=False, include_plotlyjs=(js if i == 0 else False), div_id=f"team-fig-{i}",
                         default_width="100%") for i, fig in enumerate(figures(m))]
    parts.append('<div class="plots">' + "".join(f"<div>{p}</div>" for p in plots) + "</div>")
    style = ("body{font-family:system-ui,sans-serif;margin:1em 1.5em}h1{margin:.2em 0}table{border-collapse:collapse;"
             "margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}"
             "th{background:#eee}td:first-child{text-align:left}"
             ".plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:8px}"
             ".top{display:flex;gap:2em;flex-wrap:wrap;align-items:flex-start}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>pointlabel · team</title>"
            f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")
