"""Planning standards for the 工业上楼 floor-capacity analysis.

The numbers live in two YAML files, the single source of truth:

``data/standards/far.yaml``
    FAR (容积率) base value per land use and density zone (密度一区 … 五区), the rule for the
    upper limit (``min(base × upper_factor, upper_cap)``), site coverage per land use, the
    plot-size correction bands, and the building height cap.
``data/standards/highrise.yaml``
    The 工业上楼 floor-band template (per band: floors, floor height, design load in t/m² and
    kN/m², freight-lift capacity), the industry suitability table (per cluster, or per
    ``cluster:sub_type`` where a sub-type's needs differ, the minimum load, minimum floor
    height and highest band it may use) and the definition thresholds of a high-rise
    industrial building.

Every entry carries ``source:`` or ``assumption: true`` so the app can say which figures are
sourced and which are placeholders. :func:`load_standards` validates both files into frozen
dataclasses and raises one :class:`~geo.errors.InputError` that names every offending key
(``far[M1].base_by_zone.3``, ``bands[low].floors`` …).

The app shows the standards as tables (:meth:`Standards.to_tables`) and lets planners edit
them for the session: edited tables come back through :func:`standards_from_tables`, single
changes through the ``Standards.with_*`` methods; both re-run the same validation, so an
edited object is as trustworthy as a loaded one.

Suitability keys: a plain cluster code (``chip``) is the cluster's default entry and serves
firms of that cluster whose sub-type has no entry of its own; ``cluster:sub_type`` is a
sub-type entry, spelled as the enterprises layer's ``sub_type`` (``chip:fab`` front-end
wafer fab, ``car:vehicle_assembly`` whole-vehicle assembly). The capacity column of a key
replaces ``:`` by ``_``: ``gfa_fit_chip_fab_m2`` (:func:`fit_column`);
:meth:`Standards.fit_key` finds the key serving a firm.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from geo.errors import InputError
from layers.schema import CLUSTER, DENSITY_ZONES, INDUSTRIAL_LAND_USES, LAND_USE

STANDARDS_DIR = Path(__file__).resolve().parent.parent / "data" / "standards"
FAR_YAML = STANDARDS_DIR / "far.yaml"
HIGHRISE_YAML = STANDARDS_DIR / "highrise.yaml"

#: Which FAR a parcel gets: the corrected base value, or the zone's upper limit.
FAR_MODES: tuple[str, ...] = ("base", "upper")
#: Standard gravity, kN per tonne-force.
KN_PER_T = 9.80665
#: Relative tolerance between a band's load in t/m² and in kN/m² (practice rounds g to 10).
LOAD_AGREEMENT = 0.05
#: No building is taller; bounds the per-floor tables built from the template.
MAX_HEIGHT_CAP_M = 1000.0
MIN_FLOOR_HEIGHT_M = 2.0
MAX_FLOOR = 500

_BAND_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_SUB_TYPE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_MISSING = object()


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class Sourced:
    """A single figure with its provenance."""

    value: float
    source: str | None = None
    assumption: bool = False
    note: str | None = None


@dataclass(frozen=True)
class FarRule:
    """FAR controls of one industrial land use.

    Attributes
    ----------
    land_use : str
        A code of :data:`layers.schema.LAND_USE` in :data:`INDUSTRIAL_LAND_USES`.
    base_by_zone : tuple of float
        Base FAR (基准容积率) of density zones 1–5, in zone order.
    upper_factor, upper_cap : float
        The upper limit of a zone is ``min(base × upper_factor, upper_cap)``.
    coverage : float
        Site coverage (建筑覆盖率), footprint / plot area, 0–1.
    """

    land_use: str
    base_by_zone: tuple[float, ...]
    upper_factor: float
    upper_cap: float
    coverage: float
    source: str | None = None
    assumption: bool = False
    note: str | None = None

    @property
    def upper_by_zone(self) -> tuple[float, ...]:
        """Upper-limit FAR (容积率上限) of density zones 1–5."""
        return tuple(min(b * self.upper_factor, self.upper_cap) for b in self.base_by_zone)


@dataclass(frozen=True)
class PlotSizeBand:
    """Plot-size correction: FAR × (1 + correction) for plots in [min_ha, max_ha)."""

    min_ha: float
    max_ha: float | None
    correction: float
    source: str | None = None
    assumption: bool = False
    note: str | None = None


@dataclass(frozen=True)
class FarTable:
    """Everything read from ``far.yaml``."""

    rules: tuple[FarRule, ...]
    plot_size: tuple[PlotSizeBand, ...]
    height_cap_m: Sourced

    @property
    def land_uses(self) -> tuple[str, ...]:
        return tuple(r.land_use for r in self.rules)

    def rule(self, land_use: str) -> FarRule:
        for r in self.rules:
            if r.land_use == land_use:
                return r
        raise KeyError(land_use)


@dataclass(frozen=True)
class FloorBand:
    """One band of the high-rise template: floors ``first_floor`` … ``last_floor``.

    ``last_floor`` is None for the open top band. Heights in m, loads in t/m² and kN/m²,
    freight-lift capacity in t (None: at grade, served by trucks).
    """

    key: str
    first_floor: int
    last_floor: int | None
    floor_height_m: float
    load_t_m2: float
    load_kn_m2: float
    freight_lift_t: float | None = None
    label_zh: str | None = None
    source: str | None = None
    assumption: bool = False
    note: str | None = None

    @property
    def n_floors(self) -> int | None:
        """Floors in the band; None for the open top band."""
        return None if self.last_floor is None else self.last_floor - self.first_floor + 1


@dataclass(frozen=True)
class ClusterFit:
    """Floors an industry can use: at least ``min_load_t_m2`` and ``min_floor_height_m``,
    and no higher than band ``max_band`` (``max_band`` = the ground band: ground only)."""

    key: str
    min_load_t_m2: float
    min_floor_height_m: float
    max_band: str
    label_zh: str | None = None
    source: str | None = None
    assumption: bool = False
    note: str | None = None

    @property
    def cluster(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def sub_type(self) -> str | None:
        parts = self.key.split(":", 1)
        return parts[1] if len(parts) == 2 else None

    @property
    def column(self) -> str:
        return fit_column(self.key)


@dataclass(frozen=True)
class HighriseDefinition:
    """What counts as a high-rise industrial building (工业上楼): taller than
    ``min_height_m`` and no taller than ``max_height_m``, at least ``min_floors`` floors, FAR
    at least ``min_far``."""

    min_height_m: Sourced
    max_height_m: Sourced
    min_floors: Sourced
    min_far: Sourced


@dataclass(frozen=True)
class HighriseTemplate:
    """Everything read from ``highrise.yaml``."""

    bands: tuple[FloorBand, ...]
    suitability: tuple[ClusterFit, ...]
    definition: HighriseDefinition

    @property
    def band_keys(self) -> tuple[str, ...]:
        return tuple(b.key for b in self.bands)

    @property
    def fit_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.suitability)

    def band(self, key: str) -> FloorBand:
        for b in self.bands:
            if b.key == key:
                return b
        raise KeyError(key)

    def fit(self, key: str) -> ClusterFit:
        for f in self.suitability:
            if f.key == key:
                return f
        raise KeyError(key)

    def band_fit(self, fit: ClusterFit) -> tuple[bool, ...]:
        """Whether each band (ground up) suits ``fit``."""
        top = self.band_keys.index(fit.max_band)
        return tuple(
            i <= top
            and b.load_t_m2 >= fit.min_load_t_m2
            and b.floor_height_m >= fit.min_floor_height_m
            for i, b in enumerate(self.bands)
        )


@dataclass(frozen=True)
class Standards:
    """The FAR table and the high-rise template together; build with :func:`load_standards`.

    Modified copies come from the ``with_*`` methods, which take the YAML vocabulary
    (``base_by_zone``, ``floors`` …) and validate the result like a loaded file. Changing a
    value keeps the entry's ``source``/``assumption`` unless those are passed too.
    """

    far: FarTable
    highrise: HighriseTemplate

    # ---- lookups

    def fit_key(self, cluster: str, sub_type: str | None = None) -> str | None:
        """The suitability key serving a firm of ``cluster`` / ``sub_type``, or None."""
        keys = set(self.highrise.fit_keys)
        if sub_type and f"{cluster}:{sub_type}" in keys:
            return f"{cluster}:{sub_type}"
        return cluster if cluster in keys else None

    # ---- plain representations

    def to_dicts(self) -> tuple[dict, dict]:
        """The standards as the two YAML documents (far, highrise)."""
        return _far_to_dict(self.far), _highrise_to_dict(self.highrise)

    def to_tables(self) -> dict[str, pd.DataFrame]:
        """The standards as tables for display and editing, each row with its provenance.

        Returns
        -------
        dict of DataFrame
            ``far`` (one row per land use: ``base_z1`` … ``base_z5``, ``upper_factor``,
            ``upper_cap``, the derived ``upper_z1`` … ``upper_z5``, ``coverage``),
            ``plot_size`` (``min_ha``, ``max_ha``, ``correction``), ``settings`` (``key``,
            ``value``: the height cap and the high-rise definition), ``bands`` (``key``,
            ``first_floor``, ``last_floor``, ``floor_height_m``, ``load_t_m2``,
            ``load_kn_m2``, ``freight_lift_t``) and ``suitability`` (``key``, ``cluster``,
            ``sub_type``, ``min_load_t_m2``, ``min_floor_height_m``, ``max_band``). Every
            table ends with ``source``, ``assumption`` and ``note``. Open bounds are NaN /
            NA. :func:`standards_from_tables` reads them back (derived columns ignored).
        """
        return _to_tables(self)

    # ---- modified copies

    def _edit(
        self,
        far: Callable[[dict], None] | None = None,
        highrise: Callable[[dict], None] | None = None,
    ) -> Standards:
        far_doc, hr_doc = self.to_dicts()
        if far is not None:
            far(far_doc)
        if highrise is not None:
            highrise(hr_doc)
        return standards_from_dicts(far_doc, hr_doc, source="standards (edited)")

    def with_far_rule(self, land_use: str, **changes: Any) -> Standards:
        """Copy with the FAR rule of ``land_use`` changed (keys as in ``far.yaml``)."""

        def edit(doc: dict) -> None:
            _entry(doc["far"], "land_use", land_use).update(changes)

        return self._edit(far=edit)

    def with_plot_size(self, bands: Sequence[Mapping[str, Any]]) -> Standards:
        """Copy with the plot-size correction bands replaced (keys as in ``far.yaml``)."""

        def edit(doc: dict) -> None:
            doc["plot_size_correction"] = [dict(b) for b in bands]

        return self._edit(far=edit)

    def without_plot_size_correction(self) -> Standards:
        """Copy whose plot-size correction is 0 for every plot size."""
        return self.with_plot_size(
            [
                {
                    "min_ha": 0.0,
                    "max_ha": None,
                    "correction": 0.0,
                    "source": "不作地块规模修正 (no plot-size correction)",
                }
            ]
        )

    def with_height_cap(self, height_cap_m: float, **provenance: Any) -> Standards:
        """Copy with another building height cap, m."""

        def edit(doc: dict) -> None:
            doc["height_cap_m"].update(value=height_cap_m, **provenance)

        return self._edit(far=edit)

    def with_bands(self, bands: Sequence[Mapping[str, Any]]) -> Standards:
        """Copy with the whole floor-band template replaced (keys as in ``highrise.yaml``)."""

        def edit(doc: dict) -> None:
            doc["bands"] = [dict(b) for b in bands]

        return self._edit(highrise=edit)

    def with_band(self, key: str, **changes: Any) -> Standards:
        """Copy with band ``key`` changed. Changing ``load_t_m2`` alone also updates
        ``load_kn_m2`` (× 9.80665)."""
        if "load_t_m2" in changes and "load_kn_m2" not in changes:
            changes["load_kn_m2"] = round(float(changes["load_t_m2"]) * KN_PER_T, 3)

        def edit(doc: dict) -> None:
            _entry(doc["bands"], "key", key).update(changes)

        return self._edit(highrise=edit)

    def with_fit(self, key: str, **changes: Any) -> Standards:
        """Copy with suitability entry ``key`` changed, or added when it does not exist."""

        def edit(doc: dict) -> None:
            for e in doc["suitability"]:
                if e.get("key") == key:
                    e.update(changes)
                    return
            doc["suitability"].append({"key": key, **changes})

        return self._edit(highrise=edit)

    def with_definition(self, name: str, value: float, **provenance: Any) -> Standards:
        """Copy with one high-rise definition threshold (``min_height_m`` …) changed."""

        def edit(doc: dict) -> None:
            if name not in doc["definition"]:
                raise InputError(
                    f"工业上楼认定口径没有「{name}」这一项。",
                    f"The high-rise definition has no entry '{name}'.",
                )
            doc["definition"][name].update(value=value, **provenance)

        return self._edit(highrise=edit)


def fit_column(key: str) -> str:
    """Capacity column of a suitability key: ``chip:fab`` → ``gfa_fit_chip_fab_m2``."""
    return f"gfa_fit_{key.replace(':', '_')}_m2"


def _entry(entries: list, field: str, value: str) -> dict:
    for e in entries:
        if isinstance(e, dict) and e.get(field) == value:
            return e
    raise InputError(
        f"标准表中没有「{field} = {value}」这一条。",
        f"The standards have no entry with {field} = '{value}'.",
    )


# --------------------------------------------------------------------------- loading


def load_standards(
    far_path: str | Path | None = None, highrise_path: str | Path | None = None
) -> Standards:
    """Read and validate the standards tables.

    Parameters
    ----------
    far_path, highrise_path : path, optional
        YAML files; the bundled ``data/standards/far.yaml`` / ``highrise.yaml`` by default.

    Returns
    -------
    Standards

    Raises
    ------
    InputError
        When a file is missing or not YAML, or any entry is missing, of the wrong type,
        negative where it may not be, without provenance, or inconsistent (bands that do
        not cover the floors contiguously, unknown land uses or cluster codes …). The
        message names every offending key.
    """
    far_path = Path(far_path) if far_path is not None else FAR_YAML
    highrise_path = Path(highrise_path) if highrise_path is not None else HIGHRISE_YAML
    far_doc = _read_yaml(far_path)
    hr_doc = _read_yaml(highrise_path)
    checker = _Checker()
    far = _parse_far(far_doc, checker.at(far_path.name))
    highrise = _parse_highrise(hr_doc, checker.at(highrise_path.name))
    checker.raise_if_any(f"{far_path.name} / {highrise_path.name}")
    return Standards(far=far, highrise=highrise)


def standards_from_dicts(
    far: Mapping, highrise: Mapping, *, source: str = "standards"
) -> Standards:
    """Validate two YAML-shaped documents (as :meth:`Standards.to_dicts` gives) into
    :class:`Standards`; raises :class:`InputError` like :func:`load_standards`."""
    checker = _Checker()
    far_table = _parse_far(far, checker.at("far"))
    template = _parse_highrise(highrise, checker.at("highrise"))
    checker.raise_if_any(source)
    return Standards(far=far_table, highrise=template)


def save_standards(standards: Standards, far_path: str | Path, highrise_path: str | Path) -> None:
    """Write the standards as the two YAML files (UTF-8, Chinese kept readable)."""
    far_doc, hr_doc = standards.to_dicts()
    for path, doc in ((far_path, far_doc), (highrise_path, hr_doc)):
        Path(path).write_text(
            yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )


def _read_yaml(path: Path) -> Any:
    if not path.exists():
        raise InputError(
            f"找不到标准表文件 {path}。", f"Standards file {path} not found.", source=str(path)
        )
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InputError(
            f"标准表不是有效的 YAML：{exc}",
            f"The standards file is not valid YAML: {exc}",
            source=str(path),
        ) from exc


# --------------------------------------------------------------------------- validation


class _Checker:
    """Collects problems so one error lists every broken key at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.prefix = ""

    def at(self, prefix: str) -> _Checker:
        self.prefix = prefix
        return self

    def add(self, path: str, zh: str, en: str) -> None:
        where = f"{self.prefix}: {path}" if self.prefix else path
        self.problems.append(f"「{where}」{zh} / '{where}' {en}")

    def raise_if_any(self, source: str) -> None:
        if not self.problems:
            return
        first = self.problems[0].split("」", 1)[0].lstrip("「")
        raise InputError(
            f"标准表有 {len(self.problems)} 处问题（首个：「{first}」），请修改后重新加载：",
            f"The standards have {len(self.problems)} problem(s) (first: '{first}'); "
            "fix them and load again:",
            source=source,
            details=self.problems,
        )

    # ---- typed getters; each returns None after recording a problem

    def mapping(self, value: Any, path: str) -> Mapping | None:
        if isinstance(value, Mapping):
            return value
        self.add(path, "应为键值表", "must be a mapping")
        return None

    def sequence(self, value: Any, path: str) -> list | None:
        if isinstance(value, list | tuple) and len(value) > 0:
            return list(value)
        self.add(path, "应为非空列表", "must be a non-empty list")
        return None

    def keys(self, m: Mapping, allowed: Sequence[str], path: str) -> None:
        for k in m:
            if k not in allowed:
                self.add(
                    f"{path}.{k}",
                    f"是未知的键，可用：{', '.join(allowed)}",
                    f"is an unknown key; allowed: {', '.join(allowed)}",
                )

    def required(self, m: Mapping, key: str, path: str) -> Any:
        """``m[key]``, or ``_MISSING`` after recording that it is missing."""
        if key in m:
            return m[key]
        where = key if path == "(root)" else f"{path}.{key}"
        self.add(where, "缺失", "is missing")
        return _MISSING

    def number(self, m: Mapping, key: str, path: str, **limits: Any) -> float | None:
        """``m[key]`` checked by :meth:`value`; a missing key is a problem."""
        if key not in m:
            self.add(f"{path}.{key}", "缺失", "is missing")
            return None
        return self.value(m[key], f"{path}.{key}", **limits)

    def value(
        self,
        value: Any,
        where: str,
        *,
        minimum: float | None = 0.0,
        strict: bool = False,
        maximum: float | None = None,
        nullable: bool = False,
        integer: bool = False,
    ) -> float | None:
        """A number within limits; None when null (allowed only if ``nullable``) or bad."""
        if _is_null(value):
            if not nullable:
                self.add(where, "不能为空", "must not be empty")
            return None
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
            self.add(where, f"应为数字，实为「{value}」", f"must be a number, got {value!r}")
            return None
        value = float(value)
        if not math.isfinite(value):
            self.add(where, "应为有限数字", "must be a finite number")
            return None
        if integer and not value.is_integer():
            self.add(where, "应为整数", "must be a whole number")
            return None
        if minimum is not None and (value <= minimum if strict else value < minimum):
            rel = ">" if strict else "≥"
            self.add(
                where,
                f"应 {rel} {minimum:g}，实为 {value:g}",
                f"must be {rel} {minimum:g}, got {value:g}",
            )
            return None
        if maximum is not None and value > maximum:
            self.add(
                where, f"应 ≤ {maximum:g}，实为 {value:g}", f"must be ≤ {maximum:g}, got {value:g}"
            )
            return None
        return value

    def text(self, m: Mapping, key: str, path: str, *, required: bool = True) -> str | None:
        value = m.get(key, _MISSING)
        if value is _MISSING or _is_null(value):
            if required:
                self.add(f"{path}.{key}", "缺失", "is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(f"{path}.{key}", "应为文字", "must be text")
            return None
        return value.strip()

    def provenance(self, m: Mapping, path: str) -> tuple[str | None, bool, str | None]:
        source = self.text(m, "source", path, required=False)
        note = self.text(m, "note", path, required=False)
        assumption = m.get("assumption", False)
        if _is_null(assumption):
            assumption = False
        if not isinstance(assumption, bool | np.bool_):
            self.add(f"{path}.assumption", "应为 true/false", "must be true or false")
            assumption = False
        assumption = bool(assumption)
        if source is None and not assumption:
            self.add(
                path,
                "需注明来源 source，或标记 assumption: true",
                "needs a `source:` or `assumption: true`",
            )
        return source, assumption, note


_PROVENANCE = ("source", "assumption", "note")


def _is_null(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _label(entry: Any, field: str, index: int) -> str:
    if isinstance(entry, Mapping) and isinstance(entry.get(field), str):
        return entry[field]
    return str(index)


def _parse_far(doc: Any, c: _Checker) -> FarTable | None:
    before = len(c.problems)
    doc = c.mapping(doc, "(root)")
    if doc is None:
        return None
    c.keys(doc, ("far", "plot_size_correction", "height_cap_m"), "(root)")
    rules = _parse_far_rules(c.required(doc, "far", "(root)"), c)
    plot_size = _parse_plot_size(c.required(doc, "plot_size_correction", "(root)"), c)
    cap = _parse_sourced(
        c.required(doc, "height_cap_m", "(root)"),
        "height_cap_m",
        c,
        minimum=0.0,
        strict=True,
        maximum=MAX_HEIGHT_CAP_M,
    )
    if len(c.problems) > before:
        return None
    return FarTable(rules=rules, plot_size=plot_size, height_cap_m=cap)


def _parse_far_rules(value: Any, c: _Checker) -> tuple[FarRule, ...] | None:
    if value is _MISSING:
        return None
    entries = c.sequence(value, "far")
    if entries is None:
        return None
    before = len(c.problems)
    rules: list[FarRule] = []
    for i, e in enumerate(entries):
        path = f"far[{_label(e, 'land_use', i)}]"
        e = c.mapping(e, path)
        if e is None:
            continue
        entry_before = len(c.problems)
        c.keys(
            e,
            ("land_use", "base_by_zone", "upper_factor", "upper_cap", "coverage", *_PROVENANCE),
            path,
        )
        code = None
        raw = c.required(e, "land_use", path)
        if raw is not _MISSING:
            code = LAND_USE.normalise(raw)
            if code is None or code not in INDUSTRIAL_LAND_USES:
                c.add(
                    f"{path}.land_use",
                    f"「{raw}」不是工业用地性质，可用：{'、'.join(INDUSTRIAL_LAND_USES)}",
                    f"'{raw}' is not an industrial land use; allowed: "
                    f"{', '.join(INDUSTRIAL_LAND_USES)}",
                )
            elif code in {r.land_use for r in rules}:
                c.add(f"{path}.land_use", "重复", "is duplicated")
        base = _parse_zones(c.required(e, "base_by_zone", path), f"{path}.base_by_zone", c)
        factor = c.number(e, "upper_factor", path, minimum=1.0)
        cap = c.number(e, "upper_cap", path, minimum=0.0, strict=True)
        coverage = c.number(e, "coverage", path, minimum=0.0, strict=True, maximum=1.0)
        source, assumption, note = c.provenance(e, path)
        if base is not None and cap is not None and cap < max(base):
            c.add(
                f"{path}.upper_cap",
                f"低于基准容积率 {max(base):g}，上限不能低于基准值",
                f"is below the base FAR {max(base):g}; the upper limit cannot be lower",
            )
        if len(c.problems) == entry_before:
            rules.append(FarRule(code, base, factor, cap, coverage, source, assumption, note))
    if len(c.problems) > before:
        return None
    missing = [lu for lu in INDUSTRIAL_LAND_USES if lu not in {r.land_use for r in rules}]
    if missing:
        c.add(
            "far",
            f"缺少用地性质 {'、'.join(missing)} 的容积率",
            f"lacks the land uses {', '.join(missing)}",
        )
        return None
    return tuple(rules)


def _parse_zones(value: Any, path: str, c: _Checker) -> tuple[float, ...] | None:
    if value is _MISSING:
        return None
    m = c.mapping(value, path)
    if m is None:
        return None
    zones: dict[int, Any] = {}
    for k in m:
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
        zones[z] = m[k]
    values = []
    for z in DENSITY_ZONES:
        if z not in zones:
            c.add(f"{path}.{z}", "缺失", "is missing")
            values.append(None)
        else:
            values.append(c.value(zones[z], f"{path}.{z}"))
    return None if None in values else tuple(values)


def _parse_plot_size(value: Any, c: _Checker) -> tuple[PlotSizeBand, ...] | None:
    if value is _MISSING:
        return None
    entries = c.sequence(value, "plot_size_correction")
    if entries is None:
        return None
    before = len(c.problems)
    bands: list[PlotSizeBand] = []
    for i, e in enumerate(entries):
        path = f"plot_size_correction[{i}]"
        e = c.mapping(e, path)
        if e is None:
            continue
        c.keys(e, ("min_ha", "max_ha", "correction", *_PROVENANCE), path)
        lo = c.number(e, "min_ha", path, minimum=0.0)
        hi = c.number(e, "max_ha", path, minimum=0.0, strict=True, nullable=True)
        corr = c.number(e, "correction", path, minimum=-1.0, strict=True)
        source, assumption, note = c.provenance(e, path)
        bands.append(PlotSizeBand(lo, hi, corr, source, assumption, note))
    if len(c.problems) > before:
        return None
    expected = 0.0
    for i, b in enumerate(bands):
        path = f"plot_size_correction[{i}]"
        last = i == len(bands) - 1
        if b.min_ha != expected:
            c.add(
                f"{path}.min_ha",
                f"应为 {expected:g}（各段须从 0 开始首尾相接）",
                f"must be {expected:g}: bands start at 0 and touch",
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
            expected = b.max_ha if b.max_ha is not None else expected
            continue
        return None
    return tuple(bands)


def _parse_sourced(value: Any, path: str, c: _Checker, **limits: Any) -> Sourced | None:
    if value is _MISSING:
        return None
    m = c.mapping(value, path)
    if m is None:
        return None
    before = len(c.problems)
    c.keys(m, ("value", *_PROVENANCE), path)
    number = c.number(m, "value", path, **limits)
    source, assumption, note = c.provenance(m, path)
    if len(c.problems) > before:
        return None
    return Sourced(int(number) if limits.get("integer") else number, source, assumption, note)


def _parse_highrise(doc: Any, c: _Checker) -> HighriseTemplate | None:
    before = len(c.problems)
    doc = c.mapping(doc, "(root)")
    if doc is None:
        return None
    c.keys(doc, ("definition", "bands", "suitability"), "(root)")
    definition = _parse_definition(c.required(doc, "definition", "(root)"), c)
    bands = _parse_bands(c.required(doc, "bands", "(root)"), c)
    suitability = _parse_suitability(c.required(doc, "suitability", "(root)"), bands, c)
    if len(c.problems) > before:
        return None
    return HighriseTemplate(bands=bands, suitability=suitability, definition=definition)


def _parse_definition(value: Any, c: _Checker) -> HighriseDefinition | None:
    if value is _MISSING:
        return None
    m = c.mapping(value, "definition")
    if m is None:
        return None
    before = len(c.problems)
    c.keys(m, ("min_height_m", "max_height_m", "min_floors", "min_far"), "definition")
    limits: dict[str, dict[str, Any]] = {
        "min_height_m": {},
        "max_height_m": {"strict": True},
        "min_floors": {"minimum": 1.0, "integer": True},
        "min_far": {},
    }
    parsed = {
        name: _parse_sourced(c.required(m, name, "definition"), f"definition.{name}", c, **kw)
        for name, kw in limits.items()
    }
    if len(c.problems) > before:
        return None
    if parsed["max_height_m"].value <= parsed["min_height_m"].value:
        c.add("definition.max_height_m", "应大于 min_height_m", "must exceed min_height_m")
        return None
    return HighriseDefinition(**parsed)


def _parse_bands(value: Any, c: _Checker) -> tuple[FloorBand, ...] | None:
    if value is _MISSING:
        return None
    entries = c.sequence(value, "bands")
    if entries is None:
        return None
    before = len(c.problems)
    bands: list[FloorBand] = []
    for i, e in enumerate(entries):
        path = f"bands[{_label(e, 'key', i)}]"
        e = c.mapping(e, path)
        if e is None:
            continue
        entry_before = len(c.problems)
        c.keys(
            e,
            (
                "key",
                "label_zh",
                "floors",
                "floor_height_m",
                "load_t_m2",
                "load_kn_m2",
                "freight_lift_t",
                *_PROVENANCE,
            ),
            path,
        )
        key = c.text(e, "key", path)
        if key is not None and not _BAND_KEY.match(key):
            c.add(
                f"{path}.key",
                "只能用小写字母、数字和下划线，以字母开头",
                "must be lower-case letters, digits and underscores, starting with a letter",
            )
        elif key is not None and key in {b.key for b in bands}:
            c.add(f"{path}.key", "重复", "is duplicated")
        label = c.text(e, "label_zh", path, required=False)
        floors = _parse_floor_range(c.required(e, "floors", path), f"{path}.floors", c)
        height = c.number(e, "floor_height_m", path, minimum=MIN_FLOOR_HEIGHT_M)
        load_t = c.number(e, "load_t_m2", path)
        load_kn = c.number(e, "load_kn_m2", path)
        lift = c.value(e.get("freight_lift_t"), f"{path}.freight_lift_t", nullable=True)
        source, assumption, note = c.provenance(e, path)
        if load_t is not None and load_kn is not None:
            expected = load_t * KN_PER_T
            if abs(load_kn - expected) > LOAD_AGREEMENT * max(expected, 1e-9):
                c.add(
                    f"{path}.load_kn_m2",
                    f"与 load_t_m2 不一致（{load_t:g} t/m² ≈ {expected:.1f} kN/m²）",
                    f"disagrees with load_t_m2 ({load_t:g} t/m² ≈ {expected:.1f} kN/m²)",
                )
        if len(c.problems) == entry_before:
            bands.append(
                FloorBand(
                    key,
                    floors[0],
                    floors[1],
                    height,
                    load_t,
                    load_kn,
                    lift,
                    label,
                    source,
                    assumption,
                    note,
                )
            )
    if len(c.problems) > before:
        return None
    expected_first = 1
    for i, b in enumerate(bands):
        path = f"bands[{b.key}].floors"
        last = i == len(bands) - 1
        if b.first_floor != expected_first:
            c.add(
                path,
                f"应从第 {expected_first} 层开始（各段须自首层起连续覆盖所有楼层）",
                f"must start at floor {expected_first}: bands cover the floors "
                "contiguously from the ground floor",
            )
        elif b.last_floor is None and not last:
            c.add(path, "只有最顶一段可以不设上限", "only the top band may be open")
        elif b.last_floor is not None and last:
            c.add(path, "最顶一段须不设上限（[n, null]）", "the top band must be open ([n, null])")
        else:
            expected_first = (b.last_floor or 0) + 1
            continue
        return None
    return tuple(bands)


def _parse_floor_range(value: Any, path: str, c: _Checker) -> tuple[int, int | None] | None:
    if value is _MISSING:
        return None
    if not isinstance(value, list | tuple) or len(value) != 2:
        c.add(
            path,
            "应为 [首层号, 末层号]（末层可为 null）",
            "must be [first, last] (last may be null)",
        )
        return None
    before = len(c.problems)
    first = c.value(value[0], f"{path}[0]", minimum=1.0, integer=True, maximum=MAX_FLOOR)
    last = c.value(
        value[1], f"{path}[1]", minimum=1.0, integer=True, maximum=MAX_FLOOR, nullable=True
    )
    if len(c.problems) > before:
        return None
    if last is not None and last < first:
        c.add(path, "末层号不能小于首层号", "the last floor must not be below the first")
        return None
    return int(first), (None if last is None else int(last))


def _parse_suitability(
    value: Any, bands: tuple[FloorBand, ...] | None, c: _Checker
) -> tuple[ClusterFit, ...] | None:
    if value is _MISSING:
        return None
    entries = c.sequence(value, "suitability")
    if entries is None:
        return None
    band_keys = [b.key for b in bands] if bands is not None else None
    before = len(c.problems)
    fits: list[ClusterFit] = []
    for i, e in enumerate(entries):
        path = f"suitability[{_label(e, 'key', i)}]"
        e = c.mapping(e, path)
        if e is None:
            continue
        entry_before = len(c.problems)
        c.keys(
            e,
            ("key", "label_zh", "min_load_t_m2", "min_floor_height_m", "max_band", *_PROVENANCE),
            path,
        )
        key = c.text(e, "key", path)
        if key is not None:
            _check_fit_key(key, f"{path}.key", c)
            if key in {f.key for f in fits}:
                c.add(f"{path}.key", "重复", "is duplicated")
        label = c.text(e, "label_zh", path, required=False)
        load = c.number(e, "min_load_t_m2", path)
        height = c.number(e, "min_floor_height_m", path)
        top = c.text(e, "max_band", path)
        if top is not None and band_keys is not None and top not in band_keys:
            c.add(
                f"{path}.max_band",
                f"「{top}」不是楼层分段，可用：{', '.join(band_keys)}",
                f"'{top}' is not a band; allowed: {', '.join(band_keys)}",
            )
        source, assumption, note = c.provenance(e, path)
        if len(c.problems) == entry_before:
            fits.append(ClusterFit(key, load, height, top, label, source, assumption, note))
    if len(c.problems) > before:
        return None
    return tuple(fits)


def _check_fit_key(key: str, path: str, c: _Checker) -> None:
    cluster, colon, sub_type = key.partition(":")
    if cluster not in CLUSTER.codes:
        c.add(
            path,
            f"「{cluster}」不是产业集群代码，可用：{', '.join(CLUSTER.codes)}",
            f"'{cluster}' is not a cluster code; allowed: {', '.join(CLUSTER.codes)}",
        )
    elif colon and not _SUB_TYPE.match(sub_type):
        c.add(
            path,
            "细分类型只能用小写字母、数字和下划线（如 chip:fab）",
            "the sub-type must be lower-case letters, digits and underscores (e.g. chip:fab)",
        )


# --------------------------------------------------------------------------- plain forms


def _prov_dict(obj: Any) -> dict:
    out: dict[str, Any] = {}
    if obj.source is not None:
        out["source"] = obj.source
    if obj.assumption:
        out["assumption"] = True
    if obj.note is not None:
        out["note"] = obj.note
    return out


def _sourced_dict(s: Sourced) -> dict:
    return {"value": s.value, **_prov_dict(s)}


def _far_to_dict(far: FarTable) -> dict:
    return {
        "far": [
            {
                "land_use": r.land_use,
                "base_by_zone": dict(zip(DENSITY_ZONES, r.base_by_zone, strict=True)),
                "upper_factor": r.upper_factor,
                "upper_cap": r.upper_cap,
                "coverage": r.coverage,
                **_prov_dict(r),
            }
            for r in far.rules
        ],
        "plot_size_correction": [
            {"min_ha": b.min_ha, "max_ha": b.max_ha, "correction": b.correction, **_prov_dict(b)}
            for b in far.plot_size
        ],
        "height_cap_m": _sourced_dict(far.height_cap_m),
    }


def _highrise_to_dict(hr: HighriseTemplate) -> dict:
    d = hr.definition
    return {
        "definition": {
            name: _sourced_dict(getattr(d, name))
            for name in ("min_height_m", "max_height_m", "min_floors", "min_far")
        },
        "bands": [
            {
                "key": b.key,
                **({"label_zh": b.label_zh} if b.label_zh is not None else {}),
                "floors": [b.first_floor, b.last_floor],
                "floor_height_m": b.floor_height_m,
                "load_t_m2": b.load_t_m2,
                "load_kn_m2": b.load_kn_m2,
                "freight_lift_t": b.freight_lift_t,
                **_prov_dict(b),
            }
            for b in hr.bands
        ],
        "suitability": [
            {
                "key": f.key,
                **({"label_zh": f.label_zh} if f.label_zh is not None else {}),
                "min_load_t_m2": f.min_load_t_m2,
                "min_floor_height_m": f.min_floor_height_m,
                "max_band": f.max_band,
                **_prov_dict(f),
            }
            for f in hr.suitability
        ],
    }


def _prov_cols(obj: Any) -> dict:
    return {"source": obj.source, "assumption": obj.assumption, "note": obj.note}


def _to_tables(s: Standards) -> dict[str, pd.DataFrame]:
    far = pd.DataFrame(
        [
            {
                "land_use": r.land_use,
                "label_zh": LAND_USE.label(r.land_use),
                **{f"base_z{z}": v for z, v in zip(DENSITY_ZONES, r.base_by_zone, strict=True)},
                "upper_factor": r.upper_factor,
                "upper_cap": r.upper_cap,
                **{f"upper_z{z}": v for z, v in zip(DENSITY_ZONES, r.upper_by_zone, strict=True)},
                "coverage": r.coverage,
                **_prov_cols(r),
            }
            for r in s.far.rules
        ]
    )
    plot_size = pd.DataFrame(
        [
            {
                "min_ha": b.min_ha,
                "max_ha": np.nan if b.max_ha is None else b.max_ha,
                "correction": b.correction,
                **_prov_cols(b),
            }
            for b in s.far.plot_size
        ]
    )
    d = s.highrise.definition
    settings = pd.DataFrame(
        [
            {
                "key": "height_cap_m",
                "value": s.far.height_cap_m.value,
                **_prov_cols(s.far.height_cap_m),
            },
            *(
                {
                    "key": f"definition.{name}",
                    "value": float(getattr(d, name).value),
                    **_prov_cols(getattr(d, name)),
                }
                for name in ("min_height_m", "max_height_m", "min_floors", "min_far")
            ),
        ]
    )
    bands = pd.DataFrame(
        [
            {
                "key": b.key,
                "label_zh": b.label_zh,
                "first_floor": b.first_floor,
                "last_floor": b.last_floor,
                "floor_height_m": b.floor_height_m,
                "load_t_m2": b.load_t_m2,
                "load_kn_m2": b.load_kn_m2,
                "freight_lift_t": np.nan if b.freight_lift_t is None else b.freight_lift_t,
                **_prov_cols(b),
            }
            for b in s.highrise.bands
        ]
    )
    bands["first_floor"] = bands["first_floor"].astype("Int64")
    bands["last_floor"] = pd.array(bands["last_floor"].tolist(), dtype="Int64")
    suitability = pd.DataFrame(
        [
            {
                "key": f.key,
                "cluster": f.cluster,
                "sub_type": f.sub_type,
                "label_zh": f.label_zh,
                "min_load_t_m2": f.min_load_t_m2,
                "min_floor_height_m": f.min_floor_height_m,
                "max_band": f.max_band,
                **_prov_cols(f),
            }
            for f in s.highrise.suitability
        ]
    )
    return {
        "far": far,
        "plot_size": plot_size,
        "settings": settings,
        "bands": bands,
        "suitability": suitability,
    }


def _plain(value: Any) -> Any:
    """A table cell as a YAML-like value: NaN/NA → None, numpy scalars → Python."""
    if _is_null(value):
        return None
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict]:
    """Rows as dicts holding only the given columns that are present (and not empty for
    optional provenance), so a dropped column reads as a missing key."""
    present = [col for col in columns if col in frame.columns]
    rows = []
    for values in frame[present].itertuples(index=False, name=None):
        row = {}
        for col, v in zip(present, values, strict=True):
            v = _plain(v)
            if col in _PROVENANCE and v is None:
                continue
            row[col] = v
        rows.append(row)
    return rows


def standards_from_tables(
    tables: Mapping[str, pd.DataFrame], base: Standards | None = None
) -> Standards:
    """Standards from (edited) tables as :meth:`Standards.to_tables` gives them.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Any of ``far``, ``plot_size``, ``settings``, ``bands``, ``suitability``; tables
        not given are taken from ``base``. Derived columns (``upper_z*``, ``label_zh`` of
        land uses, ``cluster``/``sub_type`` of suitability) are ignored.
    base : Standards, optional
        Where absent tables come from; the bundled standards by default.

    Raises
    ------
    InputError
        Naming every offending entry, as :func:`load_standards`.
    """
    unknown = set(tables) - {"far", "plot_size", "settings", "bands", "suitability"}
    if unknown:
        raise InputError(
            f"未知的标准表：{sorted(unknown)}。", f"Unknown standards tables: {sorted(unknown)}."
        )
    base = base if base is not None else load_standards()
    far_doc, hr_doc = base.to_dicts()
    if "far" in tables:
        cols = (
            "land_use",
            *(f"base_z{z}" for z in DENSITY_ZONES),
            "upper_factor",
            "upper_cap",
            "coverage",
            *_PROVENANCE,
        )
        rows = _records(tables["far"], cols)
        for row in rows:
            zones = {z: row.pop(f"base_z{z}") for z in DENSITY_ZONES if f"base_z{z}" in row}
            row["base_by_zone"] = zones
        far_doc["far"] = rows
    if "plot_size" in tables:
        far_doc["plot_size_correction"] = _records(
            tables["plot_size"], ("min_ha", "max_ha", "correction", *_PROVENANCE)
        )
    if "settings" in tables:
        for row in _records(tables["settings"], ("key", "value", *_PROVENANCE)):
            key = row.pop("key", None)
            if key == "height_cap_m":
                far_doc["height_cap_m"] = row
            elif isinstance(key, str) and key.startswith("definition."):
                hr_doc["definition"][key.split(".", 1)[1]] = row
            else:
                raise InputError(
                    f"设置表中有未知的项「{key}」。",
                    f"The settings table has an unknown entry '{key}'.",
                )
    if "bands" in tables:
        rows = _records(
            tables["bands"],
            (
                "key",
                "label_zh",
                "first_floor",
                "last_floor",
                "floor_height_m",
                "load_t_m2",
                "load_kn_m2",
                "freight_lift_t",
                *_PROVENANCE,
            ),
        )
        for row in rows:
            row["floors"] = [row.pop("first_floor", None), row.pop("last_floor", None)]
            if row.get("label_zh") is None:
                row.pop("label_zh", None)
        hr_doc["bands"] = rows
    if "suitability" in tables:
        rows = _records(
            tables["suitability"],
            ("key", "label_zh", "min_load_t_m2", "min_floor_height_m", "max_band", *_PROVENANCE),
        )
        for row in rows:
            if row.get("label_zh") is None:
                row.pop("label_zh", None)
        hr_doc["suitability"] = rows
    return standards_from_dicts(far_doc, hr_doc, source="standards tables")
