"""Export summaries to pandas, CSV and Parquet (optional extra: ``pip install tipoff[export]``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tipoff.errors import UsageError
from tipoff.results._io import Encryption, write_bytes_atomic, write_text_atomic
from tipoff.results._summary import SeasonSummary

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["daily_frame", "totals_frame", "write_table"]


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:  # pragma: no cover - depends on the environment
        raise UsageError("tables need pandas: pip install 'tipoff[export]'") from None
    return pandas


def totals_frame(summary: SeasonSummary, /) -> pd.DataFrame:
    """One row per season total: metric, mean, lo, hi, stderr."""
    pd = _pandas()
    return pd.DataFrame([{"metric": k, **v.to_dict()} for k, v in summary.totals.items()])


def daily_frame(summary: SeasonSummary, /) -> pd.DataFrame:
    """One row per day and metric: day, metric, mean, lo, hi."""
    pd = _pandas()
    rows = []
    for name, mean in summary.daily_mean.items():
        for day, m in enumerate(mean):
            rows.append(
                {
                    "day": day,
                    "metric": name,
                    "mean": float(m),
                    "lo": float(summary.daily_lo[name][day]),
                    "hi": float(summary.daily_hi[name][day]),
                }
            )
    return pd.DataFrame(rows)


def write_table(
    frame: pd.DataFrame, path: str | os.PathLike[str], /, *, encryption: Encryption | None = None
) -> Path:
    """Write a frame as ``.csv`` or ``.parquet`` (by the file's suffix), atomically.

    With ``encryption`` the file is age-encrypted in memory and ``.age`` added to its name;
    returns the path written.
    """
    name = str(path).removesuffix(".age")
    if name.endswith(".csv"):
        return write_text_atomic(path, frame.to_csv(index=False), encryption=encryption)
    elif name.endswith(".parquet"):
        try:
            import pyarrow  # noqa: F401
        except ImportError:  # pragma: no cover
            raise UsageError("Parquet needs pyarrow: pip install 'tipoff[export]'") from None
        return write_bytes_atomic(path, frame.to_parquet(index=False), encryption=encryption)
    else:
        raise UsageError(f"unknown table format for {name!r}: use .csv or .parquet")
