"""集群分布 · year by year: the current enterprise list against an earlier one — firms new,
closed and moved, firm count and 产值 per cluster per park, the change in LQ and guidance
fit, as sentences, tables, a chart and a map.

Where the earlier list comes from: each year the bureau imports the new enterprise list on
the 数据导入导出 page (its ``year`` column, or 年份, tags it); every import is kept in the
workspace, so the earlier year is an earlier kept import. A GeoPackage given at startup
(and the bundled demo) may also hold earlier lists as layers ``enterprises_<year>``.
"""

from __future__ import annotations

import os
from pathlib import Path

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st

from analysis import colocation as co
from geo.crs import METRIC_CRS
from geo.errors import InputError
from layers.catalog import DEMO_GPKG, LayerSet, layer_fingerprint
from ui import cache, maps
from ui.common import (
    IMPORT_KEY,
    add_parcels,
    display_system,
    gcj02_notice,
    md_escape,
    new_map,
    park_labels,
    park_name,
    publish_result,
    show_input_error,
    show_map,
)
from ui.i18n import cluster_label, labeller, lang, t
from ui.imports import kept_import_files

__all__ = ["CHANGE_LABELS", "earlier_sources", "year_label", "years_section"]

CHANGE_LABELS = {
    co.NEW: ("新增", "new"),
    co.CLOSED: ("关闭/迁出", "closed or left"),
    co.MOVED: ("搬迁", "moved"),
    co.STAYED: ("未变", "unchanged"),
}
#: At most this many kept imports are offered as the earlier year.
_KEPT_SHOWN = 6


def year_label(firms: pd.DataFrame, fallback: str) -> str:
    """The list's year when its ``year`` column holds one value, else ``fallback``."""
    if "year" in firms.columns:
        years = pd.to_numeric(firms["year"], errors="coerce").dropna().unique()
        if len(years) == 1:
            return str(int(years[0]))
    return fallback


def _data_file(layers: LayerSet) -> Path | None:
    if layers.is_demo:
        return DEMO_GPKG
    path = os.environ.get(cache.DATA_ENV, "").strip()
    if path and layers is cache.startup_layers()[0]:
        return Path(path)
    return None


def earlier_sources(layers: LayerSet) -> dict[str, tuple[str, gpd.GeoDataFrame]]:
    """Earlier enterprise lists on offer: key → (label, layer); newest first."""
    sources: dict[str, tuple[str, gpd.GeoDataFrame]] = {}
    path = _data_file(layers)
    if path is not None and path.exists():
        try:
            lists = cache.year_lists(str(path), path.stat().st_mtime)
        except InputError as exc:
            show_input_error(exc)  # a broken earlier list is named; the others are offered
            lists = {}
        for year, gdf in lists.items():
            sources[f"file:{year}"] = (t(f"{year} 年（数据文件）", f"{year} (data file)"), gdf)
    current = st.session_state.get(IMPORT_KEY)
    for import_id, mtime in kept_import_files()[:_KEPT_SHOWN]:
        if import_id == current:
            continue
        try:
            gdf = cache.kept_enterprises(import_id, mtime)
        except InputError:
            continue  # a damaged kept import is not offered; the data page reports it
        if gdf is None or gdf.empty:
            continue
        when = pd.Timestamp(mtime, unit="s").strftime("%Y-%m-%d")
        year = year_label(gdf, "")
        label = t(
            f"{year + ' 年，' if year else ''}{when} 导入的企业图层",
            f"{year + ', ' if year else ''}enterprises imported {when}",
        )
        sources[f"kept:{import_id}"] = (label, gdf)
    return sources


def years_section(layers: LayerSet) -> pd.DataFrame | None:
    """Compare the current enterprise list with an earlier one; returns the sentences on
    the clusters that grew or shrank most (None when there is nothing to compare)."""
    st.subheader(t("年度变化", "Year on year"))
    firms = layers.enterprises
    sources = earlier_sources(layers)
    if not sources:
        st.info(
            t(
                "没有可对比的往年企业名单。每年在「数据导入导出」页导入新的企业名单（带“年份”列）后，"
                "上一次导入的名单会保留在工作区，可在这里对比。",
                "No earlier enterprise list to compare with. Import each year's list on the Data "
                "page (with a year column); the earlier import is kept in the workspace and "
                "offered here.",
            )
        )
        return None
    labels = {k: v[0] for k, v in sources.items()}
    key = st.selectbox(
        t("对比的往年名单", "Earlier list to compare with"),
        list(sources),
        format_func=lambda k: labels.get(k, k),
        key="clu_year_source",
    )
    earlier = sources[key][1]
    before_year = year_label(earlier, t("往年", "earlier"))
    after_year = year_label(firms, t("当前", "current"))
    try:
        changes, per_park, fit = cache.year_comparison(
            layer_fingerprint(earlier), layer_fingerprint(firms), earlier, firms, layers.parks
        )
    except InputError as exc:
        show_input_error(exc)
        return None
    st.caption(t(f"{before_year} → {after_year}", f"{before_year} → {after_year}"))
    kinds = changes["change"].value_counts()
    cols = st.columns(4)
    for col, kind in zip(cols[:3], (co.NEW, co.CLOSED, co.MOVED), strict=True):
        col.metric(t(*CHANGE_LABELS[kind]), f"{int(kinds.get(kind, 0)):,}")
    cols[3].metric(t("更名", "renamed"), f"{int(changes['renamed'].sum()):,}")

    names = {p: (park_name(p, layers),) * 2 for p in per_park["park_id"].dropna().unique()}
    sentences = co.change_findings(per_park, names, top=3)
    if len(sentences):
        st.markdown(
            "\n".join(f"- {md_escape(s)}" for s in sentences["zh" if lang() == "zh" else "en"])
        )
    _chart(per_park, layers)
    _cluster_table(per_park, layers)
    _fit_table(fit, layers)
    _firm_table(changes, layers)
    _map(changes, layers)
    label = t(f"{before_year} 年以来：", f"Since {before_year}: ")
    return sentences.assign(zh=label + sentences["zh"], en=label + sentences["en"])


def _park_label(park_ids, layers: LayerSet) -> list[str]:
    return park_labels(list(park_ids), layers)


def _chart(per_park: pd.DataFrame, layers: LayerSet) -> None:
    data = per_park[per_park["n_change"] != 0].copy()
    if data.empty:
        return
    data["cluster_label"] = [cluster_label(c) for c in data["cluster"]]
    data["park_label"] = _park_label(data["park_id"], layers)
    data["direction"] = np.where(data["n_change"] > 0, t("增加", "gain"), t("减少", "loss"))
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("n_change:Q", title=t("企业数变化", "Change in firms")),
            y=alt.Y("cluster_label:N", title=None, axis=alt.Axis(labelLimit=200)),
            color=alt.Color(
                "direction:N",
                title=None,
                scale=alt.Scale(
                    domain=[t("增加", "gain"), t("减少", "loss")], range=["#00897b", "#6d4c41"]
                ),
            ),
            row=alt.Row("park_label:N", title=None, header=alt.Header(labelAngle=0)),
            tooltip=[
                alt.Tooltip("park_label:N", title=t("园区", "Park")),
                alt.Tooltip("cluster_label:N", title=t("集群", "Cluster")),
                alt.Tooltip("n_before:Q", title=t("往年", "Before")),
                alt.Tooltip("n_after:Q", title=t("当前", "Now")),
            ],
        )
        .properties(width=360)
    )
    st.altair_chart(chart, width="content")


def _cluster_table(per_park: pd.DataFrame, layers: LayerSet) -> None:
    st.markdown(t("**各园区各集群的变化**", "**Change per cluster per park**"))
    view = pd.DataFrame(
        {
            t("园区", "Park"): _park_label(per_park["park_id"], layers),
            t("集群", "Cluster"): [cluster_label(c) for c in per_park["cluster"]],
            t("企业数（往年）", "Firms (before)"): per_park["n_before"],
            t("企业数（当前）", "Firms (now)"): per_park["n_after"],
            t("企业数变化", "Change in firms"): per_park["n_change"],
            t("产值变化（亿元）", "Output change (100M CNY)"): (
                per_park["output_change_10k_cny"] / 1e4
            ).round(2),
            t("区位熵（往年）", "LQ (before)"): per_park["lq_before"].round(2),
            t("区位熵（当前）", "LQ (now)"): per_park["lq_after"].round(2),
            t("区位熵变化", "LQ change"): per_park["lq_change"].round(2),
        }
    )
    st.dataframe(view, hide_index=True, width="stretch", height=38 + 35 * min(len(view), 10))


def _fit_table(fit: pd.DataFrame, layers: LayerSet) -> None:
    st.markdown(t("**导向符合度的变化（按企业数）**", "**Change in guidance fit (by count)**"))
    view = pd.DataFrame(
        {
            t("园区", "Park"): [park_name(p, layers) for p in fit["park_id"]],
            t("往年", "Before"): fit["fit_share_count_before"],
            t("当前", "Now"): fit["fit_share_count_after"],
            t("变化（百分点）", "Change (points)"): (fit["fit_share_count_change"] * 100).round(1),
        }
    )
    pct = {
        col: st.column_config.NumberColumn(col, format="percent")
        for col in (t("往年", "Before"), t("当前", "Now"))
    }
    st.dataframe(view, hide_index=True, width="stretch", column_config=pct)


def _output_change(value: float, kind: str) -> str:
    """A firm's output change for the table: signed with thousands separators; a firm with
    no figure in one of the years says why (new / closed) instead of an empty cell."""
    if pd.notna(value):
        return f"{value:+,.1f}"
    if kind == co.NEW:
        return t("新增企业", "new firm")
    if kind == co.CLOSED:
        return t("已关停", "closed")
    return "—"


def _firm_table(changes: pd.DataFrame, layers: LayerSet) -> None:
    kinds = st.multiselect(
        t("列出的企业", "Firms listed"),
        [co.NEW, co.CLOSED, co.MOVED, co.STAYED],
        default=[co.NEW, co.CLOSED, co.MOVED],
        format_func=labeller(CHANGE_LABELS),
        key="clu_year_kinds",
    )
    shown = changes[changes["change"].isin(kinds)]
    cluster = shown["cluster_after"].where(shown["cluster_after"].notna(), shown["cluster_before"])
    view = pd.DataFrame(
        {
            t("企业", "Firm"): shown["name"].astype(str),
            t("变化", "Change"): [t(*CHANGE_LABELS[c]) for c in shown["change"]],
            t("原名", "Former name"): [
                str(b) if r else ""
                for b, r in zip(shown["name_before"], shown["renamed"], strict=True)
            ],
            t("集群", "Cluster"): [cluster_label(c) for c in cluster],
            t("原园区", "Park before"): _park_label(shown["park_before"], layers),
            t("现园区", "Park now"): _park_label(shown["park_after"], layers),
            t("产值变化（万元）", "Output change (10k CNY)"): [
                _output_change(value, kind)
                for value, kind in zip(shown["output_change_10k_cny"], shown["change"], strict=True)
            ],
        }
    )
    st.dataframe(view, hide_index=True, width="stretch", height=38 + 35 * min(len(view), 10))
    st.download_button(
        t("下载此表 CSV", "Download this table (CSV)"),
        data=view.to_csv(index=False).encode("utf-8-sig"),
        file_name="enterprise_changes.csv",
        mime="text/csv",
        key="clu_year_csv",
    )
    publish_result(
        "enterprise_changes",
        ("企业年度变化", "Enterprise changes"),
        gpd.GeoDataFrame(
            shown.drop(columns=["x_m", "y_m"]),
            geometry=shapely.points(shown[["x_m", "y_m"]].to_numpy()),
            crs=METRIC_CRS,
        ),
    )


def _map(changes: pd.DataFrame, layers: LayerSet) -> None:
    moved = changes[changes["change"].isin([co.NEW, co.CLOSED, co.MOVED])]
    if moved.empty:
        return
    gcj02_notice()
    m = new_map(layers)
    add_parcels(m, layers, show=False)
    cluster = moved["cluster_after"].where(moved["cluster_after"].notna(), moved["cluster_before"])
    points = gpd.GeoDataFrame(
        {"name": moved["name"].astype(str).to_numpy()},
        geometry=shapely.points(moved[["x_m", "y_m"]].to_numpy()),
        crs=METRIC_CRS,
    )
    payload = maps.geojson_payload(
        points,
        ["name"],
        colors=[maps.FIRM_CHANGE_COLORS[c] for c in moved["change"]],
        display_system=display_system(),
        extra={
            "change": [t(*CHANGE_LABELS[c]) for c in moved["change"]],
            "cluster_label": [cluster_label(c) for c in cluster],
        },
    )
    maps.add_geojson(
        m,
        payload,
        t("变化的企业", "Firms that changed"),
        tooltip_fields=[
            ("name", t("企业", "Firm")),
            ("change", t("变化", "Change")),
            ("cluster_label", t("集群", "Cluster")),
        ],
        point_radius=5,
        style={"weight": 1, "color": "#212121", "fillOpacity": 0.95},
    )
    legend = [(maps.FIRM_CHANGE_COLORS[k], t(*CHANGE_LABELS[k])) for k in maps.FIRM_CHANGE_COLORS]
    maps.add_legends(m, [(t("企业变化", "Firm changes"), legend)])
    show_map(m, key="clusters_years_map", returned_objects=[])
