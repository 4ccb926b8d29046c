"""集群分布 · who works near a firm: pick any firm (the anchor firms first), list the firms
within 1 / 3 / 5 km rings by name with their supply-chain role, distance and 产值, a map
with the rings, export; and the counts around every anchor firm.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st

from analysis import colocation as co
from geo.crs import METRIC_CRS, to_metric_geometries
from geo.errors import InputError
from layers.catalog import LayerSet
from ui import cache, maps
from ui.clusters_offguide import cluster_colour_legend, firm_points_payload
from ui.common import (
    display_system,
    gcj02_notice,
    new_map,
    publish_result,
    show_input_error,
    show_map,
)
from ui.i18n import cluster_label, cluster_list_label, labeller, t
from ui.widgets import choice

__all__ = ["ROLE_LABELS", "anchor_counts_section", "around_firm_section", "firm_options"]

ROLE_LABELS = {
    co.SAME_CLUSTER: ("同集群", "same cluster"),
    co.SUPPLIER: ("上游配套", "upstream supplier"),
    co.OTHER_ROLE: ("其他", "other"),
}
_RADII_M = [500, 1000, 2000, 3000, 5000, 10000]
_RING_COLOR = "#37474f"


def firm_options(firms: pd.DataFrame) -> list[str]:
    """ent_id of every firm: anchor firms first (largest output first), then the others by
    name."""
    anchor = firms["is_anchor"].fillna(False).astype(bool) if "is_anchor" in firms else False
    frame = pd.DataFrame(
        {
            "id": firms["ent_id"].astype(str),
            "anchor": anchor,
            "output": pd.to_numeric(firms["output_10k_cny"], errors="coerce").fillna(0.0),
            "name": firms["name"].astype(str),
        }
    )
    frame = frame.sort_values(
        ["anchor", "output", "name"], ascending=[False, False, True], kind="stable"
    )
    first = frame[frame["anchor"]]
    rest = frame[~frame["anchor"]].sort_values("name", kind="stable")
    return list(dict.fromkeys([*first["id"], *rest["id"]]))


def _rings(centre_xy_m: np.ndarray, radii_m: list[float]) -> gpd.GeoDataFrame:
    circles = [shapely.Point(centre_xy_m).buffer(r, quad_segs=32).exterior for r in radii_m]
    return gpd.GeoDataFrame(
        {"ring": [f"{r / 1000:g} km" for r in radii_m]}, geometry=circles, crs=METRIC_CRS
    )


def around_firm_section(layers: LayerSet, fingerprint: str) -> pd.DataFrame | None:
    """Firms around a chosen firm, by ring and role: table, map, export."""
    st.subheader(t("企业周边：谁在附近", "Around a firm: who works nearby"))
    firms = layers.enterprises
    if "ent_id" not in firms.columns:
        st.info(t("企业图层没有 ent_id，无法选择企业。", "The firms have no ent_id to pick by."))
        return None
    names = dict(zip(firms["ent_id"].astype(str), firms["name"].astype(str), strict=True))
    anchors = set(firms.loc[firms["is_anchor"].fillna(False).astype(bool), "ent_id"].astype(str))
    star = t("（龙头）", " (anchor)")
    c1, c2 = st.columns([3, 2])
    options = firm_options(firms)
    anchor = c1.selectbox(
        t("中心企业（龙头企业在前）", "Firm at the centre (anchor firms first)"),
        options,
        format_func=lambda i: names.get(i, i) + (star if i in anchors else ""),
        key="clu_around_firm",
    )
    radii = c2.multiselect(
        t("圈层半径", "Rings"),
        _RADII_M,
        default=[1000, 3000, 5000],
        format_func=lambda r: f"{r / 1000:g} km",
        key="clu_around_radii",
    )
    if not radii:
        st.info(t("请至少选择一个半径。", "Choose at least one radius."))
        return None
    radii = sorted(float(r) for r in radii)
    try:
        table = cache.firms_around(fingerprint, anchor, tuple(radii), layers)
    except InputError as exc:
        show_input_error(exc)
        return None
    roles = choice(
        st.radio,
        t("显示", "Show"),
        ["chain", "all"],
        "clu_around_roles",
        format_func=labeller(
            {
                "chain": ("同集群与上游配套企业", "same cluster and upstream suppliers"),
                "all": ("所有企业", "all firms"),
            }
        ),
        horizontal=True,
    )
    centre = firms.index[firms["ent_id"].astype(str) == anchor][0]
    centre_cluster = firms.at[centre, "cluster"]
    shown = table if roles == "all" else table[table["role"] != co.OTHER_ROLE]
    _ring_counts(table, radii)
    view = pd.DataFrame(
        {
            t("企业", "Firm"): shown["name"].astype(str),
            t("集群", "Cluster"): [cluster_label(c) for c in shown["cluster"]],
            t("关系", "Role"): [t(*ROLE_LABELS[r]) for r in shown["role"]],
            t("距离（m）", "Distance (m)"): shown["distance_m"].round(0),
            t("圈层", "Ring"): [f"≤ {r / 1000:g} km" for r in shown["ring_m"]],
            t("产值（万元）", "Output (10k CNY)"): shown["output_10k_cny"].round(1),
        }
    )
    st.caption(
        t(
            f"中心企业集群：{cluster_label(centre_cluster)}；其上游配套集群取自园区导向表中的产业链关系"
            f"（目前为假设）。",
            f"Cluster of the firm at the centre: {cluster_label(centre_cluster)}; its upstream "
            f"supplier clusters come from the supply chains of the park guidance table "
            f"(assumed links).",
        )
    )
    st.dataframe(view, hide_index=True, width="stretch", height=38 + 35 * min(len(view), 12))
    st.download_button(
        t("下载此表 CSV", "Download this table (CSV)"),
        data=view.to_csv(index=False).encode("utf-8-sig"),
        file_name=f"around_{anchor}.csv",
        mime="text/csv",
        key="clu_around_csv",
    )
    publish_result(
        "firms_around",
        ("企业周边企业", "Firms around a firm"),
        gpd.GeoDataFrame(shown, geometry=firms.geometry.loc[shown.index], crs=firms.crs),
    )
    _map(layers, centre, shown, radii)
    return table


def _ring_counts(table: pd.DataFrame, radii: list[float]) -> None:
    rows = []
    for role, (zh, en) in ROLE_LABELS.items():
        row = {t("关系", "Role"): t(zh, en)}
        for r in radii:
            row[f"≤ {r / 1000:g} km"] = int(
                ((table["role"] == role) & (table["distance_m"] <= r)).sum()
            )
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def _map(layers: LayerSet, centre, shown: pd.DataFrame, radii: list[float]) -> None:
    gcj02_notice()
    firms = layers.enterprises
    m = new_map(layers)
    xy = shapely.get_coordinates(
        to_metric_geometries(firms.geometry.loc[[centre]].to_numpy(), firms.crs)
    )[0]
    rings = _rings(xy, radii)
    ring_payload = maps.geojson_payload(
        rings, ["ring"], colors=[_RING_COLOR] * len(rings), display_system=display_system()
    )
    maps.add_geojson(
        m,
        ring_payload,
        t("圈层", "Rings"),
        tooltip_fields=[("ring", t("半径", "Radius"))],
        style={"weight": 2, "dashArray": "6 4", "color": _RING_COLOR, "fillOpacity": 0.0},
    )
    payload = firm_points_payload(
        firms,
        shown,
        {
            "role": [t(*ROLE_LABELS[r]) for r in shown["role"]],
            "distance": [f"{d:,.0f} m" for d in shown["distance_m"]],
        },
    )
    tips = [
        ("name", t("企业", "Firm")),
        ("cluster_label", t("集群", "Cluster")),
        ("role", t("关系", "Role")),
        ("distance", t("距离", "Distance")),
    ]
    maps.add_geojson(
        m,
        payload,
        t("周边企业", "Firms nearby"),
        tooltip_fields=tips,
        point_radius=4,
        style={"weight": 1, "color": "#ffffff", "fillOpacity": 0.95},
    )
    centre_rows = pd.DataFrame({"cluster": [firms.at[centre, "cluster"]]}, index=[centre])
    maps.add_geojson(
        m,
        firm_points_payload(firms, centre_rows, {}),
        t("中心企业", "Firm at the centre"),
        tooltip_fields=[("name", t("企业", "Firm"))],
        point_radius=9,
        style={"weight": 3, "color": "#000000", "fillOpacity": 1.0},
    )
    legend = cluster_colour_legend([*shown["cluster"], firms.at[centre, "cluster"]])
    rings_item = (t("圈层", "Rings"), [(_RING_COLOR, t("虚线圆：半径", "dashed circle: radius"))])
    maps.add_legends(m, [legend, rings_item])
    show_map(m, key="clusters_around_map", returned_objects=[])


def anchor_counts_section(layers: LayerSet, fingerprint: str) -> None:
    """How many firms of each anchor's cluster and supply chain lie within each radius."""
    st.subheader(t("龙头企业周边配套（计数）", "Suppliers around anchor firms (counts)"))
    firms = layers.enterprises
    radii = st.multiselect(
        t("半径", "Radii"),
        options=[500, 1000, 2000, 3000, 5000, 10000],
        default=[1000, 3000, 5000],
        format_func=lambda r: f"{r / 1000:g} km",
        key="clu_radii",
    )
    if not radii:
        st.info(t("请至少选择一个半径。", "Choose at least one radius."))
    else:
        try:
            prox = cache.anchor_table(fingerprint, tuple(sorted(float(r) for r in radii)), layers)
        except InputError as exc:
            show_input_error(exc)
        else:
            if prox.empty:
                st.info(
                    t(
                        "企业图层中没有标记为龙头企业的企业。",
                        "No enterprise is flagged as an anchor.",
                    )
                )
            else:
                rs = sorted(prox["radius_m"].unique())
                first = prox[prox["radius_m"] == rs[0]].reset_index(drop=True)
                anchor_col = t("龙头企业", "Anchor firm")
                table = pd.DataFrame(
                    {
                        anchor_col: first["name"].fillna(first["ent_id"].astype(str)),
                        t("集群", "Cluster"): [cluster_label(c) for c in first["cluster"]],
                    }
                )
                for r in rs:
                    at_r = prox[prox["radius_m"] == r].reset_index(drop=True)
                    km = f"{r / 1000:g} km"
                    table[t(f"同集群 ≤{km}", f"same cluster ≤{km}")] = at_r["n_same_cluster"]
                    table[t(f"配套 ≤{km}", f"supply chain ≤{km}")] = at_r["n_supply_chain"]
                last = prox[prox["radius_m"] == rs[-1]].reset_index(drop=True)
                km = f"{rs[-1] / 1000:g} km"
                table[t(f"同集群中位距离 (m, ≤{km})", f"same cluster median (m, ≤{km})")] = last[
                    "median_same_cluster_m"
                ].round(0)
                table[t(f"配套中位距离 (m, ≤{km})", f"supply chain median (m, ≤{km})")] = last[
                    "median_supply_chain_m"
                ].round(0)
                table[t("配套集群", "Supply-chain clusters")] = [
                    cluster_list_label(s) for s in first["supply_clusters"]
                ]
                st.dataframe(
                    table,
                    hide_index=True,
                    width="stretch",
                    height=38 + 35 * min(len(table), 25),
                    column_config={
                        anchor_col: st.column_config.TextColumn(anchor_col, pinned=True)
                    },
                )
                if "ent_id" in firms.columns:
                    points = firms.drop_duplicates("ent_id").set_index("ent_id").geometry
                    where = points.reindex(prox["ent_id"]).to_numpy()
                    publish_result(
                        "anchor_proximity",
                        ("龙头企业周边配套", "Anchor proximity"),
                        gpd.GeoDataFrame(prox, geometry=where, crs=firms.crs),
                    )
                st.caption(
                    t(
                        "计数不含龙头企业自身；配套集群取自园区导向表中的产业链关系（目前为假设，待产业部门确认）。",
                        "Counts exclude the anchor itself; supply-chain clusters come from the park "
                        "guidance table (assumed links, to be confirmed by the industrial bureau).",
                    )
                )
