"""Dotted-path parameters: checked against the schema, changed with validation."""

import pytest

from tipoff.errors import ScenarioError, UsageError
from tipoff.scenario import load_preset, param_info, param_paths, with_params


def test_paths_cover_operation_knobs():
    paths = param_paths()
    for p in (
        "operation.recruitment.initial",
        "operation.recruitment.daily_hazard",
        "operation.harvest.community",
        "operation.relay.success",
        "operation.background",
        "operation.tracing",
        "horizon_days",
        "operation.response.capacity_per_day",
    ):
        assert p in paths
    assert "name" not in paths and "parties" not in paths


def test_info_bounds_and_kind():
    info = param_info("operation.relay.delay_days")
    assert info.kind is int and info.lower == 0 and info.upper == 365
    assert param_info("operation.background").upper == 1.0


def test_unknown_path_suggests():
    with pytest.raises(UsageError, match=r"did you mean operation\.recruitment\.initial"):
        param_info("operation.recruitment.intial")
    with pytest.raises(UsageError):
        param_info("operation.recruitment")  # a section, not a number


def test_with_params_validates():
    base = load_preset("classroom")
    changed = with_params(base, {"operation.recruitment.initial": 0.2, "horizon_days": 30})
    assert changed.operation.recruitment.initial == 0.2 and changed.horizon_days == 30
    assert base.operation.recruitment.initial != 0.2 or base.horizon_days != 30
    with pytest.raises(ScenarioError, match=r"operation\.recruitment\.initial"):
        with_params(base, {"operation.recruitment.initial": 5.0})
    with pytest.raises(ScenarioError, match="address_only"):
        with_params(
            base,
            {
                "operation.response.catch.address_only": 1.0,
                "operation.response.catch.address_and_schedule": 0.5,
            },
        )
