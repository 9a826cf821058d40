"""Every security test runs with its own empty settings file (never the user's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def own_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "settings" / "config.toml"
    monkeypatch.setenv("TIPOFF_CONFIG", str(path))
    monkeypatch.delenv("TIPOFF_IDENTITY", raising=False)
    yield path
