"""Scenario edits: the edit record, its constructors and their checks.

Each constructor checks its input at the moment the planner makes the edit (attribute
values by the parcel schema's field rule, drawn polygons for validity, lon/lat and the
district) and returns an immutable :class:`Edit`; :func:`edit_from_parts` rebuilds one from
stored parts (the store and the GeoJSON exchange) through the same checks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import shape as geojson_shape
from shapely.geometry.base import BaseGeometry

from geo.crs import WGS84, require_crs, to_metric_geometries
from geo.errors import InputError
from geo.geometry import polygonal_parts
from layers.schema import LAYER_SPECS, CodeList, normalise_value

__all__ = [
    "ADD_PARCEL",
    "CHANGE_LABELS",
    "DEFAULT_DENSITY_ZONE",
    "EDITABLE_ATTRIBUTES",
    "EDIT_KINDS",
    "MERGE_PARCELS",
    "MIN_PARCEL_AREA_M2",
    "NEW_PARCEL_ATTRIBUTES",
    "NEW_PARCEL_DEFAULTS",
    "NEW_PARCEL_PREFIX",
    "OVERLAP_WARNING_M2",
    "REMOVE_PARCEL",
    "SCENARIO_SOURCE",
    "SET_ATTRIBUTES",
    "SPLIT_PARCEL",
    "Edit",
    "add_parcel",
    "district_outline",
    "edit_from_parts",
    "format_time",
    "merge_parcels",
    "metric_area_m2",
    "normalise_attributes",
    "now_iso",
    "parse_time",
    "remove_parcel",
    "set_attributes",
    "split_parcel",
]

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
#: Labels of the kinds of change in :attr:`AppliedScenario.changes`.
CHANGE_LABELS: dict[str, tuple[str, str]] = {
    "added": ("新增", "added"),
    "removed": ("删除", "removed"),
    "modified": ("修改", "modified"),
}
#: Overlap (m²) of a drawn parcel with existing parcels above which apply warns.
OVERLAP_WARNING_M2 = 1.0


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
    kind = LAYER_SPECS["parcels"].field(name).kind
    if isinstance(kind, CodeList):
        return kind.label(value, lang)
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

    Each value is checked by the parcel schema's own field rule
    (:func:`layers.schema.normalise_value`), the same one an import uses: codes or their
    Chinese/English labels for ``status``, ``land_use`` and ``guided_cluster``;
    ``far_target`` a finite number in [0, :data:`~layers.schema.FAR_MAX`] or None (clear);
    ``highrise`` yes/no; ``density_zone`` 1–5; ``name`` text. Every problem is listed in
    one :class:`InputError`.
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
        field = spec.field(name)
        try:
            out[name] = normalise_value(field, value)
        except ValueError as exc:
            problems.append(f"{field.zh}（{name}）：{exc}")
    if problems:
        raise InputError(
            "地块属性有误，请修改表单：",
            "Invalid parcel attributes; correct the form:",
            details=problems,
        )
    return out


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
    return float(shapely.area(to_metric_geometries(geometry)))


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
            clipped = polygonal_parts(shapely.intersection(geom, outline))
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
