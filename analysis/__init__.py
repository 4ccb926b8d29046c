"""Pure analysis functions: contiguity, floor capacity, co-location and indicators."""

__all__: list[str] = []
