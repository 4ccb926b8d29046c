"""Validating a layer: a frame read from any file checked against its layer spec and
returned in canonical form, or one error listing every problem.

Method: :func:`validate_layer` refuses an unknown kind, a frame without geometry, CRS or
features; renames headers by the one header rule (:func:`~layers.schema.match_headers`)
unless a field mapping has named the fields; collects missing fields, wrong or empty
geometries, every field's problems (:func:`~layers.schema.check_field`) and duplicate ids;
then reprojects to EPSG:4326 and, for parcels, measures ``area_m2`` in EPSG:4547
(:func:`measured_area_m2`) and derives ``gfa_current_m2`` where absent.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import WGS84, to_metric_geometries
from geo.errors import InputError
from layers.schema._fields import _rows, check_field
from layers.schema._headers import _apply_aliases
from layers.schema._specs import LAYER_KINDS, LAYER_SPECS

__all__ = [
    "measured_area_m2",
    "validate_layer",
]


def validate_layer(
    kind: str, gdf: gpd.GeoDataFrame, *, source: str | None = None, use_aliases: bool = True
) -> gpd.GeoDataFrame:
    """Check a layer against its schema and return it normalised.

    Normalising means: alternative headers (Chinese, aliases) renamed to the canonical field
    names; enumeration values given as codes, Chinese or English labels, or aliases turned
    into codes (可供应 → ``available``); numbers and booleans (是/否, 1/0) converted; ids as
    text; optional fields filled with their defaults; for parcels, ``area_m2`` computed in
    EPSG:4547 when absent and ``gfa_current_m2`` derived from ``far_current`` when absent;
    the frame reprojected to EPSG:4326. Extra columns are kept.

    Parameters
    ----------
    kind : str
        One of :data:`LAYER_KINDS`.
    gdf : GeoDataFrame
        The layer as read; must carry a CRS.
    source : str, optional
        File or layer name used in messages.
    use_aliases : bool, default True
        Rename alternative headers to field names; False after a confirmed field mapping
        (:mod:`layers.mapping`), which has named the fields already.

    Returns
    -------
    GeoDataFrame
        A normalised copy in EPSG:4326 with a fresh RangeIndex.

    Raises
    ------
    InputError
        Listing every problem found: missing columns, unknown codes (with row numbers),
        non-numeric or out-of-range values, duplicate ids, wrong geometry types.
    """
    if kind not in LAYER_SPECS:
        raise InputError(
            f"未知的图层类型「{kind}」，可选：{', '.join(LAYER_KINDS)}。",
            f"Unknown layer kind '{kind}'; expected one of {', '.join(LAYER_KINDS)}.",
            source=source,
        )
    spec = LAYER_SPECS[kind]
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputError(
            f"{spec.zh}图层没有几何列。",
            f"The {kind} layer has no geometry column.",
            source=source,
        )
    if gdf.crs is None:
        raise InputError(
            f"{spec.zh}图层没有坐标系信息，请指定数据的坐标系。",
            f"The {kind} layer has no CRS; say which coordinate system the data is in.",
            source=source,
        )
    if len(gdf) == 0:
        raise InputError(
            f"{spec.zh}图层没有任何要素。",
            f"The {kind} layer has no features.",
            source=source,
        )
    gdf = gdf.reset_index(drop=True)
    # After a confirmed field mapping the fields carry their names already; a column the
    # planner left unmapped must not be picked up again by its header.
    gdf = (_apply_aliases(spec, gdf) if use_aliases else gdf).copy()
    problems: list[str] = []

    missing = [f for f in spec.fields if f.required and f.name not in gdf.columns]
    for f in missing:
        alias_text = "、".join(f.aliases[:3])
        problems.append(
            f"缺少字段「{f.name}」（{f.zh}{'，也可用 ' + alias_text if alias_text else ''}）"
            f" / missing column '{f.name}'"
        )

    geom_types = gdf.geometry.geom_type
    wrong = np.flatnonzero(
        ~geom_types.isin(spec.geometry_types).to_numpy() & gdf.geometry.notna().to_numpy()
    )
    if len(wrong):
        found = ", ".join(sorted(set(geom_types.iloc[wrong].dropna())))
        problems.append(
            f"{_rows(wrong)}：几何类型为 {found}，{spec.zh}图层需要 "
            f"{' / '.join(spec.geometry_types)} / wrong geometry type {found}"
        )
    null_geom = np.flatnonzero(gdf.geometry.isna().to_numpy() | gdf.geometry.is_empty.to_numpy())
    if len(null_geom):
        problems.append(f"{_rows(null_geom)}：几何为空 / empty or missing geometry")

    for f in spec.fields:
        if f.name not in gdf.columns:
            if not f.required:
                gdf[f.name] = np.nan if f.kind == "float" and f.default is None else f.default
            continue
        gdf[f.name], found = check_field(f, gdf[f.name])
        problems.extend(p.text() for p in found)

    if spec.id_field and spec.id_field in gdf.columns:
        ids = gdf[spec.id_field]
        dup = np.flatnonzero(ids.duplicated(keep=False).to_numpy() & ids.notna().to_numpy())
        if len(dup):
            examples = sorted(set(ids.iloc[dup].astype(str)))[:5]
            problems.append(
                f"{_rows(dup)}：编号「{spec.id_field}」重复 {examples} / duplicate ids {examples}"
            )

    if problems:
        raise InputError(
            f"{spec.zh}图层有 {len(problems)} 处问题，请修改后重新导入：",
            f"The {kind} layer has {len(problems)} problem(s); fix them and import again:",
            source=source,
            details=problems,
        )

    gdf = gdf.to_crs(WGS84) if gdf.crs.to_epsg() != 4326 else gdf
    if kind == "parcels":
        gdf = _complete_parcels(gdf)
    return gdf


def measured_area_m2(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """The area of each geometry in m², measured in EPSG:4547 (the layer must carry a CRS)."""
    return shapely.area(to_metric_geometries(gdf.geometry.to_numpy(), gdf.crs))


def _complete_parcels(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    area = measured_area_m2(gdf)
    if "area_m2" not in gdf.columns or gdf["area_m2"].isna().any():
        given = gdf["area_m2"] if "area_m2" in gdf.columns else pd.Series(np.nan, index=gdf.index)
        gdf["area_m2"] = given.fillna(pd.Series(area, index=gdf.index)).astype(float)
    if "gfa_current_m2" not in gdf.columns:
        gdf["gfa_current_m2"] = gdf["far_current"] * gdf["area_m2"]
    gdf["gfa_current_m2"] = (
        pd.to_numeric(gdf["gfa_current_m2"], errors="coerce")
        .fillna(gdf["far_current"] * gdf["area_m2"])
        .astype(float)
    )
    return gdf
