"""情景 (scenarios): the baseline layers plus an ordered list of edits to the parcels.

A :class:`Scenario` never holds layers. It holds what the planner did — "mark these
parcels for 工业上楼", "draw a new parcel here", "remove that one" — as a list of
:class:`Edit` records, and :func:`apply` replays them on a :class:`~layers.catalog.LayerSet`.
Keeping the edits rather than their result means that

* a scenario stays small enough to save on every click, and moves between machines as one
  GeoJSON file (:func:`layers.store.scenario_to_geojson`);
* when the baseline data is updated, the scenario is replayed on the new data, and every
  edit that no longer fits (its parcel is gone, its new id is taken) is reported in
  :attr:`AppliedScenario.problems` instead of being dropped silently;
* undo is dropping the last edit (:meth:`Scenario.undo`).

Everything here is immutable: editing returns a new object, so a UI can keep the previous
state for undo and never half-changes a scenario.

Edit kinds and what :func:`apply` does with them:

``set_attributes``
    Sets ``status``, ``land_use``, ``far_target``, ``highrise`` and/or ``guided_cluster``
    (:data:`EDITABLE_ATTRIBUTES`) on the listed parcels. ``far_target`` or
    ``guided_cluster`` given as None clears the value.
``add_parcel``
    Adds a polygon drawn on the map (WGS84), validated and clipped to the district when
    it was created (:func:`add_parcel`), with the id in ``parcel_ids[0]``. On apply it gets
    ``area_m2`` (measured in EPSG:4547), ``far_current`` = ``gfa_current_m2`` = 0, the
    ``park_id`` of the park it overlaps most (a park of kind ``park`` wins over the
    ``corridor`` belt, which overlaps the parks), and the ``density_zone`` given, else the
    most common zone of that park's parcels, else :data:`DEFAULT_DENSITY_ZONE` (3).
``remove_parcel``
    Removes the listed parcels.
``split_parcel``
    Cuts one parcel along a drawn line (``geometry``) into parts ``<id>-1``, ``<id>-2`` …
    numbered west to east (then south to north) by centroid. Each part keeps the parent's
    attributes; ``area_m2`` and ``gfa_current_m2`` are shared out in proportion to the
    measured part areas.
``merge_parcels``
    Replaces the listed parcels by their union, id ``attributes["parcel_id"]``. It takes
    the attributes of the first listed parcel still present, the ``park_id`` and
    ``density_zone`` of the largest, the summed ``area_m2`` and ``gfa_current_m2`` (so
    ``far_current`` is the area-weighted mean), then any attributes given with the edit.

Times are ISO 8601 UTC strings with milliseconds (``2025-05-01T08:30:12.345Z``), the
GeoPackage DATETIME form, so they sort as text and store without conversion.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import shape as geojson_shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_geometry

from geo.crs import METRIC_CRS, WGS84, require_crs
from geo.errors import InputError
from layers.catalog import LayerSet
from layers.schema import CLUSTER, DENSITY_ZONES, LAND_USE, LAYER_SPECS, STATUS

SET_ATTRIBUTES = "set_attributes"
ADD_PARCEL = "add_parcel"
REMOVE_PARCEL = "remove_parcel"
SPLIT_PARCEL = "split_parcel"
MERGE_PARCELS = "merge_parcels"
#: Every edit kind, in the order a form would offer them.
EDIT_KINDS: tuple[str, ...] = (
    SET_ATTRIBUTES,
    ADD_PARCEL,
    REMOVE_PARCEL,
    SPLIT_PARCEL,
    MERGE_PARCELS,
)
EDIT_KIND_LABELS: dict[str, tuple[str, str]] = {
    SET_ATTRIBUTES: ("修改属性", "set attributes"),
    ADD_PARCEL: ("新增地块", "add parcel"),
    REMOVE_PARCEL: ("删除地块", "remove parcels"),
    SPLIT_PARCEL: ("分割地块", "split parcel"),
    MERGE_PARCELS: ("合并地块", "merge parcels"),
}

#: Parcel attributes a ``set_attributes`` edit may change.
EDITABLE_ATTRIBUTES: tuple[str, ...] = (
    "status",
    "land_use",
    "far_target",
    "highrise",
    "guided_cluster",
)
#: Attributes a drawn (or merged) parcel may be given.
NEW_PARCEL_ATTRIBUTES: tuple[str, ...] = (*EDITABLE_ATTRIBUTES, "name", "density_zone")
#: Defaults of a drawn parcel for attributes the planner leaves out.
NEW_PARCEL_DEFAULTS: dict[str, Any] = {"status": "available", "land_use": "M1", "highrise": False}
#: Smallest drawn parcel, m² (after clipping to the district); smaller is a stray click.
MIN_PARCEL_AREA_M2 = 100.0
#: Density zone of a drawn parcel outside every park, or in a park without zoned parcels.
DEFAULT_DENSITY_ZONE = 3
#: Prefix of ids given to drawn and merged parcels.
NEW_PARCEL_PREFIX = "S-"
#: ``source`` of parcels drawn in a scenario.
SCENARIO_SOURCE = "情景绘制"
#: Largest target FAR accepted (the parcel schema's limit).
MAX_FAR_TARGET = 30.0
#: Labels of the kinds of change in :attr:`AppliedScenario.changes`.
CHANGE_LABELS: dict[str, tuple[str, str]] = {
    "added": ("新增", "added"),
    "removed": ("删除", "removed"),
    "modified": ("修改", "modified"),
}
#: Overlap (m²) of a drawn parcel with existing parcels above which apply warns.
OVERLAP_WARNING_M2 = 1.0

_TRUE = {"true", "1", "yes", "y", "是", "√", "✓"}
_FALSE = {"false", "0", "no", "n", "否", "×", ""}
_TO_METRIC = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)


def now_iso() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SS.sssZ``."""
    return format_time(datetime.now(UTC))


def format_time(moment: datetime) -> str:
    """``moment`` (naive = UTC) as ``YYYY-MM-DDTHH:MM:SS.sssZ``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(text: object, what: str = "时间 time") -> str:
    """Normalise an ISO 8601 time (any offset; none = UTC) to :func:`format_time` form."""
    if isinstance(text, datetime):
        return format_time(text)
    try:
        moment = datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(
            f"{what}「{text}」不是 ISO 8601 时间（如 2025-05-01T08:30:00Z）。",
            f"{what} '{text}' is not an ISO 8601 time (e.g. 2025-05-01T08:30:00Z).",
        ) from exc
    return format_time(moment)


# --- edits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """One change to the parcels. Build edits with :func:`set_attributes`,
    :func:`add_parcel`, :func:`remove_parcel`, :func:`split_parcel` and
    :func:`merge_parcels`, which validate their input; do not mutate ``attributes``.

    Attributes
    ----------
    kind : str
        One of :data:`EDIT_KINDS`.
    parcel_ids : tuple of str
        The parcels edited; for ``add_parcel`` the new parcel's id.
    attributes : dict
        Attribute codes to set (JSON-safe values: str, float, bool or None).
    geometry : shapely geometry or None
        WGS84: the drawn polygon (``add_parcel``) or the cutting line (``split_parcel``).
    created_at : str
        ISO 8601 UTC time the edit was made.
    author, note : str
        Who made it and why (provenance, shown in the edit list and exported).
    """

    kind: str
    parcel_ids: tuple[str, ...] = ()
    attributes: dict = field(default_factory=dict)
    geometry: BaseGeometry | None = None
    created_at: str = field(default_factory=now_iso)
    author: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EDIT_KINDS:
            raise InputError(
                f"未知的编辑类型「{self.kind}」，可选：{', '.join(EDIT_KINDS)}。",
                f"Unknown edit kind '{self.kind}'; expected one of {', '.join(EDIT_KINDS)}.",
            )
        ids = (self.parcel_ids,) if isinstance(self.parcel_ids, str) else self.parcel_ids
        object.__setattr__(self, "parcel_ids", tuple(str(p) for p in ids))
        object.__setattr__(self, "attributes", dict(self.attributes or {}))
        object.__setattr__(self, "author", str(self.author or ""))
        object.__setattr__(self, "note", str(self.note or ""))

    def describe(self, lang: str = "zh") -> str:
        """One line for the edit list, e.g. ``修改 3 个地块（PS00001、…）：工业上楼 → 是``."""
        zh = lang == "zh"
        ids = _id_list(self.parcel_ids, "、" if zh else ", ")
        attrs = _describe_attributes(self.attributes, lang)
        n = len(self.parcel_ids)
        if self.kind == SET_ATTRIBUTES:
            text = (
                f"修改 {n} 个地块（{ids}）：{attrs}"
                if zh
                else f"Set on {n} parcel(s) ({ids}): {attrs}"
            )
        elif self.kind == ADD_PARCEL:
            text = f"新增地块 {ids}：{attrs}" if zh else f"Add parcel {ids}: {attrs}"
        elif self.kind == REMOVE_PARCEL:
            text = f"删除 {n} 个地块（{ids}）" if zh else f"Remove {n} parcel(s) ({ids})"
        elif self.kind == SPLIT_PARCEL:
            text = f"分割地块 {ids}" if zh else f"Split parcel {ids}"
        else:
            new_id = self.attributes.get("parcel_id", "")
            text = (
                f"合并 {n} 个地块（{ids}）为 {new_id}"
                if zh
                else f"Merge {n} parcels ({ids}) into {new_id}"
            )
        if self.note:
            text += f"（{self.note}）" if zh else f" ({self.note})"
        return text


def _id_list(ids: tuple[str, ...], sep: str, limit: int = 3) -> str:
    shown = sep.join(ids[:limit])
    return shown + (f"{sep}… ({len(ids)})" if len(ids) > limit else "")


def _describe_attributes(attrs: Mapping[str, Any], lang: str) -> str:
    spec = LAYER_SPECS["parcels"]
    parts = []
    for name, value in attrs.items():
        if name == "parcel_id":
            continue
        label = spec.field(name).zh if lang == "zh" else name
        parts.append(f"{label} → {_value_label(name, value, lang)}")
    return "；".join(parts) if lang == "zh" else "; ".join(parts)


def _value_label(name: str, value: Any, lang: str) -> str:
    if value is None:
        return "（清除）" if lang == "zh" else "(cleared)"
    lists = {"status": STATUS, "land_use": LAND_USE, "guided_cluster": CLUSTER}
    if name in lists:
        return lists[name].label(value, lang)
    if name == "highrise":
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _parcel_id_tuple(parcel_ids: str | Iterable[str], *, what: str) -> tuple[str, ...]:
    ids = (
        [parcel_ids]
        if isinstance(parcel_ids, str)
        else list(parcel_ids if parcel_ids is not None else [])
    )
    clean = tuple(dict.fromkeys(str(p).strip() for p in ids if str(p).strip()))
    if not clean:
        raise InputError(
            f"{what}：没有选中任何地块，请先在地图上选择地块。",
            f"{what}: no parcel selected; select parcels on the map first.",
        )
    return clean


def normalise_attributes(
    attributes: Mapping[str, Any], allowed: Iterable[str] = EDITABLE_ATTRIBUTES
) -> dict[str, Any]:
    """Check attribute names and values and return them as stored codes.

    Codes or their Chinese/English labels are accepted for ``status`` (:data:`STATUS`),
    ``land_use`` and ``guided_cluster``; ``far_target`` is a number in [0, 30] or None
    (clear); ``highrise`` is a bool (or 是/否, yes/no); ``density_zone`` is 1–5; ``name``
    is text. Every problem is listed in one :class:`InputError`.
    """
    allowed = tuple(allowed)
    out: dict[str, Any] = {}
    problems: list[str] = []
    spec = LAYER_SPECS["parcels"]
    for name, value in attributes.items():
        if name not in allowed:
            problems.append(
                f"不能修改字段「{name}」，可修改：{'、'.join(allowed)} / "
                f"'{name}' cannot be set; allowed: {', '.join(allowed)}"
            )
            continue
        zh = spec.field(name).zh
        try:
            out[name] = _normalise_value(name, value)
        except ValueError as exc:
            problems.append(f"{zh}（{name}）：{exc}")
    if problems:
        raise InputError(
            "地块属性有误，请修改表单：",
            "Invalid parcel attributes; correct the form:",
            details=problems,
        )
    return out


def _normalise_value(name: str, value: Any) -> Any:
    lists = {"status": STATUS, "land_use": LAND_USE, "guided_cluster": CLUSTER}
    if name in lists:
        codes = lists[name]
        if _blank(value):
            if name == "guided_cluster":
                return None
            raise ValueError(f"不能为空 / must not be empty; allowed: {', '.join(codes.codes)}")
        code = codes.normalise(value)
        if code is None:
            raise ValueError(
                f"「{value}」无法识别，可用：{'、'.join(codes.labels('zh').values())} / "
                f"unknown value '{value}'; allowed codes: {', '.join(codes.codes)}"
            )
        return code
    if name == "far_target":
        if _blank(value):
            return None
        number = _number(value)
        if not 0.0 <= number <= MAX_FAR_TARGET:
            raise ValueError(
                f"应在 0 到 {MAX_FAR_TARGET:g} 之间，实为 {number:g} / "
                f"must be between 0 and {MAX_FAR_TARGET:g}, got {number:g}"
            )
        return number
    if name == "highrise":
        if isinstance(value, bool | np.bool_):
            return bool(value)
        text = str(value).strip().casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"应为 是/否，实为「{value}」 / must be yes/no, got '{value}'")
    if name == "density_zone":
        number = _number(value)
        if number not in DENSITY_ZONES:
            raise ValueError(f"应为 1–5 的整数，实为 {value} / must be a whole number 1–5")
        return int(number)
    if name == "name":
        return None if _blank(value) else str(value).strip()
    raise ValueError(f"未知字段 / unknown field '{name}'")


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _number(value: Any) -> float:
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"应为数字，实为 {value} / must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"应为数字，实为「{value}」 / must be a number, got '{value}'") from None
    if not math.isfinite(number):
        raise ValueError(f"应为有限数值，实为 {value} / must be finite")
    return number


def set_attributes(
    parcel_ids: str | Iterable[str], *, author: str = "", note: str = "", **attributes: Any
) -> Edit:
    """An edit setting attributes on parcels, e.g. ``set_attributes(ids, highrise=True)``.

    Parameters
    ----------
    parcel_ids : str or iterable of str
        The selected parcels (duplicates are dropped).
    author, note : str
        Provenance.
    **attributes
        Any of :data:`EDITABLE_ATTRIBUTES`; values as :func:`normalise_attributes`
        accepts them (``status="可供应"`` works). ``far_target=None`` and
        ``guided_cluster=None`` clear the value.

    Raises
    ------
    InputError
        No parcel selected, no attribute given, an unknown attribute or a bad value.
    """
    ids = _parcel_id_tuple(parcel_ids, what="修改属性 set attributes")
    if not attributes:
        raise InputError(
            "没有要修改的属性：请在表单中至少填写一项。",
            "No attribute to set: fill in at least one field of the form.",
        )
    return Edit(
        SET_ATTRIBUTES, ids, normalise_attributes(attributes), None, author=author, note=note
    )


def remove_parcel(parcel_ids: str | Iterable[str], *, author: str = "", note: str = "") -> Edit:
    """An edit removing one or several parcels."""
    return Edit(
        REMOVE_PARCEL,
        _parcel_id_tuple(parcel_ids, what="删除地块 remove parcels"),
        author=author,
        note=note,
    )


def merge_parcels(
    parcel_ids: Iterable[str],
    attributes: Mapping[str, Any] | None = None,
    *,
    author: str = "",
    note: str = "",
) -> Edit:
    """An edit replacing two or more parcels by one (their union), e.g. to consolidate
    low-efficiency parcels before 工业上楼.

    The merged parcel's id is ``S-`` + 8 hex digits derived from the sorted ids, so the
    same merge gives the same id. ``attributes`` (any of :data:`NEW_PARCEL_ATTRIBUTES`)
    override those taken over from the members.
    """
    ids = _parcel_id_tuple(parcel_ids, what="合并地块 merge parcels")
    if len(ids) < 2:
        raise InputError("合并至少需要选中两个地块。", "Select at least two parcels to merge.")
    attrs = normalise_attributes(attributes or {}, NEW_PARCEL_ATTRIBUTES)
    digest = hashlib.blake2b("\n".join(sorted(ids)).encode(), digest_size=4).hexdigest()
    attrs["parcel_id"] = NEW_PARCEL_PREFIX + digest
    return Edit(MERGE_PARCELS, ids, attrs, None, author=author, note=note)


def _as_geometry(geometry: Any, what_zh: str, what_en: str) -> BaseGeometry:
    """A shapely geometry from shapely or a GeoJSON mapping (Feature or geometry)."""
    if isinstance(geometry, BaseGeometry):
        return geometry
    if isinstance(geometry, Mapping):
        data = geometry.get("geometry") if geometry.get("type") == "Feature" else geometry
        try:
            return geojson_shape(data)
        except (
            AttributeError,
            KeyError,
            TypeError,
            ValueError,
            IndexError,
            shapely.errors.GEOSException,
        ) as exc:
            raise InputError(
                f"{what_zh}不是有效的 GeoJSON 几何：{exc}",
                f"The {what_en} is not a valid GeoJSON geometry: {exc}",
            ) from exc
    raise InputError(
        f"没有{what_zh}：请先在地图上绘制。", f"No {what_en}: draw it on the map first."
    )


def _check_lonlat(geom: BaseGeometry, what_zh: str, what_en: str) -> None:
    xy = shapely.get_coordinates(geom)
    if not np.isfinite(xy).all():
        raise InputError(
            f"{what_zh}含无效坐标（NaN/无穷大）。", f"The {what_en} has non-finite coordinates."
        )
    if (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
        raise InputError(
            f"{what_zh}的坐标不是经纬度（WGS84）：请在地图上绘制，或先转换坐标。",
            f"The {what_en}'s coordinates are not WGS84 longitude/latitude.",
        )


def metric_area_m2(geometry: BaseGeometry) -> float:
    """Area of a WGS84 geometry, m², measured in EPSG:4547."""
    return float(shapely.area(shapely.transform(geometry, _metric_xy)))


def _metric_xy(xy: np.ndarray) -> np.ndarray:
    x, y = _TO_METRIC.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def district_outline(district: Any) -> BaseGeometry:
    """One WGS84 polygon from a geometry, GeoSeries or GeoDataFrame (e.g. the boundary layer,
    whose district and 街道 rows union to the district)."""
    if isinstance(district, BaseGeometry):
        return district
    if isinstance(district, gpd.GeoDataFrame | gpd.GeoSeries):
        require_crs(district, "区界图层 boundary")
        return shapely.union_all(shapely.make_valid(district.to_crs(WGS84).geometry.values))
    raise InputError("区界应为几何或图层。", "The district outline must be a geometry or a layer.")


def add_parcel(
    geometry: BaseGeometry | Mapping,
    attributes: Mapping[str, Any] | None = None,
    *,
    district: Any = None,
    author: str = "",
    note: str = "",
    min_area_m2: float = MIN_PARCEL_AREA_M2,
) -> Edit:
    """An edit adding a parcel drawn on the map.

    The drawing is checked, not repaired: a self-intersecting outline is refused so the
    planner redraws what was meant. Inside the district it is kept as drawn (exterior
    counter-clockwise, as RFC 7946 asks); across the district edge it is clipped and the
    edit's note says how much was cut off.

    Parameters
    ----------
    geometry : shapely Polygon/MultiPolygon or GeoJSON mapping
        WGS84 longitude/latitude, e.g. the GeoJSON Feature Leaflet.draw returns.
    attributes : mapping, optional
        Any of :data:`NEW_PARCEL_ATTRIBUTES`; :data:`NEW_PARCEL_DEFAULTS` fill the rest
        (status 可供应, land use M1, no 工业上楼).
    district : geometry, GeoSeries or GeoDataFrame, optional
        The district outline (pass ``layers.boundary``); None skips clipping.
    author, note : str
        Provenance.
    min_area_m2 : float
        Smallest accepted area after clipping, m² (default 100).

    Returns
    -------
    Edit
        Kind ``add_parcel``; ``parcel_ids`` holds the new id, ``S-`` + 8 hex digits of a
        hash of the geometry (the same drawing gives the same id).

    Raises
    ------
    InputError
        Not a polygon, not lon/lat, self-intersecting (``自相交``, with the location), entirely
        outside the district, smaller than ``min_area_m2``, or bad attributes.
    """
    geom = _as_geometry(geometry, "所画地块", "drawn parcel")
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise InputError(
            f"新增地块应为多边形，实为 {geom.geom_type}：请用多边形或矩形工具绘制。",
            f"A new parcel must be a polygon, got {geom.geom_type}; draw it with the polygon "
            "or rectangle tool.",
        )
    _check_lonlat(geom, "所画地块", "drawn parcel")
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        where_zh, where_en = _reason_location(reason)
        if "Self-intersection" in reason:
            raise InputError(
                f"所画地块自相交{where_zh}：边界线交叉了。请删除后重新绘制，使边界不交叉。",
                f"The drawn parcel intersects itself{where_en}: its outline crosses. Delete it "
                "and draw it again without crossing lines.",
            )
        raise InputError(
            f"所画地块几何无效{where_zh}（{reason}）。请删除后重新绘制。",
            f"The drawn parcel is not a valid polygon{where_en} ({reason}). Draw it again.",
        )
    attrs = {**NEW_PARCEL_DEFAULTS, **normalise_attributes(attributes or {}, NEW_PARCEL_ATTRIBUTES)}
    notes = [note] if note else []
    if district is not None:
        outline = district_outline(district)
        if not shapely.intersects(geom, outline):
            raise InputError(
                "所画地块完全位于区界之外，请在坪山区范围内绘制。",
                "The drawn parcel lies entirely outside the district; draw it inside.",
            )
        if not shapely.covers(outline, geom):
            clipped = _polygonal(shapely.intersection(geom, outline))
            cut_m2 = metric_area_m2(geom) - metric_area_m2(clipped)
            if clipped is None or clipped.is_empty:
                raise InputError(
                    "所画地块与区界只有边界接触，请在坪山区范围内绘制。",
                    "The drawn parcel only touches the district edge; draw it inside.",
                )
            geom = clipped
            notes.append(
                f"已按区界裁剪，去掉约 {cut_m2:,.0f} m² / clipped to the district, "
                f"{cut_m2:,.0f} m² cut off"
            )
    area = metric_area_m2(geom)
    if area < min_area_m2:
        raise InputError(
            f"所画地块面积约 {area:,.0f} m²，小于最小面积 {min_area_m2:,.0f} m²，请重新绘制。",
            f"The drawn parcel is about {area:,.0f} m², below the minimum of "
            f"{min_area_m2:,.0f} m²; draw it again.",
        )
    geom = shapely.orient_polygons(geom, exterior_cw=False)
    digest = hashlib.blake2b(shapely.to_wkb(geom, byte_order=1), digest_size=4).hexdigest()
    return Edit(
        ADD_PARCEL, (NEW_PARCEL_PREFIX + digest,), attrs, geom, author=author, note="；".join(notes)
    )


def _reason_location(reason: str) -> tuple[str, str]:
    """Where GEOS found the problem (``Self-intersection[x y]``), in Chinese and English."""
    if "[" not in reason:
        return "", ""
    try:
        x, y = (float(v) for v in reason[reason.index("[") + 1 : reason.index("]")].split()[:2])
    except ValueError:
        return "", ""
    return f"（约在 {x:.5f}, {y:.5f} 附近）", f" (near {x:.5f}, {y:.5f})"


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.multipolygons(polys)


def split_parcel(
    parcel_id: str, line: BaseGeometry | Mapping, *, author: str = "", note: str = ""
) -> Edit:
    """An edit cutting a parcel in parts along a line drawn across it (WGS84)."""
    ids = _parcel_id_tuple(parcel_id, what="分割地块 split parcel")
    if len(ids) != 1:
        raise InputError("分割时只能选中一个地块。", "Select exactly one parcel to split.")
    geom = _as_geometry(line, "分割线", "cutting line")
    if geom.geom_type not in ("LineString", "MultiLineString") or geom.is_empty:
        raise InputError(
            f"分割线应为折线，实为 {geom.geom_type}：请用折线工具画一条穿过地块的线。",
            f"The cutting line must be a line, got {geom.geom_type}; draw a polyline across "
            "the parcel.",
        )
    _check_lonlat(geom, "分割线", "cutting line")
    return Edit(SPLIT_PARCEL, ids, {}, geom, author=author, note=note)


def edit_from_parts(
    kind: str,
    parcel_ids: Iterable[str],
    attributes: Mapping[str, Any] | None,
    geometry: BaseGeometry | None,
    *,
    created_at: str | None = None,
    author: str = "",
    note: str = "",
) -> Edit:
    """Rebuild a stored or imported edit, validating it as the constructors do (except
    district clipping, which happened when it was made)."""
    if kind not in EDIT_KINDS:
        raise InputError(f"未知的编辑类型「{kind}」。", f"Unknown edit kind '{kind}'.")
    ids = tuple(str(p) for p in parcel_ids)
    attrs = dict(attributes or {})
    when = parse_time(created_at, "编辑时间 created_at") if created_at else now_iso()
    if kind == ADD_PARCEL:
        if len(ids) != 1:
            raise InputError(
                "新增地块的编辑应只含一个地块编号。",
                "An add_parcel edit must carry exactly one parcel id.",
            )
        made = add_parcel(geometry, attrs, min_area_m2=0.0)
        return Edit(ADD_PARCEL, ids, made.attributes, made.geometry, when, author, note)
    if kind == MERGE_PARCELS:
        new_id = attrs.pop("parcel_id", None)
        made = merge_parcels(ids, attrs)
        merged = {**made.attributes, "parcel_id": str(new_id or made.attributes["parcel_id"])}
        return Edit(MERGE_PARCELS, made.parcel_ids, merged, None, when, author, note)
    if kind == SPLIT_PARCEL:
        made = split_parcel(ids[0] if len(ids) == 1 else ids, geometry)
    elif kind == REMOVE_PARCEL:
        made = remove_parcel(ids)
    else:
        # Not through set_attributes(**attrs): a stored attribute named "author" or "note"
        # must be refused, not taken for provenance.
        if not attrs:
            raise InputError(
                "修改属性的编辑没有任何属性。", "A set_attributes edit carries no attribute."
            )
        made = Edit(
            SET_ATTRIBUTES,
            _parcel_id_tuple(ids, what="修改属性 set attributes"),
            normalise_attributes(attrs),
        )
    return replace(made, created_at=when, author=author, note=note)


# --- scenarios --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A named, ordered list of edits on the baseline or on another scenario.

    Attributes
    ----------
    id : str
        uuid4 text, stable across saves, renames and exports.
    name, description, author : str
    created_at, updated_at : str
        ISO 8601 UTC; the store sets ``updated_at`` on every save.
    base_id : str or None
        None: edits apply to the baseline layers; else the id of the scenario whose result
        they apply to.
    version : int
        The stored version this object was read or saved as; 0 = never saved. The store
        refuses a save whose version is not the stored one (another tab saved first).
    edits : tuple of Edit
    """

    id: str
    name: str
    description: str = ""
    author: str = ""
    created_at: str = field(default_factory=now_iso)
    updated_at: str = ""
    base_id: str | None = None
    version: int = 0
    edits: tuple[Edit, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "edits", tuple(self.edits))
        if not self.updated_at:
            object.__setattr__(self, "updated_at", self.created_at)

    def with_edit(self, edit: Edit) -> Scenario:
        """A copy with ``edit`` appended."""
        if not isinstance(edit, Edit):
            raise InputError("只能追加 Edit 编辑。", "Only Edit objects can be appended.")
        return replace(self, edits=(*self.edits, edit))

    def undo(self) -> Scenario:
        """A copy without the last edit; :class:`InputError` when there is none."""
        if not self.edits:
            raise InputError("没有可撤销的编辑。", "There is no edit to undo.")
        return replace(self, edits=self.edits[:-1])

    def without_edit(self, index: int) -> Scenario:
        """A copy without edit number ``index`` (0-based), to drop an edit mid-list."""
        if not -len(self.edits) <= index < len(self.edits):
            raise InputError(f"没有第 {index + 1} 项编辑。", f"There is no edit #{index + 1}.")
        edits = list(self.edits)
        del edits[index]
        return replace(self, edits=tuple(edits))

    def fingerprint(self) -> str:
        """A short hash of what :func:`apply` depends on (base id and edits, not names or
        times), for keying caches of applied layers and indicators. A scenario built on
        another one depends on that one's edits too: combine their fingerprints."""
        digest = hashlib.blake2b(digest_size=8)
        digest.update(str(self.base_id).encode())
        for edit in self.edits:
            digest.update(
                repr((edit.kind, edit.parcel_ids, sorted(edit.attributes.items()))).encode()
            )
            digest.update(b"" if edit.geometry is None else shapely.to_wkb(edit.geometry))
        return digest.hexdigest()

    def with_details(self, *, name: str | None = None, description: str | None = None) -> Scenario:
        """A copy with a new name and/or description."""
        return replace(
            self,
            name=self.name if name is None else scenario_name(name),
            description=self.description if description is None else str(description),
        )


def scenario_name(name: object) -> str:
    """A scenario name stripped of blanks; :class:`InputError` when empty or too long."""
    text = str(name or "").strip()
    if not text:
        raise InputError("请填写情景名称。", "Give the scenario a name.")
    if len(text) > 200:
        raise InputError("情景名称过长（最多 200 字）。", "The scenario name is too long (≤ 200).")
    return text


def new_scenario(
    name: str, author: str = "", description: str = "", base_id: str | None = None
) -> Scenario:
    """A new, empty, unsaved scenario (version 0) with a fresh uuid4 id.

    ``base_id`` None builds on the baseline; another scenario's id builds on its result.
    """
    moment = now_iso()
    return Scenario(
        id=str(uuid.uuid4()),
        name=scenario_name(name),
        description=str(description),
        author=str(author),
        created_at=moment,
        updated_at=moment,
        base_id=None if base_id in (None, "") else str(base_id),
    )


# --- applying ---------------------------------------------------------------------------


class Problem(NamedTuple):
    """An edit that could not be applied in full.

    ``index`` is the edit's position (0-based) in the scenario ``scenario_id`` (the one
    applied, or one of its bases); ``message`` is Chinese, then `` / `` and English.
    """

    index: int
    message: str
    scenario_id: str


@dataclass(frozen=True)
class AppliedScenario:
    """The result of :func:`apply`.

    Attributes
    ----------
    layers : LayerSet
        The base layers with the scenario's parcels (validated; ``is_demo`` kept).
    problems : tuple of Problem
        Edits (of this scenario or its bases) that did not apply in full, in order.
    added, removed, modified : tuple of str
        Parcel ids new in the scenario, gone from it, or present in both with a changed
        attribute or geometry; each sorted.
    changes : GeoDataFrame
        The map of what changed (EPSG:4326): ``parcel_id``, ``change`` (``added``,
        ``removed``, ``modified``), ``change_zh`` (新增, 删除, 修改) and the geometry —
        from the scenario, or from the base for removed parcels.
    """

    layers: LayerSet
    problems: tuple[Problem, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    modified: tuple[str, ...]
    changes: gpd.GeoDataFrame

    @property
    def changed_parcel_ids(self) -> tuple[str, ...]:
        """Every parcel id added, removed or modified, sorted."""
        return tuple(sorted({*self.added, *self.removed, *self.modified}))

    @property
    def parcels(self) -> gpd.GeoDataFrame:
        return self.layers.parcels


def apply(
    scenario: Scenario,
    base: LayerSet,
    *,
    resolve_base: Callable[[str], Scenario] | None = None,
) -> AppliedScenario:
    """Replay a scenario's edits (after those of its base scenarios) on ``base.parcels``.

    Parameters
    ----------
    scenario : Scenario
    base : LayerSet
        The baseline layers; ``parks`` (when present) gives drawn parcels their park.
    resolve_base : callable, optional
        ``resolve_base(base_id) -> Scenario``, e.g. ``store.open``; needed when the scenario
        (or one of its bases) builds on another scenario.

    Returns
    -------
    AppliedScenario

    Raises
    ------
    InputError
        No parcel layer; a base scenario that cannot be resolved; a cycle of bases.
    """
    if not isinstance(base, LayerSet) or base.parcels is None:
        raise InputError(
            "没有基础地块图层：请先加载地块数据。",
            "No baseline parcel layer: load the parcels first.",
        )
    chain = _base_chain(scenario, resolve_base)
    frame = _working_frame(base.parcels)
    context = _Context(base.parks, frame)
    problems: list[Problem] = []
    touched: set[str] = set()
    for owner in chain:
        prefix = "" if owner.id == scenario.id else f"[基础情景 base「{owner.name}」] "
        for index, edit in enumerate(owner.edits):
            frame, messages = _HANDLERS[edit.kind](frame, edit, context, touched)
            problems.extend(Problem(index, prefix + m, owner.id) for m in messages)

    base_ids = pd.Index(base.parcels["parcel_id"].astype(str))
    added = sorted(set(frame.index) - set(base_ids))
    removed = sorted(set(base_ids) - set(frame.index))
    modified = _modified(base.parcels, frame, touched)
    out = gpd.GeoDataFrame(frame.reset_index(drop=True), geometry=frame.geometry.name, crs=WGS84)
    before = base.parcels.to_crs(WGS84)
    before = before.set_index(before["parcel_id"].astype(str)).geometry
    after = frame.geometry
    kinds = ["added"] * len(added) + ["removed"] * len(removed) + ["modified"] * len(modified)
    changes = gpd.GeoDataFrame(
        {
            "parcel_id": [*added, *removed, *modified],
            "change": kinds,
            "change_zh": [CHANGE_LABELS[k][0] for k in kinds],
        },
        geometry=[*after.loc[added], *before.loc[removed], *after.loc[modified]],
        crs=WGS84,
    )
    return AppliedScenario(
        layers=base.with_layer("parcels", out),
        problems=tuple(problems),
        added=tuple(added),
        removed=tuple(removed),
        modified=tuple(modified),
        changes=changes,
    )


def _base_chain(
    scenario: Scenario, resolve_base: Callable[[str], Scenario] | None
) -> list[Scenario]:
    chain = [scenario]
    seen = {scenario.id}
    current = scenario
    while current.base_id is not None:
        if resolve_base is None:
            raise InputError(
                f"情景「{current.name}」建立在另一个情景之上，需要提供读取基础情景的方法。",
                f"Scenario '{current.name}' builds on another scenario; pass resolve_base.",
            )
        if current.base_id in seen:
            raise InputError(
                f"情景「{current.name}」的基础情景形成循环，请改为以基准现状为基础。",
                f"The bases of scenario '{current.name}' form a cycle; base it on the "
                "baseline instead.",
            )
        parent = resolve_base(current.base_id)
        if not isinstance(parent, Scenario) or parent.id != current.base_id:
            raise InputError(
                f"找不到基础情景 {current.base_id}。", f"Base scenario {current.base_id} not found."
            )
        seen.add(parent.id)
        chain.append(parent)
        current = parent
    return chain[::-1]


def _working_frame(parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    require_crs(parcels, "地块图层 parcels")
    frame = parcels.to_crs(WGS84) if parcels.crs.to_epsg() != 4326 else parcels.copy()
    frame["parcel_id"] = frame["parcel_id"].astype(str)
    defaults = {
        "highrise": False,
        "far_target": np.nan,
        "guided_cluster": None,
        "name": None,
        "source": None,
    }
    for column, value in defaults.items():
        if column not in frame.columns:
            frame[column] = value
    frame["far_target"] = frame["far_target"].astype(float)
    frame["guided_cluster"] = frame["guided_cluster"].astype(object)
    frame.index = pd.Index(frame["parcel_id"].to_numpy(dtype=object), name=None)
    return frame


class _Context:
    """What drawn parcels need from the base: parks (metric) and each park's usual zone."""

    def __init__(self, parks: gpd.GeoDataFrame | None, parcels: gpd.GeoDataFrame) -> None:
        self.parks = None
        if parks is not None and len(parks) and "park_id" in parks.columns:
            require_crs(parks, "园区图层 parks")
            metric = parks.to_crs(METRIC_CRS)
            kind = (
                metric["kind"].astype(str).to_numpy()
                if "kind" in metric.columns
                else np.full(len(metric), "park")
            )
            self.parks = (
                metric.geometry.to_numpy(),
                metric["park_id"].astype(str).to_numpy(),
                kind,
            )
        zones = (
            pd.to_numeric(parcels["density_zone"], errors="coerce")
            if "density_zone" in parcels.columns
            else pd.Series(dtype=float)
        )
        by_park = pd.DataFrame({"park": parcels.get("park_id"), "zone": zones}).dropna()
        # The smallest zone wins a tie so the choice is reproducible.
        self.zone_of_park = {
            str(p): int(g.value_counts().sort_index().idxmax())
            for p, g in by_park.groupby("park")["zone"]
        }

    def park_of(self, geom_metric: BaseGeometry) -> str | None:
        if self.parks is None:
            return None
        geoms, ids, kind = self.parks
        overlap = shapely.area(shapely.intersection(geoms, geom_metric))
        hit = overlap > 0
        if not hit.any():
            return None
        is_park = hit & (kind != "corridor")
        pool = is_park if is_park.any() else hit
        return str(ids[np.flatnonzero(pool)[np.argmax(overlap[pool])]])

    def zone_of(self, park_id: str | None) -> int:
        return (
            self.zone_of_park.get(park_id, DEFAULT_DENSITY_ZONE)
            if park_id
            else DEFAULT_DENSITY_ZONE
        )


def _missing_message(missing: list[str], what_zh: str, what_en: str) -> str:
    ids_zh = _id_list(tuple(missing), "、", limit=5)
    ids_en = _id_list(tuple(missing), ", ", limit=5)
    return (
        f"地块 {ids_zh} 已不存在，{what_zh}未对其生效 / parcels {ids_en} no longer exist; "
        f"{what_en} did not apply to them"
    )


def _present(frame: gpd.GeoDataFrame, ids: tuple[str, ...]) -> tuple[list[str], list[str]]:
    inside = frame.index.isin(ids)
    here = set(frame.index[inside])
    return [p for p in ids if p in here], [p for p in ids if p not in here]


def _cell(column: str, value: Any) -> Any:
    if column == "far_target":
        return np.nan if value is None else float(value)
    return value


def _apply_set(frame, edit, context, touched):
    present, missing = _present(frame, edit.parcel_ids)
    messages = [_missing_message(missing, "属性修改", "the attribute change")] if missing else []
    if present:
        for column, value in edit.attributes.items():
            frame.loc[present, column] = _cell(column, value)
        touched.update(present)
    return frame, messages


def _apply_remove(frame, edit, context, touched):
    present, missing = _present(frame, edit.parcel_ids)
    messages = [_missing_message(missing, "删除", "the removal")] if missing else []
    return frame.drop(index=present), messages


def _new_rows(frame: gpd.GeoDataFrame, rows: list[dict]) -> gpd.GeoDataFrame:
    added = gpd.GeoDataFrame(rows, geometry=frame.geometry.name, crs=WGS84)
    added.index = pd.Index([r["parcel_id"] for r in rows], dtype=object)
    # Columns the new rows lack (e.g. extra columns of the source file) stay empty.
    return pd.concat([frame, added.reindex(columns=frame.columns)])


def _apply_add(frame, edit, context, touched):
    new_id = edit.parcel_ids[0]
    if new_id in frame.index:
        return frame, [
            f"地块编号 {new_id} 已存在（同一地块重复绘制？），未新增 / parcel id "
            f"{new_id} already exists (drawn twice?); not added"
        ]
    geom = edit.geometry
    metric = shapely.transform(geom, _metric_xy)
    park_id = context.park_of(metric)
    row = {
        "parcel_id": new_id,
        "park_id": park_id,
        "area_m2": float(shapely.area(metric)),
        "far_current": 0.0,
        "gfa_current_m2": 0.0,
        "density_zone": context.zone_of(park_id),
        "source": SCENARIO_SOURCE,
        frame.geometry.name: geom,
    }
    # A density zone given in the form wins over the park's usual one.
    row.update({k: _cell(k, v) for k, v in edit.attributes.items() if v is not None})
    messages = []
    tree = shapely.STRtree(frame.geometry.to_numpy())
    hits = tree.query(geom, predicate="intersects")
    if len(hits):
        others = shapely.transform(frame.geometry.to_numpy()[hits], _metric_xy)
        overlap = shapely.area(shapely.intersection(shapely.make_valid(others), metric))
        if overlap.sum() > OVERLAP_WARNING_M2:
            names = tuple(frame.index[hits[overlap > OVERLAP_WARNING_M2]])
            messages.append(
                f"新增地块 {new_id} 已加入，但与现有地块 {_id_list(names, '、')} 重叠约 "
                f"{overlap.sum():,.0f} m²，面积会重复计算；请删除重叠地块或重画 / new parcel "
                f"{new_id} was added but overlaps {_id_list(names, ', ')} by about "
                f"{overlap.sum():,.0f} m², which is counted twice; remove them or redraw"
            )
    touched.add(new_id)
    return _new_rows(frame, [row]), messages


def _apply_split(frame, edit, context, touched):
    parent_id = edit.parcel_ids[0]
    if parent_id not in frame.index:
        return frame, [_missing_message([parent_id], "分割", "the split")]
    parent = frame.loc[parent_id]
    geom = shapely.make_valid(parent[frame.geometry.name])
    parts = [
        p
        for p in shapely.get_parts(split_geometry(geom, edit.geometry))
        if p.geom_type == "Polygon" and not p.is_empty
    ]
    if len(parts) < 2:
        return frame, [
            f"分割线没有把地块 {parent_id} 分成两块以上，未分割；请画一条完整穿过地块的线 / "
            f"the line does not cut parcel {parent_id} in two; draw it right across"
        ]
    centroids = shapely.get_coordinates(shapely.centroid(parts))
    order = np.lexsort((centroids[:, 1], centroids[:, 0]))
    parts = [parts[i] for i in order]
    ids = [f"{parent_id}-{k}" for k in range(1, len(parts) + 1)]
    taken = [p for p in ids if p in frame.index]
    if taken:
        return frame, [
            f"分割后的编号 {'、'.join(taken)} 已存在，未分割 / ids "
            f"{', '.join(taken)} already exist; not split"
        ]
    share = np.array([metric_area_m2(p) for p in parts])
    share = share / share.sum()
    rows = []
    for new_id, part, s in zip(ids, parts, share, strict=True):
        row = parent.to_dict()
        row.update(
            {
                "parcel_id": new_id,
                frame.geometry.name: part,
                "area_m2": float(parent["area_m2"]) * s,
                "gfa_current_m2": float(parent["gfa_current_m2"]) * s,
            }
        )
        rows.append(row)
    touched.update(ids)
    return _new_rows(frame.drop(index=[parent_id]), rows), []


def _apply_merge(frame, edit, context, touched):
    present, missing = _present(frame, edit.parcel_ids)
    attrs = dict(edit.attributes)
    new_id = attrs.pop("parcel_id")
    messages = [_missing_message(missing, "合并", "the merge")] if missing else []
    if len(present) < 2:
        return frame, [
            *messages,
            f"可合并的地块不足两个，未生成 {new_id} / fewer than two of the "
            f"parcels remain; {new_id} not made",
        ]
    if new_id in frame.index and new_id not in present:
        return frame, [
            *messages,
            f"地块编号 {new_id} 已存在，未合并 / parcel id {new_id} already exists; not merged",
        ]
    members = frame.loc[present]
    geoms = shapely.make_valid(members.geometry.to_numpy())
    largest = members.iloc[int(np.argmax(pd.to_numeric(members["area_m2"]).to_numpy()))]
    row = members.iloc[0].to_dict()
    area = float(pd.to_numeric(members["area_m2"]).sum())
    gfa = float(pd.to_numeric(members["gfa_current_m2"]).sum())
    row.update(
        {
            "parcel_id": new_id,
            frame.geometry.name: _polygonal(shapely.union_all(geoms)),
            "area_m2": area,
            "gfa_current_m2": gfa,
            "far_current": gfa / area if area > 0 else 0.0,
            "park_id": largest["park_id"],
            "density_zone": largest["density_zone"],
            **{k: _cell(k, v) for k, v in attrs.items()},
        }
    )
    touched.add(new_id)
    return _new_rows(frame.drop(index=present), [row]), messages


_HANDLERS = {
    SET_ATTRIBUTES: _apply_set,
    ADD_PARCEL: _apply_add,
    REMOVE_PARCEL: _apply_remove,
    SPLIT_PARCEL: _apply_split,
    MERGE_PARCELS: _apply_merge,
}

_COMPARED = (
    "status",
    "land_use",
    "far_target",
    "highrise",
    "guided_cluster",
    "name",
    "density_zone",
    "park_id",
    "area_m2",
    "gfa_current_m2",
)


def _modified(base: gpd.GeoDataFrame, frame: gpd.GeoDataFrame, touched: set[str]) -> list[str]:
    """Touched parcels present before and after whose attributes or geometry changed."""
    ids = sorted(touched & set(frame.index) & set(base["parcel_id"].astype(str)))
    if not ids:
        return []
    before = base.set_index(base["parcel_id"].astype(str)).loc[ids]
    after = frame.loc[ids]
    changed = np.zeros(len(ids), dtype=bool)
    for column in _COMPARED:
        if column in before.columns and column in after.columns:
            changed |= _differs(
                before[column].to_numpy(dtype=object), after[column].to_numpy(dtype=object)
            )
    changed |= ~shapely.equals_exact(before.geometry.to_numpy(), after.geometry.to_numpy(), 0.0)
    return [p for p, c in zip(ids, changed, strict=True) if c]


def _differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise "not the same value", with None, NaN and NA all counting as blank."""
    blank_a, blank_b = pd.isna(a), pd.isna(b)
    out = blank_a != blank_b
    both = np.flatnonzero(~blank_a & ~blank_b)
    out[both] = [x != y for x, y in zip(a[both], b[both], strict=True)]
    return out


def select_parcels(
    parcels: gpd.GeoDataFrame, area: BaseGeometry | Mapping, *, predicate: str = "intersects"
) -> list[str]:
    """Ids of the parcels a drawn rectangle or polygon (WGS84) selects.

    ``predicate`` is ``"intersects"`` (touched by the drawing) or ``"within"`` (wholly
    inside it). Ids are returned in layer order.
    """
    if predicate not in ("intersects", "within"):
        raise InputError(
            "选择方式应为 intersects 或 within。", "predicate must be 'intersects' or 'within'."
        )
    geom = _as_geometry(area, "选择范围", "selection area")
    require_crs(parcels, "地块图层 parcels")
    geoms = parcels.to_crs(WGS84).geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    hits = np.sort(
        tree.query(geom, predicate="intersects" if predicate == "intersects" else "contains")
    )
    return parcels["parcel_id"].astype(str).to_numpy()[hits].tolist()
