"""Helpers of the report tests: a scenario with planted markup, a simulated log, the page's parts."""

from __future__ import annotations

import re
from pathlib import Path

from tipoff.engines import simulate_season
from tipoff.model import compile_scenario
from tipoff.results import IncidentLog, incident_log_text, read_incident_log
from tipoff.scenario import Scenario, parse_scenario, preset_text

#: Markup planted in the scenario; none of it may become an element or run.
DESCRIPTION_MARKUP = (
    '</p><script>window.__pwned = "description"</script>'
    '<img src=x onerror="window.__pwned = \'img\'"><a href="https://example.org/x">link</a>'
)
COMMUNITY_MARKUP = '<b>yanji</b><script>window.__pwned="community"</script>'
TOWN_MARKUP = '<a href="https://example.org/">Ham</a><i onclick="f()">x</i>'
RUNS = 4
SEED = 1


def hostile_scenario() -> Scenario:
    text = preset_text("classroom")
    text = text.replace("community: yanji", f"community: '{COMMUNITY_MARKUP}'")
    text = text.replace("homes: [Hamhung,", f"homes: ['{TOWN_MARKUP}',")
    text = text.replace("description: >-", f"description: >-\n  {DESCRIPTION_MARKUP}")
    return parse_scenario(text, source="hostile.yaml")


def season_log(scenario: Scenario, folder: Path, seed: int = 11) -> IncidentLog:
    """Run 0 of a simulated season, written as the defender's incident log and read back."""
    model = compile_scenario(scenario)
    record = simulate_season(model, n_runs=1, seed=seed, record_run=0).record
    assert record is not None
    path = folder / "log.csv"
    path.write_text(incident_log_text(record), encoding="utf-8")
    return read_incident_log(path, model=model)


_BUNDLE = re.compile(r'(<script id="plotly-bundle" charset="utf-8">)(.*?)(</script>)', re.S)


def split_bundle(page: str) -> tuple[str, str]:
    """The page without Plotly's bundled JavaScript, and the bundle itself."""
    found = _BUNDLE.search(page)
    assert found is not None, "no inline Plotly bundle"
    return page[: found.start(2)] + page[found.end(2) :], found.group(2)
