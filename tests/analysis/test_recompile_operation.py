"""recompile_operation gives compile_scenario's model when only operation parameters change."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tipoff.model import compile_scenario, recompile_operation
from tipoff.scenario import load_preset, with_params


@pytest.mark.parametrize("preset", ["classroom", "north-hamgyong-spring"])
def test_same_model_as_a_full_compile(preset: str) -> None:
    base = load_preset(preset)
    new = with_params(
        base,
        {
            "operation.recruitment.initial": 0.31,
            "operation.recruitment.daily_hazard": 0.004,
            "operation.harvest.community": 0.45,
            "operation.background": 0.02,
        },
    )
    fast = recompile_operation(compile_scenario(base), new)
    full = compile_scenario(new)
    for f in dataclasses.fields(full):
        a, b = getattr(fast, f.name), getattr(full, f.name)
        if isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=f.name)
        else:
            assert a == b, f.name
