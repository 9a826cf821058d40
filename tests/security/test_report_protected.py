"""The passphrase-protected report: no plaintext in the file; the right passphrase shows every chart
in Debian's chromium under a hash-only script policy; a wrong one shows nothing and says so."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tipoff.engines import simulate_season
from tipoff.model import compile_scenario
from tipoff.report import PBKDF2_ITERATIONS, build_report, protect_html, render_html
from tipoff.results import incident_log_text, read_incident_log
from tipoff.scenario import load_preset

PASSPHRASE = "correct horse battery staple"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """(plain report page, protected page) of the classroom preset with a log."""
    scenario = load_preset("classroom")
    model = compile_scenario(scenario)
    record = simulate_season(model, n_runs=1, seed=11, record_run=0).record
    assert record is not None
    path = tmp_path_factory.mktemp("log") / "log.csv"
    path.write_text(incident_log_text(record))
    data = build_report(
        scenario, log=read_incident_log(path, model=model), n_runs=4, seed=1, model=model
    )
    return render_html(data), protect_html(render_html(data, protected=True), PASSPHRASE)


def _outside_payload(page: str) -> str:
    """The page without its ciphertext, which must be base64 only: a word found by chance in
    random base64 (a 5-letter town turns up about once in a billion positions) is not plaintext.
    """
    m = re.search(r'(<script[^>]*id="tipoff-payload"[^>]*>)(.*?)(</script>)', page, flags=re.S)
    assert m is not None
    assert re.fullmatch(r"[A-Za-z0-9+/=\s]*", m.group(2)), "the payload is not base64"
    return page[: m.start(2)] + page[m.end(2) :]


def test_file_holds_no_plaintext(pages: tuple[str, str]) -> None:
    plain, protected = pages
    words = ["classroom", "Hoeryong", "Musan", "yanji", "tumen", "In short", "The season"]
    words += ["Changing the procedure", "Where deliveries are exposed", "informant", "Plotly"]
    words += ["Methods and provenance", "not encrypted", PASSPHRASE]
    words += re.findall(r"<h2>([^<]+)</h2>", plain)
    words += re.findall(r'"(?:r[1-3]|c[12])"', plain)[:3]  # party ids, quoted as in the chart data
    opener = _outside_payload(protected)
    payload = re.search(r'id="tipoff-payload"[^>]*>(.*?)</script>', protected, flags=re.S)
    assert payload is not None
    raw = base64.b64decode("".join(payload.group(1).split()))
    for long_word in ("classroom", "Changing the procedure", "Methods and provenance"):
        assert long_word.encode() not in raw  # ciphertext, not the page encoded
    for word in words:
        assert word in plain or word == PASSPHRASE
        assert word not in opener, word
    assert "'unsafe-inline'" not in protected.split("script-src", 1)[1].split(";", 1)[0]
    assert "'unsafe-eval'" not in protected
    assert f'data-iterations="{PBKDF2_ITERATIONS}"' in protected and PBKDF2_ITERATIONS >= 600_000
    salt = re.search(r'data-salt="([^"]+)"', protected)
    nonce = re.search(r'data-nonce="([^"]+)"', protected)
    assert salt and len(base64.b64decode(salt.group(1))) == 16
    assert nonce and len(base64.b64decode(nonce.group(1))) == 12


def test_salt_and_nonce_are_fresh_each_time() -> None:
    a, b = protect_html("<p>x</p>", "pw"), protect_html("<p>x</p>", "pw")
    grab = re.compile(r'data-(?:salt|nonce)="([^"]+)"')
    assert set(grab.findall(a)).isdisjoint(grab.findall(b))


def test_weak_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        protect_html("<p>x</p>", "")
    with pytest.raises(ValueError):
        protect_html("<p>x</p>", "pw", iterations=1000)


# ------------------------------------------------------------------------------ in a browser --


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


def _until(page: Any, predicate: str, timeout: float = 30.0) -> None:
    """Poll ``predicate`` (no page-side eval: the page's policy forbids it, as it should)."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
        page.wait_for_timeout(100)


def _open(browser: Any, path: Path) -> tuple[Any, dict[str, list[str]]]:
    seen: dict[str, list[str]] = {"blocked": [], "errors": [], "console": []}
    url = path.resolve().as_uri()
    page = browser.new_page()

    def route(r: Any) -> None:
        if r.request.url == url or r.request.url.startswith("data:"):
            r.continue_()
        else:
            seen["blocked"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}"))
    page.goto(url, wait_until="load")
    return page, seen


def test_right_passphrase_draws_every_chart(
    browser: Any, pages: tuple[str, str], tmp_path: Path
) -> None:
    plain, protected = pages
    n_charts = plain.count('class="plotly-graph-div"')
    assert n_charts >= 8
    path = tmp_path / "protected.html"
    path.write_text(protected)
    page, seen = _open(browser, path)
    assert page.locator(".plotly-graph-div").count() == 0
    page.fill("#tipoff-passphrase", PASSPHRASE)
    page.click("button[type=submit]")
    drawn = (
        f"() => document.querySelectorAll('.plotly-graph-div').length === {n_charts} && "
        "[...document.querySelectorAll('.plotly-graph-div')]"
        ".every(d => d.querySelector('svg.main-svg'))"
    )
    _until(page, drawn)
    body = page.inner_text("body")
    assert "Changing the procedure" in body and "Where deliveries are exposed" in body
    assert page.locator("#protected").count() == 1 and page.locator("#not-encrypted").count() == 0
    page.screenshot(path=str(tmp_path / "opened.png"), full_page=True)
    assert seen["blocked"] == [] and seen["errors"] == []
    assert [c for c in seen["console"] if c.startswith("error")] == []


def test_wrong_passphrase_shows_nothing_and_says_so(
    browser: Any, pages: tuple[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "protected.html"
    path.write_text(pages[1])
    page, seen = _open(browser, path)
    page.fill("#tipoff-passphrase", "wrong passphrase")
    page.click("button[type=submit]")
    _until(page, "() => document.getElementById('tipoff-status').textContent.includes('Wrong')")
    text = page.inner_text("body")
    assert "Wrong passphrase" in text
    for word in ("Musan", "Hoeryong", "Changing the procedure", "classroom"):
        assert word not in text
    assert page.locator(".plotly-graph-div").count() == 0
    assert seen["blocked"] == [] and seen["errors"] == []


def test_policy_still_holds_after_decryption(browser: Any, tmp_path: Path) -> None:
    inner = (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="x">'
        "</head><body><p id=ok>opened</p>"
        "<script>window.__ran = 1; fetch('https://example.org/x').then("
        "() => { window.__fetched = 1; }, () => { window.__refused = 1; });</script>"
        '<img src="https://example.org/i.png"><img src=x onerror="window.__pwned = 1">'
        "</body></html>"
    )
    path = tmp_path / "p.html"
    path.write_text(protect_html(inner, "pw"))
    page, seen = _open(browser, path)
    page.fill("#tipoff-passphrase", "pw")
    page.click("button[type=submit]")
    _until(page, "() => window.__refused === 1")
    assert page.evaluate("() => [window.__ran, window.__fetched, window.__pwned]") == [
        1,
        None,
        None,
    ]
    assert seen["blocked"] == []  # refused by the policy before any request was made


def test_report_cli_with_passphrase(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tipoff._crypto import use_prompt
    from tipoff.cli import main

    out = tmp_path / "r.html"
    with use_prompt(lambda _p: PASSPHRASE), pytest.raises(SystemExit) as info:
        main(["report", "classroom", "-n", "2", "--seed", "1", "-o", str(out), "--passphrase"])
    assert info.value.code in (0, None)
    text = out.read_text()
    opener = _outside_payload(text)
    assert "tipoff-payload" in text and "classroom" not in opener and "Musan" not in opener
    assert "passphrase" in capsys.readouterr().err
