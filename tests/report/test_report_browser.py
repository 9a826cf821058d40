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


# ------------------------------------------------------------ numbering, labels, bands --

#: For each scatter text label of the options chart: its box, its numbers, and every marker's box
#: and number (read from the hover text, "<b>N. plan</b>...").
LABEL_BOXES = """() => {
  const gd = document.getElementById('chart-options');
  const box = e => { const r = e.getBoundingClientRect();
                     return [r.left, r.top, r.right, r.bottom]; };
  const texts = [], markers = [];
  [...gd.querySelectorAll('.scatterlayer .trace')].forEach((tr, k) => {
    const hover = gd.data[k].hovertext || [];
    [...tr.querySelectorAll('path.point')].forEach((p, i) =>
      markers.push([parseInt(/<b>(\\d+)\\./.exec(hover[i])[1]), box(p)]));
    [...tr.querySelectorAll('.textpoint text')].forEach(t => {
      if (t.textContent.trim()) texts.push([t.textContent, box(t)]); });
  });
  return [texts, markers];
}"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from report_helpers import RUNS, SEED

    from tipoff.report import build_report, write_report
    from tipoff.scenario import load_preset

    path = tmp_path_factory.mktemp("seed") / "report.html"
    write_report(build_report(load_preset("north-hamgyong-spring"), n_runs=RUNS, seed=SEED), path)
    return path


def test_contents_are_numbered_like_the_headings(browser: Any, hostile_file: Path) -> None:
    page = open_report(browser, hostile_file).page
    entries = page.eval_on_selector_all(
        "nav ol > li > a", "as => as.map(a => [a.getAttribute('href'), a.textContent.trim()])"
    )
    assert len(entries) >= 6
    for number, (href, title) in enumerate(entries, start=1):
        heading = page.locator(f"{href} > h2").first.inner_text().strip()
        assert heading == f"{number}. {title}", (href, heading)
    # "In short" is the unnumbered lead, and every numbered heading is in the contents
    assert page.locator("#in-short > h2").inner_text().strip() == "In short"
    numbered = page.eval_on_selector_all(
        "section > h2", "hs => hs.map(h => h.textContent.trim()).filter(t => /^\\d+\\. /.test(t))"
    )
    assert numbered == [f"{n}. {t}" for n, (_, t) in enumerate(entries, start=1)]


def test_labels_say_what_is_counted_and_the_band_is_one_thing(
    browser: Any, hostile_file: Path
) -> None:
    page = open_report(browser, hostile_file).page
    places = page.eval_on_selector_all(
        "#chart-places .legendtext", "ts => ts.map(t => t.textContent)"
    )
    assert "couriers (where arrested)" in places
    assert not any("home town" in t for t in places)
    caption = page.locator('figure[data-chart="chart-places"] figcaption').inner_text()
    assert "where they were arrested" in caption and "by their home town" not in caption
    for chart in ("chart-deliveries", "chart-arrests"):
        legend = page.eval_on_selector_all(
            f"#{chart} .legendtext", "ts => ts.map(t => t.textContent)"
        )
        bands = [t for t in legend if "interval" in t or "band" in t]
        assert bands and all(t.endswith(": 95% interval of the mean") for t in bands), legend
        fig = page.locator(f'figure[data-chart="{chart}"] figcaption').inner_text()
        assert "95% interval of that average" in fig and "1.96 standard errors" in fig
    glossary = page.locator("#glossary").inner_text()
    assert "95% interval of the day's average" in glossary
    assert "1.96 standard errors" in glossary and "standard deviations" not in glossary


@pytest.mark.parametrize("width", [1100, 600])
@pytest.mark.parametrize("which", ["hostile", "seed"])
def test_option_labels_never_overlap(
    browser: Any, which: str, width: int, hostile_file: Path, seed_file: Path
) -> None:
    page = open_report(browser, hostile_file if which == "hostile" else seed_file, width=width).page
    page.locator("#chart-options").scroll_into_view_if_needed()
    texts, markers = page.evaluate(LABEL_BOXES)
    assert texts, "the options chart has no labels"
    shown = sorted(int(n) for text, _ in texts for n in text.split(", "))
    assert shown == sorted(n for n, _ in markers)  # every option numbered exactly once
    for i, (text, box) in enumerate(texts):
        for other, other_box in texts[i + 1 :]:
            assert not _overlap(box, other_box), f"labels {text!r} and {other!r} overlap"
        mine = {int(n) for n in text.split(", ")}
        for number, marker in markers:
            if number not in mine:
                assert not _overlap(box, marker), f"label {text!r} covers marker {number}"
