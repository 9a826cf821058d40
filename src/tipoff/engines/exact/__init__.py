"""Static exposure of each delivery: MODEL.md's static semantics in closed form, or sampled."""

from tipoff.engines.exact._closed_form import catch_table, state_probabilities
from tipoff.engines.exact._compromise import PARTY, PEER, compromise_catch
from tipoff.engines.exact._deliveries import (
    RELEVANT,
    Deliveries,
    Layout,
    layout,
    model_deliveries,
    rho_on,
)
from tipoff.engines.exact._exposure import EXPOSURE_METHODS, ExposureOutput, exposure

__all__ = [
    "EXPOSURE_METHODS",
    "PARTY",
    "PEER",
    "RELEVANT",
    "Deliveries",
    "ExposureOutput",
    "Layout",
    "catch_table",
    "compromise_catch",
    "exposure",
    "layout",
    "model_deliveries",
    "rho_on",
    "state_probabilities",
]


def __getattr__(name: str) -> object:
    """Names kept for a while after a rename, with a DeprecationWarning."""
    if name == "METHODS":
        import warnings

        warnings.warn(
            "tipoff.engines.exact.METHODS is deprecated: use EXPOSURE_METHODS (one name per meaning across tipoff)",
            DeprecationWarning,
            stacklevel=2,
        )
        return EXPOSURE_METHODS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
