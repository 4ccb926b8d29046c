"""The one field validator: every check of a value against the schema, a whole column on
import or one value in a scenario edit.

Method: :func:`check_field` checks and normalises one column against its :class:`Field`
and returns every problem with its rows (:class:`FieldProblem`), repairing nothing
silently: codes by any accepted spelling; numbers finite and within bounds, text read as a
number after NFKC with thousands separators and the field's own unit only; yes/no by one
vocabulary (:func:`read_yes_no`); text stripped, a whole float as an integer
(:func:`cell_text`). :func:`normalise_value` is the same rule for one value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from geo.values import is_blank
from layers.schema._codes import CodeList
from layers.schema._headers import _UNIT_LABELS, UNIT_SPELLINGS, _fold
from layers.schema._specs import Field

__all__ = [
    "FieldProblem",
    "cell_text",
    "check_field",
    "normalise_value",
    "read_yes_no",
]


_TRUE = {"true", "1", "yes", "y", "t", "是", "真", "√", "规上", "✓"}
_FALSE = {"false", "0", "no", "n", "f", "否", "假", "", "×", "规下", "nan", "none"}


def _rows(positions: Iterable[int], limit: int = 10) -> str:
    positions = list(positions)
    shown = ", ".join(str(p + 1) for p in positions[:limit])
    more = f" … 共 {len(positions)} 行 (total {len(positions)})" if len(positions) > limit else ""
    return f"第 {shown} 行 (rows {shown}){more}"


def read_yes_no(value: object) -> bool | None:
    """A yes/no cell as a bool, or None when it is not one.

    True/False, 1/0 and the words of one vocabulary (是/否, 真/假, 规上/规下, yes/no, t/f,
    √/×, compared case-folded); a blank cell is no.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not pd.isna(value):
        return bool(value) if value in (0, 1) else None
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    key = text.strip().casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return None


def _to_bool(series: pd.Series) -> tuple[pd.Series, list[int]]:
    read = [read_yes_no(v) for v in series.to_numpy(dtype=object)]
    bad = [pos for pos, v in enumerate(read) if v is None]
    out = np.array([bool(v) for v in read], dtype=bool)
    return pd.Series(out, index=series.index), bad


def _is_blank(series: pd.Series) -> np.ndarray:
    return np.fromiter((is_blank(v) for v in series.to_numpy(dtype=object)), bool, len(series))


@dataclass(frozen=True)
class FieldProblem:
    """One kind of problem in one field: the rows (0-based) and what is wrong with them."""

    positions: tuple[int, ...]
    zh: str
    en: str

    def text(self) -> str:
        """The problem with its row numbers, Chinese first."""
        return f"{_rows(self.positions)}：{self.zh} / {self.en}"


def check_field(field: Field, values: pd.Series) -> tuple[pd.Series, list[FieldProblem]]:
    """Check and normalise one column against its schema field; the only field validator.

    Every check of a value against the schema goes through here: a whole column on import
    (:func:`validate_layer`) and one value in a scenario edit (:func:`normalise_value`).

    - codes (:class:`CodeList`): a code, its Chinese or English label or an alias → the code;
    - ``float`` / ``int``: numbers, finite, within ``[minimum, maximum]``; ``int`` also
      whole (stored as pandas ``Int64``). Text is read as a number after NFKC (full-width
      digits ``１２３``), with thousands grouped by commas or spaces (``1,234.5``,
      ``1 234``) and a trailing unit only when it is the field's own ``unit`` (``1234㎡``
      for an area, ``12.5万元`` for output; ``12.5万元`` as an area is refused). Any other
      text — another unit, ``1,23``, ``NaN`` or ``inf`` written out — is refused by row;
      so are ±inf;
    - ``bool``: True/False, 1/0 or one yes/no vocabulary (是/否, 真/假, 规上/规下, yes/no, t/f …);
    - ``str``: text, stripped; a whole float such as ``12.0`` (a number column read from a
      spreadsheet) becomes ``"12"``.

    Blank values (None, NaN, empty text) are a problem unless the field is ``nullable``
    (booleans read a blank as no); a blank stays None (NaN for numbers).

    Returns
    -------
    (Series, list of FieldProblem)
        The normalised column (same index) and every problem found, none repaired silently.
    """
    col = values.reset_index(drop=True)
    blank = _is_blank(col)
    problems: list[FieldProblem] = []
    label = f"字段「{field.name}」（{field.zh}）"
    if not field.nullable and field.kind != "bool" and blank.any():
        problems.append(
            FieldProblem(tuple(np.flatnonzero(blank)), f"{label}为空", f"'{field.name}' is empty")
        )
    if isinstance(field.kind, CodeList):
        lookup = field.kind.lookup()
        codes = [None if b else lookup.get(_fold(str(v))) for v, b in zip(col, blank, strict=True)]
        unknown = [
            i for i, (c, b) in enumerate(zip(codes, blank, strict=True)) if c is None and not b
        ]
        if unknown:
            examples = sorted({str(col.iloc[i]) for i in unknown})[:5]
            problems.append(
                FieldProblem(
                    tuple(unknown),
                    f"{label}的值 {examples} 无法识别，可用："
                    f"{'、'.join(field.kind.labels('zh').values())}",
                    f"unknown {field.name} values {examples}; allowed codes: "
                    f"{', '.join(field.kind.codes)}",
                )
            )
        out = pd.Series(codes, dtype=object)
    elif field.kind in ("float", "int"):
        numeric = _numbers(col, blank, field.unit)
        not_num = np.flatnonzero(numeric.isna().to_numpy() & ~blank)
        if len(not_num):
            examples = sorted({str(col.iloc[i]) for i in not_num})[:5]
            unit = _UNIT_LABELS.get(field.unit or "")
            unit_zh = f"（数值后只可带单位 {unit}）" if unit else ""
            unit_en = f" (the only unit a value may carry is {unit})" if unit else ""
            problems.append(
                FieldProblem(
                    tuple(not_num),
                    f"{label}不是数字 {examples}{unit_zh}",
                    f"'{field.name}' is not a number {examples}{unit_en}",
                )
            )
        infinite = np.flatnonzero(np.isinf(numeric.to_numpy()))
        if len(infinite):
            problems.append(
                FieldProblem(
                    tuple(infinite),
                    f"{label}不是有限数值（inf）",
                    f"'{field.name}' is not a finite number (inf)",
                )
            )
        finite = numeric.where(np.isfinite(numeric.to_numpy()))
        out_of_range = np.zeros(len(finite), dtype=bool)
        if field.minimum is not None:
            out_of_range |= (finite < field.minimum).to_numpy()
        if field.maximum is not None:
            out_of_range |= (finite > field.maximum).to_numpy()
        if out_of_range.any():
            problems.append(
                FieldProblem(
                    tuple(np.flatnonzero(out_of_range)),
                    f"{label}超出范围 [{field.minimum:g}, {field.maximum:g}]"
                    if field.maximum is not None
                    else f"{label}应不小于 {field.minimum:g}",
                    f"'{field.name}' out of range [{field.minimum}, {field.maximum}]",
                )
            )
        if field.kind == "int":
            non_integer = np.flatnonzero((finite.notna() & (finite % 1 != 0)).to_numpy())
            if len(non_integer):
                problems.append(
                    FieldProblem(
                        tuple(non_integer),
                        f"{label}应为整数",
                        f"'{field.name}' must be a whole number",
                    )
                )
            # Values already reported (out of range, beyond exact integers) are not cast.
            castable = ~out_of_range & (finite.abs() < 2.0**53).to_numpy()
            out = finite.where(castable).round().astype("Int64")
        else:
            out = finite
    elif field.kind == "bool":
        out, bad = _to_bool(col)
        if bad:
            problems.append(
                FieldProblem(tuple(bad), f"{label}应为 是/否", f"'{field.name}' must be yes/no")
            )
    else:
        text = col.astype(object).where(~blank, None)
        out = text.map(lambda v: None if v is None else cell_text(v)).astype(object)
    out.index = values.index
    return out, problems


#: A number as text after folding: digits, one optional point, an optional exponent.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?", re.ASCII)
#: Thousands grouped by one separator, comma or space, throughout: 1,234,567.5 / 1 234.
_GROUPED = re.compile(r"[+-]?\d{1,3}(?P<sep>[, ])\d{3}(?:(?P=sep)\d{3})*(?:\.\d+)?", re.ASCII)
_INFINITE = {
    sign + word: (-np.inf if sign == "-" else np.inf)
    for sign in ("", "+", "-")
    for word in ("inf", "infinity")
}


def _number_from_text(text: str, unit: str | None) -> float:
    """A number written as text, or NaN when the text is not one (see :func:`check_field`)."""
    folded = unicodedata.normalize("NFKC", text).strip().casefold().replace("\u2212", "-")
    for spelling in sorted(UNIT_SPELLINGS.get(unit or "", ()), key=len, reverse=True):
        if folded.endswith(spelling) and len(folded) > len(spelling):
            folded = folded[: -len(spelling)].rstrip()
            break
    if folded in _INFINITE:
        return _INFINITE[folded]
    if _GROUPED.fullmatch(folded):
        folded = folded.replace(",", "").replace(" ", "")
    return float(folded) if _NUMBER.fullmatch(folded) else np.nan


def _number(value: object, unit: str | None) -> float:
    if isinstance(value, (bool, np.bool_)):
        return np.nan
    if isinstance(value, str):
        return _number_from_text(value, unit)
    if isinstance(value, (int, float, np.integer, np.floating, Decimal)):
        try:
            return float(value)
        except OverflowError:  # an integer beyond float range: reported as not finite
            return np.inf if value > 0 else -np.inf
    return np.nan


def _numbers(col: pd.Series, blank: np.ndarray, unit: str | None) -> pd.Series:
    """A column of numbers as floats: NaN where blank or not a number, ±inf kept."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return pd.to_numeric(col, errors="coerce").astype(float)
    values = col.to_numpy(dtype=object)
    parsed = [np.nan if b else _number(v, unit) for v, b in zip(values, blank, strict=True)]
    return pd.Series(np.asarray(parsed, dtype=float), index=col.index)


def normalise_value(field: Field, value: object) -> object:
    """One value checked and normalised by :func:`check_field`, as a plain Python value.

    Raises
    ------
    ValueError
        With every problem, Chinese first (the caller adds which field and row).
    """
    out, problems = check_field(field, pd.Series([value], dtype=object))
    if problems:
        raise ValueError("；".join(f"{p.zh} / {p.en}" for p in problems))
    result = out.iloc[0]
    if result is None or result is pd.NA or (isinstance(result, float) and np.isnan(result)):
        return None
    if isinstance(result, np.bool_ | bool):
        return bool(result)
    if isinstance(result, np.integer):
        return int(result)
    if isinstance(result, np.floating):
        return float(result)
    return result


def cell_text(value: object) -> str:
    """A cell as text, stripped; a whole float (``12.0``, a spreadsheet number) as ``"12"``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
