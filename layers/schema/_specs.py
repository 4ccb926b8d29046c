"""Fields and layer specs: the columns every layer kind has, their types, bounds, defaults,
aliases and units, and the geometry types it accepts.

Method: one :class:`LayerSpec` per layer kind in :data:`LAYER_SPECS` (its keys, in order,
are :data:`LAYER_KINDS`), each a tuple of :class:`Field` records; a field's ``kind`` is
'str', 'float', 'int', 'bool' or a :class:`~layers.schema.CodeList`. Numbers are bounded
by ``minimum``/``maximum`` (a floor-area ratio by :data:`FAR_MAX`); ``aliases`` are the
other headers files use, compared folded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from layers.schema._codes import (
    CLUSTER,
    CONSTRAINT_KIND,
    DENSITY_ZONES,
    LAND_USE,
    PARK_KIND,
    STATUS,
)

__all__ = [
    "FAR_MAX",
    "LAYER_KINDS",
    "LAYER_SPECS",
    "Field",
    "LayerSpec",
    "required_fields",
]


#: Largest floor-area ratio accepted anywhere (current or target); above it a value is a typo.
FAR_MAX = 30.0


@dataclass(frozen=True)
class Field:
    """A column of a layer: its type and whether it must be present.

    ``kind`` is one of 'str', 'float', 'int', 'bool' or a :class:`CodeList`. ``aliases``
    are other headers files use for the column (compared by :func:`fold_header`); ``unit``
    the unit of a number, the one a header or a value may name.
    """

    name: str
    kind: object
    zh: str
    required: bool = True
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    default: object = None
    aliases: tuple[str, ...] = ()
    #: Unit of a number field, a key of :data:`UNIT_SPELLINGS` (``"m2"``, ``"10k_cny"``).
    unit: str | None = None


@dataclass(frozen=True)
class LayerSpec:
    kind: str
    zh: str
    geometry_types: tuple[str, ...]
    fields: tuple[Field, ...]
    id_field: str | None = None
    extra: dict = field(default_factory=dict)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


_POLYGONAL = ("Polygon", "MultiPolygon")
_LINEAR = ("LineString", "MultiLineString")

LAYER_SPECS: dict[str, LayerSpec] = {
    "boundary": LayerSpec(
        "boundary",
        "行政边界",
        _POLYGONAL,
        (
            Field("name", "str", "名称", aliases=("名称", "街道", "NAME")),
            Field("level", "str", "层级", required=False, default="street"),
        ),
    ),
    "parks": LayerSpec(
        "parks",
        "园区与产业带",
        _POLYGONAL,
        (
            Field("park_id", "str", "园区编号", aliases=("园区编号", "园区ID")),
            Field("name", "str", "名称", aliases=("名称", "园区名称")),
            Field("kind", PARK_KIND, "类型", aliases=("类型",)),
        ),
        id_field="park_id",
    ),
    "corridor_axis": LayerSpec(
        "corridor_axis",
        "产业带轴线",
        _LINEAR,
        (Field("name", "str", "名称", aliases=("名称", "道路名称")),),
    ),
    "parcels": LayerSpec(
        "parcels",
        "地块",
        _POLYGONAL,
        (
            Field(
                "parcel_id",
                "str",
                "地块编号",
                aliases=("地块编号", "宗地号", "宗地编号", "地块号", "地块代码"),
            ),
            Field(
                "park_id",
                "str",
                "所属园区",
                required=False,
                nullable=True,
                aliases=("所属园区", "园区编号"),
            ),
            Field(
                "status",
                STATUS,
                "地块状态",
                aliases=("地块状态", "状态", "现状", "现状类型", "地块现状", "土地现状"),
            ),
            Field(
                "land_use",
                LAND_USE,
                "用地性质",
                aliases=("用地性质", "用地代码", "用地类型", "用地分类", "规划用地性质"),
            ),
            Field(
                "area_m2",
                "float",
                "面积(m²)",
                required=False,
                minimum=0.0,
                aliases=("面积", "用地面积", "面积_m2", "宗地面积", "地块面积", "土地面积"),
                unit="m2",
            ),
            Field(
                "far_current",
                "float",
                "现状容积率",
                minimum=0.0,
                maximum=FAR_MAX,
                aliases=("现状容积率", "容积率"),
            ),
            Field(
                "gfa_current_m2",
                "float",
                "现状建筑面积(m²)",
                required=False,
                minimum=0.0,
                aliases=("现状建筑面积", "建筑面积", "总建筑面积"),
                unit="m2",
            ),
            Field(
                "density_zone",
                "int",
                "密度分区",
                minimum=min(DENSITY_ZONES),
                maximum=max(DENSITY_ZONES),
                aliases=("密度分区", "密度区"),
            ),
            Field("name", "str", "名称", required=False, nullable=True, aliases=("名称",)),
            Field(
                "highrise",
                "bool",
                "工业上楼",
                required=False,
                default=False,
                aliases=("工业上楼", "上楼"),
            ),
            Field(
                "far_target",
                "float",
                "目标容积率",
                required=False,
                nullable=True,
                minimum=0.0,
                maximum=FAR_MAX,
                aliases=("目标容积率",),
            ),
            Field(
                "guided_cluster",
                CLUSTER,
                "导向集群",
                required=False,
                nullable=True,
                aliases=("导向集群", "规划导向集群"),
            ),
        ),
        id_field="parcel_id",
    ),
    "enterprises": LayerSpec(
        "enterprises",
        "企业",
        ("Point",),
        (
            Field(
                "ent_id",
                "str",
                "企业编号",
                aliases=("企业编号", "统一社会信用代码", "信用代码", "企业代码"),
            ),
            Field("name", "str", "企业名称", aliases=("企业名称", "名称", "单位名称", "企业")),
            Field(
                "cluster",
                CLUSTER,
                "产业集群",
                aliases=(
                    "产业集群",
                    "集群",
                    "所属集群",
                    "产业类别",
                    "行业",
                    "行业类别",
                    "所属行业",
                    "产业类型",
                    "所属产业",
                ),
            ),
            Field(
                "is_above_scale",
                "bool",
                "规上企业",
                aliases=("规上企业", "是否规上", "规上", "是否规模以上", "规模以上"),
            ),
            Field(
                "output_10k_cny",
                "float",
                "产值(万元)",
                minimum=0.0,
                aliases=("产值", "产值(万元)", "产值_万元", "工业总产值", "年产值", "总产值"),
                unit="10k_cny",
            ),
            Field(
                "park_id", "str", "所属园区", required=False, nullable=True, aliases=("所属园区",)
            ),
            Field(
                "is_anchor",
                "bool",
                "龙头企业",
                required=False,
                default=False,
                aliases=("龙头企业", "是否龙头"),
            ),
            Field(
                "sub_type",
                "str",
                "细分类型",
                required=False,
                nullable=True,
                aliases=("细分类型", "细分"),
            ),
            Field(
                "credit_code",
                "str",
                "统一社会信用代码",
                required=False,
                nullable=True,
                aliases=("社会信用代码", "USCC"),
            ),
            Field(
                "year",
                "int",
                "年份",
                required=False,
                nullable=True,
                minimum=1949,
                maximum=2100,
                aliases=("年份", "年度", "统计年度", "数据年份"),
            ),
        ),
        id_field="ent_id",
    ),
    "constraints": LayerSpec(
        "constraints",
        "约束与屏障",
        _POLYGONAL + _LINEAR,
        (
            Field("kind", CONSTRAINT_KIND, "类型", aliases=("类型",)),
            Field("name", "str", "名称", aliases=("名称",)),
        ),
    ),
}

LAYER_KINDS: tuple[str, ...] = tuple(LAYER_SPECS)


def required_fields(kind: str) -> list[str]:
    """Names of the fields a layer of ``kind`` must have."""
    return [f.name for f in LAYER_SPECS[kind].fields if f.required]
