"""Cell values as plain JSON, and the one test for a missing cell.

Layers and tables hold values of many types: Python and numpy numbers, pandas ``NA``/
``NaT``, timestamps, geometries, nested lists. Everything written as JSON (GeoJSON
properties, stored edit attributes) and every "is this cell empty?" question goes through
the functions here, so all parts of the app agree on what "missing" means.

Method
------
:func:`is_missing` is a scalar test by identity and type: ``None``, ``pd.NA``, ``pd.NaT``,
a float NaN (Python or numpy, any width) and a numpy ``datetime64``/``timedelta64`` NaT are
missing; text, containers and everything else are not (an empty string is a value).
:func:`is_blank` adds text that is empty or only whitespace, for form fields and
spreadsheet cells where a blank cell and a space are the same thing to a planner.

:func:`json_value` dispatches on type, most specific first (``bool`` before ``int``,
because ``True`` is an ``int`` too), and returns only ``None``, ``bool``, ``int``,
``float`` (finite), ``str``, ``list`` and ``dict`` with text keys, so its result always
passes ``json.dumps(..., allow_nan=False)``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely

__all__ = ["is_blank", "is_missing", "json_value"]


def is_missing(value: Any) -> bool:
    """True for a missing scalar: None, NaN, NaT (pandas or numpy) or ``pd.NA``.

    Empty or blank text is *not* missing (see :func:`is_blank`); neither is ``±inf``, nor
    a list or array, whatever it holds. Never raises.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return math.isnan(value)
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(value))
    return False


def is_blank(value: Any) -> bool:
    """True when :func:`is_missing` is, and for text that is empty or only whitespace."""
    return is_missing(value) or (isinstance(value, str) and not value.strip())


def json_value(value: Any) -> Any:
    """A value as plain JSON data (None, bool, int, float, str, list, dict).

    ============================================  ===========================================
    input                                         output
    ============================================  ===========================================
    None, ``pd.NA``, NaT, NaN, ±inf               None
    bool, ``np.bool_``                            bool
    int, ``np.integer``                           int
    float, ``np.floating`` (finite)               float
    Timestamp, datetime, date, time               ISO 8601 text (``isoformat()``)
    ``np.datetime64``                             ISO 8601 text via ``pd.Timestamp``
    Timedelta, timedelta, ``np.timedelta64``      ISO 8601 duration (``P0DT0H1M0S``)
    shapely geometry                              WKT text
    bytes                                         hexadecimal text
    mapping                                       dict, keys as text, values converted
    list, tuple, ``np.ndarray``                   list, items converted
    str                                           unchanged
    anything else (Decimal, set, …)               ``str(value)``
    ============================================  ===========================================

    Numbers are not rounded and text is not escaped: that is the displaying code's job.
    """
    if is_missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.timedelta64):  # a numpy integer subtype: test before integers
        return pd.Timedelta(value).isoformat()
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).isoformat()
    if isinstance(value, (pd.Timedelta, dt.timedelta)):
        return pd.Timedelta(value).isoformat()
    if isinstance(value, shapely.Geometry):
        return value.wkt
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [json_value(v) for v in value]
    return value if isinstance(value, str) else str(value)
