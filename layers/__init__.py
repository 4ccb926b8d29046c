"""The layer model: schemas and codes, the LayerSet, scenarios and their stores."""

__all__: list[str] = []
