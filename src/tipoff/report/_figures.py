"""The report's charts: Plotly figures built from :class:`ReportData`, each with a one-line caption.

Only ordinary ``scatter`` and ``bar`` traces: no geo traces (they fetch map data at view time) and
no LaTeX (MathJax). Every string that comes from the user (towns, communities, measure titles) is
HTML-escaped before it reaches Plotly, whose labels otherwise honour a subset of HTML, links
included.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from tipoff.report._data import (
    AttributionSection,
    Band,
    HardeningSection,
    NetworkDiagram,
    ReportData,
    SeasonSection,
)

__all__ = ["Chart", "charts"]

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
BLUE, VERMILLION, ORANGE, GREEN, SKY, PURPLE, GREY, YELLOW = (
    "#0072B2",
    "#D55E00",
    "#E69F00",
    "#009E73",
    "#56B4E9",
    "#CC79A7",
    "#999999",
    "#F0E442",
)
ROLE_COLOUR = {"sender": BLUE, "relay": VERMILLION, "courier": ORANGE, "recipient": GREEN}
ROLE_NAME = {
    "sender": "senders (counted per group)",
    "relay": "relays",
    "courier": "couriers",
    "recipient": "families (counted per town)",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Chart:
    """One chart: an element id, the figure, and a sentence saying what it shows."""

    id: str
    caption: str
    figure: go.Figure


def text(s: str) -> str:
    """A user string made inert for Plotly's label markup (``<a href>``, ``<b>``, entities)."""
    return html.escape(s, quote=False)


def _layout(height: int, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "template": "none",
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hoverlabel": {"namelength": -1},
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    }
    base.update(kw)
    return base


def _axis(title: str, **kw: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "gridcolor": "#e5e5e5", "zeroline": False, **kw}


# ---------------------------------------------------------------------------------- network --


def network_figure(d: NetworkDiagram) -> go.Figure:
    pos = {n.key: (float(n.column), n.y) for n in d.nodes}
    top = max((n.y for n in d.nodes), default=0.0)
    bottom = min((n.y for n in d.nodes), default=0.0)
    heaviest = max((e.weight for e in d.edges), default=1)
    fig = go.Figure()
    # edges in three widths by weight, one trace each (a trace has a single width)
    for lo, hi, width in ((0.0, 1 / 3, 0.8), (1 / 3, 2 / 3, 2.0), (2 / 3, 1.01, 3.5)):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for e in d.edges:
            if lo < e.weight / heaviest <= hi or (lo == 0 and e.weight == 0):
                (x0, y0), (x1, y1) = pos[e.source], pos[e.target]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    line={"width": width, "color": "rgba(90,90,90,0.35)"},
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
    last = max((n.column for n in d.nodes), default=0)
    for role in ("sender", "relay", "courier", "recipient"):
        nodes = [n for n in d.nodes if n.role == role]
        if not nodes:
            continue
        fig.add_trace(
            go.Scatter(
                x=[float(n.column) for n in nodes],
                y=[n.y for n in nodes],
                mode="markers+text",
                name=ROLE_NAME[role],
                marker={
                    "size": [14 + min(n.count, 100) ** 0.5 * 1.5 for n in nodes],
                    "color": ROLE_COLOUR[role],
                    "line": {"width": 1, "color": "white"},
                    "opacity": 1.0,
                },
                text=[text(n.label) for n in nodes],
                textposition=[
                    "middle left"
                    if n.column == 0
                    else "middle right"
                    if n.column == last
                    else "top center"
                    for n in nodes
                ],
                hovertext=[text(n.detail) for n in nodes],
                hoverinfo="text",
            )
        )
    fig.update_layout(
        **_layout(
            max(320, int(46 * (top - bottom + 1)) + 110),
            margin={"l": 20, "r": 20, "t": 40, "b": 20},
            showlegend=False,
            xaxis={"visible": False, "range": [-0.9, last + 0.9]},
            yaxis={"visible": False, "range": [bottom - 0.7, top + 0.7]},
            annotations=[
                {
                    "x": float(k),
                    "y": 1.0,
                    "xref": "x",
                    "yref": "paper",
                    "yanchor": "bottom",
                    "text": f"<b>{text(title)}</b>",
                    "showarrow": False,
                }
                for k, title in enumerate(d.columns)
            ],
        )
    )
    return fig


# ----------------------------------------------------------------------------------- season --


def _band_traces(fig: go.Figure, b: Band, colour: str, fill: str) -> None:
    days = list(range(len(b.mean)))
    fig.add_trace(
        go.Scatter(
            x=days,
            y=list(b.hi),
            mode="lines",
            line={"width": 0},
            hoverinfo="skip",
            showlegend=False,
            legendgroup=b.label,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=days,
            y=list(b.lo),
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=fill,
            name=f"{b.label}: 95% interval of the mean",
            hoverinfo="skip",
            legendgroup=b.label,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=days,
            y=list(b.mean),
            mode="lines",
            line={"width": 2, "color": colour},
            name=f"{b.label}: mean",
            legendgroup=b.label,
            hovertemplate="day %{x}: %{y:.2f} " + text(b.label) + "<extra></extra>",
        )
    )


def daily_figure(bands: tuple[Band, ...], what: str) -> go.Figure:
    fig = go.Figure()
    styles = ((BLUE, "rgba(0,114,178,0.15)"), (VERMILLION, "rgba(213,94,0,0.18)"))
    for b, (colour, fill) in zip(bands, styles, strict=False):
        _band_traces(fig, b, colour, fill)
    fig.update_layout(
        **_layout(
            340,
            xaxis=_axis("day of the season"),
            yaxis=_axis(f"{what} per day", rangemode="tozero"),
            hovermode="x unified",
        )
    )
    return fig


def places_figure(s: SeasonSection) -> go.Figure:
    places = list(reversed(s.places))
    labels = [text(p.place) for p in places]
    fig = go.Figure(
        [
            go.Bar(
                y=labels,
                x=[p.couriers for p in places],
                name="couriers (where arrested)",
                orientation="h",
                marker_color=ORANGE,
                hovertemplate="%{y}: %{x:.2f} couriers arrested here a season<extra></extra>",
            ),
            go.Bar(
                y=labels,
                x=[p.family for p in places],
                name="family members (where arrested: their town)",
                orientation="h",
                marker_color=GREEN,
                hovertemplate="%{y}: %{x:.2f} family members a season<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        **_layout(
            max(240, 34 * len(places) + 120),
            barmode="stack",
            legend={
                "orientation": "h",
                "x": 0,
                "y": 1.02,
                "yanchor": "bottom",
                "traceorder": "normal",
            },
            xaxis=_axis("arrests per season (mean)", rangemode="tozero"),
            yaxis={"automargin": True, "ticksuffix": "  "},
            margin={"l": 20, "r": 20, "t": 50, "b": 50},
        )
    )
    return fig


def causes_figure(s: SeasonSection) -> go.Figure:
    causes = list(reversed(s.causes))
    fig = go.Figure(
        go.Bar(
            y=[text(c.words) for c in causes],
            x=[100 * c.share for c in causes],
            orientation="h",
            marker_color=[
                VERMILLION if c.cause in ("informant", "harvest") else GREY for c in causes
            ],
            text=[f"{100 * c.share:.0f}%" if c.share > 0 else "" for c in causes],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.1f}% of interceptions<extra></extra>",
        )
    )
    fig.update_layout(
        **_layout(
            260,
            xaxis=_axis("share of interceptions (%)", range=[0, 110]),
            yaxis={"automargin": True, "ticksuffix": "  "},
            margin={"l": 20, "r": 40, "t": 20, "b": 50},
            showlegend=False,
        )
    )
    return fig


# --------------------------------------------------------------------------------- exposure --


def drops_figure(labels: list[str], values: list[float], colour: str, what: str) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            y=[text(x) for x in reversed(labels)],
            x=list(reversed(values)),
            orientation="h",
            marker_color=colour,
            text=[f"{v:.2f}" if v > 0.005 else "" for v in reversed(values)],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.2f} interceptions avoided<extra></extra>",
        )
    )
    top = max(values, default=0.0)
    fig.update_layout(
        **_layout(
            max(200, 38 * len(values) + 100),
            xaxis=_axis(what, range=[0, max(top * 1.2, 0.01)]),
            yaxis={"automargin": True, "ticksuffix": "  "},
            margin={"l": 20, "r": 40, "t": 20, "b": 50},
            showlegend=False,
        )
    )
    return fig


# -------------------------------------------------------------------------------- hardening --


#: The smallest plot area (pixels) the option labels are laid out for, and the label metrics at
#: the report's 13 px font: labels that could touch at this size share one text.
LABEL_AREA = (380.0, 300.0)
CHAR_PX, LINE_PX, GAP_PX = 7.6, 17.0, 9.0


def label_groups(
    points: list[tuple[int, float, float]],
    *,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
) -> dict[int, str]:
    """One text label per group of points whose labels or markers would collide.

    ``points`` are ``(number, x, y)`` in data units. Each label sits to the right of its first
    point. Points are laid out in pixels for the smallest plot the report is drawn at
    (``LABEL_AREA``); a point whose marker falls inside another label's box, or two labels whose
    boxes overlap, are merged into one label ("0, 5, 7") until no two boxes touch. Returns the
    label text keyed by the number of the point that carries it, the leftmost of its group (the
    others carry none).
    """
    (x0, x1), (y0, y1) = x_range, y_range
    sx = LABEL_AREA[0] / max(x1 - x0, 1e-12)
    sy = LABEL_AREA[1] / max(y1 - y0, 1e-12)
    # (x px, y px, numbers, number of the point carrying the label), left to right
    Group = tuple[float, float, tuple[int, ...], int]
    groups: list[Group] = [
        ((x - x0) * sx, (y - y0) * sy, (n,), n) for n, x, y in sorted(points, key=lambda p: p[1:])
    ]

    def box(g: Group) -> tuple[float, float, float, float]:
        width = CHAR_PX * len(", ".join(str(n) for n in sorted(g[2])))
        return g[0] - GAP_PX, g[0] + GAP_PX + width, g[1] - LINE_PX / 2, g[1] + LINE_PX / 2

    def touching() -> tuple[int, int] | None:
        for i, a in enumerate(groups):
            ax0, ax1, ay0, ay1 = box(a)
            for j in range(i + 1, len(groups)):
                bx0, bx1, by0, by1 = box(groups[j])
                if ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1:
                    return i, j
        return None

    while (pair := touching()) is not None:
        i, j = pair
        a, b = groups[i], groups.pop(j)
        groups[i] = (a[0], a[1], a[2] + b[2], a[3])
    return {g[3]: ", ".join(str(n) for n in sorted(g[2])) for g in groups}


def options_figure(h: HardeningSection) -> go.Figure:
    def hover(o: Any) -> str:
        plan = " + ".join(o.measures) or "today's procedure"
        return (
            f"<b>{o.number}. {text(plan)}</b><br>P(intercepted) {o.p_intercept:.3f}<br>"
            f"cost: {text(o.cost)}<br>arrests a season: {text(o.arrests)}"
        )

    groups = (
        ("today's procedure", [o for o in h.options if o.number == 0], GREY, "diamond", 14),
        (
            "on the Pareto front (no other plan is both safer and cheaper)",
            [o for o in h.options if o.number and o.pareto and not o.recommended],
            BLUE,
            "circle",
            11,
        ),
        (
            "other options",
            [o for o in h.options if o.number and not o.pareto and not o.recommended],
            SKY,
            "circle-open",
            10,
        ),
        (
            "recommended",
            [o for o in h.options if o.number and o.recommended],
            GREEN,
            "star",
            18,
        ),
    )
    most = max((o.days for o in h.options), default=0.0)
    top = max((o.p_intercept for o in h.options), default=0.0)
    x_range = (-0.15 * max(most, 1), most * 1.15 + 0.5)
    y_range = (0.0, top * 1.1 + 0.005)
    label = label_groups(
        [(o.number, o.days, o.p_intercept) for o in h.options], x_range=x_range, y_range=y_range
    )
    fig = go.Figure()
    for name, options, colour, symbol, size in groups:
        if not options:
            continue
        fig.add_trace(
            go.Scatter(
                x=[o.days for o in options],
                y=[o.p_intercept for o in options],
                mode="markers+text",
                name=name,
                marker={"color": colour, "symbol": symbol, "size": size, "line": {"width": 1.5}},
                text=[label.get(o.number, "") for o in options],
                textposition="middle right",
                hovertext=[hover(o) for o in options],
                hoverinfo="text",
            )
        )
    fig.update_layout(
        **_layout(
            420,
            xaxis=_axis("added days until the family has the money", range=list(x_range)),
            yaxis=_axis("P(intercepted) per delivery", range=list(y_range)),
        )
    )
    return fig


# ------------------------------------------------------------------------------ attribution --


def attribution_figure(a: AttributionSection) -> go.Figure:
    parties = list(reversed(a.parties))
    ids = [p.id for p in parties]
    fig = go.Figure(
        [
            go.Scatter(
                x=[100 * p.p for p in parties],
                y=ids,
                mode="markers",
                name="P(leaks), with its 90% range",
                marker={"color": VERMILLION, "size": 10},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [100 * max(p.hi - p.p, 0.0) for p in parties],
                    "arrayminus": [100 * max(p.p - p.lo, 0.0) for p in parties],
                    "color": VERMILLION,
                    "thickness": 1.5,
                },
                hovertemplate="%{y}: %{x:.0f}%<extra></extra>",
            ),
            go.Scatter(
                x=[100 * p.prior for p in parties],
                y=ids,
                mode="markers",
                name="before the log (the scenario's prior)",
                marker={"color": GREY, "symbol": "line-ns-open", "size": 14, "line": {"width": 2}},
                hovertemplate="%{y}: prior %{x:.0f}%<extra></extra>",
            ),
        ]
    )
    fig.add_vline(x=100 * a.threshold, line={"dash": "dot", "color": GREY, "width": 1.5})
    fig.update_layout(
        **_layout(
            max(260, 30 * len(parties) + 130),
            xaxis=_axis("probability that what it is told reaches the service (%)", range=[0, 100]),
            yaxis={"automargin": True},
            margin={"l": 20, "r": 20, "t": 20, "b": 50},
        )
    )
    return fig


# ------------------------------------------------------------------------------------- all --


def charts(data: ReportData, /) -> dict[str, Chart]:
    """Every chart of the report, keyed by element id, each with its caption."""
    s, e, h, g = data.season, data.exposure, data.hardening, data.glance
    runs = f"{s.n_runs} simulated seasons"
    out = [
        Chart(
            id="chart-network",
            caption="Who works with whom: senders abroad (counted per group) pass money through "
            "relays in China to couriers, who carry it to families (counted per town); thicker "
            "lines carry more senders, routes or families.",
            figure=network_figure(g.network),
        ),
        Chart(
            id="chart-deliveries",
            caption=f"Deliveries that reach the family and deliveries intercepted, per day, "
            f"averaged over {runs}; each shaded band is the 95% interval of that average "
            "(plus or minus 1.96 standard errors; single seasons vary more, as the season "
            "totals show).",
            figure=daily_figure(s.deliveries, "deliveries"),
        ),
        Chart(
            id="chart-arrests",
            caption=f"Couriers and family members arrested, per day, averaged over {runs}; each "
            "shaded band is the 95% interval of that average (plus or minus 1.96 standard "
            "errors).",
            figure=daily_figure(s.arrests, "arrests"),
        ),
        Chart(
            id="chart-places",
            caption="Where arrests happen, mean per season: couriers in the town where they were "
            "arrested (the family's town at a hand-over, their own town in a sweep or a chance "
            "arrest), family members in their own town.",
            figure=places_figure(s),
        ),
        Chart(
            id="chart-causes",
            caption="Why deliveries are intercepted: the share of interceptions by their true "
            "cause in the simulation (informants' causes in red).",
            figure=causes_figure(s),
        ),
        Chart(
            id="chart-steps",
            caption="Which step of the procedure exposes deliveries: the interceptions avoided "
            "if that step alone were dropped.",
            figure=drops_figure(
                [x.label for x in e.steps],
                [x.avoided for x in e.steps],
                VERMILLION,
                "interceptions avoided",
            ),
        ),
        Chart(
            id="chart-roles",
            caption="Which role's knowledge exposes deliveries: the interceptions avoided if "
            "everyone in that role were told nothing.",
            figure=drops_figure(
                [x.label for x in e.roles],
                [x.avoided for x in e.roles],
                ORANGE,
                "interceptions avoided",
            ),
        ),
        Chart(
            id="chart-options",
            caption="Each option for changing the procedure: its chance of interception per "
            "delivery against the days it adds (numbers match the table below, which also gives "
            "fees and phone contacts; lower is safer, further left is faster).",
            figure=options_figure(h),
        ),
    ]
    if data.attribution is not None and data.attribution.parties:
        out.append(
            Chart(
                id="chart-attribution",
                caption="For each intermediary, the probability that what it is told reaches "
                "the service, given the log (dot, with its range; as an informant or traced) against the scenario's prior (tick); the dotted "
                "line is the reporting threshold.",
                figure=attribution_figure(data.attribution),
            )
        )
    return {c.id: c for c in out}
