"""highrise.yaml: the 工业上楼 definition, floor-band template and industry suitability.

Method: the document is one spec of the shared validator (:mod:`._validate`),
:data:`HIGHRISE_DOCUMENT`, listing every key with its kind and range and requiring
``source:`` or ``assumption: true`` on every figure; within a band, the load in kN/m² must
agree with the load in t/m² (× 9.80665, within 5 %). :func:`parse_highrise` then checks
what spans entries — bands cover floors 1, 2, … without gaps or overlaps and only the top
one is open, a suitability entry's ``max_band`` is one of the bands (its spec,
:func:`cluster_fit_table`, is made once the band keys are known), the high-rise height
range is not empty — and builds the frozen :class:`~._model.HighriseTemplate`.
:func:`highrise_to_dict` writes it back. Heights in m, loads in t/m² and kN/m², freight-lift
capacity in t.
"""

from __future__ import annotations

import re
from typing import Any

from analysis.standards._model import (
    DEFINITION_NAMES,
    KN_PER_T,
    LOAD_AGREEMENT,
    MAX_FLOOR,
    MIN_FLOOR_HEIGHT_M,
    ClusterFit,
    FloorBand,
    HighriseDefinition,
    HighriseTemplate,
    Sourced,
    provenance_dict,
    sourced_dict,
)
from analysis.standards._validate import (
    ROOT,
    Checker,
    Choice,
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
from layers.schema import CLUSTER

__all__ = ["HIGHRISE_DOCUMENT", "cluster_fit_table", "highrise_to_dict", "parse_highrise"]

_BAND_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_SUB_TYPE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


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


def highrise_to_dict(hr: HighriseTemplate) -> dict:
    """The high-rise template as the highrise.yaml document, provenance kept."""
    return {
        "definition": {
            name: sourced_dict(getattr(hr.definition, name)) for name in DEFINITION_NAMES
        },
        "bands": [
            {
                "key": b.key,
                **_label(b.label_zh),
                "floors": [b.first_floor, b.last_floor],
                "floor_height_m": b.floor_height_m,
                "load_t_m2": b.load_t_m2,
                "load_kn_m2": b.load_kn_m2,
                "freight_lift_t": b.freight_lift_t,
                **provenance_dict(b),
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
                **provenance_dict(f),
            }
            for f in hr.suitability
        ],
    }


def _label(label_zh: str | None) -> dict:
    return {"label_zh": label_zh} if label_zh is not None else {}
