"""The defender's incident log (what a defender can see) and, separately, a run's ground truth."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from tipoff.engines import RunRecord
from tipoff.errors import UsageError
from tipoff.results._io import Encryption, write_text_atomic
from tipoff.results._log_columns import FAMILY_COLUMN

__all__ = [
    "LOG_COLUMNS",
    "incident_log_text",
    "truth_document",
    "write_incident_log",
    "write_truth",
]

#: Columns of the incident log, in order (docs/model.md, "The defender's incident log").
LOG_COLUMNS = ("delivery", "day", "sender", "relays", "courier", "recipient", "mode", "outcome")


def incident_log_text(record: RunRecord, /, *, fmt: str = "csv", family: bool = True) -> str:
    """The incident log of a recorded run as CSV (``relays`` joined by ``;``) or JSON lines.

    It holds only what the defender sees: no informant, no cause, no ground truth. With
    ``family`` (the default) a last column ``family_arrested`` says, for each intercepted
    delivery, whether a family member was arrested with the courier (``yes``/``no``; empty for
    a delivery that was not intercepted): defenders usually learn it, and attribution uses it.
    """
    arrested = {t["delivery"]: bool(t.get("family_arrested")) for t in record.truth}
    columns = (*LOG_COLUMNS, FAMILY_COLUMN) if family else LOG_COLUMNS
    rows = []
    for row in record.deliveries:
        r = {k: row[k] for k in LOG_COLUMNS}
        if family:
            r[FAMILY_COLUMN] = (
                arrested.get(row["delivery"], False) if row["outcome"] == "intercepted" else None
            )
        rows.append(r)
    if fmt == "jsonl":
        return "".join(
            json.dumps({k: v for k, v in r.items() if v is not None}, separators=(",", ":")) + "\n"
            for r in rows
        )
    if fmt != "csv":
        raise UsageError(f"unknown log format {fmt!r} (csv or jsonl)")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        out = {**r, "relays": ";".join(r["relays"])}
        if family:
            f = r[FAMILY_COLUMN]
            out[FAMILY_COLUMN] = "" if f is None else ("yes" if f else "no")
        writer.writerow(out)
    return buf.getvalue()


def write_incident_log(
    record: RunRecord, path: str | os.PathLike[str], /, *, encryption: Encryption | None = None
) -> Path:
    """Write the incident log atomically; ``.jsonl`` writes JSON lines, anything else CSV.

    With ``encryption`` the file is age-encrypted in memory and ``.age`` added to its name;
    returns the path written.
    """
    fmt = "jsonl" if str(path).removesuffix(".age").endswith((".jsonl", ".ndjson")) else "csv"
    return write_text_atomic(path, incident_log_text(record, fmt=fmt), encryption=encryption)


def truth_document(record: RunRecord, /, *, provenance: dict[str, Any]) -> dict[str, Any]:
    """The recorded run's ground truth, for evaluating attribution only: never give it to a model."""
    return {
        "warning": "Ground truth of a simulated run, for evaluation only. Not for any real network.",
        "run": record.run,
        "informants": record.informants,
        "traced_relays": record.traced_relays,
        "deliveries": record.truth,
        "provenance": provenance,
    }


def write_truth(
    record: RunRecord,
    path: str | os.PathLike[str],
    /,
    *,
    provenance: dict[str, Any],
    encryption: Encryption | None = None,
) -> Path:
    """Write the ground truth as JSON, atomically (age-encrypted with ``encryption``)."""
    doc = truth_document(record, provenance=provenance)
    return write_text_atomic(path, json.dumps(doc, indent=2) + "\n", encryption=encryption)
