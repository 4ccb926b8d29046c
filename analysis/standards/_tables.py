"""The standards as editable tables for the UI, and back.

Method: :func:`standards_to_tables` lays every list of the two YAML documents out as one
DataFrame row per entry (density zones spread over ``base_z1`` … ``base_z5``, floor ranges
over ``first_floor`` / ``last_floor``, the single figures of the height cap and the
high-rise definition as rows of ``settings``), each row ending with its provenance; derived
columns (``upper_z*``, labels) are added for display. :func:`standards_from_tables` reads
edited tables back into the YAML documents of a base :class:`Standards` — a cell becomes a
plain value (NaN/NA → None), a dropped column a missing key — and validates them exactly as
a loaded file, so an edit either yields valid standards or one error naming every broken
key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.standards._model import DEFINITION_NAMES, Standards
from analysis.standards._validate import PROVENANCE
from analysis.standards._values import plain
from analysis.standards._yaml import load_standards, standards_from_dicts
from geo.errors import InputError
from layers.schema import DENSITY_ZONES, LAND_USE

__all__ = ["TABLE_NAMES", "standards_from_tables", "standards_to_tables"]

#: The tables of :meth:`Standards.to_tables`, in display order.
TABLE_NAMES: tuple[str, ...] = ("far", "plot_size", "settings", "bands", "suitability")


def _prov_cols(obj: Any) -> dict:
    return {"source": obj.source, "assumption": obj.assumption, "note": obj.note}


def standards_to_tables(s: Standards) -> dict[str, pd.DataFrame]:
    """The tables of :meth:`Standards.to_tables` (see there for the columns)."""
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
                for name in DEFINITION_NAMES
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


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict]:
    """Rows as dicts holding only the given columns that are present (and not empty for
    optional provenance), so a dropped column reads as a missing key."""
    present = [col for col in columns if col in frame.columns]
    rows = []
    for values in frame[present].itertuples(index=False, name=None):
        row = {}
        for col, v in zip(present, values, strict=True):
            v = plain(v)
            if col in PROVENANCE and v is None:
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
    unknown = set(tables) - set(TABLE_NAMES)
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
            *PROVENANCE,
        )
        rows = _records(tables["far"], cols)
        for row in rows:
            zones = {z: row.pop(f"base_z{z}") for z in DENSITY_ZONES if f"base_z{z}" in row}
            row["base_by_zone"] = zones
        far_doc["far"] = rows
    if "plot_size" in tables:
        far_doc["plot_size_correction"] = _records(
            tables["plot_size"], ("min_ha", "max_ha", "correction", *PROVENANCE)
        )
    if "settings" in tables:
        for row in _records(tables["settings"], ("key", "value", *PROVENANCE)):
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
                *PROVENANCE,
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
            ("key", "label_zh", "min_load_t_m2", "min_floor_height_m", "max_band", *PROVENANCE),
        )
        for row in rows:
            if row.get("label_zh") is None:
                row.pop("label_zh", None)
        hr_doc["suitability"] = rows
    return standards_from_dicts(far_doc, hr_doc, source="standards tables")
