"""集群分布 · Clusters: guidance fit, location quotients, co-location (global and local),
anchor proximity."""

from __future__ import annotations

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from analysis import colocation as co
from geo.errors import InputError
from layers.schema import CLUSTER
from ui import cache, maps
from ui.common import (
    add_parcels,
    current_layers,
    demo_banner,
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

#: Significance level of the permutation tests (global and local co-location): passed to
#: the analysis, which marks a quotient co-located or isolated when its p-value is below it.
ALPHA = 0.05

layers = current_layers()
st.title(t("产业集群分布", "Industrial cluster distribution"))
demo_banner(layers)

firms = layers.enterprises
if firms is None or len(firms) == 0:
    st.warning(
        t(
            "没有企业图层，请在「数据导入导出」页导入。",
            "There is no enterprises layer; import one on the Data page.",
        )
    )
    st.stop()

fingerprint = layers.fingerprint("enterprises", "parks")
counts = firms["cluster"].value_counts()
present = [c for c in CLUSTER.codes if c in counts.index]
usable = [c for c in present if counts[c] >= 2]
single = [c for c in present if counts[c] < 2]

# --------------------------------------------------------------------------- guidance fit

st.subheader(t("园区产业导向符合度", "Fit with each park's guided clusters"))
st.caption(
    t(
        "各园区企业中属于规划导向集群的比例（按企业数和按产值）。",
        "Share of each park's enterprises in the clusters the plan guides there (by count and by "
        "output).",
    )
)
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
        col: st.column_config.ProgressColumn(col, format="percent", min_value=0.0, max_value=1.0)
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

# --------------------------------------------------------------------------- LQ

st.subheader(t("区位熵（LQ）", "Location quotients (LQ)"))
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

# --------------------------------------------------------------------------- global CLQ

st.subheader(t("共位商矩阵（CLQ）", "Co-location quotient matrix (CLQ)"))
st.caption(
    t(
        "CLQ A→B：A 类企业的 k 个最近邻中 B 类企业的比例，相对随机分布的倍数（Leslie & Kronenfeld 2011）。"
        "> 1 表示 A 周边 B 更多（共位），< 1 表示更少（隔离）。显著性由随机置换检验给出。",
        "CLQ A→B: how much more often B firms are among the k nearest neighbours of A firms than "
        "random placement would give (Leslie & Kronenfeld 2011). > 1: co-located; < 1: isolated. "
        "Significance from random permutations.",
    )
)
p1, p2, p3 = st.columns(3)
k = int(
    p1.number_input(
        t("近邻数 k", "Neighbours k"), min_value=1, max_value=50, value=8, step=1, key="clu_k"
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
if single:
    st.info(
        t(
            f"以下集群只有 1 家企业，无法计算共位商，已从矩阵和局部分析中排除："
            f"{cluster_list_label(single)}。",
            f"These clusters have a single firm, so their co-location quotient is undefined; they "
            f"are left out of the matrix and the local analysis: {cluster_list_label(single)}.",
        ),
        icon=":material/info:",
    )

clq = None
if len(usable) < 1:
    st.warning(
        t("至少需要一个有 2 家以上企业的集群。", "At least one cluster with 2+ firms is needed.")
    )
else:
    try:
        with st.spinner(t("正在计算共位商与置换检验…", "Computing co-location quotients…")):
            clq = cache.colocation_table(
                fingerprint, k, permutations, seed, ALPHA, tuple(usable), layers
            )
    except InputError as exc:
        show_input_error(exc)

if clq is not None:
    data = clq.copy()
    data["a_label"] = [cluster_label(c) for c in data["category_a"]]
    data["b_label"] = [cluster_label(c) for c in data["category_b"]]
    significant = data["colocation_type"].isin([co.COLOCATED, co.ISOLATED]).to_numpy()
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
            "a_label:N", sort=order, title=None, axis=alt.Axis(labelLimit=240, labelOverlap=False)
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
            f"数值后带星号 \\* 的格子 p < {ALPHA:g}（{permutations} 次置换，随机种子 {seed}），加粗显示。"
            if permutations
            else "未做置换检验（置换次数为 0）。",
            f"Cells marked with a star \\* (bold) have p < {ALPHA:g} ({permutations} "
            f"permutations, seed {seed})."
            if permutations
            else "No permutation test (0 permutations).",
        )
    )

# --------------------------------------------------------------------------- local CLQ

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
            local = cache.local_table(fingerprint, a, b, k, permutations, seed, ALPHA, layers)
            (a_payload, a_url), (b_payload, b_url) = cache.local_payloads(
                fingerprint, a, b, k, permutations, seed, ALPHA, lang(), display_system(), layers
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
        if permutations == 0:
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
                f"显著性为条件置换检验（p < {ALPHA:g}）。",
                "Local CLQ (Wang et al. 2017, adaptive Gaussian kernel): how densely B firms "
                f"surround each A firm; significance by conditional permutation (p < {ALPHA:g}).",
            )
        )

# --------------------------------------------------------------------------- anchors

st.subheader(t("龙头企业周边配套", "Suppliers around anchor firms"))
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
                t("企业图层中没有标记为龙头企业的企业。", "No enterprise is flagged as an anchor.")
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
                column_config={anchor_col: st.column_config.TextColumn(anchor_col, pinned=True)},
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
