"""Static exposure of each delivery: docs/model.md's static semantics in closed form, or sampled."""

from tipoff._renamed import renamed as _renamed
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


__getattr__ = _renamed(__name__, {"METHODS": "EXPOSURE_METHODS"}, globals())
