"""The 项目选址 page's result views: the sites on the map with the anchor firms and the
supply chain around them, the shortlist export, and a site turned into a scenario."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st

from analysis.matching import SUPPLIER_RADIUS_M, Need
from analysis.standards import ParkGuidance
from geo.crs import METRIC_CRS, WGS84
from geo.errors import InputError
from geo.io import write_geojson, write_xlsx
from layers.catalog import LayerSet
from layers.scenario import set_attributes
from layers.schema import CLUSTER
from ui import maps
from ui.assembly_section import open_as_scenario
from ui.common import display_system, md_escape, new_map, show_input_error, show_map
from ui.i18n import lang, t

__all__ = ["shortlist_frame", "show_exports", "show_scenario_button", "show_sites_map"]

_FIRST_COLOR, _SITE_COLOR, _ASSEMBLY_COLOR = "#d62728", "#ff7f0e", "#9467bd"
_EXPORT_COLUMNS = [
    "rank",
    "site_id",
    "kind",
    "meets_need",
    "park_id",
    "area_ha",
    "parcel_count",
    "gfa_fit_m2",
    "near_m",
    "n_suppliers",
    "score_park",
    "score_area",
    "score_gfa",
    "score_near",
    "score_suppliers",
    "score_room",
    "score",
    "reasons_zh",
    "reasons_en",
]


def shortlist_frame(result: pd.DataFrame, layers: LayerSet) -> gpd.GeoDataFrame:
    """One feature per site (the union of its parcels), EPSG:4326, with the result's
    columns and ``parcel_ids`` as comma-separated text."""
    parcels = layers.parcels
    ids = parcels["parcel_id"].astype(str)
    geoms = [
        shapely.union_all(np.asarray(parcels.loc[ids.isin(site)].to_crs(WGS84).geometry.array))
        for site in result["parcel_ids"]
    ]
    frame = result[[c for c in _EXPORT_COLUMNS if c in result.columns]].copy()
    frame.insert(2, "parcel_ids", [",".join(site) for site in result["parcel_ids"]])
    for col in frame.columns:
        if frame[col].dtype == bool:
            frame[col] = frame[col].astype(object)
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=WGS84)


def show_sites_map(
    result: pd.DataFrame,
    sites: gpd.GeoDataFrame,
    layers: LayerSet,
    need: Need,
    guide: ParkGuidance | None,
) -> None:
    """The sites (:func:`shortlist_frame`; the first in red), the anchor firms named in the
    need, and the firms of the cluster's supply chain within the supplier radius of a site."""
    colors = [
        _ASSEMBLY_COLOR if kind == "assembly" else _FIRST_COLOR if k == 0 else _SITE_COLOR
        for k, kind in enumerate(result["kind"])
    ]
    reason = "reasons_zh" if lang() == "zh" else "reasons_en"
    m = new_map(layers)
    maps.add_geojson(
        m,
        maps.geojson_payload(
            sites.assign(area=sites["area_ha"].round(1), reasons=result[reason].to_numpy()),
            ["site_id", "area", "reasons"],
            colors=colors,
            display_system=display_system(),
        ),
        t("候选场地", "Candidate sites"),
        tooltip_fields=[
            ("site_id", t("场地", "site")),
            ("area", t("面积（公顷）", "area (ha)")),
            ("reasons", t("理由", "reasons")),
        ],
        style={"weight": 3.0, "color": "#7f0000", "fillOpacity": 0.7},
    )
    firms = layers.enterprises
    legend = [
        (_FIRST_COLOR, t("首选场地", "first site")),
        (_SITE_COLOR, t("其他候选场地", "other sites")),
    ]
    if firms is not None and len(firms):
        cluster = CLUSTER.normalise(need.cluster.partition(":")[0])
        suppliers = guide.suppliers(cluster) if guide is not None and cluster else ()
        metric_sites = sites.to_crs(METRIC_CRS).geometry.to_numpy()
        points = firms.to_crs(METRIC_CRS).geometry.to_numpy()
        near_any = np.zeros(len(firms), dtype=bool)
        if len(metric_sites):
            zone = shapely.union_all(metric_sites)
            near_any = shapely.dwithin(points, zone, SUPPLIER_RADIUS_M)
        chain = firms[firms["cluster"].isin(suppliers).to_numpy() & near_any]
        named = {n.target for n in need.near}
        anchors = firms[firms["ent_id"].astype(str).isin(named)]
        if len(chain):
            maps.add_geojson(
                m,
                maps.geojson_payload(
                    chain.assign(
                        cluster_label=[CLUSTER.label(c, lang()) for c in chain["cluster"]]
                    ),
                    ["name", "cluster_label"],
                    colors=[maps.CLUSTER_COLORS.get(c, "#777777") for c in chain["cluster"]],
                    display_system=display_system(),
                ),
                t("上下游企业", "Supply-chain firms"),
                tooltip_fields=[
                    ("name", t("企业", "firm")),
                    ("cluster_label", t("集群", "cluster")),
                ],
                point_radius=3.5,
            )
            legend.append(("#777777", t("小圆点：上下游企业", "small dots: supply-chain firms")))
        if len(anchors):
            maps.add_geojson(
                m,
                maps.geojson_payload(anchors, ["name"], display_system=display_system()),
                t("龙头企业", "Anchor firms"),
                tooltip_fields=[("name", t("企业", "firm"))],
                point_radius=9,
                style={"weight": 3, "color": "#000000", "fillColor": "#ffd700", "fillOpacity": 1.0},
            )
            legend.append(("#ffd700", t("黄色大圆点：龙头企业", "large yellow dots: anchor firms")))
    maps.add_legends(m, [(t("项目选址", "Project siting"), legend)])
    show_map(m, key="siting_map")


def show_exports(sites: gpd.GeoDataFrame) -> None:
    """Download buttons for the shortlist (:func:`shortlist_frame`) as GeoJSON and Excel."""
    c1, c2 = st.columns(2)
    c1.download_button(
        t("导出候选场地 GeoJSON", "Export the shortlist as GeoJSON"),
        data=write_geojson(sites).encode("utf-8"),
        file_name="siting_shortlist.geojson",
        mime="application/geo+json",
        key="siting_export_geojson",
    )
    try:
        workbook = write_xlsx(sites, geometry="wkt", sheet_name="shortlist")
    except InputError as exc:
        show_input_error(exc, with_source=False)
        return
    c2.download_button(
        t("导出候选场地 Excel", "Export the shortlist as Excel"),
        data=workbook,
        file_name="siting_shortlist.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="siting_export_xlsx",
    )


def show_scenario_button(result: pd.DataFrame, need: Need, layers: LayerSet) -> None:
    """Pick a site and make a scenario reserving it for the project."""
    usable = result[result["kind"] != "largest"]
    if not len(usable):
        return
    c1, c2 = st.columns([1, 3])
    site = c1.selectbox(
        t("场地", "Site"), options=list(usable["site_id"]), key="siting_scenario_site"
    )
    project = need.name or t("项目", "project")
    row = usable[usable["site_id"] == site].iloc[0]
    c2.markdown(
        md_escape(
            t(
                f"生成情景：场地 {site} 的 {len(row.parcel_ids)} 个地块设为储备/待整备，预留给「{project}」。",
                f"Make a scenario: the {len(row.parcel_ids)} parcel(s) of site {site} set to "
                f"reserve, kept for '{project}'.",
            )
        )
    )
    if st.button(
        t(
            f"生成情景（场地 {site} 预留给项目）",
            f"Make it a scenario (site {site} kept for the project)",
        ),
        key="siting_to_scenario",
        type="primary",
    ):
        cluster = CLUSTER.normalise(need.cluster.partition(":")[0])
        note = f"项目选址：场地 {site}（{row.area_ha:,.1f} 公顷）预留给「{project}」"
        try:
            open_as_scenario(
                f"项目选址 · {project} · 场地 {site}",
                note,
                set_attributes(
                    list(row.parcel_ids), status="reserve", guided_cluster=cluster, note=note
                ),
            )
        except InputError as exc:
            show_input_error(exc)
