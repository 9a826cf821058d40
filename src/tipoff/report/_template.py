"""The report's HTML template (Jinja2, autoescaped) and its style sheet, kept as package code.

The template escapes every value except three that the renderer builds itself and marks safe:
the Content-Security-Policy, Plotly's bundled JavaScript, and Plotly's chart fragments (whose
figure data Plotly serialises with ``<``, ``>`` and ``/`` escaped).
"""

from __future__ import annotations

__all__ = ["STYLE", "TEMPLATE"]

STYLE = """
:root { --ink: #1d1d1f; --muted: #5a5a5f; --line: #d9d9de; --warn: #8a4b00; --warnbg: #fff4e0;
        --stop: #8b1a1a; --stopbg: #fdecec; --ok: #0b6b4f; --okbg: #e8f6f0; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fafafa; line-height: 1.5;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; background: white; }
h1 { font-size: 1.7rem; margin: 0.2rem 0 0.3rem; }
h2 { font-size: 1.35rem; margin: 2.6rem 0 0.6rem; padding-top: 0.8rem; border-top: 2px solid var(--line); }
h3 { font-size: 1.08rem; margin: 1.6rem 0 0.4rem; }
p, li { max-width: 46rem; }
.sub { color: var(--muted); margin: 0 0 1rem; }
.note { border-left: 5px solid var(--warn); background: var(--warnbg); padding: 0.7rem 1rem;
        margin: 1rem 0; }
.note.stop { border-color: var(--stop); background: var(--stopbg); }
.note.ok { border-color: var(--ok); background: var(--okbg); }
.note p { margin: 0.25rem 0; }
.short li { margin: 0.35rem 0; }
nav ol { columns: 2; padding-left: 1.2rem; margin: 0.4rem 0; }
nav p.toc-lead { margin: 0.4rem 0 0; }
figure.chart { margin: 1rem 0 1.6rem; }
figure.chart > div { min-height: 200px; }
figcaption { color: var(--muted); font-size: 0.93rem; margin-top: 0.3rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1.2rem; font-size: 0.93rem; }
th, td { border-bottom: 1px solid var(--line); padding: 0.3rem 0.6rem; text-align: left;
         vertical-align: top; }
th { background: #f3f3f5; }
td.route { min-width: 16rem; }
td.id { white-space: nowrap; }
div.wide { overflow-x: auto; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.rec td { background: var(--okbg); }
.small { font-size: 0.9rem; color: var(--muted); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.kv dt { font-weight: 600; }
dl.kv dd { margin: 0; }
code { background: #f3f3f5; padding: 0 0.25rem; border-radius: 3px; }
@media print { body { background: white; } main { max-width: none; } .noprint { display: none; }
               h2 { break-before: page; } figure.chart { break-inside: avoid; } }
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp|safe }}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tipoff {{ m.version }}">
<title>{{ d.title }}</title>
<style>{{ style|safe }}</style>
<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>
<script id="plotly-bundle" charset="utf-8">{{ plotlyjs|safe }}</script>
</head>
<body>
<main>
<header>
<h1>{{ d.title }}</h1>
<p class="sub">Scenario <strong>{{ g.name }}</strong> · {{ g.horizon_days }} days ·
{{ s.n_runs }} simulated seasons · seed {{ m.seed }} · tipoff {{ m.version }}</p>
{% if protected %}<div class="note" id="protected" role="note">
<p><strong>This file is protected by a passphrase.</strong> Whoever has the file and the passphrase
can read it: send the passphrase by another channel than the file, and delete copies you no longer
need. Once opened, this page is plain text in the browser's memory: close it when you are done.</p>
</div>
{% else %}<div class="note stop" id="not-encrypted" role="note">
<p><strong>This file is not encrypted.</strong> Anyone who gets a copy can read it. It holds
pseudonyms and counts only, never names, addresses or phone numbers, but the pseudonyms, the routes
and the towns describe your network. Keep it on an encrypted device, share it only with people who
need it and only over channels you trust, and delete copies you no longer need.</p>
<p>It opens in any browser without an internet connection and makes no connection of its own.
<code>tipoff report --passphrase</code> writes a copy that opens only with a passphrase.</p>
</div>{% endif %}
</header>

{#- The numbered sections, in order: the contents and the headings are both drawn from this list,
    so their numbers cannot drift apart. "In short" comes first, unnumbered. -#}
{%- set sections = [
    ("glance", "The scenario at a glance"),
    ("season", "The season"),
    ("exposure", "Where deliveries are exposed"),
    ("hardening", "Changing the procedure"),
    ("attribution", "Which intermediaries to tell less"),
    ("methods", "Methods and provenance"),
] -%}
{%- macro heading(key) -%}
{%- for k, title in sections -%}{%- if k == key %}<h2>{{ loop.index }}. {{ title }}</h2>{% endif -%}{%- endfor -%}
{%- endmacro -%}
<nav class="noprint" aria-label="Contents"><strong>Contents</strong>
<p class="toc-lead"><a href="#in-short">In short</a></p>
<ol>
{% for k, title in sections %}<li><a href="#{{ k }}">{{ title }}</a></li>
{% endfor %}</ol></nav>

<section id="in-short">
<h2>In short</h2>
<ul class="short">
<li>{{ s.summary }}</li>
<li>{{ e.advice }}</li>
<li>{{ h.headline }}</li>
{% if a %}<li>{% if a.thin_evidence %}<strong>Thin evidence.</strong> {{ a.thin_evidence }} {% endif %}{{ a.flagged }} Evidence, not accusation: route around, never confront.</li>{% endif %}
</ul>
</section>

<section id="glance">
{{ heading("glance") }}
{% if g.description %}<p>{{ g.description }}</p>{% endif %}
<p>{% for what, n in g.counts %}{{ n }} {{ what }}{{ ", " if not loop.last else "." }}{% endfor %}
Season of {{ g.horizon_days }} days; amounts in {{ g.currency }}.</p>
{{ figure("chart-network") }}
{% for note in g.network.notes %}<p class="small">{{ note }}</p>{% endfor %}
<h3>What people do today: the procedure</h3>
<ol id="procedure">
{% for step in g.steps %}<li>{{ step.text }}
{% if step.avoided > 0.005 %}<span class="small">Dropping this step would avoid about {{ "%.2f"|format(step.avoided) }} expected interceptions.</span>
{% else %}<span class="small">Dropping this step alone would avoid nothing: what it tells is told elsewhere too, told too late for a tip, or told to someone who cannot be coerced.</span>{% endif %}</li>
{% endfor %}</ol>
<p>{{ g.handover }}</p>
<h3>What the security service does: the operation</h3>
<ul>{% for line in g.operation %}<li>{{ line }}</li>{% endfor %}</ul>
</section>

<section id="season">
{{ heading("season") }}
<p>{{ s.summary }}</p>
{{ figure("chart-deliveries") }}
{{ figure("chart-arrests") }}
<h3>Season totals</h3>
<table id="totals"><thead><tr><th>per season</th><th class="num">mean</th><th class="num">95% of seasons</th></tr></thead>
<tbody>{% for t in s.totals %}<tr><td>{{ t.label }}{% if t.money %} ({{ g.currency }}){% endif %}</td>
<td class="num">{{ ("{:,.0f}" if t.money else "{:.1f}").format(t.mean) }}</td>
<td class="num">{{ "{:,.0f}".format(t.lo) }} to {{ "{:,.0f}".format(t.hi) }}</td></tr>
{% endfor %}</tbody></table>
<h3>Arrests by role and place</h3>
{% if s.places %}{{ figure("chart-places") }}{% else %}<p>No arrests in the simulated seasons.</p>{% endif %}
<h3>Interceptions by cause</h3>
{{ figure("chart-causes") }}
</section>

<section id="exposure">
{{ heading("exposure") }}
<p>{{ e.summary }}</p>
<div class="note ok"><p><strong>What to change first.</strong> {{ e.advice }}</p></div>
<h3>Steps of the procedure that drive it</h3>
{{ figure("chart-steps") }}
<ol class="small">{% for step in g.steps %}<li>{{ step.text }}</li>{% endfor %}</ol>
<h3>Roles that drive it</h3>
{{ figure("chart-roles") }}
<h3>The most exposed deliveries</h3>
<p class="small">By route, not by family: the sender, relay and courier pseudonyms and the family's
town. "Main step": the step whose removal helps this delivery most. "One position enough": a party
who, if it alone were an informant, would already give a catch of 50% or more; a position to tell
less, not a suspect.</p>
<div class="wide"><table id="most-exposed"><thead><tr><th>delivery</th><th>route</th><th>hand-over</th><th class="num">day</th>
<th class="num">P(intercepted)<br>per delivery</th><th class="num">main step</th><th>one position enough</th></tr></thead>
<tbody>{% for x in e.deliveries %}<tr><td>{{ x.id }}</td>
<td class="route">{{ ([x.sender] + x.relays|list + [x.courier])|join(" → ") }} → family in {{ x.town }}</td>
<td>{{ x.mode }}</td><td class="num">{{ x.day }}</td><td class="num">{{ "%.3f"|format(x.p_intercept) }}</td>
<td class="num">{{ x.main_step if x.main_step is not none else "-" }}</td>
<td>{{ x.alone|join(", ") or "-" }}</td></tr>
{% endfor %}</tbody></table></div>
</section>

<section id="hardening">
{{ heading("hardening") }}
<p>{{ h.baseline }}</p>
<div class="note ok" id="recommendation">{% for line in h.recommendation %}<p>{% if loop.first %}<strong>{{ line }}</strong>{% else %}{{ line }}{% endif %}</p>{% endfor %}</div>
{{ figure("chart-options") }}
<div class="wide"><table id="options"><thead><tr><th class="num">#</th><th>plan</th><th class="num">P(intercepted)<br>per delivery</th>
<th>cost per delivery</th><th class="num">arrests a season (vs today)</th></tr></thead>
<tbody>{% for o in h.options %}<tr{% if o.recommended %} class="rec"{% endif %}><td class="num">{{ o.number }}</td>
<td>{% if o.number == 0 %}today's procedure{% else %}{{ o.titles|join(" + ") }}{% endif %}
{% if o.recommended %}<strong>(recommended)</strong>{% endif %}{% if not o.within_budget %} <span class="small">(over budget)</span>{% endif %}
{% if o.measures %}<br><span class="small">{{ o.measures|join(" + ") }}</span>{% endif %}</td>
<td class="num">{{ "%.3f"|format(o.p_intercept) }}</td><td>{{ o.cost }}</td><td class="num">{{ o.arrests }}</td></tr>
{% endfor %}</tbody></table></div>
<p class="small">Arrests: couriers and family members a season in the simulator, with the run-by-run
difference from today's procedure and its standard error. {{ h.search }}</p>
</section>

<section id="attribution">
{{ heading("attribution") }}
{% if a %}
<div class="note stop" id="caveat"><p><strong>Evidence, not accusation.</strong> {{ a.caveat }}</p>
<p>{{ a.never }}</p></div>
<p>{{ a.summary }} Log: <code>{{ a.source }}</code>; method {{ a.method }}.</p>
{% if a.thin_evidence %}<div class="note" id="thin-evidence"><p><strong>Thin evidence.</strong> {{ a.thin_evidence }}</p></div>{% endif %}
{% if a.parties %}
{{ figure("chart-attribution") }}
<div class="wide"><table id="parties"><thead><tr><th class="num">#</th><th>party</th><th>role</th><th class="num">P(leaks)</th>
<th class="num">90% range</th><th class="num">informant</th><th class="num">traced</th><th class="num">prior</th><th class="num">could expose</th>
<th class="num">lost</th><th class="num">due to it</th></tr></thead>
<tbody>{% for p in a.parties %}<tr><td class="num">{{ loop.index }}</td><td class="id">{{ p.id }}</td><td>{{ p.role }}</td>
<td class="num">{{ pct(p.p) }}</td><td class="num">{{ pct_range(p.lo, p.hi) }}</td><td class="num">{{ pct(p.p_informant) }}</td><td class="num">{{ pct(p.p_traced) }}</td><td class="num">{{ pct(p.prior) }}</td>
<td class="num">{{ p.exposures }}</td><td class="num">{{ p.lost }}</td><td class="num">{{ "%.1f"|format(p.due) }}</td></tr>
{% endfor %}</tbody></table></div>
<p class="small">P(leaks): the probability that what the party is told reaches the service by the end
of the log, with the range it spans over the unknown rates, and the scenario's prior before the log;
informant and traced split it by cause (traced: the service learned of the party through a family
arrested at one of its deliveries; the party is then in danger itself, not an informant). Could expose:
logged deliveries with a known outcome that the party could have exposed; lost: of them
intercepted; due to it: interceptions expected to be due to it.</p>
{% else %}<p>No party the procedure tells something could have exposed these deliveries: the log says nothing about informants.</p>{% endif %}
<p id="false-alarms">{{ a.flagged }}</p>
{% for line in a.causes %}<p class="cause">{{ line }}</p>{% endfor %}
{% for line in a.indistinguishable %}<p>{{ line }}</p>{% endfor %}
<p>{{ a.learned }}</p>
<div class="note ok"><p>{{ a.advice }}</p></div>
{% for line in a.warnings %}<p class="small">Warning: {{ line }}</p>{% endfor %}
{% else %}
<p>No incident log was given, so this report attributes nothing. With a log of past deliveries
(<code>tipoff report --log LOG</code>), this section gives, for each intermediary the procedure tells
something, the probability that what it is told reaches the service, split by cause, as evidence
for whom to tell less and whom to warn.</p>
{% endif %}
</section>

{% if d.calibration %}{% set c = d.calibration %}
<section id="calibration">
<h2>Calibration: what the reports say about the operation</h2>
<p>The operation's unknown parameters were inferred from reported counts (<code>tipoff calibrate</code>);
every season above takes them from a draw of that posterior, so its ranges include what is not known.
A model fitted to a few anonymous reports is a statement about the model, not proof about the world.</p>
<div class="wide"><table id="calibration-unknowns"><thead><tr><th>unknown</th><th class="num">prior: median (90%)</th>
<th class="num">posterior: median (90%)</th></tr></thead>
<tbody>{% for u in c.unknowns %}<tr><td>{{ u[0] }}</td><td class="num">{{ u[1] }}</td><td class="num">{{ u[2] }}</td></tr>
{% endfor %}</tbody></table></div>
<div class="wide"><table id="calibration-check"><thead><tr><th>report</th><th class="num">reported</th>
<th class="num">probability under the posterior</th><th class="num">under the hand-set values</th></tr></thead>
<tbody>{% for p in c.predictive %}<tr><td>{{ p[0] }}</td><td class="num">{{ p[1] }}</td><td class="num">{{ p[2] }}</td><td class="num">{{ p[3] }}</td></tr>
{% endfor %}</tbody></table></div>
<p>{{ c.sentence }}</p>
<p class="small">{{ c.convergence }} {{ c.provenance }}</p>
</section>
{% endif %}

<section id="methods">
{{ heading("methods") }}
<dl class="kv">
<dt>tipoff version</dt><dd>{{ m.version }}</dd>
<dt>scenario</dt><dd>{{ m.scenario }} (digest <code>{{ m.scenario_digest }}</code>)</dd>
<dt>seed</dt><dd>{{ m.seed }}</dd>
{% if m.log_digest %}<dt>incident log</dt><dd>digest <code>{{ m.log_digest }}</code></dd>{% endif %}
{% for k, v in m.settings %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}
</dl>
<p class="small">The same scenario (same digest), seed, number of seasons, budget and tipoff version give the
same numbers: <code>{{ m.command }}</code>.</p>
<h3>What the numbers mean</h3>
<dl class="kv" id="glossary">{% for k, v in m.glossary %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl>
<h3>What the model cannot tell you</h3>
<ul id="limits">{% for line in m.limits %}<li>{{ line }}</li>{% endfor %}</ul>
<p class="small">{% if protected %}This file is protected by a passphrase{% else %}This file is not encrypted{% endif %}: store and share it as you would the case notes it describes.</p>
</section>
</main>
</body>
</html>
"""
