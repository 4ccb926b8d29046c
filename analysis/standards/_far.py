"""far.yaml: FAR per land use and density zone, plot-size correction, building height cap.

Method: the document is one spec of the shared validator (:mod:`._validate`),
:data:`FAR_DOCUMENT`, listing every key with its kind and range and requiring ``source:`` or
``assumption: true`` on every figure; within an entry, the upper cap may not be below the
highest base FAR. :func:`parse_far` then checks what spans entries — every industrial land
use has a rule, plot-size bands start at 0 ha and touch, only the last one is open — and
builds the frozen :class:`~._model.FarTable`. :func:`far_to_dict` writes it back, so
``parse_far(far_to_dict(t)) == t``. FAR is dimensionless (floor area / plot area), plot
sizes in ha, heights in m.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analysis.standards._model import (
    MAX_HEIGHT_CAP_M,
    FarRule,
    FarTable,
    PlotSizeBand,
    Sourced,
    provenance_dict,
    sourced_dict,
)
from analysis.standards._validate import (
    ROOT,
    Checker,
    Code,
    Custom,
    Entries,
    Entry,
    Field,
    Number,
    Table,
    check_fields,
    check_value,
    sourced,
)
from layers.schema import DENSITY_ZONES, INDUSTRIAL_LAND_USES, LAND_USE

__all__ = ["FAR_DOCUMENT", "far_to_dict", "parse_far"]


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


def _cap_not_below_base(v: dict, path: str, c: Checker) -> None:
    base, cap = v["base_by_zone"], v["upper_cap"]
    if base is not None and cap is not None and cap < max(base):
        c.add(
            f"{path}.upper_cap",
            f"低于基准容积率 {max(base):g}，上限不能低于基准值",
            f"is below the base FAR {max(base):g}; the upper limit cannot be lower",
        )


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


def far_to_dict(far: FarTable) -> dict:
    """The FAR table as the far.yaml document, provenance kept."""
    return {
        "far": [
            {
                "land_use": r.land_use,
                "base_by_zone": dict(zip(DENSITY_ZONES, r.base_by_zone, strict=True)),
                "upper_factor": r.upper_factor,
                "upper_cap": r.upper_cap,
                "coverage": r.coverage,
                **provenance_dict(r),
            }
            for r in far.rules
        ],
        "plot_size_correction": [
            {
                "min_ha": b.min_ha,
                "max_ha": b.max_ha,
                "correction": b.correction,
                **provenance_dict(b),
            }
            for b in far.plot_size
        ],
        "height_cap_m": sourced_dict(far.height_cap_m),
    }
