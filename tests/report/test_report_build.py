"""``build_report``: what a report gathers, that it is reproducible, and that it holds no family."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from report_helpers import RUNS, SEED

from tipoff.errors import UsageError
from tipoff.model import ROLE_CODE, compile_scenario
from tipoff.report import ReportData, build_report, network_diagram
from tipoff.report._network import MAX_NODES
from tipoff.scenario import load_preset, parse_scenario


def strings(value: Any) -> Iterator[str]:
    """Every string inside a tree of dataclasses and tuples."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from strings(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for v in value:
            yield from strings(v)


def test_the_public_surface_is_declared_once() -> None:
    module = importlib.import_module("tipoff.report")
    public = {n for n, v in vars(module).items() if not n.startswith("_")}
    public = {n for n in public if not isinstance(getattr(module, n), type(module))}
    public.discard("annotations")
    assert set(module.__all__) == public
    assert all(hasattr(module, n) for n in module.__all__)


def test_sections_and_provenance(classroom_data: ReportData) -> None:
    d = classroom_data
    assert d.methods.seed == SEED and d.methods.n_runs == RUNS == d.season.n_runs
    assert d.methods.scenario == "classroom" and len(d.methods.scenario_digest) == 16
    assert d.methods.log_digest is None and d.attribution is None
    assert [s.number for s in d.glance.steps] == [1, 2]
    assert d.glance.steps[0].text.startswith("The sender tells every relay on the path")
    assert d.glance.steps[0].avoided > d.glance.steps[1].avoided == 0.0
    assert len(d.season.deliveries[0].mean) == d.season.horizon_days == 60
    assert {c.cause for c in d.season.causes} >= {"informant", "background"}
    assert abs(sum(c.share for c in d.season.causes) - 1) < 1e-9
    assert d.exposure.deliveries and all(0 <= x.p_intercept <= 1 for x in d.exposure.deliveries)
    assert d.exposure.advice.startswith("Tell the relays less.")
    assert d.hardening.options[0].number == 0 and d.hardening.options[0].measures == ()
    assert sum(o.recommended for o in d.hardening.options) == 1
    assert d.hardening.recommendation and d.hardening.headline


def test_the_same_seed_gives_the_same_report(classroom_data: ReportData) -> None:
    again = build_report(load_preset("classroom"), n_runs=RUNS, seed=SEED)
    assert again == classroom_data


def test_the_reproducing_command_names_the_posterior(classroom_data: ReportData) -> None:
    # seasons over a posterior differ from the scenario's own: the command must say so
    from tipoff.analysis.calibration import calibrate
    from tipoff.scenario import parse_observations

    scenario = load_preset("classroom")
    observations = parse_observations(
        "unknowns:\n  operation.recruitment.initial: {dist: uniform, low: 0.01, high: 0.6}\n"
        "observations:\n  - {id: a, source: a test, count: arrests, roles: both, "
        "places: [Hamhung], placed_by: where, reported: '>= 1', coverage: 1}\n",
        scenario=scenario,
    )
    posterior = calibrate(scenario, observations, n_particles=16, runs_per_particle=4, seed=1)
    data = build_report(scenario, n_runs=RUNS, seed=SEED, posterior=posterior)
    assert data.methods.command.endswith(" --posterior POSTERIOR"), data.methods.command
    assert "--posterior" not in classroom_data.methods.command


def test_no_family_id_anywhere(hostile_data: ReportData) -> None:
    """Families appear as counts per town, never by id (not even in the exposure table)."""
    from report_helpers import hostile_scenario

    model = compile_scenario(hostile_scenario())
    families = {
        pid
        for pid, role in zip(model.party_ids, model.party_role, strict=True)
        if role == ROLE_CODE["recipient"]
    }
    assert families
    text = "\n".join(strings(hostile_data))
    assert not [f for f in families if f in text]
    assert hostile_data.attribution is not None
    assert all(p.role != "recipient" for p in hostile_data.attribution.parties)


def test_attribution_with_a_log(hostile_data: ReportData) -> None:
    a = hostile_data.attribution
    assert a is not None and a.source == "log.csv"
    assert a.parties and all(0 <= p.lo <= p.p <= p.hi <= 1 for p in a.parties)
    assert a.never.startswith("Do not confront")
    assert "route around" in a.advice
    assert "false alarms" in a.flagged or a.flagged.startswith("No party reaches")
    assert hostile_data.methods.log_digest is not None
    assert "--log LOG" in hostile_data.methods.command


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_runs": 1, "seed": 1}, "n_runs"),
        ({"n_runs": 2, "seed": -1}, "seed"),
        ({"n_runs": 2, "seed": 1, "threshold": 1.5}, "threshold"),
    ],
)
def test_bad_arguments_are_usage_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        build_report(load_preset("classroom"), **kwargs)


def test_diagram_counts_add_up() -> None:
    model = compile_scenario(load_preset("north-hamgyong-spring"))
    d = network_diagram(model)
    by_role = {
        role: sum(n.count for n in d.nodes if n.role == role)
        for role in ("sender", "relay", "courier", "recipient")
    }
    assert by_role == {
        "sender": model.n_senders,
        "relay": int((model.party_role == ROLE_CODE["relay"]).sum()),
        "courier": model.n_couriers,
        "recipient": int((model.party_role == ROLE_CODE["recipient"]).sum()),
    }
    keys = {n.key for n in d.nodes}
    assert all(e.source in keys and e.target in keys and e.weight > 0 for e in d.edges)
    assert all(n.count == 1 for n in d.nodes if n.role in ("relay", "courier"))
    assert all(":" in n.label for n in d.nodes if n.role == "recipient")  # "Town: N families"


def test_big_networks_are_grouped() -> None:
    relays = ", ".join(f"r{k:03d}" for k in range(1, 81))
    text = f"""
name: big
horizon_days: 30
generate:
  couriers: {{count: 60, homes: [Hoeryong, Musan, Onsong]}}
  relays: {{count: 80, communities: [yanji, tumen, helong, longjing]}}
  senders: {{count: 400, relays: [{relays}], relays_per_sender: 1}}
  recipients: {{per_sender: 1, homes: [Hamhung, Pyongyang]}}
protocol:
  - {{from: sender, to: relay, items: [recipient_address], lead_days: 5}}
operation:
  recruitment: {{initial: 0.1}}
  relay: {{success: 0.8, delay_days: 1}}
  response: {{catch: {{address_and_schedule: 0.9, address_only: 0.4, courier_identity: 0.3}}}}
"""
    model = compile_scenario(parse_scenario(text))
    d = network_diagram(model)
    for column in range(len(d.columns)):
        assert sum(n.column == column for n in d.nodes) <= MAX_NODES
    labels = {n.role: set() for n in d.nodes}
    for n in d.nodes:
        labels[n.role].add(n.label)
    assert labels["courier"] == {f"{t}: 20 couriers" for t in ("Hoeryong", "Musan", "Onsong")}
    assert labels["relay"] == {f"{c}: 20 relays" for c in ("yanji", "tumen", "helong", "longjing")}
    assert labels["sender"] == {"100 senders"}  # one group per community of relays
    assert labels["recipient"] == {"Hamhung: 200 families", "Pyongyang: 200 families"}
    assert any("grouped by home town" in n for n in d.notes)
    assert any("grouped by community" in n for n in d.notes)


def test_daily_band_is_the_95_percent_interval_of_the_mean() -> None:
    """The report's band is mean +/- 1.96 standard errors: the season summary's +/- 1.96 SD
    band divided by sqrt(runs), so it narrows as runs grow and never swamps the mean."""
    import numpy as np

    from tipoff.engines import simulate_season
    from tipoff.model import compile_scenario
    from tipoff.report._build import _band
    from tipoff.results import summarize

    n = 64
    s = summarize(simulate_season(compile_scenario(load_preset("classroom")), n_runs=n, seed=3))
    band = _band(s, "intercepted", "intercepted")
    mean = np.asarray(band.mean)
    half_sd = s.daily_hi["intercepted"] - s.daily_mean["intercepted"]  # 1.96 SD
    np.testing.assert_allclose(mean, s.daily_mean["intercepted"], atol=1e-4)
    np.testing.assert_allclose(np.asarray(band.hi) - mean, half_sd / np.sqrt(n), atol=2e-4)
    assert np.all(np.asarray(band.lo) >= 0)
    assert np.all(np.asarray(band.lo) <= mean) and np.all(mean <= np.asarray(band.hi))


def test_thin_evidence_and_causes_in_the_report() -> None:
    """A 4-row log with one interception: the report says the evidence is thin, at a glance and
    atop the attribution section, and never calls P(leaks) the probability of being an
    informant."""
    from tipoff.report import render_html
    from tipoff.results import parse_incident_log

    scenario = load_preset("classroom")
    model = compile_scenario(scenario)
    log = parse_incident_log(
        "delivery,day,sender,relays,courier,recipient,mode,outcome\n"
        "d1,3,s001,r1,c1,s001.f1,home,delivered\n"
        "d2,4,s003,r3,c2,s003.f1,home,delivered\n"
        "d3,6,s003,r3,c2,s003.f1,home,delivered\n"
        "d4,8,s001,r1,c1,s001.f1,home,intercepted\n",
        model=model,
        source="four.csv",
    )
    data = build_report(scenario, log=log, n_runs=RUNS, seed=SEED, model=model)
    a = data.attribution
    assert a is not None and a.thin_evidence is not None and "thin" in a.thin_evidence
    page = render_html(data)
    glance = page[: page.find("<h2>1.")]
    assert "Thin evidence." in glance and a.thin_evidence.split(":")[0] in glance
    assert "probability of being an informant" not in page


@pytest.mark.parametrize("flagged", [False, True])
def test_attribution_advice_follows_whether_anyone_is_flagged(flagged: bool) -> None:
    """With nobody at the threshold, the advice names nobody to route around and points at no
    false-alarm estimate (a user saw "route around the parties at the top of this list" under
    "treat everyone told the address as equally at risk")."""
    from tipoff.report import _words as w
    from tipoff.results import parse_incident_log

    scenario = load_preset("classroom")
    model = compile_scenario(scenario)
    rows = "d1,3,s001,r1,c1,s001.f1,home,delivered\nd2,4,s002,r2,c1,s002.f1,home,delivered\n"
    if flagged:
        rows += "".join(f"x{k},{5 + k},s001,r1,c1,s001.f1,home,intercepted\n" for k in range(4))
    log = parse_incident_log(
        "delivery,day,sender,relays,courier,recipient,mode,outcome\n" + rows,
        model=model,
        source="log.csv",
    )
    data = build_report(scenario, log=log, n_runs=RUNS, seed=SEED, model=model, threshold=0.5)
    a = data.attribution
    assert a is not None
    if flagged:
        assert (a.advice, a.never) == (w.ATTRIBUTION_ADVICE, w.ATTRIBUTION_NEVER)
    else:
        assert (a.advice, a.never) == (w.ATTRIBUTION_ADVICE_NOBODY, w.ATTRIBUTION_NEVER_NOBODY)
        assert "top of this list" not in a.advice and "false-alarm" not in a.never
