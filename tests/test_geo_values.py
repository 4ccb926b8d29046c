"""Cell values as plain JSON, and what counts as a missing or blank cell."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from geo.values import is_blank, is_missing, json_value


def dumps(value) -> str:
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


@pytest.mark.parametrize(
    "value",
    [
        None,
        pd.NA,
        pd.NaT,
        float("nan"),
        np.float64("nan"),
        np.float32("nan"),
        np.float16("nan"),
        np.datetime64("NaT"),
        np.timedelta64("NaT"),
    ],
)
def test_missing_values(value) -> None:
    assert is_missing(value)
    assert is_blank(value)
    assert json_value(value) is None


@pytest.mark.parametrize(
    "value",
    [0, 0.0, False, "", " ", "NaN", float("inf"), -np.inf, [], [None], np.array([np.nan]), {}],
)
def test_not_missing(value) -> None:
    assert not is_missing(value)


@pytest.mark.parametrize("value", ["", " ", "\t\n", "\u3000"])
def test_blank_text(value) -> None:
    assert is_blank(value)
    assert not is_missing(value)


@pytest.mark.parametrize("value", ["a", " 0 ", 0, False, [], float("inf")])
def test_not_blank(value) -> None:
    assert not is_blank(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (np.bool_(False), False),
        (np.int64(7), 7),
        (np.uint8(255), 255),
        (2**70, 2**70),
        (np.float32(0.5), 0.5),
        (1.25, 1.25),
        (float("inf"), None),
        (np.float64("-inf"), None),
        ("坪山 <b>", "坪山 <b>"),
        (pd.Timestamp("2024-05-01 08:30"), "2024-05-01T08:30:00"),
        (pd.Timestamp("2024-05-01 08:30", tz="Asia/Shanghai"), "2024-05-01T08:30:00+08:00"),
        (dt.datetime(2024, 5, 1, 8, 30), "2024-05-01T08:30:00"),
        (dt.date(2024, 5, 1), "2024-05-01"),
        (dt.time(8, 30), "08:30:00"),
        (np.datetime64("2024-05-01T08:30"), "2024-05-01T08:30:00"),
        (pd.Timedelta(minutes=1), "P0DT0H1M0S"),
        (dt.timedelta(seconds=90), "P0DT0H1M30S"),
        (np.timedelta64(90, "s"), "P0DT0H1M30S"),
        (Point(1, 2), "POINT (1 2)"),
        (b"\x01\xff", "01ff"),
        (decimal.Decimal("1.10"), "1.10"),
        ({1: np.int64(2), "x": [np.nan, "a"]}, {"1": 2, "x": [None, "a"]}),
        ((1, np.float64(2.5)), [1, 2.5]),
        (np.array([1, 2]), [1, 2]),
    ],
)
def test_json_value_known(value, expected) -> None:
    out = json_value(value)
    assert out == expected
    assert type(out) is type(expected)
    dumps(out)


def test_json_value_returns_python_scalars() -> None:
    assert type(json_value(np.int32(3))) is int
    assert type(json_value(np.float32(3.5))) is float
    assert type(json_value(np.bool_(True))) is bool


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(width=32).map(np.float32),
    st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.text(),
    st.datetimes(),
    st.dates(),
    st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(
        pd.Timestamp
    ),
    st.timedeltas(min_value=dt.timedelta(days=-10_000), max_value=dt.timedelta(days=10_000)),
    st.sampled_from([pd.NA, pd.NaT, np.datetime64("NaT"), np.nan]),
)
nested = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(nested)
def test_json_value_always_dumps_strictly(value) -> None:
    out = json_value(value)
    text = dumps(out)
    assert json.loads(text) == out


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_finite_floats_unchanged(x) -> None:
    assert json_value(x) == x
    assert json_value(np.float64(x)) == x


@settings(max_examples=200, deadline=None)
@given(st.floats())
def test_none_exactly_for_non_finite(x) -> None:
    assert (json_value(x) is None) == (not math.isfinite(x))
    assert is_missing(x) == math.isnan(x)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_text_unchanged_and_blank_iff_whitespace(text) -> None:
    assert json_value(text) == text
    assert is_blank(text) == (text.strip() == "")
    assert not is_missing(text)


@settings(max_examples=100, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2200, 1, 1)))
def test_timestamps_round_trip_as_iso(moment) -> None:
    assert pd.Timestamp(json_value(pd.Timestamp(moment))) == pd.Timestamp(moment)
    assert dt.datetime.fromisoformat(json_value(moment)) == moment
