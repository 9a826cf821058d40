"""``render_html``: one self-contained, offline HTML file from :class:`ReportData`; ``write_report``.

The file carries Plotly's JavaScript once, inline, and nothing else from outside: no CDN, no
fonts, no MathJax, no map data. A Content-Security-Policy forbids every connection, so a chart
that tried to fetch something would fail closed rather than leak that the file was opened.
"""

from __future__ import annotations

import os
from functools import cache

import jinja2
from markupsafe import Markup

from tipoff.report._data import ReportData
from tipoff.report._template import STYLE, TEMPLATE
from tipoff.report._words import pct, pct_range
from tipoff.results._io import Encryption, write_bytes_atomic

__all__ = ["CONTENT_SECURITY_POLICY", "PLOTLY_CONFIG", "render_html", "write_report"]

#: No connection of any kind; inline scripts and styles (Plotly needs both), images from data: only.
#: Plotly's scatter and bar traces need no ``'unsafe-eval'`` (checked in a browser by the tests).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; "
    "form-action 'none'"
)
#: No Plotly logo (a link to plotly.com), nothing sent to the cloud; downloading a PNG stays local.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "showTips": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.globals["pct"] = pct
    env.globals["pct_range"] = pct_range
    return env


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    if "</script" in js.lower():  # it would end the inline script early
        raise RuntimeError("the bundled plotly.js contains '</script': cannot inline it safely")
    return js


def render_html(data: ReportData, /, *, protected: bool = False) -> str:
    """The report as one HTML document (UTF-8 text), with every chart and Plotly inline.

    ``protected``: the page will be encrypted with a passphrase (:func:`protect_html`), so its
    notes say so instead of warning that it is not encrypted.

    Every string from ``data`` is escaped (Jinja2 autoescape in the page, HTML entities in chart
    labels); an undefined template variable is an error, never an empty string.

    Examples
    --------
    >>> from tipoff.report import build_report
    >>> from tipoff.scenario import load_preset
    >>> page = render_html(build_report(load_preset("classroom"), n_runs=5, seed=1))
    >>> page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    True
    """
    from tipoff.report._figures import charts  # plotly: imported only when a page is rendered

    fragments = {
        key: (
            chart.figure.to_html(
                full_html=False,
                include_plotlyjs=False,
                include_mathjax=False,
                div_id=key,
                config=PLOTLY_CONFIG,
            ),
            chart.caption,
        )
        for key, chart in charts(data).items()
    }

    def figure(key: str) -> Markup:
        div, caption = fragments[key]
        return Markup(
            '<figure class="chart" data-chart="{key}"><div>{div}</div>'
            "<figcaption>{caption}</figcaption></figure>"
        ).format(key=key, div=Markup(div), caption=caption)  # div: Plotly's own HTML

    template = _environment().from_string(TEMPLATE)
    return template.render(
        d=data,
        g=data.glance,
        s=data.season,
        e=data.exposure,
        h=data.hardening,
        a=data.attribution,
        m=data.methods,
        csp=CONTENT_SECURITY_POLICY,
        style=STYLE,
        plotlyjs=_plotly_js(),
        figure=figure,
        protected=protected,
    )


def write_report(
    data: ReportData,
    path: str | os.PathLike[str],
    /,
    *,
    passphrase: str | None = None,
    encryption: Encryption | None = None,
) -> int:
    """Render ``data`` and write it to ``path`` atomically; returns the size in bytes.

    The page is rendered in full before anything is written, and written through a temporary file
    that replaces ``path`` in one step: a failure leaves ``path`` as it was (absent, or the old
    report), never half-written. With ``passphrase`` the page is encrypted (AES-GCM, opened in the
    browser: :func:`tipoff.report.protect_html`); with ``encryption`` the file is age-encrypted
    and written to ``path`` + ``.age``.
    """
    page = render_html(data, protected=passphrase is not None)
    if passphrase is not None:
        from tipoff.report._protect import protect_html

        page = protect_html(page, passphrase)
    raw = page.encode("utf-8")
    write_bytes_atomic(path, raw, encryption=encryption)
    return len(raw)
