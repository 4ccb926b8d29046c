"""Checking the number parameters an analysis is called with (tolerances, targets, limits).

One rule for every analysis: a parameter must be a real number (not a bool), finite, and
not below zero — or above zero where zero makes no sense (``strict``). A bad one is a
bilingual :class:`~geo.errors.InputError` naming the parameter in Chinese and English.
"""

from __future__ import annotations

import math

from geo.errors import InputError

__all__ = ["number_param"]


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
