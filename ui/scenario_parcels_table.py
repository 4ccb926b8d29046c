"""The per-parcel table of a scenario: what each industrial parcel becomes under the one
capacity rule (``analysis.capacity.REDEVELOP_RULE``, the rule of the 工业上楼容量 page and of
the comparison's capacity figures), downloadable as CSV.

Rows: the scenario's parcels the rule rebuilds (changed parcels first, then by id; all
industrial parcels on request). Columns: id, name, status, whether the scenario changed
it, current FAR → FAR the rule builds to, floors, height (m), GFA per template band and
the increment (万 m²).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from layers.scenario import AppliedScenario
from layers.schema import STATUS
from ui.cache import default_standards, rule_capacity_result, standards_key
from ui.i18n import code_labeller, t

__all__ = ["parcel_table", "render_parcel_table"]

_WAN = 1e4


def parcel_table(capacity: pd.DataFrame, changed_ids: set[str], *, all_rows: bool) -> pd.DataFrame:
    """The table from the rule's per-parcel capacity (``rule_capacity`` columns).

    ``changed_ids``: parcels the scenario added or modified. Rows: the rebuilt parcels
    (all industrial ones, those with a ``far_allowed``, when ``all_rows``), changed first.
    Areas in 万 m² (m² / 10⁴).
    """
    keep = capacity["far_allowed"].notna() if all_rows else capacity["redeveloped"].astype(bool)
    rows = capacity[keep]
    ids = rows["parcel_id"].astype(str)
    changed = ids.isin(changed_ids)
    status = code_labeller(STATUS)
    bands = [c for c in rows.columns if c.startswith("gfa_") and c.endswith("_m2")]
    bands = [c for c in bands if c not in ("gfa_current_m2", "gfa_max_m2", "gfa_increment_m2")]
    bands = [c for c in bands if not c.startswith("gfa_fit_")]
    table = pd.DataFrame(
        {
            t("地块编号", "Parcel id"): ids.to_numpy(),
            t("名称", "Name"): rows["name"].fillna("").astype(str).to_numpy()
            if "name" in rows
            else "",
            t("地块状态", "Status"): [status(s) for s in rows["status"]],
            t("情景修改", "Changed"): changed.to_numpy(),
            t("现状容积率", "Current FAR"): rows["far_current"].astype(float).round(2).to_numpy(),
            t("规则容积率", "FAR built to"): rows["far_allowed"].astype(float).round(2).to_numpy(),
            t("层数", "Floors"): rows["floors"].to_numpy(),
            t("高度（米）", "Height (m)"): rows["height_m"].astype(float).round(1).to_numpy(),
            **{
                t(f"{_band(c, 'zh')}（万 m²）", f"{_band(c, 'en')} (10⁴ m²)"): (
                    rows[c].astype(float) / _WAN
                )
                .round(2)
                .to_numpy()
                for c in bands
            },
            t("新增建筑面积（万 m²）", "GFA increment (10⁴ m²)"): (
                rows["gfa_increment_m2"].astype(float) / _WAN
            )
            .round(2)
            .to_numpy(),
        }
    )
    order = np.lexsort((ids.to_numpy(dtype=str), ~changed.to_numpy()))  # changed, then id
    return table.iloc[order].reset_index(drop=True)


def _band(column: str, lang_code: str) -> str:
    key = column.removeprefix("gfa_").removesuffix("_m2")
    names = {
        "ground": ("首层", "Ground floor"),
        "low": ("低区", "Low floors"),
        "std": ("标准层", "Upper floors"),
    }
    zh, en = names.get(key, (key, key))
    return zh if lang_code == "zh" else en


def render_parcel_table(result: AppliedScenario, fingerprint: str, file_stem: str) -> None:
    """The per-parcel table of the applied scenario ``result`` (``fingerprint`` names its
    state), with a switch for all industrial parcels and a CSV download."""
    st.markdown(t("**逐地块情景表**", "**Parcel by parcel**"))
    all_rows = st.toggle(
        t("列出全部工业地块（默认只列改造地块）", "All industrial parcels (default: rebuilt only)"),
        key="scenario_parcels_all",
    )
    standards = default_standards()
    capacity = rule_capacity_result(
        fingerprint, standards_key(standards), "rule", None, None, "rule", result.layers, standards
    )
    changed_ids = {str(p) for p in result.added} | {str(p) for p in result.modified}
    table = parcel_table(capacity, changed_ids, all_rows=all_rows)
    st.caption(
        t(
            f"{len(table)} 个地块；按容量规则（与「工业上楼容量」页相同）计算。",
            f"{len(table)} parcels, computed under the capacity rule (as on the capacity page).",
        )
    )
    st.dataframe(table, hide_index=True, width="stretch", height=320)
    st.download_button(
        t("下载逐地块情景表 CSV", "Download the parcel table (CSV)"),
        data=lambda: table.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"{file_stem}_parcels.csv",
        mime="text/csv",
        key="scenario_parcels_csv",
    )
