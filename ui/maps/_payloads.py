"""GeoJSON payloads of the layers for display, with their tooltip fields.

A payload is a FeatureCollection dict: coordinates in WGS84 degrees rounded to 6 decimals
(≈ 0.1 m), shifted to GCJ-02 when the basemap needs it; only the properties a tooltip
shows; and the feature's fill colour as ``_color``. Every text property is HTML-escaped
when the payload is built, because Leaflet inserts tooltip content as HTML: a name such
as ``<img src=x onerror=…>`` arrives in the browser as text. Numbers are kept as numbers
(two decimals), missing values as null.

Payloads are the expensive part of a map; the UI caches them per layer state
(``ui.cache``) and serves them as files, so the builders here are pure functions.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.contiguity import SIZE_CLASS
from geo.crs import WGS84, shift_geometries
from layers.scenario import CHANGE_LABELS
from layers.schema import CLUSTER, CONSTRAINT_KIND, LAND_USE, STATUS
from ui.maps._styles import (
    B_POINT_COLOR,
    CHANGE_COLORS,
    CLUSTER_COLORS,
    LAND_USE_COLORS,
    LOCAL_TYPE_COLORS,
    LOCAL_TYPE_LABELS,
    SIZE_CLASS_COLORS,
    STATUS_COLORS,
    UNTESTED_COLOR,
    category_colors,
    nice_bins,
    tr,
    value_colors,
)

#: Tooltip rows: (payload property, (Chinese label, English label)).
TooltipSpec = Sequence[tuple[str, tuple[str, str]]]

PARCEL_TOOLTIP: TooltipSpec = (
    ("parcel_id", ("地块编号", "Parcel")),
    ("park_name", ("园区", "Park")),
    ("status_label", ("状态", "Status")),
    ("land_use_label", ("用地性质", "Land use")),
    ("area_ha", ("面积(公顷)", "Area (ha)")),
    ("far_current", ("现状容积率", "Current FAR")),
    ("name", ("名称", "Name")),
)
ENTERPRISE_TOOLTIP: TooltipSpec = (
    ("name", ("企业名称", "Enterprise")),
    ("cluster_label", ("产业集群", "Cluster")),
    ("park_name", ("园区", "Park")),
    ("output_10k_cny", ("产值(万元)", "Output (10k CNY)")),
    ("above_label", ("规上企业", "Above scale")),
)
CAPACITY_TOOLTIP: TooltipSpec = (
    *(row for row in PARCEL_TOOLTIP if row[0] != "name"),
    ("far_allowed_txt", ("允许容积率", "FAR allowed")),
    ("floors_txt", ("层数", "Floors")),
    ("height_txt", ("建筑高度(m)", "Height (m)")),
    ("gfa_max_txt", ("可建建筑面积(m²)", "GFA max (m²)")),
    ("gfa_inc_txt", ("新增建筑面积(m²)", "GFA increment (m²)")),
)
LOCAL_TOOLTIP: TooltipSpec = (
    ("name", ("企业名称", "Enterprise")),
    ("cluster_label", ("产业集群", "Cluster")),
    ("type_label", ("共位类型", "Type")),
    ("lclq", ("局部共位商", "Local CLQ")),
    ("p_value", ("p 值", "p-value")),
)
BLOCK_TOOLTIP: TooltipSpec = (
    ("block_id", ("片区编号", "Block")),
    ("size_label", ("规模", "Size class")),
    ("area_ha", ("面积（公顷）", "Area (ha)")),
    ("parcel_count", ("地块数", "Parcels")),
    ("compactness", ("紧凑度", "Compactness")),
    ("park_name", ("主要所在园区", "Main park")),
)
CHANGE_TOOLTIP: TooltipSpec = (
    ("parcel_id", ("地块编号", "Parcel")),
    ("change_label", ("变化", "Change")),
)


def tooltip_pairs(spec: TooltipSpec, lang: str) -> list[tuple[str, str]]:
    """(property, label) pairs of a tooltip spec in ``lang``."""
    return [(field, tr(labels, lang)) for field, labels in spec]


# --------------------------------------------------------------------------- generic


def _round_coords(geoms: np.ndarray, decimals: int) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def _json_value(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else round(float(value), 2)
    return html.escape(str(value))


def geojson_payload(
    gdf: gpd.GeoDataFrame,
    fields: Sequence[str] = (),
    *,
    colors: Sequence[str] | None = None,
    display_system: str = WGS84,
    decimals: int = 6,
    extra: Mapping[str, Sequence] | None = None,
) -> dict:
    """A GeoJSON FeatureCollection dict for display.

    Coordinates are rounded to ``decimals`` (6 ≈ 0.1 m) and shifted to ``display_system``
    (GCJ-02 for Gaode tiles). Only ``fields`` are kept as properties, text HTML-escaped;
    ``colors`` becomes the ``_color`` property used by the style functions; ``extra`` adds
    computed properties (also escaped).
    """
    geoms = gdf.to_crs(WGS84).geometry.to_numpy()
    if display_system != WGS84:
        geoms = shift_geometries(geoms, WGS84, display_system)
    geoms = _round_coords(np.asarray(geoms), decimals)
    geo_json = shapely.to_geojson(geoms)
    columns = {f: gdf[f].to_numpy(dtype=object) for f in fields if f in gdf.columns}
    if extra:
        columns.update({k: np.asarray(v, dtype=object) for k, v in extra.items()})
    features = []
    for i, text in enumerate(geo_json):
        if text is None:
            continue
        props = {k: _json_value(v[i]) for k, v in columns.items()}
        if colors is not None:
            props["_color"] = colors[i]
        features.append({"type": "Feature", "geometry": json.loads(text), "properties": props})
    return {"type": "FeatureCollection", "features": features}


def payload_json(payload: dict) -> str:
    """Compact JSON text of a payload (what is served to the browser)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def park_names(parks: gpd.GeoDataFrame | None) -> dict[str, str]:
    """Park id → park name of a parks layer (empty without one)."""
    if parks is None:
        return {}
    return dict(zip(parks.park_id, parks.name, strict=True))


def _park_column(park_ids: Sequence, names: Mapping[str, str]) -> list[str]:
    return [names.get(p, "—") if p else "—" for p in park_ids]


# --------------------------------------------------------------------------- standard layers


def parcel_color_rule(color_by: str) -> tuple[Mapping[str, str], str, str]:
    """What colours the parcels: (palette, coded column, payload property with the code's
    label) — by land use when ``color_by`` is ``"land_use"``, else by status."""
    if color_by == "land_use":
        return LAND_USE_COLORS, "land_use", "land_use_label"
    return STATUS_COLORS, "status", "status_label"


def parcels_payload(
    parcels: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    *,
    color_by: str = "status",
    lang: str = "zh",
    display_system: str = WGS84,
    colors: Sequence[str] | None = None,
    extra: Mapping[str, Sequence] | None = None,
) -> dict:
    """Parcels for display, coloured by status or land use unless ``colors`` is given."""
    if colors is None:
        palette, column, _ = parcel_color_rule(color_by)
        colors = category_colors(parcels[column], palette)
    computed = {
        "park_name": _park_column(parcels.park_id, park_names(parks)),
        "status_label": [STATUS.label(s, lang) for s in parcels.status],
        "land_use_label": [LAND_USE.label(s, lang) for s in parcels.land_use],
        "area_ha": np.round(parcels.area_m2.to_numpy() / 1e4, 2),
    }
    computed.update(extra or {})
    return geojson_payload(
        parcels,
        ["parcel_id", "far_current", "name"],
        colors=colors,
        display_system=display_system,
        extra=computed,
    )


def enterprises_payload(
    enterprises: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    *,
    lang: str = "zh",
    display_system: str = WGS84,
) -> dict:
    """Firms for display, coloured by cluster."""
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    return geojson_payload(
        enterprises,
        ["ent_id", "name", "output_10k_cny", "is_anchor"],
        colors=category_colors(enterprises.cluster, CLUSTER_COLORS),
        display_system=display_system,
        extra={
            "cluster_label": [CLUSTER.label(c, lang) for c in enterprises.cluster],
            "park_name": _park_column(enterprises.park_id, park_names(parks)),
            "above_label": [yes if a else no for a in enterprises.is_above_scale],
        },
    )


def constraints_payload(
    constraints: gpd.GeoDataFrame, *, lang: str = "zh", display_system: str = WGS84
) -> dict:
    """Constraints and barriers for display (styled by ``kind`` in the browser)."""
    return geojson_payload(
        constraints,
        ["kind", "name"],
        display_system=display_system,
        extra={"kind_label": [CONSTRAINT_KIND.label(k, lang) for k in constraints.kind]},
    )


def context_payloads(
    boundary: gpd.GeoDataFrame | None,
    parks: gpd.GeoDataFrame | None,
    axis: gpd.GeoDataFrame | None,
    constraints: gpd.GeoDataFrame | None,
    *,
    lang: str = "zh",
    display_system: str = WGS84,
) -> tuple[dict | None, dict | None, dict | None, dict | None]:
    """Payloads of the boundary, parks, corridor axis and constraints (None when absent)."""
    system = display_system
    return (
        geojson_payload(boundary, ["name", "level"], display_system=system)
        if boundary is not None
        else None,
        geojson_payload(parks, ["park_id", "name", "kind"], display_system=system)
        if parks is not None
        else None,
        geojson_payload(axis, ["name"], display_system=system) if axis is not None else None,
        constraints_payload(constraints, lang=lang, display_system=system)
        if constraints is not None
        else None,
    )


# --------------------------------------------------------------------------- analysis results


def capacity_payload(
    result: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    value_col: str,
    *,
    lang: str = "zh",
    display_system: str = WGS84,
) -> tuple[dict, list[float]]:
    """Parcels of a floor-capacity result coloured by ``value_col`` (m²) on quantile bins,
    with the capacity tooltip (:data:`CAPACITY_TOOLTIP`); returns the payload and the bins."""
    values = result[value_col].to_numpy(dtype=float)
    bins = nice_bins(values, n=5)
    dash = "—"

    def whole(col: str) -> list[str]:
        arr = result[col].to_numpy(dtype=float)
        return [f"{v:,.0f}" if v > 0 else dash for v in arr]

    far = result["far_allowed"].to_numpy(dtype=float)
    height_m = result["height_m"].to_numpy(dtype=float)
    floors = result["floors"].to_numpy()
    payload = parcels_payload(
        result,
        parks,
        lang=lang,
        display_system=display_system,
        colors=value_colors(values, bins),
        extra={
            "far_allowed_txt": [f"{v:.2f}" if v > 0 else dash for v in far],
            "floors_txt": [str(int(f)) if f > 0 else dash for f in floors],
            "height_txt": [f"{h:.1f}" if h > 0 else dash for h in height_m],
            "gfa_max_txt": whole("gfa_max_m2"),
            "gfa_inc_txt": whole("gfa_increment_m2"),
        },
    )
    return payload, bins


def local_colocation_payloads(
    result: gpd.GeoDataFrame,
    firms: gpd.GeoDataFrame,
    a: str,
    b: str,
    *,
    lang: str = "zh",
    display_system: str = WGS84,
) -> tuple[dict, dict]:
    """Payloads of the focal (A) firms coloured by local co-location type and of the
    neighbour (B) firms (empty when A is B), with :data:`LOCAL_TOOLTIP` fields."""
    names = firms["name"].reindex(result.index) if "name" in firms.columns else None
    kinds = result["colocation_type"].to_numpy(dtype=object)
    type_text = [tr(LOCAL_TYPE_LABELS[k], lang) if k in LOCAL_TYPE_LABELS else "—" for k in kinds]
    a_payload = geojson_payload(
        result,
        ["lclq", "p_value"],
        colors=category_colors(kinds, LOCAL_TYPE_COLORS, UNTESTED_COLOR),
        display_system=display_system,
        extra={
            "name": names.to_numpy(dtype=object) if names is not None else result.index,
            "cluster_label": [CLUSTER.label(a, lang)] * len(result),
            "type_label": type_text,
        },
    )
    b_firms = firms[firms["cluster"] == b]
    if a == b:
        b_firms = b_firms.iloc[:0]
    b_payload = geojson_payload(
        b_firms,
        ["name"],
        colors=[B_POINT_COLOR] * len(b_firms),
        display_system=display_system,
        extra={"cluster_label": [CLUSTER.label(b, lang)] * len(b_firms)},
    )
    return a_payload, b_payload


def blocks_payload(
    blocks: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    *,
    lang: str = "zh",
    display_system: str = WGS84,
) -> dict:
    """Contiguous blocks coloured by size class, with :data:`BLOCK_TOOLTIP` fields."""
    return geojson_payload(
        blocks,
        ["block_id", "parcel_count"],
        colors=category_colors(blocks.size_class, SIZE_CLASS_COLORS),
        display_system=display_system,
        extra={
            "area_ha": blocks.area_ha.round(1).to_numpy(),
            "compactness": blocks.compactness.round(2).to_numpy(),
            "size_label": [SIZE_CLASS.label(c, lang) for c in blocks.size_class],
            "park_name": _park_column(blocks.park_id, park_names(parks)),
        },
    )


def changes_payload(
    changes: gpd.GeoDataFrame, *, lang: str = "zh", display_system: str = WGS84
) -> dict:
    """Parcels a scenario added, removed or modified, coloured by change; removed ones
    first and added ones last, so a merged parcel is drawn above the parcels it replaced."""
    rank = {"removed": 0, "modified": 1, "added": 2}
    changes = changes.iloc[np.argsort([rank.get(c, 1) for c in changes.change], kind="stable")]
    return geojson_payload(
        changes,
        ["parcel_id"],
        display_system=display_system,
        colors=category_colors(changes.change, CHANGE_COLORS),
        extra={"change_label": [tr(CHANGE_LABELS[c], lang) for c in changes.change]},
    )
