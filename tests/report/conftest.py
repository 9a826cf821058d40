"""Shared reports for the report tests: built once per session, small (a few seasons each).

``hostile`` is the classroom preset with markup planted in every free-text field a scenario
allows (description, community names, town names): the report must show it as text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from report_helpers import RUNS, SEED, TOWN_MARKUP, hostile_scenario, season_log

from tipoff.report import ReportData, build_report, write_report
from tipoff.scenario import load_preset


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: opens a report in headless Chromium (Debian's /usr/bin/chromium, driven by "
        "Playwright); skipped when either is missing",
    )


@pytest.fixture(scope="session", autouse=True)
def markup_town_allowed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The hostile scenario's town is markup, not a known town: allow it as an extra place."""
    import os

    from tipoff._config import Config, save_config

    path = save_config(Config(places=(TOWN_MARKUP,)), tmp_path_factory.mktemp("cfg") / "c.toml")
    old = os.environ.get("TIPOFF_CONFIG")
    os.environ["TIPOFF_CONFIG"] = str(path)
    yield
    if old is None:
        del os.environ["TIPOFF_CONFIG"]
    else:
        os.environ["TIPOFF_CONFIG"] = old


@pytest.fixture(scope="session")
def classroom_data() -> ReportData:
    return build_report(load_preset("classroom"), n_runs=RUNS, seed=SEED)


@pytest.fixture(scope="session")
def hostile_data(tmp_path_factory: pytest.TempPathFactory) -> ReportData:
    scenario = hostile_scenario()
    log = season_log(scenario, tmp_path_factory.mktemp("hostile-log"))
    return build_report(scenario, log=log, n_runs=RUNS, seed=SEED)


@pytest.fixture(scope="session")
def classroom_html(classroom_data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("classroom") / "report.html"
    write_report(classroom_data, path)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def hostile_file(hostile_data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("hostile") / "report.html"
    write_report(hostile_data, path)
    return path
