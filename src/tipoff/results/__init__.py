"""Results: summaries with intervals and provenance, the incident log, exports, safe (and encrypted) writes."""

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
from tipoff.results._io import Encryption, encrypted_path, write_bytes_atomic, write_text_atomic
from tipoff.results._log import (
    LOG_COLUMNS,
    incident_log_text,
    truth_document,
    write_incident_log,
    write_truth,
)
from tipoff.results._log_columns import (
    FAMILY_COLUMN,
    OUTCOME_WORDS,
    parse_column_map,
    parse_season_start,
    read_column_map,
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
    "FAMILY_COLUMN",
    "HEADLINE",
    "LOG_COLUMNS",
    "MAX_LOG_BYTES",
    "OUTCOME_WORDS",
    "POSTERIOR_FORMAT",
    "Encryption",
    "IncidentLog",
    "Interval",
    "LogError",
    "LoggedDelivery",
    "Posterior",
    "SeasonSummary",
    "courier_slot",
    "daily_frame",
    "encrypted_path",
    "incident_log_text",
    "parse_column_map",
    "parse_incident_log",
    "parse_season_start",
    "posterior_document",
    "read_column_map",
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
