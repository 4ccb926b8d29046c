"""集群分布 · the statistics behind the findings: guidance fit per park, location quotients,
the co-location quotient matrix and the local co-location map, with the technical
parameters (k, permutations, seed, α) in an expander that says what each changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from analysis import colocation as co
from geo.errors import InputError
from layers.catalog import LayerSet
from layers.schema import CLUSTER
from ui import cache, maps
from ui.common import (
    add_parcels,
    display_system,
    gcj02_notice,
    new_map,
    park_name,
    publish_result,
    show_input_error,
    show_map,
)
from ui.i18n import (
    cluster_label,
    cluster_list_label,
    code_labeller,
    labeller,
    lang,
    t,
    tally_label,
)
from ui.widgets import choice

__all__ = [
    "ALPHAS",
    "ClqParams",
    "clq_section",
    "fit_section",
    "local_section",
    "lq_section",
    "parameters_section",
]

#: Significance levels offered; the chosen one is passed to the analysis, which marks a
#: quotient co-located or isolated when its p-value is below it.
ALPHAS = (0.01, 0.05, 0.10)


@dataclass(frozen=True)
class ClqParams:
    """The co-location test's settings: neighbours k, permutations, seed, α."""

    k: int = 8
    permutations: int = 99
    seed: int = 0
    alpha: float = 0.05


def fit_section(layers: LayerSet, fingerprint: str) -> pd.DataFrame | None:
    """The guidance-fit table per park; returns the analysis table (None on bad input)."""
    st.subheader(t("园区产业导向符合度", "Fit with each park's guided clusters"))
    st.caption(
        t(
            "各园区企业中属于规划导向集群的比例（按企业数和按产值）。",
            "Share of each park's enterprises in the clusters the plan guides there (by count "
            "and by output).",
        )
    )
    fit = None
    try:
        fit = cache.guidance_fit(fingerprint, layers)
    except InputError as exc:
        show_input_error(exc)
    else:
        park_col = t("园区", "Park")
        share_cols = (t("符合度（企业数）", "Fit (count)"), t("符合度（产值）", "Fit (output)"))
        fit_table = pd.DataFrame(
            {
                park_col: [park_name(p, layers) for p in fit["park_id"]],
                t("企业数", "Firms"): fit["n_enterprises"],
                t("导向集群企业数", "In guided clusters"): fit["n_guided"],
                share_cols[0]: fit["fit_share_count"],
                t("产值（亿元）", "Output (100M CNY)"): (fit["output_10k_cny"] / 1e4).round(1),
                share_cols[1]: fit["fit_share_output"],
                t("导向集群", "Guided clusters"): [
                    cluster_list_label(g) for g in fit["guided_clusters"]
                ],
                t("非导向集群（企业数）", "Other clusters (firms)"): [
                    tally_label(x) for x in fit["unguided_clusters"]
                ],
            }
        )
        share_cfg = {
            col: st.column_config.ProgressColumn(
                col, format="percent", min_value=0.0, max_value=1.0
            )
            for col in share_cols
        }
        share_cfg[park_col] = st.column_config.TextColumn(park_col, pinned=True)
        st.dataframe(fit_table, hide_index=True, width="stretch", column_config=share_cfg)
        if layers.parks is not None:
            shapes = layers.parks[["park_id", "geometry"]].merge(fit, on="park_id", how="inner")
            publish_result(
                "guidance_fit",
                ("园区产业导向符合度", "Park guidance fit"),
                gpd.GeoDataFrame(shapes, geometry="geometry", crs=layers.parks.crs),
            )
    return fit


def lq_section(layers: LayerSet, fingerprint: str) -> tuple[pd.DataFrame | None, bool]:
    """The LQ table (by count or output); returns (LQ table or None, weighted by output)."""
    st.subheader(t("区位熵（LQ）", "Location quotients (LQ)"))
    lq = None
    weight = choice(
        st.radio,
        t("计算口径", "Measured by"),
        ["count", "output"],
        "clu_lq_weight",
        format_func=labeller({"count": ("企业数", "firm count"), "output": ("产值", "output")}),
        horizontal=True,
    )
    try:
        lq = cache.location_quotients(
            fingerprint, None if weight == "count" else "output_10k_cny", layers
        )
    except InputError as exc:
        show_input_error(exc)
    else:
        # Clusters down, parks across: eleven clusters fit the page height, not its width.
        heat = lq.T.copy()
        heat.index = pd.Index([cluster_label(c) for c in heat.index], name=t("产业集群", "cluster"))
        heat.columns = [park_name(p, layers) for p in lq.index]
        st.dataframe(
            heat.style.background_gradient(cmap="RdBu_r", vmin=0.0, vmax=2.0, axis=None).format(
                "{:.2f}", na_rep="—"
            ),
            width="stretch",
            height=38 + 35 * len(heat),
        )
        st.caption(
            t(
                "LQ = 园区内该集群占比 ÷ 全区该集群占比。LQ > 1（红）表示该集群在园区内相对集聚，"
                "< 1（蓝）表示相对不足；颜色在 0 与 2 之间渐变，以 1 为中点。",
                "LQ = the cluster's share in the park ÷ its share in the district. LQ > 1 (red): "
                "concentrated in the park; < 1 (blue): under-represented. Colours run from 0 to 2, "
                "centred on 1.",
            )
        )
    return lq, weight == "output"


def parameters_section(single: list[str]) -> ClqParams:
    """The test's settings in an expander, each with what it changes."""
    with st.expander(t("技术参数（可不改）", "Technical settings (optional)")):
        st.caption(
            t(
                "近邻数 k：每家企业看周边最近的几家企业；k 越大，看的范围越大。"
                "置换次数：把企业的集群随机打乱多少次，用来判断结果是否只是偶然；次数越多，判断越稳，计算越慢，0 表示不判断。"
                "随机种子：固定打乱的方式，同样的种子每次得到同样的结果。"
                "显著性水平 α：结果被当作“偶然”的概率低于它，才称为“显著”；α 越小，越少的结果被称为显著。",
                "Neighbours k: how many nearest firms are looked at around each firm; a larger k "
                "looks further. Permutations: how many times the clusters are shuffled at "
                "random to tell a pattern from chance; more is steadier and slower, 0 skips it. "
                "Seed: fixes the shuffling, so the same seed gives the same result. "
                "Significance level α: a result is called significant only when the chance of "
                "seeing it at random is below α; a smaller α calls fewer results significant.",
            )
        )
        p1, p2, p3, p4 = st.columns(4)
        k = int(
            p1.number_input(
                t("近邻数 k", "Neighbours k"),
                min_value=1,
                max_value=50,
                value=8,
                step=1,
                key="clu_k",
            )
        )
        permutations = int(
            p2.selectbox(
                t("置换次数", "Permutations"),
                options=[0, 99, 199, 499, 999],
                index=1,
                key="clu_perm",
                help=t("0 表示不做显著性检验。", "0 skips the significance test."),
            )
        )
        seed = int(
            p3.number_input(
                t("随机种子", "Random seed"),
                min_value=0,
                max_value=2**31 - 1,
                value=0,
                step=1,
                key="clu_seed",
            )
        )
        alpha = float(
            p4.selectbox(
                t("显著性水平 α", "Significance level α"),
                options=list(ALPHAS),
                index=ALPHAS.index(0.05),
                key="clu_alpha",
            )
        )
    if single:
        st.info(
            t(
                f"以下集群只有 1 家企业，无法计算共位商，已从矩阵和局部分析中排除："
                f"{cluster_list_label(single)}。",
                f"These clusters have a single firm, so their co-location quotient is undefined; "
                f"they are left out of the matrix and the local analysis: "
                f"{cluster_list_label(single)}.",
            ),
            icon=":material/info:",
        )
    return ClqParams(k=k, permutations=permutations, seed=seed, alpha=alpha)


def colocation_result(
    layers: LayerSet, fingerprint: str, usable: list[str], params: ClqParams
) -> pd.DataFrame | None:
    """The global co-location table (None when no cluster has two firms or on bad input)."""
    if len(usable) < 1:
        return None
    try:
        with st.spinner(t("正在计算共位商与置换检验…", "Computing co-location quotients…")):
            return cache.colocation_table(
                fingerprint,
                params.k,
                params.permutations,
                params.seed,
                params.alpha,
                tuple(usable),
                layers,
            )
    except InputError as exc:
        show_input_error(exc)
        return None


def clq_section(clq: pd.DataFrame | None, usable: list[str], params: ClqParams) -> None:
    """The co-location quotient matrix as a heat map, significant cells starred."""
    st.subheader(t("共位商矩阵（CLQ）", "Co-location quotient matrix (CLQ)"))
    st.caption(
        t(
            "CLQ A→B：A 类企业的 k 个最近邻中 B 类企业的比例，相对随机分布的倍数（Leslie & Kronenfeld 2011）。"
            "> 1 表示 A 周边 B 更多（共位），< 1 表示更少（隔离）。显著性由随机置换检验给出。",
            "CLQ A→B: how much more often B firms are among the k nearest neighbours of A firms "
            "than random placement would give (Leslie & Kronenfeld 2011). > 1: co-located; "
            "< 1: isolated. Significance from random permutations.",
        )
    )
    if len(usable) < 1:
        st.warning(
            t(
                "至少需要一个有 2 家以上企业的集群。",
                "At least one cluster with 2+ firms is needed.",
            )
        )
    if clq is not None:
        data = clq.copy()
        data["a_label"] = [cluster_label(c) for c in data["category_a"]]
        data["b_label"] = [cluster_label(c) for c in data["category_b"]]
        significant = co.is_significant(data["colocation_type"])
        data["significant"] = significant
        data["text"] = [
            (f"{v:.2f}{'*' if s else ''}" if np.isfinite(v) else "—")
            for v, s in zip(data["clq"], significant, strict=True)
        ]
        data["dark"] = (data["clq"] - 1).abs() > 1.0
        order = [cluster_label(c) for c in usable]
        top = float(np.nanmax(data["clq"].to_numpy(dtype=float))) if len(data) else 2.0
        # Axis titles are replaced by the chart title: beside long rotated labels they overlap.
        base = alt.Chart(data).encode(
            x=alt.X(
                "b_label:N",
                sort=order,
                title=None,
                axis=alt.Axis(labelAngle=-40, labelLimit=240, labelOverlap=False, orient="top"),
            ),
            y=alt.Y(
                "a_label:N",
                sort=order,
                title=None,
                axis=alt.Axis(labelLimit=240, labelOverlap=False),
            ),
        )
        cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
            color=alt.Color(
                "clq:Q",
                title="CLQ",
                scale=alt.Scale(
                    scheme="redblue", reverse=True, domain=[0.0, max(2.0, top)], domainMid=1.0
                ),
            ),
            tooltip=[
                alt.Tooltip("a_label:N", title="A"),
                alt.Tooltip("b_label:N", title="B"),
                alt.Tooltip("clq:Q", title="CLQ", format=".2f"),
                alt.Tooltip("p_value:Q", title=t("p 值", "p-value"), format=".3f"),
                alt.Tooltip("n_a:Q", title=t("A 企业数", "A firms")),
                alt.Tooltip("n_b:Q", title=t("B 企业数", "B firms")),
            ],
        )
        text_color = alt.condition("datum.dark", alt.value("white"), alt.value("#212121"))
        labels = alt.layer(
            *(
                base.transform_filter(f"{'' if sig else '!'}datum.significant")
                .mark_text(fontSize=11, fontWeight="bold" if sig else "normal")
                .encode(text="text:N", color=text_color)
                for sig in (True, False)
            )
        )
        chart = alt.layer(cells, labels).properties(
            width=alt.Step(56),
            height=alt.Step(30),
            padding={"left": 10, "top": 5, "right": 5},
            title=alt.TitleParams(
                t(
                    "行：中心集群 A　列：邻近集群 B",
                    "rows: focal cluster A · columns: neighbour cluster B",
                ),
                anchor="start",
                fontSize=13,
                fontWeight="normal",
            ),
        )
        st.altair_chart(chart, width="content")
        st.caption(
            t(
                f"数值后带星号 \\* 的格子 p < {params.alpha:g}（{params.permutations} 次置换，随机种子 {params.seed}），加粗显示。"
                if params.permutations
                else "未做置换检验（置换次数为 0）。",
                f"Cells marked with a star \\* (bold) have p < {params.alpha:g} ({params.permutations} "
                f"permutations, seed {params.seed})."
                if params.permutations
                else "No permutation test (0 permutations).",
            )
        )


def local_section(layers: LayerSet, fingerprint: str, usable: list[str], params: ClqParams) -> None:
    """The local co-location map of a chosen pair of clusters."""
    firms = layers.enterprises
    st.subheader(t("局部共位商地图", "Local co-location map"))
    if len(usable) >= 1:
        default_a = "car" if "car" in usable else usable[0]
        default_b = "equipment" if "equipment" in usable else usable[min(1, len(usable) - 1)]
        s1, s2 = st.columns(2)
        a = choice(
            s1.selectbox,
            t("中心集群 A", "Focal cluster A"),
            usable,
            "clu_local_a",
            format_func=code_labeller(CLUSTER),
            default=default_a,
        )
        b = choice(
            s2.selectbox,
            t("邻近集群 B", "Neighbour cluster B"),
            usable,
            "clu_local_b",
            format_func=code_labeller(CLUSTER),
            default=default_b,
        )
        local = None
        try:
            with st.spinner(t("正在计算局部共位商…", "Computing local co-location quotients…")):
                local = cache.local_table(
                    fingerprint,
                    a,
                    b,
                    params.k,
                    params.permutations,
                    params.seed,
                    params.alpha,
                    layers,
                )
                (a_payload, a_url), (b_payload, b_url) = cache.local_payloads(
                    fingerprint,
                    a,
                    b,
                    params.k,
                    params.permutations,
                    params.seed,
                    params.alpha,
                    lang(),
                    display_system(),
                    layers,
                )
        except InputError as exc:
            show_input_error(exc)
        if local is not None:
            export = local.copy()
            if "name" in firms.columns:
                export.insert(0, "name", firms["name"].reindex(local.index).to_numpy())
            export.insert(0, "cluster", a)
            export.insert(1, "neighbour_cluster", b)
            publish_result(
                "local_clq",
                (f"局部共位商（{CLUSTER.label(a)}→{CLUSTER.label(b)}）", f"Local CLQ ({a}→{b})"),
                export,
            )
            kinds = local["colocation_type"].value_counts()
            m1, m2, m3 = st.columns(3)
            for col, kind in zip(
                (m1, m2, m3), (co.COLOCATED, co.ISOLATED, co.NOT_SIGNIFICANT), strict=True
            ):
                col.metric(t(*maps.LOCAL_TYPE_LABELS[kind]), f"{int(kinds.get(kind, 0)):,}")
            gcj02_notice()
            m = new_map(layers)
            add_parcels(m, layers, show=False)
            tips = maps.tooltip_pairs(maps.LOCAL_TOOLTIP, lang())
            if b_payload["features"]:
                maps.add_geojson(
                    m,
                    b_payload,
                    f"B: {cluster_label(b)}",
                    url=b_url,
                    tooltip_fields=tips,
                    point_radius=3,
                    style={"weight": 1, "fillOpacity": 0.8},
                )
            maps.add_geojson(
                m,
                a_payload,
                f"A: {cluster_label(a)}",
                url=a_url,
                tooltip_fields=tips,
                point_radius=6,
                style={"weight": 1.5, "fillOpacity": 0.95, "color": "#212121"},
            )
            items = maps.pair_legend(maps.LOCAL_TYPE_LABELS, maps.LOCAL_TYPE_COLORS, lang())
            if params.permutations == 0:
                items = [(maps.UNTESTED_COLOR, t("未检验", "not tested"))]
            sections = [(f"A: {cluster_label(a)}", items)]
            if b_payload["features"]:
                sections.append(
                    (
                        f"B: {cluster_label(b)}",
                        [(maps.B_POINT_COLOR, t("小点：B 类企业", "small dot: B firm"))],
                    )
                )
            maps.add_legends(m, sections)
            show_map(m, key="clusters_local_map", returned_objects=[])
            st.caption(
                t(
                    "局部共位商（Wang 等 2017，自适应高斯核）：A 类每家企业周边 B 类企业的相对密集程度；"
                    f"显著性为条件置换检验（p < {params.alpha:g}）。",
                    "Local CLQ (Wang et al. 2017, adaptive Gaussian kernel): how densely B firms "
                    f"surround each A firm; significance by conditional permutation (p < {params.alpha:g}).",
                )
            )
