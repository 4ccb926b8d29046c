"""Text folding and header matching: how a header or a value is compared with field names,
aliases, codes and labels, and which header names which field.

Method: text is *folded* (:func:`fold_text`) — Unicode NFKC (full-width letters, digits and
brackets become half-width, ㎡ becomes m2), case-folded, spaces, underscores and hyphens
removed. A header's trailing bracket (``产值（万元）``, ``面积[㎡]``) is set apart
(:func:`split_header`); when it is a known unit (:data:`UNIT_SPELLINGS` and a list of
other units) it is the header's unit (:func:`header_unit`). :func:`match_headers` is the
one header rule: exact field name, then folded name, then folded alias, a header naming
another unit than the field's own never matching; each field and each header taken once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

import geopandas as gpd

if TYPE_CHECKING:
    from layers.schema._specs import LayerSpec

__all__ = [
    "UNIT_SPELLINGS",
    "fold_header",
    "fold_text",
    "header_unit",
    "match_headers",
    "split_header",
]


def fold_text(text: object) -> str:
    """``text`` as compared with codes, labels and headers: NFKC, case-folded, without
    spaces, underscores and hyphens (``Ｍ１`` → ``m1``, ``Low_Efficiency`` → ``lowefficiency``)."""
    folded = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"[\s_\-]+", "", folded)


_fold = fold_text


#: A trailing bracket of a header, ``(…)``, ``[…]`` or ``【…】`` (after NFKC).
_TRAILING_BRACKET = re.compile(r"^(?P<base>.*?)\s*[(\[【](?P<inner>[^()\[\]【】]*)[)\]】]\s*$")

#: Spellings of each field unit, folded (:func:`fold_text`; ㎡ and m² fold to ``m2``).
UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "m2": ("m2", "平方米", "平米", "sqm"),
    "10k_cny": ("万元",),
}
_UNIT_LABELS = {"m2": "㎡、m²、平方米、平米", "10k_cny": "万元"}
#: Other units a header or a value may carry; never a field's unit, so never stripped.
_OTHER_UNITS: tuple[str, ...] = (
    "元",
    "千元",
    "亿元",
    "万美元",
    "公顷",
    "ha",
    "hm2",
    "亩",
    "km2",
    "平方公里",
    "平方千米",
    "万平方米",
    "万m2",
    "m",
    "米",
    "%",
    "个",
    "人",
)
_KNOWN_UNITS = frozenset(u for spellings in UNIT_SPELLINGS.values() for u in spellings) | set(
    _OTHER_UNITS
)


def split_header(header: object) -> tuple[str, str | None]:
    """A header (or a cell) folded, and the folded content of its trailing bracket or None:
    ``产值（万元）`` → ``("产值", "万元")``, ``工业用地(M1)`` → ``("工业用地", "m1")``."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    found = _TRAILING_BRACKET.match(text)
    if found is None or not found.group("base").strip():
        return fold_text(text), None
    return fold_text(found.group("base")), fold_text(found.group("inner"))


def fold_header(header: object) -> str:
    """A column header as compared with field names and aliases: :func:`fold_text` of the
    header without its trailing bracket (``产值（万元）`` and ``产值(万元)`` → ``产值``)."""
    return split_header(header)[0]


def header_unit(header: object) -> str | None:
    """The folded content of a header's trailing bracket when it is a known unit
    (``用地面积(m²)`` → ``m2``, ``面积【公顷】`` → ``公顷``), else None."""
    inner = split_header(header)[1]
    return inner if inner in _KNOWN_UNITS else None


def match_headers(spec: LayerSpec, headers: Iterable[object]) -> dict[str, object]:
    """Field name → the header that names it, for the fields some header names.

    The one header rule, used by :func:`validate_layer` and by the mapping step
    (:mod:`layers.mapping`). Candidates, best first: a header equal to the field name; a
    header that folds (:func:`fold_header`) to the field name; one that folds to an alias,
    earlier aliases first. A header whose trailing bracket is a known unit other than the
    field's own never matches it (``用地面积(公顷)`` is not ``area_m2``). Each field takes
    at most one header and each header names at most one field; ties go to the field listed
    first, then to the header that sorts first, so the order of columns never matters.
    """
    headers = list(headers)
    split = {h: split_header(h) for h in headers}
    candidates: list[tuple[tuple[int, int, str], str, object]] = []
    for order, f in enumerate(spec.fields):
        keys = [fold_text(f.name), *(fold_header(a) for a in f.aliases)]
        units = UNIT_SPELLINGS.get(f.unit or "", ())
        for header in headers:
            if header == f.name:
                candidates.append(((0, order, ""), f.name, header))
                continue
            base, inner = split[header]
            if inner in _KNOWN_UNITS and inner not in units:
                continue
            if base in keys:
                candidates.append(((1 + keys.index(base), order, str(header)), f.name, header))
    chosen: dict[str, object] = {}
    used: set[object] = set()
    for _, name, header in sorted(candidates, key=lambda c: c[0]):
        if name not in chosen and header not in used:
            chosen[name] = header
            used.add(header)
    return chosen


def _apply_aliases(spec: LayerSpec, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rename Chinese or alternative column headers to the canonical field names."""
    headers = [c for c in gdf.columns if c != gdf.geometry.name]
    renames = {h: name for name, h in match_headers(spec, headers).items() if h != name}
    return gdf.rename(columns=renames) if renames else gdf
