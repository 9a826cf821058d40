"""Results: summaries with intervals and provenance, the incident log, exports, safe writes."""

from tipoff.results._export import daily_frame, totals_frame, write_table
from tipoff.results._incident_log import (
    MAX_LOG_BYTES,
    IncidentLog,
    LogError,
    LoggedDelivery,
    courier_slot,
    parse_incident_log,
    read_incident_log,
)
from tipoff.results._io import write_bytes_atomic, write_text_atomic
from tipoff.results._log import (
    LOG_COLUMNS,
    incident_log_text,
    truth_document,
    write_incident_log,
    write_truth,
)
from tipoff.results._posterior import (
    POSTERIOR_FORMAT,
    Posterior,
    posterior_document,
    read_posterior,
    write_posterior,
)
from tipoff.results._summary import HEADLINE, Interval, SeasonSummary, summarize

__all__ = [
    "HEADLINE",
    "LOG_COLUMNS",
    "MAX_LOG_BYTES",
    "POSTERIOR_FORMAT",
    "IncidentLog",
    "Interval",
    "LogError",
    "LoggedDelivery",
    "Posterior",
    "SeasonSummary",
    "courier_slot",
    "daily_frame",
    "incident_log_text",
    "parse_incident_log",
    "posterior_document",
    "read_incident_log",
    "read_posterior",
    "summarize",
    "totals_frame",
    "truth_document",
    "write_bytes_atomic",
    "write_incident_log",
    "write_posterior",
    "write_table",
    "write_text_atomic",
    "write_truth",
]
