"""``render_html`` and ``write_report``: offline, escaped, captioned, written atomically."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
from report_helpers import COMMUNITY_MARKUP, DESCRIPTION_MARKUP, TOWN_MARKUP, split_bundle

from tipoff.report import (
    CONTENT_SECURITY_POLICY,
    ReportData,
    _figures,
    _render,
    render_html,
    write_report,
)
from tipoff.report._figures import charts

CHART_IDS = (
    "chart-network",
    "chart-deliveries",
    "chart-arrests",
    "chart-places",
    "chart-causes",
    "chart-steps",
    "chart-roles",
    "chart-options",
)
SECTIONS = ("in-short", "glance", "season", "exposure", "hardening", "attribution", "methods")


def test_the_policy_forbids_every_connection() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'none'"
    assert directives["img-src"] == "data: blob:"
    assert "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY


def test_csp_comes_before_any_script(classroom_html: str) -> None:
    head = classroom_html.split("</head>", 1)[0]
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
    assert meta in head
    assert head.index(meta) < head.index("<script")


def test_one_plotly_bundle_and_nothing_from_outside(classroom_html: str) -> None:
    page, bundle = split_bundle(classroom_html)
    assert len(bundle) > 1_000_000  # plotly.js itself, inline
    assert classroom_html.count('id="plotly-bundle"') == 1
    assert page.count("<script") == len(CHART_IDS) + 2  # PlotlyConfig, bundle, one per chart
    lowered = page.lower()
    for pattern in (r"<script[^>]*\bsrc=", r"<link\b", r"<img[^>]*\bsrc=", r"<iframe", r"@import"):
        assert not re.search(pattern, lowered), pattern
    assert "http://" not in page and "https://" not in page
    assert "mathjax" not in lowered.replace("mathjaxconfig: 'local'", "")
    assert "scattergeo" not in lowered and "topojson" not in lowered


def test_sections_captions_and_the_not_encrypted_note(
    classroom_data: ReportData, classroom_html: str
) -> None:
    page, _ = split_bundle(classroom_html)
    for section in SECTIONS:
        assert f'<section id="{section}">' in page
    captions = charts(classroom_data)
    assert tuple(captions) == CHART_IDS  # no attribution chart without a log
    for key, chart in captions.items():
        assert f'id="{key}"' in page
        caption = chart.caption.replace("'", "&#39;")
        assert f"<figcaption>{caption}</figcaption>" in page
        assert caption.endswith(".") and len(caption.split(". ")) == 1  # one sentence
    assert "This file is not encrypted." in page
    assert "No incident log was given" in page
    assert "Evidence, not accusation" not in page


def test_the_attribution_section_with_a_log(hostile_file: Path) -> None:
    page, _ = split_bundle(hostile_file.read_text(encoding="utf-8"))
    assert 'id="chart-attribution"' in page
    assert "<strong>Evidence, not accusation.</strong>" in page
    assert "Do not confront, accuse or expose anyone." in page
    assert 'id="false-alarms"' in page and "route around" in page


def test_markup_in_names_stays_text(hostile_file: Path) -> None:
    page, _ = split_bundle(hostile_file.read_text(encoding="utf-8"))
    for markup in (DESCRIPTION_MARKUP, COMMUNITY_MARKUP, TOWN_MARKUP):
        assert markup not in page
    assert "window.__pwned" in page  # the text is there, escaped
    assert "<script>window.__pwned" not in page
    assert "&lt;script&gt;window.__pwned = &#34;description&#34;" in page
    assert "&lt;a href=&#34;https://example.org/&#34;&gt;Ham" in page  # a town, in a table
    # in Plotly's figure data: HTML entities (Plotly's labels honour some tags), then JSON
    assert "community &lt;b&gt;yanji&lt;\\u002fb&gt;&lt;script&gt;" in page
    assert not re.search(r"<(img|iframe|a|b|i)\b[^>]*(onerror|onclick|example\.org)", page)


def test_render_escapes_strings_fed_directly(classroom_data: ReportData) -> None:
    hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    g = dataclasses.replace(classroom_data.glance, name=hostile, description=hostile)
    data = dataclasses.replace(classroom_data, title=hostile, glance=g)
    page, _ = split_bundle(render_html(data))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "<title>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_rendering_is_deterministic(classroom_data: ReportData, classroom_html: str) -> None:
    assert render_html(classroom_data) == classroom_html


def test_a_failed_render_leaves_the_old_file(
    classroom_data: ReportData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("the old report", encoding="utf-8")

    def boom(data: ReportData) -> dict[str, object]:
        raise RuntimeError("render failed")

    monkeypatch.setattr(_figures, "charts", boom)
    with pytest.raises(RuntimeError, match="render failed"):
        write_report(classroom_data, target)
    assert target.read_text(encoding="utf-8") == "the old report"
    assert os.listdir(tmp_path) == ["report.html"]
    with pytest.raises(RuntimeError):
        write_report(classroom_data, tmp_path / "new.html")
    assert not (tmp_path / "new.html").exists()


def test_a_failed_write_leaves_no_half_file(
    classroom_data: ReportData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("the old report", encoding="utf-8")

    def fail_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fail_fsync)
    with pytest.raises(OSError, match="disk full"):
        write_report(classroom_data, target)
    assert target.read_text(encoding="utf-8") == "the old report"
    assert os.listdir(tmp_path) == ["report.html"]


def test_strict_undefined() -> None:
    env = _render._environment()
    with pytest.raises(Exception, match="undefined"):
        env.from_string("{{ nothing.here }}").render()
