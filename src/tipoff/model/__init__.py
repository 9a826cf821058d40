"""The compiled model: what engines read (indices and read-only arrays, every default resolved)."""

from tipoff.model._compile import compile_scenario, recompile_operation
from tipoff.model._compiled import (
    ADDRESS,
    COURIER_IDENTITY,
    ITEM_BIT,
    MODE_HOME,
    MODE_MEETING_POINT,
    ROLE_CODE,
    SCHEDULE,
    SIDE_CODE,
    CompiledModel,
    OperationParams,
    identity_catch,
    items_of,
    stakeout_catch,
)

__all__ = [
    "ADDRESS",
    "COURIER_IDENTITY",
    "ITEM_BIT",
    "MODE_HOME",
    "MODE_MEETING_POINT",
    "ROLE_CODE",
    "SCHEDULE",
    "SIDE_CODE",
    "CompiledModel",
    "OperationParams",
    "compile_scenario",
    "identity_catch",
    "items_of",
    "recompile_operation",
    "stakeout_catch",
]
