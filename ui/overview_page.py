"""总览 · Overview: key numbers per park and the layered map."""

import pandas as pd
import streamlit as st

from layers.schema import CLUSTER, INDUSTRIAL_LAND_USES, LAND_USE, STATUS
from ui import maps
from ui.charts import stacked_bars
from ui.common import (
    add_enterprises,
    add_parcels,
    cluster_legend,
    current_layers,
    demo_banner,
    gcj02_notice,
    map_search,
    new_map,
    park_labels,
    show_map,
    status_legend,
)
from ui.i18n import labeller, lang, t

layers = current_layers()
st.title(t("坪山产业空间总览", "Pingshan industrial space overview"))
demo_banner(layers)

parcels = layers.parcels
firms = layers.enterprises
if parcels is not None:
    industrial = parcels[parcels.land_use.isin(INDUSTRIAL_LAND_USES)]
    releasable = industrial.status.isin(["available", "reserve", "low_efficiency"])
    cols = st.columns(4)
    cols[0].metric(t("地块数", "Parcels"), f"{len(parcels):,}")
    cols[1].metric(
        t("工业用地 (km²)", "Industrial land (km²)"), f"{industrial.area_m2.sum() / 1e6:.2f}"
    )
    cols[2].metric(
        t("可供应/储备/低效 (km²)", "Available/reserve/low-eff. (km²)"),
        f"{industrial.area_m2[releasable].sum() / 1e6:.2f}",
    )
    if firms is not None:
        cols[3].metric(
            t("企业数 (规上)", "Enterprises (above scale)"),
            f"{len(firms):,} ({int(firms.is_above_scale.sum())})",
        )

color_by = st.radio(
    t("地块着色", "Colour parcels by"),
    options=["status", "land_use"],
    format_func=labeller({"status": ("地块状态", "status"), "land_use": ("用地性质", "land use")}),
    horizontal=True,
    key="overview_color_by",
)
gcj02_notice()
found = map_search("overview_map", parcels, firms)
m = new_map(layers)
add_parcels(m, layers, color_by)
add_enterprises(m, layers)
if color_by == "status":
    parcel_section = status_legend(layers)
else:
    parcel_section = (
        t("用地性质", "Land use"),
        maps.code_legend(LAND_USE, maps.LAND_USE_COLORS, lang()),
    )
maps.add_legends(m, [parcel_section, cluster_legend(layers)])
show_map(m, key="overview_map", found=found, found_in=(parcels, firms))


def park_breakdown(wide: pd.DataFrame, codes, palette: dict, unit: str, part_title: str) -> None:
    """A park × code table (codes as labels, in schema order) and its stacked bars."""
    present = [c for c in codes.codes if c in wide.columns]
    shown = wide[present]
    shown.columns = [codes.label(c, lang()) for c in present]
    shown.index.name = t("园区", "park")
    # st.dataframe, not st.table: st.table renders cell text (park names) as Markdown.
    st.dataframe(
        shown.style.format("{:,.1f}" if (shown % 1).to_numpy().any() else "{:,.0f}"),
        width="stretch",
    )
    chart = stacked_bars(
        shown,
        unit=unit,
        row_title=t("园区", "park"),
        part_title=part_title,
        colors=[palette[c] for c in present],
    )
    st.altair_chart(chart, width="stretch")


if parcels is not None:
    st.subheader(t("各园区工业用地（公顷，按状态）", "Industrial land by park and status (ha)"))
    land = (
        industrial.assign(park=park_labels(industrial.park_id, layers))
        .pivot_table(
            index="park", columns="status", values="area_m2", aggfunc="sum", fill_value=0.0
        )
        .div(1e4)
    )
    park_breakdown(land, STATUS, maps.STATUS_COLORS, t("公顷", "ha"), t("状态", "status"))
if firms is not None:
    st.subheader(t("各园区企业数（按产业集群）", "Enterprises by park and cluster"))
    counts = pd.crosstab(park_labels(firms.park_id, layers), firms.cluster)
    park_breakdown(
        counts, CLUSTER, maps.CLUSTER_COLORS, t("企业数", "enterprises"), t("产业集群", "cluster")
    )
