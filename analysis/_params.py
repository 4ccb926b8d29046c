"""Checking the parameters an analysis is called with: numbers (tolerances, targets, limits)
and lists of codes (statuses, land uses).

One rule for every analysis: a parameter must be a real number (not a bool), finite, and
not below zero — or above zero where zero makes no sense (``strict``). A bad one is a
bilingual :class:`~geo.errors.InputError` naming the parameter in Chinese and English.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from geo.errors import InputError
from layers.schema import CodeList

__all__ = ["code_param", "number_param"]


def number_param(value: object, name: str, zh: str, *, strict: bool = False) -> float:
    """``value`` as a float ≥ 0 (``> 0`` when ``strict``), or an InputError."""
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"参数「{zh}」({name}) 应为数字，收到 {value!r}。",
            f"Parameter {name} must be a number; got {value!r}.",
        ) from exc
    too_small = number <= 0 if strict else number < 0
    if isinstance(value, bool) or not math.isfinite(number) or too_small:
        bound_zh, bound_en = ("大于 0", "> 0") if strict else ("不小于 0", "≥ 0")
        raise InputError(
            f"参数「{zh}」({name}) 应为{bound_zh}的有限数值，收到 {value!r}。",
            f"Parameter {name} must be a finite number {bound_en}; got {value!r}.",
        )
    return number


def code_param(
    values: Iterable[str] | str,
    codes: CodeList,
    name: str,
    zh: str,
    *,
    allow_empty: bool = False,
    in_code_order: bool = True,
) -> list[str]:
    """Codes, Chinese or English labels or aliases of ``codes`` as codes, each once — in
    the code list's order, or as given (``in_code_order=False``); an unknown value (or
    none, unless ``allow_empty``) is an InputError listing the allowed ones."""
    given = [values] if isinstance(values, str) else list(values)
    if not given and not allow_empty:
        raise InputError(
            f"没有选择任何{zh}，请至少选择一项。",
            f"No {name} chosen; choose at least one.",
        )
    out = [codes.normalise(v) for v in given]
    unknown = [v for v, c in zip(given, out, strict=True) if c is None]
    if unknown:
        raise InputError(
            f"无法识别的{zh}：{unknown}，可选：{'、'.join(codes.labels('zh').values())}。",
            f"Unknown {name} {unknown}; allowed codes: {', '.join(codes.codes)}.",
        )
    if not in_code_order:
        return list(dict.fromkeys(out))
    return [c for c in codes.codes if c in set(out)]
