"""The far.yaml and highrise.yaml documents: their table specs, and conversion to and from
:class:`~analysis.standards.Standards`.

Method: each document is one spec of the shared validator (:mod:`._validate`):
:data:`FAR_DOCUMENT` and :data:`HIGHRISE_DOCUMENT` list every key, its kind and range, and
require provenance on every figure. :func:`standards_from_dicts` checks both documents into
one :class:`~._validate.Checker`, then runs the rules that span entries — plot-size bands
start at 0 ha and touch, floor bands cover the floors from the ground floor up without gaps,
every industrial land use has a FAR rule, a suitability entry names an existing band, the
high-rise height range is not empty — and builds the frozen dataclasses. One InputError
names every problem. :func:`standards_to_dicts` writes the dataclasses back as the two
documents, so ``standards_from_dicts(*standards_to_dicts(s)) == s``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from analysis.standards._model import (
    DEFINITION_NAMES,
    KN_PER_T,
    LOAD_AGREEMENT,
    MAX_FLOOR,
    MAX_HEIGHT_CAP_M,
    MIN_FLOOR_HEIGHT_M,
    ClusterFit,
    FarRule,
    FarTable,
    FloorBand,
    HighriseDefinition,
    HighriseTemplate,
    PlotSizeBand,
    Sourced,
    Standards,
)
from analysis.standards._validate import (
    ROOT,
    Checker,
    Choice,
    Code,
    Custom,
    Entries,
    Entry,
    Field,
    Number,
    Table,
    Text,
    check_fields,
    check_value,
    sourced,
)
from layers.schema import CLUSTER, DENSITY_ZONES, INDUSTRIAL_LAND_USES, LAND_USE

__all__ = [
    "FAR_DOCUMENT",
    "HIGHRISE_DOCUMENT",
    "cluster_fit_table",
    "parse_far",
    "parse_highrise",
    "standards_from_dicts",
    "standards_to_dicts",
]

_BAND_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_SUB_TYPE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


# --------------------------------------------------------------------------- value checks


def _zones(value: Any, path: str, c: Checker) -> tuple[float, ...] | None:
    """``{1: far, …, 5: far}`` → FAR of density zones 1–5 in zone order."""
    if not isinstance(value, Mapping):
        c.add(path, "应为键值表", "must be a mapping")
        return None
    zones: dict[int, Any] = {}
    for k in value:
        z = k if isinstance(k, int) and not isinstance(k, bool) else None
        if isinstance(k, str) and k.strip().isdigit():
            z = int(k)
        if z not in DENSITY_ZONES:
            c.add(
                f"{path}.{k}",
                f"不是密度分区，可用：{list(DENSITY_ZONES)}",
                f"is not a density zone; allowed: {list(DENSITY_ZONES)}",
            )
            continue
        zones[z] = value[k]
    far = []
    for z in DENSITY_ZONES:
        if z not in zones:
            c.add(f"{path}.{z}", "缺失", "is missing")
            far.append(None)
        else:
            far.append(check_value(Number(), zones[z], f"{path}.{z}", c))
    return None if None in far else tuple(far)


def _floor_range(value: Any, path: str, c: Checker) -> tuple[int, int | None] | None:
    """``[first, last]`` floor numbers; ``last`` null for the open top band."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        c.add(
            path,
            "应为 [首层号, 末层号]（末层可为 null）",
            "must be [first, last] (last may be null)",
        )
        return None
    floor = Number(minimum=1.0, integer=True, maximum=MAX_FLOOR)
    before = len(c.problems)
    first = check_value(floor, value[0], f"{path}[0]", c)
    last = check_value(floor, value[1], f"{path}[1]", c, nullable=True)
    if len(c.problems) > before:
        return None
    if last is not None and last < first:
        c.add(path, "末层号不能小于首层号", "the last floor must not be below the first")
        return None
    return int(first), (None if last is None else int(last))


def _fit_key(value: Any, path: str, c: Checker) -> str | None:
    """A cluster code, or ``cluster:sub_type``."""
    key = Text().parse(value, path, c)
    if key is None:
        return None
    cluster, colon, sub_type = key.partition(":")
    if cluster not in CLUSTER.codes:
        c.add(
            path,
            f"「{cluster}」不是产业集群代码，可用：{', '.join(CLUSTER.codes)}",
            f"'{cluster}' is not a cluster code; allowed: {', '.join(CLUSTER.codes)}",
        )
        return None
    if colon and not _SUB_TYPE.match(sub_type):
        c.add(
            path,
            "细分类型只能用小写字母、数字和下划线（如 chip:fab）",
            "the sub-type must be lower-case letters, digits and underscores (e.g. chip:fab)",
        )
        return None
    return key


# --------------------------------------------------------------------------- entry rules


def _cap_not_below_base(v: dict, path: str, c: Checker) -> None:
    base, cap = v["base_by_zone"], v["upper_cap"]
    if base is not None and cap is not None and cap < max(base):
        c.add(
            f"{path}.upper_cap",
            f"低于基准容积率 {max(base):g}，上限不能低于基准值",
            f"is below the base FAR {max(base):g}; the upper limit cannot be lower",
        )


def _loads_agree(v: dict, path: str, c: Checker) -> None:
    load_t, load_kn = v["load_t_m2"], v["load_kn_m2"]
    if load_t is None or load_kn is None:
        return
    expected = load_t * KN_PER_T
    if abs(load_kn - expected) > LOAD_AGREEMENT * max(expected, 1e-9):
        c.add(
            f"{path}.load_kn_m2",
            f"与 load_t_m2 不一致（{load_t:g} t/m² ≈ {expected:.1f} kN/m²）",
            f"disagrees with load_t_m2 ({load_t:g} t/m² ≈ {expected:.1f} kN/m²)",
        )


# --------------------------------------------------------------------------- specs

FAR_RULE = Table(
    (
        Field(
            "land_use",
            Code(LAND_USE, "工业用地性质", "an industrial land use", INDUSTRIAL_LAND_USES),
        ),
        Field("base_by_zone", Custom(_zones)),
        Field("upper_factor", Number(minimum=1.0)),
        Field("upper_cap", Number(minimum=0.0, strict=True)),
        Field("coverage", Number(minimum=0.0, strict=True, maximum=1.0)),
    ),
    label="land_use",
    unique=True,
    rule=_cap_not_below_base,
)
PLOT_SIZE_BAND = Table(
    (
        Field("min_ha", Number(minimum=0.0)),
        Field("max_ha", Number(minimum=0.0, strict=True), nullable=True),
        Field("correction", Number(minimum=-1.0, strict=True)),
    )
)
#: far.yaml: FAR rules per land use, plot-size correction bands, building height cap (m).
FAR_DOCUMENT = Table(
    (
        Field("far", Entries(FAR_RULE)),
        Field("plot_size_correction", Entries(PLOT_SIZE_BAND)),
        Field("height_cap_m", Entry(sourced(minimum=0.0, strict=True, maximum=MAX_HEIGHT_CAP_M))),
    ),
    provenance="none",
)

FLOOR_BAND = Table(
    (
        Field(
            "key",
            Text(
                _BAND_KEY,
                "只能用小写字母、数字和下划线，以字母开头",
                "must be lower-case letters, digits and underscores, starting with a letter",
            ),
        ),
        Field("label_zh", Text(), required=False),
        Field("floors", Custom(_floor_range)),
        Field("floor_height_m", Number(minimum=MIN_FLOOR_HEIGHT_M)),
        Field("load_t_m2", Number()),
        Field("load_kn_m2", Number()),
        Field("freight_lift_t", Number(), required=False, nullable=True),
    ),
    label="key",
    unique=True,
    rule=_loads_agree,
)


def cluster_fit_table(band_keys: tuple[str, ...] | None) -> Table:
    """Spec of a suitability entry; ``max_band`` must be one of ``band_keys`` when known."""
    return Table(
        (
            Field("key", Custom(_fit_key)),
            Field("label_zh", Text(), required=False),
            Field("min_load_t_m2", Number()),
            Field("min_floor_height_m", Number()),
            Field("max_band", Text() if band_keys is None else Choice(band_keys)),
        ),
        label="key",
        unique=True,
    )


DEFINITION = Table(
    (
        Field("min_height_m", Entry(sourced())),
        Field("max_height_m", Entry(sourced(strict=True))),
        Field("min_floors", Entry(sourced(minimum=1.0, integer=True))),
        Field("min_far", Entry(sourced())),
    ),
    provenance="none",
)
#: highrise.yaml: high-rise definition, floor-band template, industry suitability.
HIGHRISE_DOCUMENT = Table(
    (
        Field("definition", Entry(DEFINITION)),
        Field("bands", Entries(FLOOR_BAND)),
        # Checked after the bands, against their keys (parse_highrise).
        Field("suitability", Custom(lambda value, path, c: value)),
    ),
    provenance="none",
)


# --------------------------------------------------------------------------- documents → model


def standards_from_dicts(
    far: Mapping, highrise: Mapping, *, source: str = "standards"
) -> Standards:
    """Validate two YAML-shaped documents (as :meth:`Standards.to_dicts` gives) into
    :class:`Standards`; raises :class:`~geo.errors.InputError` naming every problem, like
    :func:`~analysis.standards.load_standards`."""
    checker = Checker()
    far_table = parse_far(far, checker.at("far"))
    template = parse_highrise(highrise, checker.at("highrise"))
    checker.raise_if_any(source)
    return Standards(far=far_table, highrise=template)


def parse_far(doc: Any, c: Checker) -> FarTable | None:
    """far.yaml checked and built; None after recording problems in ``c``."""
    before = len(c.problems)
    v = check_fields(doc, ROOT, FAR_DOCUMENT, c)
    if v is None:
        return None
    rules = _far_rules(v["far"], c)
    plot_size = _plot_size(v["plot_size_correction"], c)
    if len(c.problems) > before:
        return None
    return FarTable(rules=rules, plot_size=plot_size, height_cap_m=Sourced(**v["height_cap_m"]))


def _far_rules(entries: list[dict] | None, c: Checker) -> tuple[FarRule, ...] | None:
    if entries is None:
        return None
    rules = tuple(FarRule(**e) for e in entries)
    missing = [lu for lu in INDUSTRIAL_LAND_USES if lu not in {r.land_use for r in rules}]
    if missing:
        c.add(
            "far",
            f"缺少用地性质 {'、'.join(missing)} 的容积率",
            f"lacks the land uses {', '.join(missing)}",
        )
        return None
    return rules


def _plot_size(entries: list[dict] | None, c: Checker) -> tuple[PlotSizeBand, ...] | None:
    """Bands from 0 ha, each starting where the previous one ends; only the last is open."""
    if entries is None:
        return None
    bands = tuple(PlotSizeBand(**e) for e in entries)
    expected_ha = 0.0
    for i, b in enumerate(bands):
        path = f"plot_size_correction[{i}]"
        last = i == len(bands) - 1
        if b.min_ha != expected_ha:
            c.add(
                f"{path}.min_ha",
                f"应为 {expected_ha:g}（各段须从 0 开始首尾相接）",
                f"must be {expected_ha:g}: bands start at 0 and touch",
            )
        elif b.max_ha is None and not last:
            c.add(f"{path}.max_ha", "只有最后一段可以不设上限", "only the last band may be open")
        elif b.max_ha is not None and last:
            c.add(
                f"{path}.max_ha", "最后一段须不设上限 (null)", "the last band must be open (null)"
            )
        elif b.max_ha is not None and b.max_ha <= b.min_ha:
            c.add(f"{path}.max_ha", "应大于 min_ha", "must exceed min_ha")
        else:
            expected_ha = b.max_ha if b.max_ha is not None else expected_ha
            continue
        return None
    return bands


def parse_highrise(doc: Any, c: Checker) -> HighriseTemplate | None:
    """highrise.yaml checked and built; None after recording problems in ``c``."""
    before = len(c.problems)
    v = check_fields(doc, ROOT, HIGHRISE_DOCUMENT, c)
    if v is None:
        return None
    definition = _definition(v["definition"], c)
    bands = _bands(v["bands"], c)
    fits = None
    if v["suitability"] is not None:
        spec = cluster_fit_table(None if bands is None else tuple(b.key for b in bands))
        fits = Entries(spec).parse(v["suitability"], "suitability", c)
    if len(c.problems) > before:
        return None
    return HighriseTemplate(
        bands=bands,
        suitability=tuple(ClusterFit(**f) for f in fits),
        definition=definition,
    )


def _definition(v: dict | None, c: Checker) -> HighriseDefinition | None:
    if v is None:
        return None
    if v["max_height_m"]["value"] <= v["min_height_m"]["value"]:
        c.add("definition.max_height_m", "应大于 min_height_m", "must exceed min_height_m")
        return None
    floors = v["min_floors"]
    return HighriseDefinition(
        min_height_m=Sourced(**v["min_height_m"]),
        max_height_m=Sourced(**v["max_height_m"]),
        min_floors=Sourced(**{**floors, "value": int(floors["value"])}),
        min_far=Sourced(**v["min_far"]),
    )


def _bands(entries: list[dict] | None, c: Checker) -> tuple[FloorBand, ...] | None:
    """Bands covering floors 1, 2, … without gaps or overlaps; only the top one is open."""
    if entries is None:
        return None
    bands = []
    for e in entries:
        first, last = e.pop("floors")
        bands.append(FloorBand(first_floor=first, last_floor=last, **e))
    expected_first = 1
    for i, b in enumerate(bands):
        path = f"bands[{b.key}].floors"
        top = i == len(bands) - 1
        if b.first_floor != expected_first:
            c.add(
                path,
                f"应从第 {expected_first} 层开始（各段须自首层起连续覆盖所有楼层）",
                f"must start at floor {expected_first}: bands cover the floors "
                "contiguously from the ground floor",
            )
        elif b.last_floor is None and not top:
            c.add(path, "只有最顶一段可以不设上限", "only the top band may be open")
        elif b.last_floor is not None and top:
            c.add(path, "最顶一段须不设上限（[n, null]）", "the top band must be open ([n, null])")
        else:
            expected_first = (b.last_floor or 0) + 1
            continue
        return None
    return tuple(bands)


# --------------------------------------------------------------------------- model → documents


def _provenance(obj: Any) -> dict:
    out: dict[str, Any] = {}
    if obj.source is not None:
        out["source"] = obj.source
    if obj.assumption:
        out["assumption"] = True
    if obj.note is not None:
        out["note"] = obj.note
    return out


def _sourced(s: Sourced) -> dict:
    return {"value": s.value, **_provenance(s)}


def _label(label_zh: str | None) -> dict:
    return {"label_zh": label_zh} if label_zh is not None else {}


def standards_to_dicts(s: Standards) -> tuple[dict, dict]:
    """The standards as the two YAML documents (far, highrise), provenance kept."""
    far = {
        "far": [
            {
                "land_use": r.land_use,
                "base_by_zone": dict(zip(DENSITY_ZONES, r.base_by_zone, strict=True)),
                "upper_factor": r.upper_factor,
                "upper_cap": r.upper_cap,
                "coverage": r.coverage,
                **_provenance(r),
            }
            for r in s.far.rules
        ],
        "plot_size_correction": [
            {"min_ha": b.min_ha, "max_ha": b.max_ha, "correction": b.correction, **_provenance(b)}
            for b in s.far.plot_size
        ],
        "height_cap_m": _sourced(s.far.height_cap_m),
    }
    hr = s.highrise
    highrise = {
        "definition": {name: _sourced(getattr(hr.definition, name)) for name in DEFINITION_NAMES},
        "bands": [
            {
                "key": b.key,
                **_label(b.label_zh),
                "floors": [b.first_floor, b.last_floor],
                "floor_height_m": b.floor_height_m,
                "load_t_m2": b.load_t_m2,
                "load_kn_m2": b.load_kn_m2,
                "freight_lift_t": b.freight_lift_t,
                **_provenance(b),
            }
            for b in hr.bands
        ],
        "suitability": [
            {
                "key": f.key,
                **_label(f.label_zh),
                "min_load_t_m2": f.min_load_t_m2,
                "min_floor_height_m": f.min_floor_height_m,
                "max_band": f.max_band,
                **_provenance(f),
            }
            for f in hr.suitability
        ],
    }
    return far, highrise
