"""The layer model: enumerations with their Chinese labels, required fields, validation.

This module is the single source of truth for codes and labels. Everything else (analyses,
map legends, forms, YAML standards) refers to the codes defined here.

``validate_layer(kind, gdf)`` normalises a frame read from any file into the canonical
form — codes instead of labels, proper dtypes, EPSG:4326 — or raises one
:class:`~geo.errors.InputError` that lists every problem at once, with row numbers and
column names, so a planner can fix the source file in one pass.

Headers and values are compared *folded* (:func:`fold_header`, :func:`fold_text`): Unicode
NFKC (full-width letters, digits and brackets become half-width, ㎡ becomes m2), case,
spaces, underscores and hyphens ignored; a header's trailing bracket (``产值（万元）``,
``面积[㎡]``) is set apart as its unit. A header with a unit matches a field only when the
unit is the field's own (``用地面积(公顷)`` is not ``area_m2``, whose unit is m²).

Numbers written as text are read by one rule in :func:`check_field`: full-width digits,
thousands separators (``1,234.5``, ``1 234``) and a trailing unit that is the field's own
(``1234㎡`` for an area, ``12.5万元`` for output) are accepted; any other text, NaN written
as text and ±inf are refused by row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import WGS84, to_metric_geometries
from geo.errors import InputError
from geo.values import is_blank

__all__ = [
    "BARRIER_KINDS",
    "CLUSTER",
    "CONSTRAINT_KIND",
    "DENSITY_ZONES",
    "FAR_MAX",
    "INDUSTRIAL_LAND_USES",
    "LAND_USE",
    "LAYER_KINDS",
    "LAYER_SPECS",
    "PARK_KIND",
    "STATUS",
    "UNIT_SPELLINGS",
    "Code",
    "CodeList",
    "Field",
    "FieldProblem",
    "LayerSpec",
    "cell_text",
    "check_field",
    "fold_header",
    "fold_text",
    "header_unit",
    "match_headers",
    "measured_area_m2",
    "normalise_value",
    "read_yes_no",
    "required_fields",
    "split_header",
    "validate_layer",
]


@dataclass(frozen=True)
class Code:
    """One value of an enumeration: the stored code and its labels."""

    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class CodeList:
    """An enumeration whose values are stored as short English codes."""

    name: str
    zh: str
    values: tuple[Code, ...]

    @property
    def codes(self) -> list[str]:
        return [v.code for v in self.values]

    def label(self, code: str, lang: str = "zh") -> str:
        """The label of ``code`` in ``lang`` ('zh' or 'en'); unknown codes pass through."""
        for v in self.values:
            if v.code == code:
                return v.zh if lang == "zh" else v.en
        return str(code)

    def labels(self, lang: str = "zh") -> dict[str, str]:
        return {v.code: (v.zh if lang == "zh" else v.en) for v in self.values}

    def lookup(self) -> dict[str, str]:
        """Map every accepted spelling (code, labels, aliases; case-folded) to its code."""
        table: dict[str, str] = {}
        for v in self.values:
            for spelling in (v.code, v.zh, v.en, *v.aliases):
                table[_fold(spelling)] = v.code
        return table

    def normalise(self, value: object) -> str | None:
        """Return the code for ``value`` (a code, a label or an alias), or None if unknown."""
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        return self.lookup().get(_fold(str(value)))


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


STATUS = CodeList(
    "status",
    "地块状态",
    (
        Code("built", "已建成", "built", ("建成", "现状建成", "已建", "建成区")),
        Code("under_construction", "在建", "under construction", ("建设中",)),
        Code("granted_unbuilt", "已出让未建", "granted, unbuilt", ("已出让", "出让未建")),
        Code("available", "可供应", "available", ("可出让", "空地", "空闲地", "闲置用地")),
        Code("reserve", "储备/待整备", "reserve", ("储备", "待整备", "储备用地")),
        Code(
            "low_efficiency",
            "低效用地",
            "low efficiency",
            ("低效", "旧工业区", "低效工业用地", "低效产业用地"),
        ),
        Code("non_industrial", "非工业", "non-industrial", ("非工业用地",)),
    ),
)

LAND_USE = CodeList(
    "land_use",
    "用地性质",
    (
        Code("M1", "普通工业", "general industrial", ("普通工业用地", "工业用地", "一类工业用地")),
        Code("M0", "新型产业", "new-type industrial (M0)", ("新型产业用地", "新型工业用地")),
        Code("W", "物流仓储", "logistics and warehousing", ("W1", "仓储", "物流仓储用地")),
        Code("other", "其他", "other", ("其它",)),
    ),
)

#: Land uses that count as industrial land for contiguity and capacity.
INDUSTRIAL_LAND_USES: tuple[str, ...] = ("M1", "M0", "W")

CLUSTER = CodeList(
    "cluster",
    "产业集群",
    (
        Code(
            "car",
            "智能网联汽车",
            "intelligent connected vehicles",
            ("汽车", "新能源汽车", "汽车制造", "汽车零部件"),
        ),
        Code(
            "pharma",
            "生物医药与高端医疗器械",
            "biomedicine and medical devices",
            ("生物医药", "医疗器械"),
        ),
        Code("chip", "半导体与集成电路", "semiconductors and ICs", ("集成电路", "半导体", "芯片")),
        Code(
            "ai",
            "人工智能与智能终端",
            "AI and smart terminals",
            # 新一代信息技术 (the statistics bureau's category) is read as this cluster: in
            # 坪山 it is mostly smart terminals and electronics; a planner can re-map it.
            ("人工智能", "智能终端", "AI与智能终端", "新一代信息技术", "电子信息"),
        ),
        Code("energy", "新能源", "new energy", ("储能", "新能源产业", "新型储能")),
        Code(
            "equipment",
            "高端装备与精密零部件",
            "advanced equipment and precision parts",
            ("高端装备", "精密零部件", "高端装备及精密零部件", "高端装备制造", "智能装备"),
        ),
        Code("photonics", "光载信息", "photonics and optical information", ("光通信",)),
        Code("lowalt", "低空经济", "low-altitude economy", ("无人机",)),
        Code("cellgene", "细胞与基因", "cell and gene therapy", ("细胞与基因治疗",)),
        Code(
            "traditional",
            "传统产业",
            "traditional industry",
            ("家具", "传统产业(家具等)", "传统制造业"),
        ),
        Code("other", "其他", "other", ("其它",)),
    ),
)

PARK_KIND = CodeList(
    "kind",
    "园区类型",
    (
        Code("park", "园区", "park", ("产业园区",)),
        Code("corridor", "产业带", "corridor", ("廊道", "发展带", "带")),
    ),
)

CONSTRAINT_KIND = CodeList(
    "kind",
    "约束类型",
    (
        Code("eco_line", "基本生态控制线", "ecological control line", ("生态线", "生态控制线")),
        Code(
            "block_line_1",
            "工业区块线一级",
            "industrial block line, tier 1",
            ("一级线", "一级工业区块线"),
        ),
        Code(
            "block_line_2",
            "工业区块线二级",
            "industrial block line, tier 2",
            ("二级线", "二级工业区块线"),
        ),
        Code("water", "水域", "water", ("河流", "水系")),
        Code("trunk_road", "主干道", "trunk road", ("干道", "快速路")),
    ),
)

#: Constraint kinds that separate contiguous land (the others are protections, not gaps).
BARRIER_KINDS: tuple[str, ...] = ("eco_line", "water", "trunk_road")

DENSITY_ZONES: tuple[int, ...] = (1, 2, 3, 4, 5)

#: Largest floor-area ratio accepted anywhere (current or target); above it a value is a typo.
FAR_MAX = 30.0

_TRUE = {"true", "1", "yes", "y", "t", "是", "真", "√", "规上", "✓"}
_FALSE = {"false", "0", "no", "n", "f", "否", "假", "", "×", "规下", "nan", "none"}


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


def _rows(positions: Iterable[int], limit: int = 10) -> str:
    positions = list(positions)
    shown = ", ".join(str(p + 1) for p in positions[:limit])
    more = f" … 共 {len(positions)} 行 (total {len(positions)})" if len(positions) > limit else ""
    return f"第 {shown} 行 (rows {shown}){more}"


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


def read_yes_no(value: object) -> bool | None:
    """A yes/no cell as a bool, or None when it is not one.

    True/False, 1/0 and the words of one vocabulary (是/否, 真/假, 规上/规下, yes/no, t/f,
    √/×, compared case-folded); a blank cell is no.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)) and not pd.isna(value):
        return bool(value) if value in (0, 1) else None
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    key = text.strip().casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    return None


def _to_bool(series: pd.Series) -> tuple[pd.Series, list[int]]:
    read = [read_yes_no(v) for v in series.to_numpy(dtype=object)]
    bad = [pos for pos, v in enumerate(read) if v is None]
    out = np.array([bool(v) for v in read], dtype=bool)
    return pd.Series(out, index=series.index), bad


def _is_blank(series: pd.Series) -> np.ndarray:
    return np.fromiter((is_blank(v) for v in series.to_numpy(dtype=object)), bool, len(series))


@dataclass(frozen=True)
class FieldProblem:
    """One kind of problem in one field: the rows (0-based) and what is wrong with them."""

    positions: tuple[int, ...]
    zh: str
    en: str

    def text(self) -> str:
        """The problem with its row numbers, Chinese first."""
        return f"{_rows(self.positions)}：{self.zh} / {self.en}"


def check_field(field: Field, values: pd.Series) -> tuple[pd.Series, list[FieldProblem]]:
    """Check and normalise one column against its schema field; the only field validator.

    Every check of a value against the schema goes through here: a whole column on import
    (:func:`validate_layer`) and one value in a scenario edit (:func:`normalise_value`).

    - codes (:class:`CodeList`): a code, its Chinese or English label or an alias → the code;
    - ``float`` / ``int``: numbers, finite, within ``[minimum, maximum]``; ``int`` also
      whole (stored as pandas ``Int64``). Text is read as a number after NFKC (full-width
      digits ``１２３``), with thousands grouped by commas or spaces (``1,234.5``,
      ``1 234``) and a trailing unit only when it is the field's own ``unit`` (``1234㎡``
      for an area, ``12.5万元`` for output; ``12.5万元`` as an area is refused). Any other
      text — another unit, ``1,23``, ``NaN`` or ``inf`` written out — is refused by row;
      so are ±inf;
    - ``bool``: True/False, 1/0 or one yes/no vocabulary (是/否, 真/假, 规上/规下, yes/no, t/f …);
    - ``str``: text, stripped; a whole float such as ``12.0`` (a number column read from a
      spreadsheet) becomes ``"12"``.

    Blank values (None, NaN, empty text) are a problem unless the field is ``nullable``
    (booleans read a blank as no); a blank stays None (NaN for numbers).

    Returns
    -------
    (Series, list of FieldProblem)
        The normalised column (same index) and every problem found, none repaired silently.
    """
    col = values.reset_index(drop=True)
    blank = _is_blank(col)
    problems: list[FieldProblem] = []
    label = f"字段「{field.name}」（{field.zh}）"
    if not field.nullable and field.kind != "bool" and blank.any():
        problems.append(
            FieldProblem(tuple(np.flatnonzero(blank)), f"{label}为空", f"'{field.name}' is empty")
        )
    if isinstance(field.kind, CodeList):
        lookup = field.kind.lookup()
        codes = [None if b else lookup.get(_fold(str(v))) for v, b in zip(col, blank, strict=True)]
        unknown = [
            i for i, (c, b) in enumerate(zip(codes, blank, strict=True)) if c is None and not b
        ]
        if unknown:
            examples = sorted({str(col.iloc[i]) for i in unknown})[:5]
            problems.append(
                FieldProblem(
                    tuple(unknown),
                    f"{label}的值 {examples} 无法识别，可用："
                    f"{'、'.join(field.kind.labels('zh').values())}",
                    f"unknown {field.name} values {examples}; allowed codes: "
                    f"{', '.join(field.kind.codes)}",
                )
            )
        out = pd.Series(codes, dtype=object)
    elif field.kind in ("float", "int"):
        numeric = _numbers(col, blank, field.unit)
        not_num = np.flatnonzero(numeric.isna().to_numpy() & ~blank)
        if len(not_num):
            examples = sorted({str(col.iloc[i]) for i in not_num})[:5]
            unit = _UNIT_LABELS.get(field.unit or "")
            unit_zh = f"（数值后只可带单位 {unit}）" if unit else ""
            unit_en = f" (the only unit a value may carry is {unit})" if unit else ""
            problems.append(
                FieldProblem(
                    tuple(not_num),
                    f"{label}不是数字 {examples}{unit_zh}",
                    f"'{field.name}' is not a number {examples}{unit_en}",
                )
            )
        infinite = np.flatnonzero(np.isinf(numeric.to_numpy()))
        if len(infinite):
            problems.append(
                FieldProblem(
                    tuple(infinite),
                    f"{label}不是有限数值（inf）",
                    f"'{field.name}' is not a finite number (inf)",
                )
            )
        finite = numeric.where(np.isfinite(numeric.to_numpy()))
        out_of_range = np.zeros(len(finite), dtype=bool)
        if field.minimum is not None:
            out_of_range |= (finite < field.minimum).to_numpy()
        if field.maximum is not None:
            out_of_range |= (finite > field.maximum).to_numpy()
        if out_of_range.any():
            problems.append(
                FieldProblem(
                    tuple(np.flatnonzero(out_of_range)),
                    f"{label}超出范围 [{field.minimum:g}, {field.maximum:g}]"
                    if field.maximum is not None
                    else f"{label}应不小于 {field.minimum:g}",
                    f"'{field.name}' out of range [{field.minimum}, {field.maximum}]",
                )
            )
        if field.kind == "int":
            non_integer = np.flatnonzero((finite.notna() & (finite % 1 != 0)).to_numpy())
            if len(non_integer):
                problems.append(
                    FieldProblem(
                        tuple(non_integer),
                        f"{label}应为整数",
                        f"'{field.name}' must be a whole number",
                    )
                )
            # Values already reported (out of range, beyond exact integers) are not cast.
            castable = ~out_of_range & (finite.abs() < 2.0**53).to_numpy()
            out = finite.where(castable).round().astype("Int64")
        else:
            out = finite
    elif field.kind == "bool":
        out, bad = _to_bool(col)
        if bad:
            problems.append(
                FieldProblem(tuple(bad), f"{label}应为 是/否", f"'{field.name}' must be yes/no")
            )
    else:
        text = col.astype(object).where(~blank, None)
        out = text.map(lambda v: None if v is None else cell_text(v)).astype(object)
    out.index = values.index
    return out, problems


#: A number as text after folding: digits, one optional point, an optional exponent.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?", re.ASCII)
#: Thousands grouped by one separator, comma or space, throughout: 1,234,567.5 / 1 234.
_GROUPED = re.compile(r"[+-]?\d{1,3}(?P<sep>[, ])\d{3}(?:(?P=sep)\d{3})*(?:\.\d+)?", re.ASCII)
_INFINITE = {
    sign + word: (-np.inf if sign == "-" else np.inf)
    for sign in ("", "+", "-")
    for word in ("inf", "infinity")
}


def _number_from_text(text: str, unit: str | None) -> float:
    """A number written as text, or NaN when the text is not one (see :func:`check_field`)."""
    folded = unicodedata.normalize("NFKC", text).strip().casefold().replace("\u2212", "-")
    for spelling in sorted(UNIT_SPELLINGS.get(unit or "", ()), key=len, reverse=True):
        if folded.endswith(spelling) and len(folded) > len(spelling):
            folded = folded[: -len(spelling)].rstrip()
            break
    if folded in _INFINITE:
        return _INFINITE[folded]
    if _GROUPED.fullmatch(folded):
        folded = folded.replace(",", "").replace(" ", "")
    return float(folded) if _NUMBER.fullmatch(folded) else np.nan


def _number(value: object, unit: str | None) -> float:
    if isinstance(value, (bool, np.bool_)):
        return np.nan
    if isinstance(value, str):
        return _number_from_text(value, unit)
    if isinstance(value, (int, float, np.integer, np.floating, Decimal)):
        try:
            return float(value)
        except OverflowError:  # an integer beyond float range: reported as not finite
            return np.inf if value > 0 else -np.inf
    return np.nan


def _numbers(col: pd.Series, blank: np.ndarray, unit: str | None) -> pd.Series:
    """A column of numbers as floats: NaN where blank or not a number, ±inf kept."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return pd.to_numeric(col, errors="coerce").astype(float)
    values = col.to_numpy(dtype=object)
    parsed = [np.nan if b else _number(v, unit) for v, b in zip(values, blank, strict=True)]
    return pd.Series(np.asarray(parsed, dtype=float), index=col.index)


def normalise_value(field: Field, value: object) -> object:
    """One value checked and normalised by :func:`check_field`, as a plain Python value.

    Raises
    ------
    ValueError
        With every problem, Chinese first (the caller adds which field and row).
    """
    out, problems = check_field(field, pd.Series([value], dtype=object))
    if problems:
        raise ValueError("；".join(f"{p.zh} / {p.en}" for p in problems))
    result = out.iloc[0]
    if result is None or result is pd.NA or (isinstance(result, float) and np.isnan(result)):
        return None
    if isinstance(result, np.bool_ | bool):
        return bool(result)
    if isinstance(result, np.integer):
        return int(result)
    if isinstance(result, np.floating):
        return float(result)
    return result


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


def cell_text(value: object) -> str:
    """A cell as text, stripped; a whole float (``12.0``, a spreadsheet number) as ``"12"``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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


def required_fields(kind: str) -> list[str]:
    """Names of the fields a layer of ``kind`` must have."""
    return [f.name for f in LAYER_SPECS[kind].fields if f.required]
