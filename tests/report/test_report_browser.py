"""The report in a real browser: headless Chromium (Debian's), driven by Playwright.

Every request other than the report file itself (and ``data:`` URLs) is aborted and recorded; the
test asserts there were none, that every chart drew, that no Content-Security-Policy violation or
script error happened, and that the markup planted in the scenario stayed text. It saves a
screenshot to the test's tmp dir; with ``TIPOFF_UPDATE_SCREENSHOT=1`` it also regenerates the
README's ``docs/report-screenshot.png`` from the seed preset.

Sockets: Playwright's Python client talks to its driver over pipes and launches Chromium with
``--remote-debugging-pipe``; the only socket in this process is asyncio's Unix self-pipe, which
``--allow-unix-socket`` permits. So no ``enable_socket`` marker is needed, and pytest-socket keeps
guarding the test process while the request interception guards the browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_helpers import COMMUNITY_MARKUP, TOWN_MARKUP, season_log

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
]
README_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "report-screenshot.png"

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[browser]')"
)
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing (apt-get install chromium); never `playwright install`",
        allow_module_level=True,
    )

#: Records CSP violations from the first instant of the page (init scripts run before the page's).
WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


class Opened:
    """A report opened in a fresh page, with everything the page tried recorded."""

    def __init__(self, browser: Any, path: Path, viewport: dict[str, int]) -> None:
        self.url = path.resolve().as_uri()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport=viewport)
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("dialog", self._dialog)
        self.page.add_init_script(WATCH)
        self.page.goto(self.url, wait_until="load")

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url == self.url or url.startswith("data:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def open_report(browser: Any, path: Path, width: int = 1100, height: int = 900) -> Opened:
    opened = Opened(browser, path, {"width": width, "height": height})
    opened.page.wait_for_function(
        "[...document.querySelectorAll('.plotly-graph-div')]"
        ".every(d => d.querySelector('svg.main-svg'))",
        timeout=20_000,
    )
    return opened


def test_offline_every_chart_drawn_and_names_stay_text(
    browser: Any, hostile_file: Path, tmp_path: Path
) -> None:
    r = open_report(browser, hostile_file)
    page = r.page
    charts = page.eval_on_selector_all(
        ".plotly-graph-div",
        "ds => ds.map(d => [d.id, d.classList.contains('js-plotly-plot'), "
        "!!d.querySelector('svg.main-svg'), (d.data || []).length])",
    )
    assert len(charts) == 9  # with the log, the attribution chart too
    assert all(plot and svg and traces > 0 for _, plot, svg, traces in charts), charts
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)

    assert r.blocked == [], f"requests outside the file: {r.blocked}"
    assert page.evaluate("window.__violations") == []
    assert r.errors == [] and r.dialogs == []
    assert [c for c in r.console if c.startswith("error")] == []

    # the planted markup made no element and ran nothing; its text is visible as text
    assert page.evaluate("window.__pwned") is None
    assert page.locator("script:not([id]):not([src])").count() == 1 + 9  # PlotlyConfig + charts
    assert page.locator("main b, main i, main img, svg a, svg b").count() == 0
    assert page.locator("a[href^='http']").count() == 0
    description = page.locator("#glance > p").first
    assert "<script>window.__pwned" in description.inner_text()
    assert description.is_visible()
    town = page.locator("#chart-places .ytick text", has_text="example.org").first
    assert town.text_content().strip() == TOWN_MARKUP
    page.locator("#chart-network").scroll_into_view_if_needed()
    hover_texts = page.evaluate(
        "document.getElementById('chart-network').data.flatMap(t => t.hovertext || [])"
    )
    assert any("yanji" in t and "&lt;script&gt;" in t for t in hover_texts)
    assert not any(COMMUNITY_MARKUP in t for t in hover_texts)


def test_readme_screenshot(browser: Any, tmp_path: Path) -> None:
    """Regenerate docs/report-screenshot.png (seed preset, with a log) when asked to."""
    if os.environ.get("TIPOFF_UPDATE_SCREENSHOT") != "1":
        pytest.skip("set TIPOFF_UPDATE_SCREENSHOT=1 to regenerate docs/report-screenshot.png")
    from tipoff.report import build_report, write_report
    from tipoff.scenario import load_preset

    scenario = load_preset("north-hamgyong-spring")
    data = build_report(scenario, log=season_log(scenario, tmp_path), n_runs=200, seed=1)
    path = tmp_path / "seed.html"
    write_report(data, path)
    r = open_report(browser, path, width=1000, height=1500)
    assert r.blocked == [] and r.errors == []
    # the recommendation in plain words and the options chart: what a reader acts on
    box = r.page.locator("#hardening").bounding_box()
    assert box is not None
    r.page.screenshot(
        path=str(README_SCREENSHOT),
        full_page=True,
        clip={"x": box["x"] - 16, "y": box["y"], "width": box["width"] + 32, "height": 1180},
    )
    assert README_SCREENSHOT.stat().st_size > 10_000
