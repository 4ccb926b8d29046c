"""Cell-level helpers shared by the standards modules: the null test and the plain-value
converter.

Method: a value is null when it is None, ``pd.NA``, ``pd.NaT`` or a float NaN; a table cell
becomes a YAML-like value by mapping null to None and numpy scalars to the Python scalar of
the same kind. Strings, lists and mappings pass through unchanged.

These two are the standards package's private copies of the general "missing value" test
and "JSON value" conversion that ``geo.values`` (``is_missing``, ``json_value``) provides
for the whole product; they are kept in this one module so that the standards can switch to
the shared ones in a single place.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["is_null", "plain"]


def is_null(value: Any) -> bool:
    """Whether ``value`` is empty: None, ``pd.NA``, ``pd.NaT`` or a float NaN."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def plain(value: Any) -> Any:
    """A table cell as a YAML-like value: NaN/NA → None, numpy scalars → Python."""
    if is_null(value):
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
