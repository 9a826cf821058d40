"""How low can "a traced relay shown as a likely informant" go? Oracles against the default model.

``attribution_eval.py --causes`` counts relays the service traced (a family member arrested at one
of their deliveries named them) that were never informants, shown at ``P(informant) >= 0.5``.
This script scores the same simulated seasons four ways, to tell a fault of the model from what
the log cannot say:

- **model**: ``attribute`` with its defaults (the rates learned from the log);
- **true rates**: ``attribute`` with the effectiveness and background fixed at the simulator's
  (``relay.success`` times the full catch, and ``background``);
- **others known**: each party's posterior given the log, the true rates *and the truth about
  every other party* (who was an informant from which day, who was traced from which day): its
  own turning day and tracing day are summed out exactly, with the attribution model's
  likelihood (noisy-OR of the exposure weights, watched homes). No defender knows this much;
  what this oracle still gets wrong, the log cannot tell;
- **others known, family coupled**: the same, with the likelihood split by where the courier
  was caught, as the simulator does: a family member can be arrested only at a hand-over
  (a stake-out or a watched home), never at an interception by background chance or through the
  courier's identity alone, so ``family_arrested`` = yes rules those out and = no makes them
  likelier (``P(intercepted, family) = phi P(caught at the hand-over)``);
- **others known, two sources**: the same as "others known", with a relay's informant and traced
  channel as two independent sources (the attribution model before it made them exclusive).

For every traced relay that was no informant and is shown at 0.5 or more by the model, it also
prints the true cause of the interception that traced it (the simulator's truth), and it gives
the reliability of ``P(informant)`` (mean probability against the observed share of
informants, per bin) among the relays a family arrest may have traced.

    .venv/bin/python benchmarks/attribution_floor.py                # 120 seasons each, ~8 min
    .venv/bin/python benchmarks/attribution_floor.py --seasons 30   # quicker
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from attribution_common import model_of
from attribution_eval import SEED_PRESET, seed_variant

from tipoff.analysis.attribution import attribute, roc_auc
from tipoff.analysis.attribution._evidence import CAUSE_INFORMANT, Evidence, build_evidence
from tipoff.engines import simulate_season
from tipoff.model import MODE_HOME, CompiledModel, stakeout_catch
from tipoff.results import IncidentLog, incident_log_text, parse_incident_log
from tipoff.scenario import preset_text

NEVER = 1 << 30
BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0 + 1e-9)


def others_known(
    ev: Evidence,
    log: IncidentLog,
    model: CompiledModel,
    inf_day: dict[int, int],
    tr_day: dict[int, int],
    *,
    coupled: bool,
    exclusive: bool = True,
) -> dict[int, tuple[float, float]]:
    """Per party: ``(P(informant by the end), P(traced by the end and no informant))`` given the
    log, the true rates and the true status of every other party (see the module's text).
    ``exclusive``: a relay that is an informant leaks as one (its traced channel adds nothing),
    as in the simulator; False: both act, as two sources, as in the attribution model."""
    op = model.operation
    theta = ev.theta_prior_mean
    eps = op.background
    full = np.array([0xFF], dtype=np.uint8)
    a_ref = float(stakeout_catch(op, full, np.array([MODE_HOME]))[0])
    f_hand = a_ref / (ev.theta_prior_mean / op.relay_success)  # share of a catch at the hand-over
    phi = op.family_arrest
    cand_of: dict[tuple[int, int], int] = {
        (int(q), int(c)): i for i, (q, c) in enumerate(zip(ev.party, ev.cause, strict=True))
    }
    # per pattern: its deliveries' outcomes and family flags
    fam: dict[int, list[tuple[bool, bool | None]]] = {}
    for d, k in zip(log.deliveries, ev.delivery_pattern, strict=True):
        if k >= 0:
            fam.setdefault(int(k), []).append((d.outcome == "intercepted", d.family_arrested))
    ent_of: dict[int, list[tuple[int, float]]] = {}
    for k in range(ev.n_patterns):
        lo, hi = ev.pattern_start[k], ev.pattern_start[k + 1]
        cands, ws = ev.entry_candidate[lo:hi].tolist(), ev.entry_weight[lo:hi].tolist()
        ent_of[k] = list(zip(cands, ws, strict=True))

    def active(j: int, day: int) -> bool:
        q = int(ev.party[j])
        informant = inf_day.get(q, NEVER) <= day
        if ev.cause[j] == CAUSE_INFORMANT:
            return informant
        return tr_day.get(q, NEVER) <= day and not informant

    end = ev.end_day
    out: dict[int, tuple[float, float]] = {}
    for (q, c), a in cand_of.items():
        if c != CAUSE_INFORMANT:
            continue
        t = cand_of.get((q, 1), -1)
        mine = {a, t} - {-1}
        pats = sorted(
            {int(ev.entry_pattern[e]) for e, j in enumerate(ev.entry_candidate) if j in mine}
        )
        days = np.array([ev.pattern_day[k] for k in pats], dtype=np.int64)
        L = np.zeros((len(pats), 4))  # log-likelihood of each pattern: nobody, A, T, A and T
        for n, k in enumerate(pats):
            ls_o = np.log1p(-eps) + ev.pattern_lw[k]  # survive every other source
            lh_o = ev.pattern_lw[k]  # survive every hand-over catch of the others
            own = {0: 0.0, 1: 0.0, 2: 0.0}
            for j, r in ent_of[k]:
                if j == a:
                    own[1] = r
                elif j == t:
                    own[2] = r
                elif active(j, int(ev.pattern_day[k])):
                    ls_o += np.log1p(-theta * r)
                    lh_o += np.log1p(-theta * r * f_hand)
            for s in range(4):
                rs = [own[1], own[2]] if s == 3 else [own[s]]
                ls = ls_o + sum(np.log1p(-theta * r) for r in rs)
                lh = lh_o + sum(np.log1p(-theta * r * f_hand) for r in rs)
                p_del = np.exp(ls)
                p_hand = -np.expm1(lh)
                tot = 0.0
                for lost, f in fam[k]:
                    if not lost:
                        tot += ls
                    elif not coupled or f is None:
                        tot += np.log(max(1e-300, 1.0 - p_del))
                    elif f:
                        tot += np.log(max(1e-300, phi * p_hand))
                    else:
                        tot += np.log(max(1e-300, 1.0 - p_del - phi * p_hand))
                L[n, s] = tot
        # hypotheses: informant from day ta in 0..end (end + 1: not by the end), traced from tt
        rho0, h = float(ev.law.rho0[a]), float(ev.law.hazard[a])
        ta = np.arange(end + 2)
        with np.errstate(divide="ignore"):
            lpa = np.where(
                ta == 0,
                np.log(rho0) if rho0 > 0 else -np.inf,
                np.log1p(-rho0) + np.maximum(ta - 1, 0) * np.log1p(-h) + np.log(h if h > 0 else 0),
            )
            lpa[-1] = np.log1p(-rho0) + end * np.log1p(-h)
        if t >= 0:
            sel = ev.law.ec == t
            key = ev.law.key[sel] - t * ev.law.span
            order = np.argsort(key)
            ev_days = key[order]
            ev_p = -np.expm1(np.diff(np.r_[0.0, ev.law.cum[sel][order]]))
            surv = np.cumprod(np.r_[1.0, 1.0 - ev_p])
            tt = np.r_[ev_days, NEVER]
            with np.errstate(divide="ignore"):
                lpt = np.log(np.r_[surv[:-1] * ev_p, surv[-1]])
        else:
            tt = np.array([NEVER])
            lpt = np.zeros(1)
        A = ta[:, None, None] <= days[None, None, :]
        T = tt[None, :, None] <= days[None, None, :]
        state = np.where(A, np.where(T & (not exclusive), 3, 1), np.where(T, 2, 0))
        ll = L[np.arange(len(pats))[None, None, :], state].sum(axis=2)
        lj = ll + lpa[:, None] + lpt[None, :]
        lj -= lj.max()
        w = np.exp(lj)
        w /= w.sum()
        p_inf = float(w[: end + 1].sum())
        p_tr = float(w[end + 1, tt <= end].sum())
        out[q] = (p_inf, p_tr)
    return out


def season(model: CompiledModel, seed: int) -> dict[str, Any]:
    """One season: its log, the truth, and each relay's answer by every scorer."""
    sim = simulate_season(model, n_runs=1, seed=seed, record_run=0)
    rec = sim.record
    assert rec is not None
    log = parse_incident_log(incident_log_text(rec, family=True), model=model)
    idx = {pid: k for k, pid in enumerate(model.party_ids)}
    inf_day = {idx[i["party"]]: int(i["from_day"]) for i in rec.informants}
    tr_day = {idx[t["party"]]: int(t["from_day"]) for t in rec.traced_relays}
    op = model.operation
    ev = build_evidence(
        log,
        model,
        by_day=op.daily_hazard > 0,
        watched=op.reveal_recipients > 0 and op.watch_days > 0,
        traced=op.tracing > 0,
    )
    default = attribute(log, model, seed=seed)
    rates = attribute(
        log, model, seed=seed, effectiveness=ev.theta_prior_mean, background=op.background
    )
    known = others_known(ev, log, model, inf_day, tr_day, coupled=False)
    coupled = others_known(ev, log, model, inf_day, tr_day, coupled=True)
    both = others_known(ev, log, model, inf_day, tr_day, coupled=False, exclusive=False)
    truth = {t["delivery"]: t for t in rec.truth}
    rows = []
    for p in default.parties:
        q = idx[p.id]
        first = None
        if q in tr_day and q not in inf_day:
            # the interception whose family arrest traced it: the day before the trace
            for d in rec.deliveries:
                if d["day"] == tr_day[q] - 1 and d["relays"] and d["relays"][-1] == p.id:
                    t = truth[d["delivery"]]
                    if d["outcome"] == "intercepted" and t["family_arrested"]:
                        first = t["cause"]
        rows.append(
            {
                "seed": seed,
                "id": p.id,
                "role": p.role,
                "informant": q in inf_day,
                "traced_innocent": q in tr_day and q not in inf_day,
                "may_be_traced": p.prior_traced > 0,
                "model": p.p_informant,
                "true rates": rates.party(p.id).p_informant,
                "others known": known.get(q, (np.nan, np.nan))[0],
                "others known, family coupled": coupled.get(q, (np.nan, np.nan))[0],
                "others known, two sources": both.get(q, (np.nan, np.nan))[0],
                "cause of the tracing loss": first,
            }
        )
    return {"rows": rows}


SCORERS = (
    "model",
    "true rates",
    "others known",
    "others known, family coupled",
    "others known, two sources",
)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    y = np.array([r["informant"] for r in rows])
    out: dict[str, Any] = {}
    tr = [r for r in rows if r["traced_innocent"]]
    may = [r for r in rows if r["may_be_traced"]]
    for s in SCORERS:
        p = np.array([r[s] for r in rows], dtype=float)
        ok = np.isfinite(p)
        pt = np.array([r[s] for r in tr], dtype=float)
        pm = np.array([r[s] for r in may], dtype=float)
        ym = np.array([r["informant"] for r in may])
        bins = []
        for lo, hi in itertools.pairwise(BINS):
            sel = (pm >= lo) & (pm < hi)
            if sel.any():
                share = float(ym[sel].mean())
                se = float(np.sqrt(max(share * (1 - share), 1e-9) / sel.sum()))
                bins.append([lo, min(hi, 1.0), int(sel.sum()), float(pm[sel].mean()), share, se])
        out[s] = {
            "informant_auc": roc_auc(y[ok], p[ok]),
            "traced_innocent": int(pt.size),
            "traced_shown_informant": int((pt >= 0.5).sum()),
            "traced_shown_informant_share": float((pt >= 0.5).mean()) if pt.size else float("nan"),
            "others_innocent_shown": float((p[ok & ~y] >= 0.5).mean()),
            "may_be_traced_reliability": bins,
        }
    flagged = [r for r in tr if r["model"] >= 0.5]
    out["cause of the tracing loss (traced innocents)"] = dict(
        Counter(str(r["cause of the tracing loss"]) for r in tr)
    )
    out["cause of the tracing loss (shown >= 0.5 by the model)"] = dict(
        Counter(str(r["cause of the tracing loss"]) for r in flagged)
    )
    out["flagged"] = [
        {k: r[k] for k in ("seed", "id", *SCORERS, "cause of the tracing loss")} for r in flagged
    ]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seasons", type=int, default=120, help="seasons per scenario")
    ap.add_argument("--json", type=Path, help="also write the results as JSON here")
    ap.add_argument(
        "--only", choices=("seed", "common"), help="one scenario: the seed preset or tracing common"
    )
    args = ap.parse_args()
    scenarios = {
        "seed preset": model_of(preset_text(SEED_PRESET)),
        "tracing common (0.9 x 0.8)": model_of(
            seed_variant(1.6, family_arrest="0.9", tracing="0.8")
        ),
    }
    if args.only:
        scenarios = dict([list(scenarios.items())[0 if args.only == "seed" else 1]])
    res: dict[str, Any] = {}
    for name, m in scenarios.items():
        rows = [r for k in range(args.seasons) for r in season(m, k)["rows"]]
        res[name] = summarise(rows)
        print(f"== {name} ({args.seasons} seasons)")
        for s in SCORERS:
            r = res[name][s]
            print(
                f"  {s:<30} AUC {r['informant_auc']:.3f}  traced innocents at P(inf) >= 0.5: "
                f"{r['traced_shown_informant']}/{r['traced_innocent']} = "
                f"{r['traced_shown_informant_share']:.3f}  other innocents {r['others_innocent_shown']:.3f}"
            )
            print("    may be traced, reliability (bin, n, mean P, informant share +- se):")
            for lo, hi, n, mp, sh, se in r["may_be_traced_reliability"]:
                print(f"      [{lo:.1f}, {hi:.1f})  {n:4d}  {mp:.3f}  {sh:.3f} +- {se:.3f}")
        print(
            "  cause of the tracing loss, all traced innocents:",
            res[name]["cause of the tracing loss (traced innocents)"],
        )
        print(
            "  the same, those the model shows at >= 0.5:",
            res[name]["cause of the tracing loss (shown >= 0.5 by the model)"],
        )
        for f in res[name]["flagged"]:
            print("   ", f)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
