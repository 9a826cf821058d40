"""The sweep's plot: one offline HTML file, each season total against each varied parameter.

The page is built like the report (:mod:`tipoff.report._render`): Plotly's JavaScript inlined once,
the same Content-Security-Policy (no connection of any kind) and the same chart configuration.
"""

from __future__ import annotations

import html
import os
from typing import TYPE_CHECKING

from tipoff.report._render import CONTENT_SECURITY_POLICY, PLOTLY_CONFIG, _plotly_js
from tipoff.results import HEADLINE, write_text_atomic

if TYPE_CHECKING:
    from tipoff.analysis.sweep import SweepResult

__all__ = ["SWEEP_LABELS", "render_sweep_html", "write_sweep_plot"]

#: How the plot names each total (the words of ``tipoff run``).
SWEEP_LABELS = {
    "deliveries": "deliveries planned",
    "delivered": "delivered",
    "intercepted": "intercepted",
    "couriers_arrested": "couriers arrested",
    "family_arrested": "family members arrested",
    "money_lost": "money lost",
}

#: One colour per varied parameter (colour-blind safe: Okabe and Ito).
_PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body {{ font: 15px/1.5 system-ui, sans-serif; margin: 1rem 2rem; color: #1d1d1f; }}
p {{ max-width: 50rem; }} .sub {{ color: #5a5a5f; }}</style>
<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>
<script charset="utf-8">{plotlyjs}</script>
</head>
<body>
<h1>{title}</h1>
<p class="sub">{sub}</p>
<p>Each dot is one point of the sweep: the mean of its simulated seasons, with a bar of two
standard errors either way (how precisely the seasons pin the mean down). Hover over a dot for the
range that holds 95% of its seasons and the other parameters' values. The file makes no connection
of its own and holds pseudonyms and counts only.</p>
{figures}
</body>
</html>
"""


def _figures(r: SweepResult) -> list[str]:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    metrics = [m for m in HEADLINE if m in r.metrics]
    d = len(r.params)
    fig = make_subplots(
        rows=len(metrics),
        cols=d,
        shared_xaxes="columns",
        horizontal_spacing=0.06 if d > 1 else 0.02,
        vertical_spacing=0.03,
        row_titles=[SWEEP_LABELS.get(m, m) for m in metrics],
        column_titles=list(r.params),
    )
    hover = [
        "<br>".join(f"{html.escape(p)} = {v:.4g}" for p, v in zip(r.params, row, strict=True))
        for row in r.values.tolist()
    ]
    for i, m in enumerate(metrics, start=1):
        mean, se = r.stat(m), r.stat(m, "stderr")
        lo, hi = r.stat(m, "lo"), r.stat(m, "hi")
        for j, p in enumerate(r.params, start=1):
            fig.add_trace(
                go.Scatter(
                    x=r.values[:, j - 1],
                    y=mean,
                    mode="markers",
                    marker={"size": 6, "opacity": 0.75, "color": _PALETTE[(j - 1) % len(_PALETTE)]},
                    error_y={
                        "type": "data",
                        "array": 2 * se,
                        "visible": True,
                        "thickness": 1,
                        "color": _PALETTE[(j - 1) % len(_PALETTE)],
                    },
                    customdata=list(zip(lo, hi, hover, strict=True)),
                    hovertemplate=(
                        f"{html.escape(SWEEP_LABELS.get(m, m))}: %{{y:.3g}} per season"
                        "<br>95% of seasons: %{customdata[0]:.3g} to %{customdata[1]:.3g}"
                        "<br>%{customdata[2]}<extra></extra>"
                    ),
                    showlegend=False,
                    name=f"{m} vs {p}",
                ),
                row=i,
                col=j,
            )
    for j, p in enumerate(r.params, start=1):
        fig.update_xaxes(title_text=html.escape(p), row=len(metrics), col=j)
    fig.update_layout(
        height=220 * len(metrics) + 100,
        margin={"l": 60, "r": 120, "t": 60},
        plot_bgcolor="white",
    )
    fig.update_xaxes(showgrid=True, gridcolor="#e5e5ea", showticklabels=True)
    fig.update_yaxes(showgrid=True, gridcolor="#e5e5ea", rangemode="tozero")
    figs = [fig]
    if r.sobol is not None:
        ncol = 3
        nrow = -(-len(metrics) // ncol)
        sob = make_subplots(
            rows=nrow,
            cols=ncol,
            subplot_titles=[SWEEP_LABELS.get(m, m) for m in metrics],
            vertical_spacing=0.25,
        )
        for j, m in enumerate(metrics, start=1):
            ix = r.sobol[m]
            for key, conf, name, colour in (
                ("s1", "s1_conf", "first-order (alone)", "#4c78a8"),
                ("st", "st_conf", "total (with interactions)", "#f58518"),
            ):
                sob.add_trace(
                    go.Bar(
                        x=list(r.params),
                        y=getattr(ix, key),
                        error_y={"type": "data", "array": getattr(ix, conf)},
                        name=name,
                        marker_color=colour,
                        showlegend=j == 1,
                    ),
                    row=(j - 1) // ncol + 1,
                    col=(j - 1) % ncol + 1,
                )
        sob.update_layout(
            title="Sobol indices: the share of each total's variation each parameter explains",
            barmode="group",
            height=380 * nrow,
        )
        figs.append(sob)
    return [
        f.to_html(
            full_html=False, include_plotlyjs=False, include_mathjax=False, config=PLOTLY_CONFIG
        )
        for f in figs
    ]


def render_sweep_html(r: SweepResult, /) -> str:
    """The sweep's plot as one self-contained HTML document (Plotly inline, no connection)."""
    title = f"Sweep of {r.provenance.get('scenario', 'a scenario')}"
    sub = (
        f"{r.n_points} points ({r.design}), {r.n_runs} simulated seasons each, seed "
        f"{r.provenance.get('seed')}, tipoff {r.provenance.get('version')}"
    )
    return _PAGE.format(
        csp=CONTENT_SECURITY_POLICY,
        title=html.escape(title),
        sub=html.escape(sub),
        plotlyjs=_plotly_js(),
        figures="\n".join(_figures(r)),
    )


def write_sweep_plot(r: SweepResult, path: str | os.PathLike[str], /) -> None:
    """Render the sweep's plot and write it atomically to ``path``."""
    write_text_atomic(path, render_sweep_html(r))
