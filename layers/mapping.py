"""The field-mapping step of an import: which file column is which field, which file value
is which code, and what is filled, derived or generated where the file has nothing.

Files reach a planner in the shape of the office that made them (a 现状调查 Shapefile with
地块编号/现状/用地性质/用地面积, a firm list from the statistics bureau with
企业名称/产业类别/产值（万元） and no id). This module proposes how such a file becomes a
layer, the page shows the proposal, the planner corrects it, and :func:`apply_mapping`
carries it out; :func:`layers.schema.validate_layer` then checks the result as usual.

Method
------
- **Columns** (:func:`suggest_mapping`). First by header, with the schema's one header rule
  (:func:`layers.schema.match_headers`, also used by ``validate_layer``): the exact field
  name, then the folded name, then an alias; headers are compared after NFKC (full- and
  half-width alike), case, spaces and underscores folded, and a bracketed unit such as
  （万元） set apart, which must be the field's own unit. Then, for code and yes/no
  fields still without a column, by the values: a column whose non-blank cells are at
  least :data:`VALUE_SHARE` (80 %) recognisable — as codes by :func:`suggest_value_mapping`,
  as yes/no by :func:`layers.schema.read_yes_no` — is proposed; the best share wins, then
  the larger share of exact code/label/alias matches, then a required field before an
  optional one, then schema order, then header text. A column serves one field at most;
  no rule depends on the order of the columns.
- **Values** (:func:`suggest_value_mapping`), for each distinct file value of a code field:
  an exact code, label or alias (:meth:`~layers.schema.CodeList.normalise`); else the
  content of a trailing bracket, then the text before it (工业用地(M1) → ``M1``); else the
  one code whose label or alias the value contains (低效工业厂房 contains 低效 →
  ``low_efficiency``), where a term found inside a longer term found at the same place
  counts as the longer one (新能源汽车零部件 → ``car``, not ``energy``), Latin terms only
  as whole words, and a value more than :data:`CONTAINMENT_EXTRA_CHARS` longer than the
  term (a company name) matches nothing; two codes contained, or none, give None: the
  planner chooses.
- **Applying** (:func:`apply_mapping`): chosen columns renamed to field names (no other
  column dropped or changed); code values replaced through the value mapping (values
  left unmapped stay as they are, so ``validate_layer`` reports them by row); derivations
  the planner accepted (``far_current`` = ``gfa_current_m2`` / area, the area from
  ``area_m2`` or measured in EPSG:4547 by :func:`layers.schema.measured_area_m2`); the
  constants the planner stated, in blank cells only; ids generated for rows without one
  (``P000001`` …, ``E000001`` …, never one already used). ``gfa_current_m2`` from FAR ×
  area and a missing ``area_m2`` are left to ``validate_layer``, which derives them; the
  park of each feature to :mod:`layers.zoning`. Every change, and what validation will
  derive, is reported in a bilingual :class:`MappingNote` with its row count.
- **Saved mappings** live in ``<workspace>/mappings/<name>.json``, written beside the
  target and renamed into place; :func:`mappings_for` offers those saved for a file with
  the same set of headers and the same layer kind.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.values import is_blank
from layers.schema import (
    LAYER_KINDS,
    LAYER_SPECS,
    UNIT_SPELLINGS,
    CodeList,
    Field,
    LayerSpec,
    cell_text,
    check_field,
    header_unit,
    match_headers,
    measured_area_m2,
    normalise_value,
    read_yes_no,
    split_header,
)
from layers.workspace import WORKSPACE_ENV, workspace_dir

__all__ = [
    "CONTAINMENT_EXTRA_CHARS",
    "DERIVABLE",
    "ID_PREFIXES",
    "MAPPINGS_FOLDER",
    "VALUE_SHARE",
    "FieldMapping",
    "MappingNote",
    "SavedMapping",
    "apply_mapping",
    "check_mapping",
    "delete_mapping",
    "list_mappings",
    "load_mapping",
    "mappings_for",
    "missing_fields",
    "propose_mapping",
    "require_complete",
    "save_mapping",
    "suggest_mapping",
    "suggest_value_mapping",
]

#: Smallest share of a column's non-blank cells that must be recognisable for the column
#: to be proposed for a code or yes/no field by its values.
VALUE_SHARE = 0.8
#: A value longer than the label it contains by more than this many characters is not
#: matched by containment (it is a name or a sentence, not a category).
CONTAINMENT_EXTRA_CHARS = 6
#: Fields a file may lack that a rule can fill, per layer kind, once the planner accepts:
#: ``far_current`` derived from floor area and land area, ids generated.
DERIVABLE: dict[str, tuple[str, ...]] = {
    "parcels": ("far_current", "parcel_id"),
    "enterprises": ("ent_id",),
}
#: Prefix of generated ids, per layer kind (``P000001``, ``E000001``).
ID_PREFIXES: dict[str, str] = {"parcels": "P", "enterprises": "E"}
#: Folder of saved mappings inside the workspace.
MAPPINGS_FOLDER = "mappings"

_FORMAT = "pingshan-field-mapping"
_VERSION = 1
_NAME_MAX_CHARS = 60
_BAD_NAME_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


# --- proposals -----------------------------------------------------------------------------


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


# --- the mapping ---------------------------------------------------------------------------


def _frozen(mapping: Mapping) -> MappingProxyType:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class FieldMapping:
    """How one file becomes a layer of ``kind``; immutable, changed through ``with_*`` copies.

    Attributes
    ----------
    kind : str
        The layer kind, a key of :data:`~layers.schema.LAYER_SPECS`.
    columns : Mapping[str, str | None]
        Every field of the layer → the file column read as it, or None (no column). Fields
        not given are None.
    values : Mapping[str, Mapping[str, str | None]]
        For code fields: file value (as text) → code, or None (left as it is).
    fills : Mapping[str, object]
        Field → the constant the planner stated, written into blank cells (every row when
        the field has no column); checked and normalised by the schema on construction.
    derive : frozenset of str
        Fields the planner lets a rule fill (:data:`DERIVABLE`): ``far_current`` from floor
        area and land area, an id field by generation.

    Raises
    ------
    InputError
        On construction, listing every problem: unknown kind or field, a value mapped to
        an unknown code, a fill the schema refuses or one for an id, an underivable field.
    """

    kind: str
    columns: Mapping[str, Any]
    values: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    fills: Mapping[str, Any] = field(default_factory=dict)
    derive: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        spec = _spec(self.kind)
        names = [f.name for f in spec.fields]
        problems: list[str] = []
        for part, keys in (
            ("columns", self.columns),
            ("values", self.values),
            ("fills", self.fills),
            ("derive", self.derive),
        ):
            for key in keys:
                if key not in names:
                    problems.append(
                        f"{spec.zh}图层没有字段「{key}」（{part}） / "
                        f"the {self.kind} layer has no field '{key}' ({part})"
                    )
        values: dict[str, MappingProxyType] = {}
        for name, table in self.values.items():
            if name not in names:
                continue
            f = spec.field(name)
            if not isinstance(f.kind, CodeList):
                problems.append(
                    f"字段「{name}」不是代码字段，不能对应取值 / '{name}' is not a code field"
                )
                continue
            bad = sorted({str(c) for c in table.values() if c is not None} - set(f.kind.codes))
            if bad:
                problems.append(
                    f"字段「{name}」（{f.zh}）没有代码 {bad}，可用：{'、'.join(f.kind.codes)} / "
                    f"'{name}' has no codes {bad}"
                )
            values[name] = _frozen({str(k): v for k, v in table.items()})
        fills: dict[str, Any] = {}
        for name, value in self.fills.items():
            if name not in names:
                continue
            if name == spec.id_field:
                problems.append(
                    f"编号「{name}」不能统一填写，请选择生成编号 / "
                    f"'{name}' cannot take one constant; let ids be generated"
                )
                continue
            try:
                fills[name] = normalise_value(spec.field(name), value)
            except ValueError as exc:
                problems.append(f"统一值 / fill value：{exc}")
        derivable = DERIVABLE.get(self.kind, ())
        for name in self.derive:
            if name in names and name not in derivable:
                problems.append(
                    f"字段「{name}」没有推算或生成规则（可推算：{'、'.join(derivable) or '无'}）"
                    f" / no rule derives '{name}'"
                )
        if problems:
            raise InputError(
                f"{spec.zh}图层的字段对应有 {len(problems)} 处问题：",
                f"The field mapping for the {self.kind} layer has {len(problems)} problem(s):",
                details=problems,
            )
        columns = {name: self.columns.get(name) for name in names}
        object.__setattr__(self, "columns", _frozen(columns))
        object.__setattr__(self, "values", _frozen(values))
        object.__setattr__(self, "fills", _frozen(fills))
        object.__setattr__(self, "derive", frozenset(self.derive))

    def __hash__(self) -> int:
        return hash(
            (
                self.kind,
                tuple(sorted((k, str(v)) for k, v in self.columns.items())),
                tuple(
                    sorted((k, tuple(sorted(t.items(), key=str))) for k, t in self.values.items())
                ),
                tuple(sorted((k, repr(v)) for k, v in self.fills.items())),
                self.derive,
            )
        )

    def with_column(self, field_name: str, column: Any) -> FieldMapping:
        """A copy reading ``field_name`` from ``column`` (None: no column). A column serves one
        field, so another field that had ``column`` loses it; the value mappings of both
        fields are dropped (they belonged to the old columns)."""
        columns = dict(self.columns)
        values = dict(self.values)
        for name, col in columns.items():
            if column is not None and col == column and name != field_name:
                columns[name] = None
                values.pop(name, None)
        columns[field_name] = column
        values.pop(field_name, None)
        return dataclasses.replace(self, columns=columns, values=values)

    def with_values(self, field_name: str, table: Mapping[str, str | None]) -> FieldMapping:
        """A copy with the whole value mapping of code field ``field_name`` replaced."""
        return dataclasses.replace(self, values={**self.values, field_name: table})

    def with_value(self, field_name: str, file_value: str, code: str | None) -> FieldMapping:
        """A copy mapping one file value of ``field_name`` to ``code`` (None: left as it is)."""
        table = {**self.values.get(field_name, {}), str(file_value): code}
        return self.with_values(field_name, table)

    def with_fill(self, field_name: str, value: Any) -> FieldMapping:
        """A copy filling blank cells of ``field_name`` with ``value`` (None: no fill)."""
        fills = {k: v for k, v in self.fills.items() if k != field_name}
        if value is not None:
            fills[field_name] = value
        return dataclasses.replace(self, fills=fills)

    def with_derive(self, field_name: str, on: bool = True) -> FieldMapping:
        """A copy that lets the rule fill ``field_name`` (``on``) or not."""
        derive = self.derive | {field_name} if on else self.derive - {field_name}
        return dataclasses.replace(self, derive=derive)


def propose_mapping(frame: pd.DataFrame, kind: str) -> FieldMapping:
    """The whole proposal for ``frame``: :func:`suggest_mapping`'s columns, each code
    column's :func:`suggest_value_mapping`, and ``far_current`` derived when the file has
    floor area but no FAR. Id generation is not proposed: the planner accepts it with
    ``with_derive(id_field)``. No constant is proposed either."""
    spec = _spec(kind)
    columns = suggest_mapping(frame, kind)
    values = {
        f.name: suggest_value_mapping(frame[columns[f.name]], f)
        for f in spec.fields
        if isinstance(f.kind, CodeList) and columns[f.name] is not None
    }
    derive = frozenset(
        {"far_current"}
        if "far_current" in DERIVABLE.get(kind, ())
        and columns["far_current"] is None
        and columns["gfa_current_m2"] is not None
        else ()
    )
    return FieldMapping(kind, columns, values, {}, derive)


# --- checking ------------------------------------------------------------------------------


def check_mapping(frame: pd.DataFrame, mapping: FieldMapping) -> list[str]:
    """Every problem that stops ``mapping`` being applied to ``frame``, bilingual: a column
    the file lacks, the geometry column, one column for two fields, or a file column that
    has a field's name while another column is chosen for that field (renaming would
    overwrite it)."""
    problems: list[str] = []
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    chosen = {name: col for name, col in mapping.columns.items() if col is not None}
    for name, col in chosen.items():
        if col not in frame.columns:
            problems.append(
                f"字段「{name}」选用的列「{col}」不在文件中 / column '{col}' chosen for "
                f"'{name}' is not in the file"
            )
        elif col == geometry:
            problems.append(
                f"几何列「{col}」不能作为字段「{name}」 / the geometry column cannot be '{name}'"
            )
    by_column: dict[Any, list[str]] = {}
    for name, col in chosen.items():
        by_column.setdefault(col, []).append(name)
    for col, names in by_column.items():
        if len(names) > 1:
            problems.append(
                f"列「{col}」被选作多个字段 {names}，每列只能对应一个字段 / column '{col}' is "
                f"chosen for several fields {names}"
            )
    renamed_away = {col for name, col in chosen.items() if col != name}
    for name, col in chosen.items():
        if col != name and name in frame.columns and name not in renamed_away:
            problems.append(
                f"文件中已有列「{name}」，但字段 {name} 选用了列「{col}」：请改选列「{name}」，"
                f"或先在文件中给它改名 / the file has a column '{name}' but '{col}' is chosen "
                f"for that field; choose '{name}' or rename it in the file"
            )
    return problems


def _can_derive(frame: pd.DataFrame, mapping: FieldMapping, name: str) -> bool:
    if name not in mapping.derive:
        return False
    if name == "far_current":
        gfa = mapping.columns.get("gfa_current_m2")
        return (gfa is not None and gfa in frame.columns) or "gfa_current_m2" in mapping.fills
    return name == LAYER_SPECS[mapping.kind].id_field


def missing_fields(frame: pd.DataFrame, mapping: FieldMapping) -> list[str]:
    """Required fields of the layer that ``mapping`` leaves empty for ``frame``: no column
    (or one the file lacks), no constant, and no accepted rule that can fill them."""
    missing = []
    for f in LAYER_SPECS[mapping.kind].fields:
        if not f.required:
            continue
        col = mapping.columns.get(f.name)
        if col is not None and col in frame.columns:
            continue
        if f.name in mapping.fills or _can_derive(frame, mapping, f.name):
            continue
        missing.append(f.name)
    return missing


def require_complete(frame: pd.DataFrame, mapping: FieldMapping) -> None:
    """Raise one bilingual :class:`~geo.errors.InputError` naming every required field
    :func:`missing_fields` finds, with what the planner can do for each; else return."""
    spec = LAYER_SPECS[mapping.kind]
    details = []
    for name in missing_fields(frame, mapping):
        f = spec.field(name)
        ways_zh, ways_en = ["选择文件中的列"], ["choose a column of the file"]
        if name in DERIVABLE.get(mapping.kind, ()):
            if name == spec.id_field:
                ways_zh.append("或生成编号")
                ways_en.append("or generate ids")
            else:
                ways_zh.append("或由建筑面积和用地面积推算（需选建筑面积列）")
                ways_en.append("or derive it from floor area and land area (needs a GFA column)")
        if name != spec.id_field:
            ways_zh.append("或填写统一值")
            ways_en.append("or state one value for all rows")
        details.append(
            f"「{name}」（{f.zh}）：{'，'.join(ways_zh)} / '{name}': {', '.join(ways_en)}"
        )
    if details:
        raise InputError(
            f"{spec.zh}图层还缺 {len(details)} 个必填字段，确认导入前请补上：",
            f"The {mapping.kind} layer still lacks {len(details)} required field(s); "
            "complete them before confirming the import:",
            details=details,
        )


# --- applying ------------------------------------------------------------------------------


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


# --- saved mappings ------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedMapping:
    """A mapping saved under a name, with the headers of the file it was made for."""

    name: str
    mapping: FieldMapping
    headers: tuple[str, ...]
    saved_at: str = ""


def _check_name(name: object) -> str:
    text = unicodedata.normalize("NFC", str(name)).strip() if isinstance(name, str) else ""
    problems = []
    if not text:
        problems.append("名称为空 / the name is empty")
    if len(text) > _NAME_MAX_CHARS:
        problems.append(
            f"名称超过 {_NAME_MAX_CHARS} 个字符 / longer than {_NAME_MAX_CHARS} characters"
        )
    if _BAD_NAME_CHARS.search(text):
        problems.append(
            '名称不能含 \\ / : * ? " < > | 或控制字符 / no \\ / : * ? " < > | or control characters'
        )
    if text.startswith("."):
        problems.append("名称不能以「.」开头 / the name cannot start with '.'")
    if problems:
        raise InputError(
            f"字段对应的名称「{name}」不可用：",
            f"'{name}' cannot name a field mapping:",
            details=problems,
        )
    return text


def _folder() -> Path:
    return workspace_dir() / MAPPINGS_FOLDER


def _unwritable(path: Path, exc: OSError) -> InputError:
    return InputError(
        f"无法保存字段对应到 {path}：{exc.strerror or exc}。请确认工作区文件夹可写，"
        f"或设置环境变量 {WORKSPACE_ENV} 指向可写的文件夹。",
        f"Cannot save the field mapping to {path}: {exc.strerror or exc}. Make the workspace "
        f"folder writable, or set {WORKSPACE_ENV} to a writable folder.",
    )


def save_mapping(name: str, mapping: FieldMapping, headers: Iterable[object]) -> SavedMapping:
    """Save ``mapping`` as ``name`` for files with ``headers`` (replacing one of that name).

    Raises
    ------
    InputError
        An invalid name, or a workspace that cannot be written (with what to do).
    """
    name = _check_name(name)
    saved = SavedMapping(
        name,
        mapping,
        tuple(sorted({str(h) for h in headers})),
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    document = {
        "format": _FORMAT,
        "version": _VERSION,
        "name": name,
        "kind": mapping.kind,
        "headers": list(saved.headers),
        "columns": {k: (None if v is None else str(v)) for k, v in mapping.columns.items()},
        "values": {k: dict(t) for k, t in mapping.values.items()},
        "fills": dict(mapping.fills),
        "derive": sorted(mapping.derive),
        "saved_at": saved.saved_at,
    }
    data = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8")
    folder = _folder()
    path = folder / f"{name}.json"
    tmp = folder / f".{name}.{uuid.uuid4().hex}.tmp"
    try:
        folder.mkdir(exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise _unwritable(path, exc) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return saved


def list_mappings() -> list[str]:
    """Names of the saved mappings, sorted (files are not read: a damaged one is listed)."""
    folder = _folder()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.json") if not p.name.startswith("."))


def _damaged(name: str, path: Path, reason: str) -> InputError:
    return InputError(
        f"保存的字段对应「{name}」已损坏（{reason}）。请删除文件 {path} 后重新保存。",
        f"The saved field mapping '{name}' is damaged ({reason}). Delete {path} and save it again.",
    )


def _text_map(value: object) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ValueError("not an object with text keys")
    return value


def load_mapping(name: str) -> SavedMapping:
    """The mapping saved as ``name``.

    Raises
    ------
    InputError
        No mapping of that name, a file that cannot be read, or a damaged one (not JSON,
        another format, fields the schema does not know), each with what to do.
    """
    name = _check_name(name)
    path = _folder() / f"{name}.json"
    if not path.is_file():
        raise InputError(
            f"没有名为「{name}」的字段对应。可用：{'、'.join(list_mappings()) or '无'}。",
            f"No field mapping named '{name}'.",
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"无法读取字段对应文件 {path}：{exc.strerror or exc}。请检查文件权限。",
            f"Cannot read the field mapping file {path}: {exc.strerror or exc}. Check its "
            "permissions.",
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _damaged(name, path, f"不是 JSON / not JSON: {exc}") from exc
    try:
        document = _text_map(document)
        if document.get("format") != _FORMAT or document.get("version") != _VERSION:
            raise ValueError(f"format {document.get('format')!r} {document.get('version')!r}")
        headers = document["headers"]
        derive = document.get("derive", [])
        if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
            raise ValueError("headers is not a list of text")
        if not isinstance(derive, list) or not all(isinstance(d, str) for d in derive):
            raise ValueError("derive is not a list of text")
        values = {k: _text_map(t) for k, t in _text_map(document.get("values", {})).items()}
        mapping = FieldMapping(
            str(document["kind"]),
            _text_map(document["columns"]),
            values,
            _text_map(document.get("fills", {})),
            frozenset(derive),
        )
    except (KeyError, ValueError, InputError) as exc:
        reason = str(exc).replace("\n", " ")
        raise _damaged(name, path, reason) from exc
    return SavedMapping(name, mapping, tuple(headers), str(document.get("saved_at", "")))


def mappings_for(headers: Iterable[object], kind: str) -> tuple[list[SavedMapping], list[str]]:
    """Saved mappings for a ``kind`` layer whose header set equals ``headers`` (as text).

    Returns
    -------
    (list of SavedMapping, list of str)
        The matching mappings by name, and one bilingual message per saved file that could
        not be read (damaged files are reported, not fatal).
    """
    wanted = {str(h) for h in headers}
    matches, problems = [], []
    for name in list_mappings():
        try:
            saved = load_mapping(name)
        except InputError as exc:
            problems.append(str(exc))
            continue
        if saved.mapping.kind == kind and set(saved.headers) == wanted:
            matches.append(saved)
    return matches, problems


def delete_mapping(name: str) -> None:
    """Delete the mapping saved as ``name`` (nothing to do when there is none).

    Raises
    ------
    InputError
        An invalid name, or a file that cannot be removed.
    """
    path = _folder() / f"{_check_name(name)}.json"
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise InputError(
            f"无法删除字段对应文件 {path}：{exc.strerror or exc}。请检查工作区文件夹权限。",
            f"Cannot delete {path}: {exc.strerror or exc}. Check the workspace folder's "
            "permissions.",
        ) from exc
