"""Items of a collection: the query parameters of OGC API – Features Core, and one page of
features as GeoJSON.

Method:

- ``bbox`` is four numbers (or six, the heights ignored) in CRS84 longitude/latitude,
  lower-left then upper-right; a feature matches when its geometry intersects the box
  (shapely STRtree of the layer, exact ``intersects`` test). The box's area is measured in
  EPSG:4547 (:func:`geo.crs.to_metric_geometries`, edges densified to 100 m) and refused
  above :attr:`Limits.max_bbox_km2`.
- ``limit`` (1 … :attr:`Limits.max_limit`, default :attr:`Limits.default_limit`) and
  ``offset`` (≥ 0) page through the matches in layer order.
- Property filters ``status``, ``land_use``, ``park_id``, ``cluster`` and the other
  :data:`FILTER_FIELDS` apply where the collection has the column: a feature matches when
  its value is one of the comma-separated values given.
- Any other parameter is refused (400), as Core requires for parameters the API does not
  define.
- The page is written by :func:`geo.io.write_geojson` — the writer the GeoJSON export uses,
  so the endpoint and a downloaded file carry the same properties and coordinates — and
  each feature gets its ``id``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import to_metric_geometries
from geo.errors import InputError
from geo.io import write_geojson

__all__ = [
    "FILTER_FIELDS",
    "GLOBAL_PARAMS",
    "LIMIT_ENV",
    "ItemQuery",
    "Limits",
    "bbox_area_km2",
    "check_format",
    "check_params",
    "feature_ids",
    "features_json",
    "limits_from_env",
    "parse_query",
    "raise_problems",
    "select",
]

#: Fields a client may filter on (where the collection has them).
FILTER_FIELDS = ("status", "land_use", "park_id", "cluster", "kind", "size_class", "change")

#: Parameters every request may carry besides the query's own.
GLOBAL_PARAMS = ("f", "token")

_OWN_PARAMS = ("bbox", "bbox-crs", "limit", "offset", "datetime")
_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_FORMATS = ("json", "geojson")


@dataclass(frozen=True)
class Limits:
    """What one request may ask for: page sizes and the area of a bbox (km², EPSG:4547)."""

    default_limit: int = 1000
    max_limit: int = 10000
    max_bbox_km2: float = 1000.0


@dataclass(frozen=True)
class ItemQuery:
    """A parsed items request."""

    limit: int
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()


def parse_query(params: Mapping[str, str], columns: list[str], limits: Limits) -> ItemQuery:
    """An :class:`ItemQuery` from the request's parameters.

    Raises InputError listing every bad parameter (unknown names, a limit out of range, a
    negative offset, a malformed or too large bbox, an unsupported bbox-crs or format).
    """
    problems: list[tuple[str, str]] = []
    filterable = [f for f in FILTER_FIELDS if f in columns]
    problems += check_params(params, (*_OWN_PARAMS, *filterable))
    limit = _integer(params, "limit", limits.default_limit, 1, limits.max_limit, problems)
    offset = _integer(params, "offset", 0, 0, None, problems)
    bbox = _bbox(params, limits, problems)
    filters = tuple(
        (f, tuple(v.strip() for v in params[f].split(",") if v.strip()))
        for f in filterable
        if f in params
    )
    raise_problems(problems)
    return ItemQuery(limit=limit, offset=offset, bbox=bbox, filters=filters)


def check_params(params: Mapping[str, str], known: tuple[str, ...]) -> list[tuple[str, str]]:
    """Problems with a request's parameters: names other than ``known`` and
    :data:`GLOBAL_PARAMS`, and a format other than JSON."""
    problems = []
    unknown = sorted(k for k in params if k not in (*known, *GLOBAL_PARAMS))
    if unknown:
        listed = ", ".join(known) or "—"
        problems.append(
            (
                f"不支持的参数 {', '.join(unknown)}；可用：{listed}",
                f"unknown parameters {', '.join(unknown)}; known: {listed}",
            )
        )
    return problems + check_format(params)


def check_format(params: Mapping[str, str]) -> list[tuple[str, str]]:
    """A problem when ``f`` asks for a format other than JSON."""
    f = params.get("f")
    if f is None or f.lower() in _FORMATS:
        return []
    return [(f"不支持的格式 f={f}，只提供 json", f"format f={f} is not offered; use f=json")]


def raise_problems(problems: list[tuple[str, str]]) -> None:
    """One InputError listing every (Chinese, English) problem of a request, if any."""
    if problems:
        raise InputError(
            "请求参数有误：" + "；".join(zh for zh, _ in problems) + "。",
            "Bad request parameters: " + "; ".join(en for _, en in problems) + ".",
            code="bad_request",
        )


def _integer(
    params: Mapping[str, str],
    name: str,
    default: int,
    low: int,
    high: int | None,
    problems: list[tuple[str, str]],
) -> int:
    text = params.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        span = f"{low} – {high}" if high is not None else f"≥ {low}"
        problems.append(
            (f"{name}={text} 须为整数 {span}", f"{name}={text} must be an integer {span}")
        )
        return default
    return value


def _bbox(
    params: Mapping[str, str], limits: Limits, problems: list[tuple[str, str]]
) -> tuple[float, float, float, float] | None:
    crs = params.get("bbox-crs")
    if crs is not None and crs != _CRS84:
        problems.append((f"bbox-crs 只支持 {_CRS84}", f"bbox-crs must be {_CRS84}"))
    text = params.get("bbox")
    if text is None:
        return None
    try:
        numbers = [float(v) for v in text.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    bad = (
        len(numbers) != 4
        or not all(math.isfinite(v) for v in numbers)
        or not (-180 <= numbers[0] <= numbers[2] <= 180)
        or not (-90 <= numbers[1] <= numbers[3] <= 90)
    )
    if bad:
        problems.append(
            (
                f"bbox={text} 须为 4 个数：最小经度,最小纬度,最大经度,最大纬度（WGS84）",
                f"bbox={text} must be 4 numbers: min lon,min lat,max lon,max lat (WGS84)",
            )
        )
        return None
    box = (numbers[0], numbers[1], numbers[2], numbers[3])
    area_km2 = bbox_area_km2(box)
    if area_km2 > limits.max_bbox_km2:
        problems.append(
            (
                f"bbox 面积 {area_km2:,.0f} km² 超过上限 {limits.max_bbox_km2:,.0f} km²，请缩小范围",
                f"the bbox covers {area_km2:,.0f} km², more than the {limits.max_bbox_km2:,.0f} km² "
                "allowed; ask for a smaller area",
            )
        )
    return box


def bbox_area_km2(box: tuple[float, float, float, float]) -> float:
    """Area of a lon/lat box in km², measured in EPSG:4547 with edges densified to ~100 m."""
    polygon = shapely.segmentize(shapely.box(*box), 0.001)
    metric = to_metric_geometries(np.array([polygon], dtype=object))
    area_m2 = float(shapely.area(metric)[0])
    return area_m2 / 1e6 if math.isfinite(area_m2) else math.inf


def select(gdf: gpd.GeoDataFrame, query: ItemQuery) -> np.ndarray:
    """Row positions of the features matching ``query``'s bbox and filters, in layer order."""
    keep = np.ones(len(gdf), dtype=bool)
    if query.bbox is not None:
        hits = gdf.sindex.query(shapely.box(*query.bbox), predicate="intersects")
        inside = np.zeros(len(gdf), dtype=bool)
        inside[hits] = True
        keep &= inside
    for field, values in query.filters:
        keep &= gdf[field].astype(str).isin(values).to_numpy() & gdf[field].notna().to_numpy()
    return np.flatnonzero(keep)


def feature_ids(gdf: gpd.GeoDataFrame, id_column: str | None, positions: np.ndarray) -> list:
    """The ids of the features at ``positions``: the id column's values, or 1-based row
    numbers where the collection has none."""
    if id_column is None:
        return (positions + 1).tolist()
    values = gdf[id_column].iloc[positions]
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype("int64").tolist()
    return values.astype(str).tolist()


def features_json(
    gdf: gpd.GeoDataFrame, id_column: str | None, positions: np.ndarray
) -> list[dict]:
    """The features at ``positions`` as GeoJSON dicts (written by
    :func:`geo.io.write_geojson`), each with its ``id``."""
    if len(positions) == 0:
        return []
    features = json.loads(write_geojson(gdf.iloc[positions]))["features"]
    for feature, fid in zip(features, feature_ids(gdf, id_column, positions), strict=True):
        feature["id"] = fid
    return features


#: Environment variables overriding :class:`Limits`.
LIMIT_ENV = {
    "default_limit": "LANDPLAN_OGC_DEFAULT_LIMIT",
    "max_limit": "LANDPLAN_OGC_MAX_LIMIT",
    "max_bbox_km2": "LANDPLAN_OGC_MAX_BBOX_KM2",
}


def limits_from_env(environ: Mapping[str, str]) -> Limits:
    """:class:`Limits` with the values :data:`LIMIT_ENV` names in ``environ`` (positive
    numbers); InputError listing every bad value."""
    values: dict[str, float] = {}
    bad = []
    for field, name in LIMIT_ENV.items():
        text = environ.get(name, "").strip()
        if not text:
            continue
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not (math.isfinite(number) and number > 0):
            bad.append(f"{name}={text}")
            continue
        values[field] = number if field == "max_bbox_km2" else int(number)
    limits = Limits(**values)
    if limits.default_limit > limits.max_limit:
        bad.append(f"{LIMIT_ENV['default_limit']} > {LIMIT_ENV['max_limit']}")
    if bad:
        raise InputError(
            f"OGC API 限制设置无效：{', '.join(bad)}；须为正数，且默认页大小不超过上限。",
            f"Bad OGC API limits: {', '.join(bad)}; they must be positive numbers and the "
            "default page size no more than the maximum.",
        )
    return limits
