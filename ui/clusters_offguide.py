"""集群分布 · firms outside their guided park: one table and one map over all parks and the
land outside them, with the nearest park that guides each firm's cluster, totals per
cluster × park, filters and export.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from geo.errors import InputError
from layers.catalog import LayerSet
from layers.schema import CLUSTER
from ui import cache, maps
from ui.common import (
    add_parcels,
    display_system,
    gcj02_notice,
    new_map,
    park_labels,
    publish_result,
    show_input_error,
    show_map,
    status_legend,
)
from ui.i18n import cluster_label, lang, t

__all__ = ["cluster_colour_legend", "firm_points_payload", "off_guidance_section"]

#: Park filter value for firms outside every park.
OUTSIDE = "__outside__"


def cluster_colour_legend(clusters) -> tuple[str, list[tuple[str, str]]]:
    """The cluster legend section for the clusters present."""
    return t("产业集群", "Clusters"), maps.code_legend(
        CLUSTER, maps.CLUSTER_COLORS, lang(), set(clusters)
    )


def firm_points_payload(
    firms: gpd.GeoDataFrame, rows: pd.DataFrame, extra: dict[str, list]
) -> dict:
    """Points of the firms at ``rows.index``, coloured by cluster, with ``extra`` tooltip
    properties (escaped by the payload builder)."""
    points = firms.loc[rows.index]
    return maps.geojson_payload(
        points,
        ["name"],
        colors=maps.category_colors(rows["cluster"], maps.CLUSTER_COLORS),
        display_system=display_system(),
        extra={"cluster_label": [cluster_label(c) for c in rows["cluster"]], **extra},
    )


def _filters(table: pd.DataFrame, layers: LayerSet) -> pd.DataFrame:
    c1, c2, c3 = st.columns([2, 2, 1])
    clusters = [c for c in CLUSTER.codes if c in set(table["cluster"])]
    chosen = c1.multiselect(
        t("集群", "Clusters"),
        clusters,
        default=clusters,
        format_func=cluster_label,
        key="clu_off_clusters",
    )
    parks = [p for p in dict.fromkeys(table["park_id"].dropna())] + (
        [OUTSIDE] if table["park_id"].isna().any() else []
    )
    labels = dict(
        zip(parks, park_labels([None if p == OUTSIDE else p for p in parks], layers), strict=True)
    )
    where = c2.multiselect(
        t("所在位置", "Where"),
        parks,
        default=parks,
        format_func=lambda p: labels.get(p, str(p)),
        key="clu_off_parks",
    )
    above_only = c3.checkbox(t("只看规上企业", "Above-scale only"), key="clu_off_above")
    park_key = table["park_id"].astype(object).where(table["park_id"].notna(), OUTSIDE)
    keep = table["cluster"].isin(chosen) & park_key.isin(where)
    if above_only:
        keep &= table["is_above_scale"].fillna(False).astype(bool)
    return table[keep]


def off_guidance_section(layers: LayerSet, fingerprint: str) -> pd.DataFrame | None:
    """The off-guidance firms: metrics, filters, table, totals, map and export. Returns the
    full analysis table (None when it cannot be computed)."""
    st.subheader(t("不在导向园区的企业", "Firms outside their guided park"))
    st.caption(
        t(
            "所在园区的规划导向不包括其集群的企业（含所有园区之外的企业），以及最近的、导向其集群的园区和距离（在园区内为 0）。",
            "Firms whose cluster the plan does not guide where they sit (firms outside every "
            "park included), with the nearest park that guides their cluster and the distance "
            "to it (0 inside it).",
        )
    )
    if layers.parks is None:
        st.info(t("没有园区图层，无法判断。", "There is no parks layer to check against."))
        return None
    try:
        table = cache.off_guidance(fingerprint, layers)
    except InputError as exc:
        show_input_error(exc)
        return None
    outside = int(table["park_id"].isna().sum())
    m1, m2, m3 = st.columns(3)
    m1.metric(t("不在导向园区的企业", "Firms off guidance"), f"{len(table):,}")
    m2.metric(t("其中在所有园区之外", "of them outside every park"), f"{outside:,}")
    m3.metric(
        t("其产值（亿元）", "Their output (100M CNY)"),
        f"{table['output_10k_cny'].sum() / 1e4:,.1f}",
    )
    if table.empty:
        return table
    # Largest output first: the firms that matter most to the bureau lead the list.
    shown = _filters(table, layers).sort_values("output_10k_cny", ascending=False, kind="stable")
    firms = layers.enterprises
    km = (shown["nearest_park_distance_m"] / 1000).round(2)
    view = pd.DataFrame(
        {
            t("企业", "Firm"): shown["name"].astype(str),
            t("集群", "Cluster"): [cluster_label(c) for c in shown["cluster"]],
            t("所在园区", "Park"): park_labels(shown["park_id"], layers),
            t("产值（万元）", "Output (10k CNY)"): shown["output_10k_cny"].round(1),
            t("规上", "Above scale"): shown["is_above_scale"].fillna(False).astype(bool),
            t("应在园区（最近的导向园区）", "Should be in (nearest guiding park)"): [
                p if isinstance(p, str) else t("无园区导向该集群", "no park guides it")
                for p in _nearest_labels(shown, layers)
            ],
            t("距离（km）", "Distance (km)"): km,
        }
    )
    st.dataframe(view, hide_index=True, width="stretch", height=38 + 35 * min(len(view), 12))
    st.download_button(
        t("下载此表 CSV", "Download this table (CSV)"),
        data=view.to_csv(index=False).encode("utf-8-sig"),
        file_name="off_guidance_firms.csv",
        mime="text/csv",
        key="clu_off_csv",
    )
    publish_result(
        "off_guidance_firms",
        ("不在导向园区的企业", "Firms outside their guided park"),
        gpd.GeoDataFrame(shown, geometry=firms.geometry.loc[shown.index], crs=firms.crs),
    )
    _totals(shown, layers)
    _map(layers, shown)
    return table


def _nearest_labels(rows: pd.DataFrame, layers: LayerSet) -> list[object]:
    labels = park_labels(rows["nearest_park_id"], layers)
    return [
        lab if p is not None else None
        for p, lab in zip(rows["nearest_park_id"], labels, strict=True)
    ]


def _totals(shown: pd.DataFrame, layers: LayerSet) -> None:
    st.markdown(t("**按集群 × 园区合计（企业数）**", "**Totals per cluster × park (firms)**"))
    counts = shown.assign(
        where=park_labels(shown["park_id"], layers),
        label=[cluster_label(c) for c in shown["cluster"]],
    ).pivot_table(index="label", columns="where", values="cluster", aggfunc="size", fill_value=0)
    counts.index.name = t("集群", "Cluster")
    counts.columns.name = None
    counts[t("合计", "Total")] = counts.sum(axis=1)
    st.dataframe(counts.sort_values(t("合计", "Total"), ascending=False), width="stretch")


def _map(layers: LayerSet, shown: pd.DataFrame) -> None:
    gcj02_notice()
    m = new_map(layers)
    add_parcels(m, layers)
    firms = layers.enterprises
    distance = [
        "—" if not np.isfinite(d) else f"{d / 1000:.2f} km"
        for d in shown["nearest_park_distance_m"].to_numpy(dtype=float)
    ]
    payload = firm_points_payload(
        firms,
        shown,
        {
            "park_name": park_labels(shown["park_id"], layers),
            "should_be": [p or "—" for p in _nearest_labels(shown, layers)],
            "distance": distance,
        },
    )
    tips = [
        ("name", t("企业", "Firm")),
        ("cluster_label", t("集群", "Cluster")),
        ("park_name", t("所在园区", "Park")),
        ("should_be", t("应在园区", "Should be in")),
        ("distance", t("距离", "Distance")),
    ]
    maps.add_geojson(
        m,
        payload,
        t("不在导向园区的企业", "Firms outside their guided park"),
        tooltip_fields=tips,
        point_radius=5,
        style={"weight": 1.5, "color": "#ffffff", "fillOpacity": 0.95},
    )
    maps.add_legends(m, [cluster_colour_legend(shown["cluster"]), status_legend(layers)])
    show_map(m, key="clusters_off_map", returned_objects=[])
