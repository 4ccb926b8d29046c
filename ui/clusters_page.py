"""集群分布 · Clusters, for the industrial bureau: what was found, in words, first; then the
firms outside their guided park, the firms around a chosen firm, the change since an earlier
year, and the statistics (guidance fit, LQ, co-location) with their technical settings.

The sections live in ``ui/clusters_*.py``; this page orders them and writes the summary
from the tables they computed (:func:`analysis.colocation.findings`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import colocation as co
from layers.schema import CLUSTER
from ui.clusters_firms import anchor_counts_section, around_firm_section
from ui.clusters_offguide import off_guidance_section
from ui.clusters_stats import (
    clq_section,
    colocation_result,
    fit_section,
    local_section,
    lq_section,
    parameters_section,
)
from ui.clusters_years import years_section
from ui.common import current_layers, demo_banner, md_escape, park_name
from ui.i18n import lang, t

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

st.subheader(t("主要发现", "What the data shows"))
summary = st.container()

off_tab, around_tab, years_tab, stats_tab = st.tabs(
    [
        t("不在导向园区的企业", "Firms outside their guided park"),
        t("企业周边", "Around a firm"),
        t("年度变化", "Year on year"),
        t("统计与参数", "Statistics and settings"),
    ]
)
with off_tab:
    off = off_guidance_section(layers, fingerprint)
with around_tab:
    around_firm_section(layers, fingerprint)
with years_tab:
    yearly = years_section(layers)
with stats_tab:
    params = parameters_section(single)
    fit = fit_section(layers, fingerprint)
    lq, lq_by_output = lq_section(layers, fingerprint)
    clq = colocation_result(layers, fingerprint, usable, params)
    clq_section(clq, usable, params)
    local_section(layers, fingerprint, usable, params)
    anchor_counts_section(layers, fingerprint)

park_ids = [] if layers.parks is None else list(layers.parks["park_id"])
names = {p: (park_name(p, layers),) * 2 for p in park_ids}
found = co.findings(clq, lq, fit=fit, off_guidance=off, park_names=names, lq_by_output=lq_by_output)
if yearly is not None and len(yearly):
    # The largest growth and the largest decline since the earlier list.
    firsts = yearly.groupby("kind", sort=False).head(1)
    found = pd.concat([found, firsts[["kind", "zh", "en"]]], ignore_index=True)
with summary:
    if found.empty:
        st.info(t("数据不足，暂无发现。", "Not enough data for findings."))
    else:
        text = found["zh" if lang() == "zh" else "en"]
        st.markdown("\n".join(f"- {md_escape(s)}" for s in text))
    st.caption(
        t(
            f"“显著”指在 α = {params.alpha:g} 的随机置换检验下不太可能是偶然（{params.permutations} "
            f"次置换）；“随机分布的 x 倍”为共位商 CLQ，区位熵 LQ > 1 表示比全区平均更集中。"
            f"参数见「统计与参数」。",
            f"'Significant' means unlikely to be chance under a random-permutation test at "
            f"α = {params.alpha:g} ({params.permutations} permutations); 'x times random' is "
            f"the co-location quotient CLQ; a location quotient LQ > 1 means more concentrated "
            f"than the district average. Settings under 'Statistics and settings'.",
        )
    )
