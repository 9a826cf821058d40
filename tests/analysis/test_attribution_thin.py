"""Thin evidence: a high probability that rests on a few interceptions is called thin, plainly.

A wrong "informant" label is the worst bug. A party can stand at 99% on three interceptions: the
number is right under the model, but so few outcomes cannot test the model's assumptions, and its
interval (over the unknown rates only) does not show it. The rule does not change a probability.
"""

from __future__ import annotations

from pathlib import Path

from tipoff.analysis.attribution import attribute
from tipoff.analysis.attribution._result import FEW_INTERCEPTIONS, FRAGILE_STEPS, STANDS_OUT
from tipoff.model import compile_scenario
from tipoff.results import parse_incident_log
from tipoff.scenario import load_preset

CLASSROOM = compile_scenario(load_preset("classroom"))
HEADER = "delivery,day,sender,relays,courier,recipient,mode,outcome,family_arrested\n"
#: Broker r3 (alone in its community: nobody overhears it) is told the address of s003, s006, ...
#: (every third sender); r1 and r2 of the others. Safe deliveries through r1 and r2.
SAFE = (
    "d5,3,s001,r1,c1,s001.f1,home,delivered,\n"
    "d6,5,s002,r2,c1,s002.f1,home,delivered,\n"
    "d7,8,s004,r1,c1,s004.f1,home,delivered,\n"
)


def _through_r3(outcomes: str) -> str:
    """Deliveries through r3, one per character of ``outcomes`` (x: intercepted, .: safe)."""
    rows = []
    for k, o in enumerate(outcomes):
        s = f"s{3 * (k + 1):03d}"
        outcome, family = ("intercepted", "no") if o == "x" else ("delivered", "")
        rows.append(f"r3d{k},{2 + 3 * k},{s},r3,c2,{s}.f1,home,{outcome},{family}\n")
    return HEADER + "".join(rows) + SAFE


def _attribute(text: str):  # type: ignore[no-untyped-def]
    return attribute(parse_incident_log(text, model=CLASSROOM), CLASSROOM)


def test_a_high_flag_on_three_interceptions_is_thin() -> None:
    r = _attribute(_through_r3("xx.x"))
    top = r.parties[0]
    assert top.id == "r3" and top.exposed_interceptions == 3 and top.exposures == 4
    assert top.p_compromised > 0.95  # high, and left as the model says
    # the other rules would not have said it: two more safe deliveries leave it flagged, and it
    # stands out from its prior
    assert r.one_more(top, FRAGILE_STEPS)[0] >= 0.5
    assert top.odds_ratio >= STANDS_OUT
    reason = r.thin_reason(0.5)
    assert reason is not None
    assert reason.startswith("The evidence on r3 is thin")
    assert "rests on 3 interceptions among the 4 deliveries it could have exposed" in reason
    assert "90% interval" in reason and "as an informant" in reason
    assert "(the log holds 7 known outcomes)" in reason
    assert "not as findings" in reason
    doc = r.to_dict(0.5)
    assert doc["thin_evidence"] is True and doc["evidence_note"] == reason


def test_enough_interceptions_are_not_thin() -> None:
    outcomes = "x" * FEW_INTERCEPTIONS + "."
    r = _attribute(_through_r3(outcomes))
    top = r.parties[0]
    assert top.id == "r3" and top.exposed_interceptions == FEW_INTERCEPTIONS
    assert r.thin_reason(0.5) is None


def test_the_interval_in_the_sentence_is_the_partys() -> None:
    from tipoff.analysis.attribution._result import _interval, _pct

    r = _attribute(_through_r3("xx.x"))
    top = r.parties[0]
    reason = r.thin_reason(0.5)
    assert reason is not None
    assert f"{_pct(top.p_compromised)} (90% interval {_interval(top.lo, top.hi)}" in reason


def test_the_rule_speaks_of_flagged_parties_only() -> None:
    r = _attribute(_through_r3("xx.x"))
    above = (r.parties[0].p_compromised + 1.0) / 2  # nobody reaches it
    assert not r.flagged(above)
    assert r.thin_reason(above) is None  # r3 stands out: the log does separate the parties


def _sample_log():  # type: ignore[no-untyped-def]
    from tipoff.results import parse_column_map, parse_season_start, read_incident_log

    sample = Path(__file__).resolve().parents[2] / "docs" / "sample-spreadsheet-log.csv"
    columns = parse_column_map(
        "delivery=No.,date=Date,sender=Sender,relays=Broker(s),courier=Carrier,"
        "recipient=Family,mode=Hand-over,outcome=Result,family_arrested=Family arrested?,"
        "notes=Notes"
    )
    return read_incident_log(
        sample, model=CLASSROOM, columns=columns, season_start=parse_season_start("2025-03-01")
    )


def test_the_sample_spreadsheet_log_is_thin_for_r2() -> None:
    """The shipped example: r2 at 96% on 3 interceptions among 5 deliveries, 7 known outcomes."""
    r = attribute(_sample_log(), CLASSROOM)
    r2 = r.party("r2")
    assert r.flagged(0.5)[0] is r2 and r2.exposed_interceptions < FEW_INTERCEPTIONS
    assert r.one_more(r2, FRAGILE_STEPS)[0] >= 0.5  # the first rule alone was silent
    reason = r.thin_reason(0.5)
    assert reason is not None and reason.startswith("The evidence on r2 is thin")
    assert f"rests on {r2.exposed_interceptions} interceptions among the {r2.exposures}" in reason


def test_one_interception_read_as_safe_is_the_log_attributed_again() -> None:
    """The sentence says what any one of the party's interceptions, read as a safe delivery,
    would leave it at: checked here by flipping each row by hand."""
    import dataclasses

    from tipoff.analysis.attribution._result import _pct

    log = _sample_log()
    r = attribute(log, CLASSROOM)
    r2 = r.party("r2")
    assert r2.if_one_safe_lo is not None and r2.if_one_safe_hi is not None
    rows = list(log.deliveries)
    by_hand = []
    for k, d in enumerate(rows):
        if d.outcome != "intercepted" or "r2" not in d.relays:
            continue
        safe = dataclasses.replace(d, outcome="delivered", family_arrested=None)
        flipped = dataclasses.replace(log, deliveries=(*rows[:k], safe, *rows[k + 1 :]))
        by_hand.append(attribute(flipped, CLASSROOM).party("r2").p_compromised)
    assert len(by_hand) == r2.exposed_interceptions == 3
    assert (r2.if_one_safe_lo, r2.if_one_safe_hi) == (min(by_hand), max(by_hand))
    assert r2.if_one_safe_hi < r2.p_compromised  # each interception counted against it
    reason = r.thin_reason(0.5)
    assert reason is not None
    span = f"{_pct(r2.if_one_safe_lo)} to {_pct(r2.if_one_safe_hi)}"
    assert f"Had any one of them arrived safely, it would stand at {span}." in reason
    doc = r.to_dict()["parties"][0]
    assert doc["id"] == "r2"
    assert doc["if_one_interception_safe"] == {"lo": min(by_hand), "hi": max(by_hand)}


def test_the_check_is_left_out_where_it_does_not_apply() -> None:
    r = _attribute(_through_r3("x" * FEW_INTERCEPTIONS + "."))  # enough interceptions
    assert r.party("r3").if_one_safe_lo is None
    assert r.to_dict()["parties"][0]["if_one_interception_safe"] is None
    gibbs = attribute(
        parse_incident_log(_through_r3("xx.x"), model=CLASSROOM),
        CLASSROOM,
        method="gibbs",
        seed=1,
        n_warmup=50,
        n_draws=50,
    )
    assert all(p.if_one_safe_lo is None for p in gibbs.parties)  # exact method only


def test_every_flagged_party_whose_flag_is_thin_is_named() -> None:
    """Not only the first: a party flagged on one interception, below a better-supported one,
    gets its own sentence (simulated logs of the seed preset, where several parties are flagged)."""
    from tipoff.engines import simulate_season
    from tipoff.results import incident_log_text

    model = compile_scenario(load_preset("north-hamgyong-spring"))
    several = 0
    for seed in range(12):
        out = simulate_season(model, n_runs=1, seed=seed, record_run=0)
        assert out.record is not None
        r = attribute(parse_incident_log(incident_log_text(out.record), model=model), model)
        reason = r.thin_reason(0.5) or ""
        flagged = r.flagged(0.5)
        several += len(flagged) > 1
        for p in flagged:
            thin = (
                p.exposed_interceptions < FEW_INTERCEPTIONS or r.one_more(p, FRAGILE_STEPS)[0] < 0.5
            )
            assert (f"The evidence on {p.id} is thin" in reason) == thin, (seed, p.id)
    assert several >= 3  # the check saw logs with more than one flagged party


def test_the_false_alarm_estimate_shares_the_doubt_of_thin_evidence() -> None:
    from tipoff.report._words import attribution_flagged

    r = _attribute(_through_r3("xx.x"))
    text = attribution_flagged(r, 0.5)
    _, rate = r.false_alarms(0.5)
    assert "shares the same doubt" in text
    # the count and the rate agree: never "0.0, a rate of 4%"
    count = text.split("do not reach the service at all): ")[1].split(",")[0]
    assert float(count) > 0 or rate < 0.005
    many = _attribute(_through_r3("x" * FEW_INTERCEPTIONS + "."))
    assert many.thin_reason(0.5) is None
    assert "shares the same doubt" not in attribution_flagged(many, 0.5)


def test_the_check_is_left_out_when_reading_the_log_again_would_cost_too_much(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    from tipoff.analysis.attribution import _attribute as mod

    log = _through_r3("xx.x")
    assert _attribute(log).parties[0].if_one_safe_lo is not None
    monkeypatch.setattr(mod, "SENSITIVITY_ROWS", 3 * 7 - 1)  # 3 interceptions x 7 rows
    top = _attribute(log).parties[0]
    assert top.if_one_safe_lo is None and top.p_compromised > 0.95  # the number is unchanged


def test_a_flag_with_no_interception_is_not_called_few() -> None:
    text = HEADER + "u1,3,s003,r3,c2,s003.f1,home,unknown,\n"
    r = _attribute(text)
    reason = r.thin_reason(0.01) or ""
    assert "rests on 0 interceptions" not in reason
    assert reason.startswith("The evidence is too thin to separate these parties")
