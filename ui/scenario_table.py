"""The 情景规划 attribute table: the parcels as rows, linked both ways with the map selection.

The selected parcels are listed first and ticked; ticking or unticking rows makes exactly
the ticked listed parcels the selection (:func:`ui.selection.from_table`); the table sorts
in the browser and downloads as CSV. Streamlit's dataframe row selection is set through the
session whenever the map selection changed since the table last showed it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import streamlit as st

from layers.catalog import LayerSet
from ui.cache import attribute_arrow
from ui.common import park_labels
from ui.i18n import lang, t
from ui.selection import OUTSIDE_PARK, from_table

__all__ = ["TABLE_FOR", "TABLE_KEY", "attribute_table_section", "park_choices"]

#: Session key of the table widget (its row selection).
TABLE_KEY = "scenario_table"
#: The (selection, only-selected) the table's ticks were last set for.
TABLE_FOR = "scenario_table_for"


def park_choices(parcels, layers: LayerSet) -> dict[str, str]:
    """Park filter options → labels: the parks of the parcels, then 园区外 when some
    parcels lie outside every park."""
    ids = sorted({str(p) for p in parcels["park_id"].dropna() if str(p)})
    options = ids + ([OUTSIDE_PARK] if parcels["park_id"].isna().any() else [])
    labels = park_labels([None if p == OUTSIDE_PARK else p for p in options], layers)
    return dict(zip(options, labels, strict=True))


def base_table(parcels, layers: LayerSet, draft_key: str) -> pa.Table:
    """The whole attribute table in layer order, nothing selected, with headers in the
    page's language: built once per scenario state (the rows are reordered per rerun)."""
    return attribute_arrow(
        layers.fingerprint(),
        draft_key,
        lang(),
        headers(),
        parcels,
        lambda ids: park_labels(ids, layers),
    )


def headers() -> dict[str, str]:
    """The attribute table's column headers in the page's language."""
    return {
        "selected": t("已选", "selected"),
        "parcel_id": t("地块编号", "parcel id"),
        "name": t("名称", "name"),
        "park": t("园区", "park"),
        "status": t("地块状态", "status"),
        "land_use": t("用地性质", "land use"),
        "area_ha": t("面积（公顷）", "area (ha)"),
        "far_current": t("现状容积率", "current FAR"),
        "highrise": t("工业上楼", "high-rise"),
    }


def _ordered(table: pa.Table, selection: list[str], only: bool) -> pa.Table:
    """``table`` with the selected parcels first and ticked, then (unless ``only``) the
    others, each part in layer order (as :func:`ui.selection.attribute_table` orders)."""
    chosen = np.isin(np.asarray(table.column(1).to_pylist(), dtype=object), list(selection))
    order = np.flatnonzero(chosen)
    if not only:
        order = np.concatenate([order, np.flatnonzero(~chosen)])
    taken = table.take(pa.array(order, type=pa.int64()))
    return taken.set_column(0, table.field(0), pa.array(chosen[order], type=pa.bool_()))


def attribute_table_section(
    parcels, selection: list[str], layers: LayerSet, *, selection_key: str, draft_key: str
) -> None:
    """The attribute table, linked both ways with the map selection.

    The selected parcels are listed first and their rows are ticked (the table's selection
    state is set through the session whenever the map selection changed since the table
    last showed it); ticking or unticking rows makes exactly the ticked listed parcels the
    selection (``ui.selection.from_table``). Sortable in the browser, exported as CSV.
    """
    st.markdown(t("**属性表**", "**Attribute table**"))
    only = st.checkbox(
        t("只列出已选地块", "List only the selected parcels"), key="scenario_table_only"
    )
    shown = _ordered(base_table(parcels, layers, draft_key), selection, only)
    ids = shown.column(1).to_pylist()  # the parcel ids, in the rows' order
    synced = (tuple(selection), only)
    if st.session_state.get(TABLE_FOR) != synced:
        ticked = shown.column(0).to_pylist()
        st.session_state[TABLE_KEY] = {
            "selection": {"rows": [i for i, chosen in enumerate(ticked) if chosen]}
        }
        st.session_state[TABLE_FOR] = synced
    st.caption(
        t(
            f"表中 {len(shown)} 行，其中已选 {len(selection)} 行（排在前面并已勾选）。"
            "勾选或取消勾选行即改变地图上的选择；点击列名排序。",
            f"{len(shown)} rows, {len(selection)} selected (listed first and ticked). "
            "Tick or untick rows to change the selection on the map; click a header to sort.",
        )
    )
    event = st.dataframe(
        shown,
        key=TABLE_KEY,
        on_select="rerun",
        selection_mode="multi-row",
        hide_index=True,
        width="stretch",
        height=320,
    )
    st.download_button(
        t("下载属性表 CSV", "Download the table (CSV)"),
        data=lambda: shown.to_pandas().to_csv(index=False).encode("utf-8-sig"),  # when asked
        file_name="parcels_selection.csv",
        mime="text/csv",
        key="scenario_table_csv",
    )
    changed = from_table(selection, ids, event.selection.rows)
    if set(changed) != set(selection):
        st.session_state[selection_key] = changed
        st.rerun()
