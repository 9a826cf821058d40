"""Analysis on top of engine results: exposure contributions, attribution, hardening. No I/O."""

__all__: list[str] = []
