"""The "others known" oracle of benchmarks/attribution_floor.py is the attribution model's own
posterior when a party has nobody else to share its deliveries with: for a candidate alone in
its component, the model with the rates fixed at the oracle's and the oracle must agree (the
oracle's knowledge of the others is then no knowledge at all)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

from tipoff.analysis.attribution import attribute
from tipoff.analysis.attribution._evidence import CAUSE_INFORMANT, build_evidence
from tipoff.engines import simulate_season
from tipoff.results import incident_log_text, parse_incident_log

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
floor = importlib.import_module("attribution_floor")
common = importlib.import_module("attribution_common")
evaluation = importlib.import_module("attribution_eval")


@pytest.mark.parametrize("seed", [3, 11])
def test_oracle_matches_the_model_for_a_party_alone(seed: int) -> None:
    # no overhearing: each relay's deliveries are its own (interrogation and turning stay on)
    model = common.model_of(evaluation.seed_variant(1.6, community="0.0", tracing="0.0"))
    rec = simulate_season(model, n_runs=1, seed=seed, record_run=0).record
    assert rec is not None
    log = parse_incident_log(incident_log_text(rec, family=True), model=model)
    op = model.operation
    assert op.harvest == 0 and op.tracing == 0
    ev = build_evidence(log, model, by_day=True, watched=True, traced=False)
    assert ev.delivery_pattern.shape == (len(log.deliveries),)
    known = floor.others_known(ev, log, model, {}, {}, coupled=False)
    fixed = attribute(
        log,
        model,
        method="exact",
        effectiveness=ev.theta_prior_mean,
        background=op.background,
        tracing=False,
    )
    sizes = np.bincount(ev.component)
    alone = [
        int(ev.party[i])
        for i in range(ev.n_candidates)
        if ev.cause[i] == CAUSE_INFORMANT and sizes[ev.component[i]] == 1
    ]
    assert len(alone) >= 3
    for q in alone:
        p = fixed.party(model.party_ids[q])
        assert known[q][0] == pytest.approx(p.p_informant, abs=1e-9)
        assert known[q][1] == 0.0
