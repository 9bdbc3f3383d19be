"""An HTML QA report: one self-contained file (plotly.js inlined once) a reviewer can open
anywhere. Figures are pure functions from QA results to Plotly figures:

- findings per frame, stacked by severity;
- per class: findings by check, and the distribution of what each numeric check measured;
- findings by class and KITTI difficulty;
- agreement per class (precision, recall, mean IoU) and the centre error of matches, when a
  comparison is given; error rate per class with its confidence interval, when audit verdicts
  are given;
- points per class of the label set's point-wise labels, when it has any;
- a table of the findings (errors first).
"""
from __future__ import annotations

import html
import math
from collections import Counter
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from pointlabel.qa.difficulty import IGNORED, LEVELS
from pointlabel.qa.findings import CHECKS, SEVERITIES, Finding

SEVERITY_COLOURS = {"error": "#d62728", "warning": "#ff7f0e", "info": "#7f7f7f"}
TABLE_ROWS = 1000


def findings_per_frame_figure(findings: list[Finding]) -> go.Figure:
    frames = sorted({f.frame for f in findings})
    fig = go.Figure()
    for sev in SEVERITIES:
        counts = Counter(f.frame for f in findings if f.severity == sev)
        fig.add_bar(x=frames, y=[counts.get(fr, 0) for fr in frames], name=sev, marker_color=SEVERITY_COLOURS[sev])
    fig.update_layout(barmode="stack", title="Findings per frame", xaxis_title="frame",
                      yaxis_title="findings", xaxis_type="category")
    return fig


def findings_by_class_figure(findings: list[Finding], colours: dict[str, str] | None = None) -> go.Figure:
    """Errors and warnings per check, one bar colour per class."""
    serious = [f for f in findings if f.severity != "info"]
    checks = sorted({f.check for f in serious})
    labels = sorted({_group(f) for f in serious})
    fig = go.Figure()
    for lab in labels:
        counts = Counter(f.check for f in serious if _group(f) == lab)
        fig.add_bar(x=checks, y=[counts.get(c, 0) for c in checks], name=lab,
                    marker_color=(colours or {}).get(lab))
    fig.update_layout(barmode="stack", title="Errors and warnings per check, by class",
                      yaxis_title="findings")
    return fig


def value_distribution_figure(findings: list[Finding]) -> go.Figure:
    """Per numeric check, a box plot per class of the measured values."""
    numeric = [f for f in findings if isinstance(f.value, (int, float)) and not isinstance(f.value, bool)
               and f.label is not None and f.annotation is not None]
    checks = sorted({f.check for f in numeric})
    if not checks:
        return go.Figure().update_layout(title="Measured values per class (no numeric findings)")
    cols = min(3, len(checks))
    rows = math.ceil(len(checks) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=checks)
    for i, check in enumerate(checks):
        r, c = i // cols + 1, i % cols + 1
        for lab in sorted({f.label for f in numeric if f.check == check}):
            vals = [float(f.value) for f in numeric if f.check == check and f.label == lab]
            fig.add_box(y=vals, name=lab, boxpoints="all", jitter=0.4, showlegend=False, row=r, col=c)
    fig.update_layout(title="What each check measured, per class", height=320 * rows)
    return fig


def difficulty_figure(findings: list[Finding]) -> go.Figure:
    """Heat map: errors and warnings per class and KITTI difficulty."""
    serious = [f for f in findings if f.severity != "info" and f.label is not None and f.annotation is not None]
    labels = sorted({f.label for f in serious})
    levels = list(LEVELS) + [IGNORED]
    counts = Counter((f.label, f.difficulty or IGNORED) for f in serious)
    z = [[counts.get((lab, lv), 0) for lv in levels] for lab in labels]
    fig = go.Figure(go.Heatmap(z=z, x=levels, y=labels, colorscale="Oranges", text=z, texttemplate="%{text}"))
    fig.update_layout(title="Errors and warnings by class and KITTI difficulty (labelled objects)")
    return fig


def agreement_figure(compare_result) -> go.Figure:
    """Precision, recall and mean IoU per class of a qa.compare.CompareResult."""
    classes = list(compare_result.classes)
    fig = make_subplots(rows=1, cols=2, subplot_titles=("agreement per class", "centre error of matches (m)"))
    for metric in ("precision", "recall", "mean_iou"):
        fig.add_bar(x=classes, y=[_num(getattr(compare_result.classes[c], metric)) for c in classes],
                    name=metric, row=1, col=1)
    for c in classes:
        errs = [m.centre_error for m in compare_result.matches if m.label == c]
        fig.add_box(y=errs, name=c, showlegend=False, row=1, col=2)
    fig.update_layout(barmode="group", title=f"Agreement (3D IoU >= {compare_result.min_iou})")
    fig.update_yaxes(range=[0, 1.05], row=1, col=1)
    return fig


def audit_figure(rates: dict) -> go.Figure:
    """Error rate per class with its Wilson interval (qa.audit.error_rates)."""
    labels = [k for k, r in rates.items() if r.reviewed]
    y = [rates[k].rate for k in labels]
    fig = go.Figure(go.Bar(x=labels, y=y, error_y=dict(type="data", symmetric=False,
                                                      array=[rates[k].high - rates[k].rate for k in labels],
                                                      arrayminus=[rates[k].rate - rates[k].low for k in labels])))
    fig.update_layout(title="Audit: error rate per class (95 % Wilson interval)", yaxis_range=[0, 1])
    return fig


def point_counts_figure(counts: dict) -> go.Figure:
    """Points per semantic class of the point-wise labels (pointlabels.stats.label_set_counts)."""
    classes = [c for c in counts["classes"] if c["id"] != 0]
    fig = go.Figure(go.Bar(x=[c["name"] for c in classes], y=[c["points"] for c in classes],
                           text=[c["points"] for c in classes]))
    fig.update_layout(title=f"Point-wise labels: points per class ({counts['labelled']} of {counts['points']} "
                            f"points labelled in {counts['frames']} frames)", yaxis_title="points")
    return fig


def build_report(findings: list[Finding], title: str = "pointlabel QA report", compare_result=None,
                 audit_rates: dict | None = None, colours: dict[str, str] | None = None,
                 point_counts: dict | None = None) -> str:
    """The report as one HTML string. point_counts: the label set's point-wise label counts
    (pointlabels.stats.label_set_counts), shown when any frame has point labels."""
    figs = [findings_per_frame_figure(findings), findings_by_class_figure(findings, colours),
            value_distribution_figure(findings), difficulty_figure(findings)]
    if compare_result is not None:
        figs.append(agreement_figure(compare_result))
    if audit_rates:
        figs.append(audit_figure(audit_rates))
    with_points = bool(point_counts and point_counts.get("frames"))
    if with_points:
        figs.append(point_counts_figure(point_counts))
    parts = [pio.to_html(fig, full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figs)]
    sev = Counter(f.severity for f in findings)
    summary = ", ".join(f"{sev.get(s, 0)} {s}s" for s in SEVERITIES)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;font-size:13px}"
            "td,th{border:1px solid #ccc;padding:2px 6px}th{background:#eee}</style></head><body>"
            f"<h1>{html.escape(title)}</h1><p>{len(findings)} findings: {summary}.</p>"
            + "".join(f"<div>{p}</div>" for p in parts)
            + (_point_counts_table(point_counts) if with_points else "")
            + _checks_table() + _findings_table(findings) + "</body></html>")


def write_report(path: str | Path, findings: list[Finding], **kwargs) -> Path:
    path = Path(path)
    path.write_text(build_report(findings, **kwargs), encoding="utf-8")
    return path


def _findings_table(findings: list[Finding]) -> str:
    cols = ("severity", "frame", "check", "label", "annotation", "source", "value", "message")
    rows = []
    for f in findings[:TABLE_ROWS]:
        d = f.to_dict()
        cells = "".join(f"<td>{html.escape(str(d.get(c, '')))}</td>" for c in cols)
        rows.append(f"<tr style='color:{SEVERITY_COLOURS[f.severity]}'>{cells}</tr>")
    more = f"<p>({len(findings) - TABLE_ROWS} more not shown)</p>" if len(findings) > TABLE_ROWS else ""
    head = "".join(f"<th>{c}</th>" for c in cols)
    return f"<h2>Findings</h2><table><tr>{head}</tr>{''.join(rows)}</table>{more}"


def _point_counts_table(counts: dict) -> str:
    total = max(counts["points"], 1)
    rows = "".join(f"<tr><td>{c['id']}</td><td>{html.escape(str(c['name']))}</td><td>{c['points']}</td>"
                   f"<td>{c['points'] / total:.1%}</td><td>{c['frames']}</td></tr>" for c in counts["classes"])
    return ("<h2>Point-wise labels per class</h2><table><tr><th>id</th><th>class</th><th>points</th>"
            f"<th>share</th><th>frames</th></tr>{rows}</table>")


def _checks_table() -> str:
    rows = "".join(f"<tr><td>{k}</td><td>{html.escape(v)}</td></tr>" for k, v in CHECKS.items())
    return f"<h2>Checks</h2><table><tr><th>check</th><th>meaning</th></tr>{rows}</table>"


def _group(f: Finding) -> str:
    """The class a finding counts for; missed objects have none yet (their label is a guess)."""
    return "(unlabelled object)" if f.annotation is None else (f.label or "(no class)")


def _num(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v
