"""Old public names kept for a while after a rename: they still work, with a DeprecationWarning."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["renamed"]


def renamed(
    module: str, names: Mapping[str, str], namespace: Mapping[str, Any], /
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that answers each old name of ``names`` with its new name's value.

    Parameters
    ----------
    module
        The package's ``__name__`` (for the messages).
    names
        Old name -> new name, both in ``namespace``.
    namespace
        The package's ``globals()``.

    Examples
    --------
    >>> getattr_ = renamed("pkg", {"OLD": "NEW"}, {"NEW": 1})
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     getattr_("OLD"), str(caught[0].message)
    (1, 'pkg.OLD is deprecated: use NEW (one name per meaning across tipoff)')
    """

    def __getattr__(name: str) -> Any:
        new = names.get(name)
        if new is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(
            f"{module}.{name} is deprecated: use {new} (one name per meaning across tipoff)",
            DeprecationWarning,
            stacklevel=2,
        )
        return namespace[new]

    return __getattr__
