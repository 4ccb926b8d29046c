"""Applying a mapping: the file becomes a layer ready for ``validate_layer``.

Method: on a copy of the frame, in order — chosen columns renamed to field names (a header
naming another unit is noted, its numbers not converted); code values replaced through the
value tables, values left unmapped kept for validation to report; ``far_current`` derived
as floor area / land area where accepted (the area from ``area_m2`` or measured in
EPSG:4547); constants written into blank cells; ids generated (:data:`ID_PREFIXES` and six
digits, skipping every id in use). Each change, and what validation will derive, is one
bilingual :class:`MappingNote` with its row count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.values import is_blank
from layers.mapping._check import check_mapping
from layers.mapping._model import FieldMapping
from layers.mapping._suggest import _require_codes, _spec
from layers.schema import (
    UNIT_SPELLINGS,
    CodeList,
    Field,
    LayerSpec,
    cell_text,
    check_field,
    header_unit,
    measured_area_m2,
)

__all__ = [
    "ID_PREFIXES",
    "MappingNote",
    "apply_mapping",
]


#: Prefix of generated ids, per layer kind (``P000001``, ``E000001``).
ID_PREFIXES: dict[str, str] = {"parcels": "P", "enterprises": "E"}


@dataclass(frozen=True)
class MappingNote:
    """One change :func:`apply_mapping` made, or one validation will make, with its count.

    ``action`` is ``"rename"`` (a column read as a field), ``"values"`` (file values
    replaced by codes), ``"unmapped"`` (values left as they are; validation reports them),
    ``"derive"``, ``"fill"``, ``"generate"`` (ids), ``"later"`` (derived by
    ``validate_layer``) or ``"unit"`` (a chosen column whose header names another unit;
    its numbers are not converted). ``count`` is the number of rows concerned.
    """

    field: str
    action: str
    count: int
    zh: str
    en: str

    def text(self) -> str:
        """The note, Chinese first."""
        return f"{self.zh} / {self.en}"


def _label(f: Field) -> str:
    return f"{f.name}（{f.zh}）"


def _blank_mask(series: pd.Series) -> pd.Series:
    return series.map(is_blank).astype(bool)


def _rename(
    out: gpd.GeoDataFrame, spec: LayerSpec, mapping: FieldMapping, notes: list[MappingNote]
) -> gpd.GeoDataFrame:
    renames = {col: name for name, col in mapping.columns.items() if col not in (None, name)}
    for col, name in renames.items():
        f = spec.field(name)
        notes.append(
            MappingNote(
                name,
                "rename",
                len(out),
                f"列「{col}」作为字段 {_label(f)}，{len(out)} 行",
                f"column '{col}' read as '{name}', {len(out)} rows",
            )
        )
        unit = header_unit(col)
        if unit is not None and unit not in UNIT_SPELLINGS.get(f.unit or "", ()):
            notes.append(
                MappingNote(
                    name,
                    "unit",
                    len(out),
                    f"列「{col}」的单位（{unit}）不是字段 {_label(f)} 的单位，数值未换算",
                    f"column '{col}' is in {unit}, not the unit of '{name}'; numbers are "
                    "not converted",
                )
            )
    return out.rename(columns=renames) if renames else out


def _map_values(
    out: gpd.GeoDataFrame, f: Field, table: Mapping[str, str | None]
) -> list[MappingNote]:
    codes = _require_codes(f)
    series = out[f.name]
    keys = [None if is_blank(v) else cell_text(v) for v in series.to_numpy(dtype=object)]
    mapped = [None if k is None else table.get(k) for k in keys]
    changed: dict[tuple[str, str], int] = {}
    unmapped: dict[str, int] = {}
    new = series.astype(object).to_numpy(copy=True)
    for pos, (key, code) in enumerate(zip(keys, mapped, strict=True)):
        if key is None:
            continue
        if code is not None:
            new[pos] = code
            if key != code:
                changed[(key, code)] = changed.get((key, code), 0) + 1
        elif codes.normalise(key) is None:
            unmapped[key] = unmapped.get(key, 0) + 1
    out[f.name] = pd.Series(new, index=out.index, dtype=object)
    notes = []
    if changed:
        rows = sum(changed.values())
        pairs = sorted(changed.items(), key=lambda kv: (-kv[1], kv[0]))
        shown_zh = "，".join(f"{k} → {c}（{n} 行）" for (k, c), n in pairs[:8])
        shown_en = ", ".join(f"{k} → {c} ({n})" for (k, c), n in pairs[:8])
        more = f" …（共 {len(pairs)} 种）" if len(pairs) > 8 else ""
        notes.append(
            MappingNote(
                f.name,
                "values",
                rows,
                f"{_label(f)}：{rows} 行的值对应为代码：{shown_zh}{more}",
                f"'{f.name}': {rows} rows mapped to codes: {shown_en}",
            )
        )
    if unmapped:
        rows = sum(unmapped.values())
        examples = sorted(unmapped)[:5]
        notes.append(
            MappingNote(
                f.name,
                "unmapped",
                rows,
                f"{_label(f)}：{rows} 行的值 {examples} 未对应代码，保持原样，校验时将逐行列出",
                f"'{f.name}': {rows} rows with values {examples} have no code; left as they "
                "are, validation lists them by row",
            )
        )
    return notes


def _derive_far(
    out: gpd.GeoDataFrame, spec: LayerSpec, notes: list[MappingNote]
) -> gpd.GeoDataFrame:
    if "gfa_current_m2" not in out.columns:
        return out
    far_field = spec.field("far_current")
    current = (
        out["far_current"].astype(object)
        if "far_current" in out.columns
        else pd.Series(None, index=out.index, dtype=object)
    )
    need = _blank_mask(current).to_numpy()
    gfa, _ = check_field(spec.field("gfa_current_m2"), out["gfa_current_m2"])
    gfa_m2 = gfa.to_numpy(dtype=float)
    if "area_m2" in out.columns:
        area, _ = check_field(spec.field("area_m2"), out["area_m2"])
        area_m2 = area.to_numpy(dtype=float)
    else:
        area_m2 = np.full(len(out), np.nan)
    measure = need & ~(area_m2 > 0)
    if measure.any() and out.crs is not None:
        area_m2 = np.where(measure, measured_area_m2(out), area_m2)
    ok = need & np.isfinite(gfa_m2) & (area_m2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        far = gfa_m2 / area_m2
    out["far_current"] = current.where(~ok, pd.Series(far, index=out.index))
    derived, measured = int(ok.sum()), int((ok & measure).sum())
    if derived:
        measured_zh = (
            f"（其中 {measured} 行的用地面积按图形在 EPSG:4547 中量算）" if measured else ""
        )
        measured_en = (
            f" ({measured} with the land area measured from the geometry in EPSG:4547)"
            if measured
            else ""
        )
        notes.append(
            MappingNote(
                "far_current",
                "derive",
                derived,
                f"{_label(far_field)}：{derived} 行由建筑面积 ÷ 用地面积推算{measured_zh}",
                f"'far_current': derived for {derived} rows as GFA / land area{measured_en}",
            )
        )
    left = int((need & ~ok).sum())
    if left:
        notes.append(
            MappingNote(
                "far_current",
                "unmapped",
                left,
                f"{_label(far_field)}：{left} 行缺建筑面积或用地面积，无法推算，校验时将逐行列出",
                f"'far_current': {left} rows lack a floor area or land area and cannot be "
                "derived; validation lists them by row",
            )
        )
    return out


def _fill(out: gpd.GeoDataFrame, f: Field, value: Any, notes: list[MappingNote]) -> None:
    if f.name in out.columns:
        blank = _blank_mask(out[f.name])
        count = int(blank.sum())
        if count:
            out[f.name] = out[f.name].astype(object).where(~blank, value)
    else:
        count = len(out)
        out[f.name] = pd.Series([value] * count, index=out.index, dtype=object)
    if count:
        shown = f.kind.label(value) if isinstance(f.kind, CodeList) else value
        notes.append(
            MappingNote(
                f.name,
                "fill",
                count,
                f"{_label(f)}：{count} 行填为统一值「{shown}」",
                f"'{f.name}': {count} rows filled with '{value}'",
            )
        )


def _generate_ids(
    out: gpd.GeoDataFrame,
    spec: LayerSpec,
    taken_ids: Iterable[object],
    notes: list[MappingNote],
) -> None:
    name = spec.id_field
    assert name is not None
    current = (
        out[name].astype(object)
        if name in out.columns
        else pd.Series(None, index=out.index, dtype=object)
    )
    blank = _blank_mask(current)
    count = int(blank.sum())
    if not count:
        return
    taken = {cell_text(v) for v in current if not is_blank(v)}
    taken |= {cell_text(v) for v in taken_ids if not is_blank(v)}
    prefix = ID_PREFIXES[spec.kind]
    ids: list[str] = []
    number = 0
    while len(ids) < count:
        number += 1
        candidate = f"{prefix}{number:06d}"
        if candidate not in taken:
            ids.append(candidate)
    fresh = current.copy()
    fresh[blank.to_numpy()] = ids
    out[name] = fresh
    notes.append(
        MappingNote(
            name,
            "generate",
            count,
            f"{_label(spec.field(name))}：为 {count} 行生成编号，从 {ids[0]} 到 {ids[-1]}"
            "（跳过已用的编号）",
            f"'{name}': ids generated for {count} rows, {ids[0]} to {ids[-1]} (skipping ids "
            "already used)",
        )
    )


def _later_notes(out: gpd.GeoDataFrame, spec: LayerSpec) -> list[MappingNote]:
    """What validate_layer will derive for parcels, so that nothing changes unreported."""
    if spec.kind != "parcels":
        return []
    notes = []
    if "area_m2" not in out.columns:
        notes.append(
            MappingNote(
                "area_m2",
                "later",
                len(out),
                f"{_label(spec.field('area_m2'))}：{len(out)} 行将按图形在 EPSG:4547 中量算",
                f"'area_m2': {len(out)} rows will be measured from the geometry in EPSG:4547",
            )
        )
    if "gfa_current_m2" not in out.columns:
        notes.append(
            MappingNote(
                "gfa_current_m2",
                "later",
                len(out),
                f"{_label(spec.field('gfa_current_m2'))}：{len(out)} 行将由现状容积率 × "
                "用地面积推算",
                f"'gfa_current_m2': {len(out)} rows will be derived as FAR × land area",
            )
        )
    return notes


def apply_mapping(
    frame: gpd.GeoDataFrame, mapping: FieldMapping, *, taken_ids: Iterable[object] = ()
) -> tuple[gpd.GeoDataFrame, list[MappingNote]]:
    """Carry out ``mapping`` on ``frame``; the result goes on to ``validate_layer``.

    In order: chosen columns renamed to field names; code values mapped; accepted
    derivations (``far_current``); constants written into blank cells (every row when the
    field has no column); ids generated for rows without one, never equal to an id in the
    file or in ``taken_ids`` (say, the ids of the layer already loaded). Columns the
    mapping does not name are kept unchanged, in place. A required field the mapping
    leaves empty is not an error here: :func:`missing_fields` tells the page, and
    validation refuses the layer.

    Returns
    -------
    (GeoDataFrame, list of MappingNote)
        A new frame (``frame`` is not modified) and one note per change, in the order made,
        then notes on what validation will derive.

    Raises
    ------
    InputError
        Listing every :func:`check_mapping` problem.
    """
    spec = _spec(mapping.kind)
    problems = check_mapping(frame, mapping)
    if problems:
        raise InputError(
            f"字段对应无法用于这个文件，有 {len(problems)} 处问题：",
            f"The field mapping does not fit this file; {len(problems)} problem(s):",
            details=problems,
        )
    notes: list[MappingNote] = []
    out = _rename(frame.copy(), spec, mapping, notes)
    for name, table in mapping.values.items():
        if mapping.columns.get(name) is not None:
            notes.extend(_map_values(out, spec.field(name), table))
    if "far_current" in mapping.derive:
        out = _derive_far(out, spec, notes)
    for name, value in mapping.fills.items():
        _fill(out, spec.field(name), value, notes)
    if spec.id_field is not None and spec.id_field in mapping.derive:
        _generate_ids(out, spec, taken_ids, notes)
    notes.extend(_later_notes(out, spec))
    return out, notes
