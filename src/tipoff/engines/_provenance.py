"""How an engine result was made: method, seed, scenario digest, version and options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tipoff._version import __version__

__all__ = ["Provenance"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Enough to reproduce a result bit for bit: same scenario (digest), method, seed, options."""

    method: str
    seed: int | None
    scenario: str
    scenario_digest: str
    version: str = __version__
    options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "seed": self.seed,
            "scenario": self.scenario,
            "scenario_digest": self.scenario_digest,
            "version": self.version,
            "options": dict(self.options),
        }
