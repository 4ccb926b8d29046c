"""Editor-table cells as YAML-like values, before the standards validator checks them.

Method: a missing cell (:func:`geo.values.is_missing`) becomes None and numpy scalars the
Python scalar of the same kind; strings, lists and mappings pass through unchanged.
Unlike :func:`geo.values.json_value` an infinite number is kept, so that the validator can
say "not a finite number" rather than "missing".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geo.values import is_missing

__all__ = ["plain"]


def plain(value: Any) -> Any:
    """A table cell as a YAML-like value: NaN/NA → None, numpy scalars → Python."""
    if is_missing(value):
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
