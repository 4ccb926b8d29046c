"""Checking a mapping against a file before it is applied.

Method: :func:`check_mapping` lists what stops a mapping being applied at all (a chosen
column the file lacks, the geometry column, one column for two fields, a column that would
be overwritten by a rename); :func:`missing_fields` lists the required fields left empty —
no column present, no constant, no accepted rule able to fill them (``far_current`` needs a
floor-area column or constant; an id field needs id generation); :func:`require_complete`
raises them as one bilingual error with what the planner can do for each.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from geo.errors import InputError
from layers.mapping._model import DERIVABLE, FieldMapping
from layers.schema import (
    LAYER_SPECS,
)

__all__ = [
    "check_mapping",
    "missing_fields",
    "require_complete",
]


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
