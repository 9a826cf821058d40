"""The report: one offline HTML file that an NGO worker can read without help (presentation only).

``build_report`` runs the analyses and gathers plain values (:class:`ReportData`); ``render_html``
lays them out with Jinja2 and Plotly; ``write_report`` writes the page atomically. The plain-language
sentences live here too, so that the report and the CLI say the same things in the same words.

>>> from tipoff.report import build_report, render_html, write_report
"""

from tipoff.report._build import build_report
from tipoff.report._data import (
    AttributionSection,
    ExposureSection,
    Glance,
    HardeningSection,
    Methods,
    NetworkDiagram,
    ReportData,
    SeasonSection,
)
from tipoff.report._network import network_diagram
from tipoff.report._protect import PBKDF2_ITERATIONS, protect_html
from tipoff.report._render import CONTENT_SECURITY_POLICY, render_html, write_report
from tipoff.report._sweep import render_sweep_html, write_sweep_plot
from tipoff.report._words import (
    ATTRIBUTION_ADVICE,
    ATTRIBUTION_CAVEAT,
    ATTRIBUTION_NEVER,
    CAUSE_WORDS,
    GLOSSARY,
    STATUS_WORDS,
    arrests_cell,
    cost_text,
    glossary,
    hardening_baseline,
    hardening_recommendation,
    season_sentence,
    step_sentence,
)

__all__ = [
    "ATTRIBUTION_ADVICE",
    "ATTRIBUTION_CAVEAT",
    "ATTRIBUTION_NEVER",
    "CAUSE_WORDS",
    "CONTENT_SECURITY_POLICY",
    "GLOSSARY",
    "PBKDF2_ITERATIONS",
    "STATUS_WORDS",
    "AttributionSection",
    "ExposureSection",
    "Glance",
    "HardeningSection",
    "Methods",
    "NetworkDiagram",
    "ReportData",
    "SeasonSection",
    "arrests_cell",
    "build_report",
    "cost_text",
    "glossary",
    "hardening_baseline",
    "hardening_recommendation",
    "network_diagram",
    "protect_html",
    "render_html",
    "render_sweep_html",
    "season_sentence",
    "step_sentence",
    "write_report",
    "write_sweep_plot",
]
