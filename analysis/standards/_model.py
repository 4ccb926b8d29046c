"""The standards model: immutable dataclasses for the FAR table and the 工业上楼 template.

Method: every figure is held in a frozen dataclass together with its provenance
(``source``, ``assumption``, ``note``); derived values (``FarRule.upper_by_zone``,
``FloorBand.n_floors``, ``HighriseTemplate.band_fit``) are computed on access, never stored.
A :class:`Standards` object is never changed in place: the ``with_*`` methods write the
standards out as the two YAML documents (:meth:`Standards.to_dicts`), apply the change in
the YAML vocabulary and validate the result again (:func:`standards_from_dicts`), so an
edited object is as trustworthy as a loaded one.

Units are in the names: FAR is dimensionless (floor area / plot area), heights in m, loads
in t/m² and kN/m² (1 t/m² = 9.80665 kN/m²), plot sizes in ha, freight-lift capacity in t.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from geo.errors import InputError

__all__ = [
    "DEFINITION_NAMES",
    "FAR_MODES",
    "KN_PER_T",
    "LOAD_AGREEMENT",
    "MAX_FLOOR",
    "MAX_HEIGHT_CAP_M",
    "MIN_FLOOR_HEIGHT_M",
    "ClusterFit",
    "FarRule",
    "FarTable",
    "FloorBand",
    "HighriseDefinition",
    "HighriseTemplate",
    "PlotSizeBand",
    "Sourced",
    "Standards",
    "fit_column",
    "floor_fit_column",
    "provenance_dict",
    "sourced_dict",
]

#: Which FAR a parcel gets: the corrected base value, or the zone's upper limit.
FAR_MODES: tuple[str, ...] = ("base", "upper")
#: Standard gravity, kN per tonne-force.
KN_PER_T = 9.80665
#: Relative tolerance between a band's load in t/m² and in kN/m² (practice rounds g to 10).
LOAD_AGREEMENT = 0.05
#: No building is taller, m; bounds the per-floor tables built from the template.
MAX_HEIGHT_CAP_M = 1000.0
#: Lowest floor height a band may have, m.
MIN_FLOOR_HEIGHT_M = 2.0
#: Highest floor number a band may name.
MAX_FLOOR = 500


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


#: The thresholds of :class:`HighriseDefinition`, in document order.
DEFINITION_NAMES: tuple[str, ...] = ("min_height_m", "max_height_m", "min_floors", "min_far")


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
        # Imported here: the document modules build this module's classes.
        from analysis.standards._yaml import standards_to_dicts

        return standards_to_dicts(self)

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
        from analysis.standards._tables import standards_to_tables

        return standards_to_tables(self)

    # ---- modified copies

    def _edit(
        self,
        far: Callable[[dict], None] | None = None,
        highrise: Callable[[dict], None] | None = None,
    ) -> Standards:
        from analysis.standards._yaml import standards_from_dicts

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
    """Capacity column of a suitability key, floor area in m²: ``chip:fab`` →
    ``gfa_fit_chip_fab_m2``."""
    return f"gfa_fit_{_column_part(key)}_m2"


def floor_fit_column(key: str) -> str:
    """Per-floor flag column of a suitability key (True where the floor suits it):
    ``chip:fab`` → ``fit_chip_fab``."""
    return f"fit_{_column_part(key)}"


def _column_part(key: str) -> str:
    """A suitability key spelled for a column name: ``:`` becomes ``_``."""
    return key.replace(":", "_")


def _entry(entries: list, field: str, value: str) -> dict:
    for e in entries:
        if isinstance(e, dict) and e.get(field) == value:
            return e
    raise InputError(
        f"标准表中没有「{field} = {value}」这一条。",
        f"The standards have no entry with {field} = '{value}'.",
    )


def provenance_dict(obj: Sourced | FarRule | PlotSizeBand | FloorBand | ClusterFit) -> dict:
    """The provenance of an entry as YAML keys, leaving out the empty ones."""
    out: dict[str, Any] = {}
    if obj.source is not None:
        out["source"] = obj.source
    if obj.assumption:
        out["assumption"] = True
    if obj.note is not None:
        out["note"] = obj.note
    return out


def sourced_dict(s: Sourced) -> dict:
    """A single sourced figure as YAML: ``{value: …, source: …}``."""
    return {"value": s.value, **provenance_dict(s)}
