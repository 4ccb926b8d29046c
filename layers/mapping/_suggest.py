"""Proposals: which file column is which field, and which file value is which code.

Method
------
- **Columns** (:func:`suggest_mapping`). First by header, with the schema's one header rule
  (:func:`layers.schema.match_headers`). Then, for code and yes/no fields still without a
  column, by the values: a column whose non-blank cells are at least :data:`VALUE_SHARE`
  recognisable — as codes by :func:`suggest_value_mapping`, as yes/no by
  :func:`layers.schema.read_yes_no` — is proposed; the best share wins, then the larger
  share of exact code/label/alias matches, then a required field before an optional one,
  then schema order, then header text. A column serves one field at most; no rule depends
  on the order of the columns.
- **Values** (:func:`suggest_value_mapping`), for each distinct file value of a code field:
  an exact code, label or alias; else the content of a trailing bracket, then the text
  before it (工业用地(M1) → ``M1``); else the one code whose label or alias the value
  contains, where a term found inside a longer term found at the same place counts as the
  longer one (新能源汽车零部件 → ``car``, not ``energy``), Latin terms only as whole
  words, and a value more than :data:`CONTAINMENT_EXTRA_CHARS` longer than the term (a
  company name) matches nothing; two codes contained, or none, give None: the planner
  chooses.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.errors import InputError
from geo.values import is_blank
from layers.schema import (
    LAYER_KINDS,
    LAYER_SPECS,
    CodeList,
    Field,
    LayerSpec,
    cell_text,
    match_headers,
    read_yes_no,
    split_header,
)

__all__ = [
    "CONTAINMENT_EXTRA_CHARS",
    "VALUE_SHARE",
    "suggest_mapping",
    "suggest_value_mapping",
]


#: Smallest share of a column's non-blank cells that must be recognisable for the column
#: to be proposed for a code or yes/no field by its values.
VALUE_SHARE = 0.8
#: A value longer than the label it contains by more than this many characters is not
#: matched by containment (it is a name or a sentence, not a category).
CONTAINMENT_EXTRA_CHARS = 6


def _spec(kind: str) -> LayerSpec:
    if kind not in LAYER_SPECS:
        raise InputError(
            f"未知的图层类型「{kind}」，可选：{', '.join(LAYER_KINDS)}。",
            f"Unknown layer kind '{kind}'; expected one of {', '.join(LAYER_KINDS)}.",
        )
    return LAYER_SPECS[kind]


def _headers(frame: pd.DataFrame) -> list[Any]:
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    return [c for c in frame.columns if c != geometry]


def _spaced(text: object) -> str:
    """NFKC, case-folded, runs of spaces, underscores and hyphens as one space."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"[\s_\-]+", " ", folded).strip()


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _contained_code(value: str, codes: CodeList) -> str | None:
    """The one code whose label or alias ``value`` contains (see the module docstring)."""
    hay = _spaced(value)
    found: list[tuple[int, int, str]] = []
    for code in codes.values:
        for term in {_spaced(t) for t in (code.code, code.zh, code.en, *code.aliases)}:
            if len(term) < 2:
                continue
            start = hay.find(term)
            while start >= 0:
                end = start + len(term)
                whole = not (
                    (_is_word_char(term[0]) and start > 0 and _is_word_char(hay[start - 1]))
                    or (_is_word_char(term[-1]) and end < len(hay) and _is_word_char(hay[end]))
                )
                if whole:
                    found.append((start, end, code.code))
                start = hay.find(term, start + 1)
    # A match lying inside a longer one (新能源 in 新能源汽车) counts as the longer one.
    kept = [
        (s, e, c)
        for s, e, c in found
        if not any(s2 <= s and e <= e2 and (e2 - s2) > (e - s) for s2, e2, _ in found)
    ]
    chosen = {c for _, _, c in kept}
    if len(chosen) != 1:
        return None
    longest = max(e - s for s, e, _ in kept)
    if len(hay) - longest > CONTAINMENT_EXTRA_CHARS:
        return None
    return chosen.pop()


def _propose_code(value: str, codes: CodeList) -> tuple[str | None, bool]:
    """The proposed code for one file value and whether it matched exactly."""
    exact = codes.normalise(value)
    if exact is not None:
        return exact, True
    base, inner = split_header(value)
    for part in (inner, base):
        if part:
            code = codes.normalise(part)
            if code is not None:
                return code, False
    return _contained_code(value, codes), False


def _require_codes(field_: Field) -> CodeList:
    if not isinstance(field_.kind, CodeList):
        raise InputError(
            f"字段「{field_.name}」（{field_.zh}）不是代码字段，无需对应取值。",
            f"Field '{field_.name}' is not a code field; its values need no mapping.",
        )
    return field_.kind


def suggest_value_mapping(values: Iterable[object], field: Field) -> dict[str, str | None]:
    """Each distinct non-blank file value (as text, :func:`~layers.schema.cell_text`) → the
    code proposed for it, or None where the planner must choose.

    Parameters
    ----------
    values : iterable
        The cells of the file column (a Series, a list).
    field : Field
        A code field (its ``kind`` a :class:`~layers.schema.CodeList`).

    Raises
    ------
    InputError
        When ``field`` is not a code field.
    """
    codes = _require_codes(field)
    out: dict[str, str | None] = {}
    for value in values:
        if is_blank(value):
            continue
        key = cell_text(value)
        if key not in out:
            out[key] = _propose_code(key, codes)[0]
    return out


def _value_fit(cells: list[object], field_: Field) -> tuple[float, float]:
    """Share of ``cells`` (non-blank) recognisable as ``field_``'s values, and share exact."""
    if isinstance(field_.kind, CodeList):
        counts: dict[str, int] = {}
        for v in cells:
            key = cell_text(v)
            counts[key] = counts.get(key, 0) + 1
        known = exact = 0
        for key, n in counts.items():
            code, is_exact = _propose_code(key, field_.kind)
            known += n if code is not None else 0
            exact += n if is_exact else 0
    else:  # bool
        known = exact = sum(read_yes_no(v) is not None for v in cells)
    return known / len(cells), exact / len(cells)


def suggest_mapping(frame: pd.DataFrame, kind: str) -> dict[str, str | None]:
    """Every field of ``LAYER_SPECS[kind]`` → the file column proposed for it, or None.

    Headers first (:func:`layers.schema.match_headers`), then values for code and yes/no
    fields (see the module docstring). The geometry column is never proposed.
    """
    spec = _spec(kind)
    headers = _headers(frame)
    chosen: dict[str, Any] = match_headers(spec, headers)
    used = set(chosen.values())
    candidates = []
    for order, f in enumerate(spec.fields):
        if f.name in chosen or not (isinstance(f.kind, CodeList) or f.kind == "bool"):
            continue
        for header in headers:
            if header in used:
                continue
            cells = [v for v in frame[header].to_numpy(dtype=object) if not is_blank(v)]
            if not cells:
                continue
            share, exact = _value_fit(cells, f)
            if share >= VALUE_SHARE:
                candidates.append(((-share, -exact, not f.required, order, str(header)), f, header))
    for _, f, header in sorted(candidates, key=lambda c: c[0]):
        if f.name not in chosen and header not in used:
            chosen[f.name] = header
            used.add(header)
    return {f.name: chosen.get(f.name) for f in spec.fields}
