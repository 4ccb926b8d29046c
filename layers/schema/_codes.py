"""Codes and code lists: the enumerations of the layer model with their Chinese and English
labels and aliases, the single source of truth for codes.

Method: a :class:`CodeList` stores values as short English codes (:class:`Code`); any
accepted spelling — the code, either label or an alias — is compared folded
(:func:`~layers.schema.fold_text`) and turned into its code (:meth:`CodeList.normalise`).
The lists of the parcel, enterprise, park and constraint layers follow, with the subsets
the analyses read (:data:`INDUSTRIAL_LAND_USES`, :data:`BARRIER_KINDS`) and the density
zones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from layers.schema._headers import _fold

__all__ = [
    "BARRIER_KINDS",
    "CLUSTER",
    "CONSTRAINT_KIND",
    "DENSITY_ZONES",
    "INDUSTRIAL_LAND_USES",
    "LAND_USE",
    "PARK_KIND",
    "STATUS",
    "Code",
    "CodeList",
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
