"""The 集群分布 page in Streamlit's AppTest, on the demo data (st_folium replaced)."""

from __future__ import annotations

import json
from unittest import mock

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df
from streamlit.testing.v1 import AppTest

from layers.catalog import load_demo
from tests.app_harness import APP, MapRecorder, data_layers, legend_html
from ui.maps import CLUSTER_COLORS

PAGE = "ui/clusters_page.py"


@pytest.fixture
def recorder():
    rec = MapRecorder()
    with mock.patch("ui.common.st_folium", rec):
        yield rec


@pytest.fixture(scope="module")
def demo():
    return load_demo()


def demo_park_names() -> list[str]:
    return list(load_demo().parks["name"])


def open_page(lang: str = "zh", layers=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.session_state["lang"] = lang
    if layers is not None:
        at.session_state["layers"] = layers
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def clq_chart(at: AppTest) -> tuple[dict, pd.DataFrame]:
    """The CLQ heatmap's Vega-Lite spec and the table it draws."""
    charts = [c.proto for c in at.get("vega_lite_chart")]
    found = [c for c in charts if '"CLQ"' in c.spec]
    assert len(found) == 1
    (dataset,) = found[0].datasets
    return json.loads(found[0].spec), convert_arrow_bytes_to_pandas_df(dataset.data.data)


def test_page_shows_fit_lq_clq_local_map_and_anchors(recorder, demo):
    at = open_page()
    assert at.title[0].value == "产业集群分布"
    tables = [d.value for d in at.dataframe]

    fit = next(t for t in tables if "符合度（企业数）" in t.columns)
    assert "高新南先进制造园区" in set(fit["园区"])
    shares = fit["符合度（企业数）"]
    assert ((shares > 0) & (shares <= 1)).all()
    assert fit["导向集群"].str.contains("半导体与集成电路").any()

    lq = next(
        t
        for t in tables
        if "高新北先进制造园区" in t.columns and "新能源" in t.index and "合计" not in t.columns
    )
    assert lq.loc["智能网联汽车", "高新北先进制造园区"] > 1  # car is guided to 高新北
    assert lq.loc["智能网联汽车", "坪山大道-丹梓大道产业带"] < 1

    spec, cells = clq_chart(at)
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domainMid"] == 1.0 and scale["scheme"] == "redblue"
    n_clusters = demo.enterprises.cluster.nunique()
    assert len(cells) == n_clusters**2
    assert "生物医药与高端医疗器械" in set(cells["a_label"])
    # Significant cells carry a star, the others none.
    starred = cells["text"].str.endswith("*")
    assert (starred == cells["colocation_type"].isin(["colocated", "isolated"])).all()
    assert starred.any() and (~starred).any()

    m = recorder.maps["clusters_local_map"]
    layers = data_layers(m)
    firms = demo.enterprises
    a_layer = layers["A: 智能网联汽车"]
    b_layer = layers["B: 高端装备与精密零部件"]
    assert len(a_layer.payload["features"]) == int((firms.cluster == "car").sum())
    assert len(b_layer.payload["features"]) == int((firms.cluster == "equipment").sum())
    kinds = {f["properties"]["type_label"] for f in a_layer.payload["features"]}
    assert kinds <= {"显著共位", "显著隔离", "不显著"} and "显著共位" in kinds
    assert "显著共位" in legend_html(m) and "B 类企业" in legend_html(m)
    local_kinds = {"显著共位", "显著隔离", "不显著"}
    counts = {x.label: int(x.value.replace(",", "")) for x in at.metric if x.label in local_kinds}
    assert len(counts) == 3 and sum(counts.values()) == int((firms.cluster == "car").sum())

    anchors = next(t for t in tables if "龙头企业" in t.columns and "集群" in t.columns)
    assert anchors["龙头企业"].str.contains("比亚迪").any()
    assert {"同集群 ≤1 km", "配套 ≤5 km"} <= set(anchors.columns)
    assert set(anchors["集群"]) <= {
        "智能网联汽车",
        "生物医药与高端医疗器械",
        "半导体与集成电路",
        "人工智能与智能终端",
        "新能源",
        "高端装备与精密零部件",
        "光载信息",
        "细胞与基因",
    }


def test_switching_pair_and_parameters_changes_results(recorder, demo):
    at = open_page()
    at.selectbox(key="clu_local_a_zh").set_value("chip").run()
    assert not at.exception
    layers = data_layers(recorder.last())
    assert "A: 半导体与集成电路" in layers
    n_chip = int((demo.enterprises.cluster == "chip").sum())
    assert len(layers["A: 半导体与集成电路"].payload["features"]) == n_chip

    _, before = clq_chart(at)
    at.selectbox(key="clu_perm").set_value(0).run()
    assert not at.exception
    _, after = clq_chart(at)
    assert before["text"].str.endswith("*").any() and not after["text"].str.endswith("*").any()
    assert after["p_value"].isna().all()
    assert any("未做置换检验" in c.value for c in at.caption)

    at.multiselect(key="clu_radii").set_value([2000]).run()
    anchors = next(d.value for d in at.dataframe if "龙头企业" in d.value.columns)
    assert "同集群 ≤2 km" in anchors.columns and "同集群 ≤1 km" not in anchors.columns


def test_single_firm_cluster_is_left_out_and_said_so(recorder, demo):
    firms = demo.enterprises.copy()
    lone = firms.index[firms.cluster == "lowalt"]
    firms.loc[lone[1:], "cluster"] = "other"  # 低空经济 keeps a single firm
    layers = demo.with_layer("enterprises", firms, is_demo=True)
    at = open_page(layers=layers)
    assert any("低空经济" in i.value and "1 家企业" in i.value for i in at.info)
    _, cells = clq_chart(at)
    assert "低空经济" not in set(cells["a_label"]) and "光载信息" in set(cells["a_label"])
    assert len(cells) == 10**2
    options = at.selectbox(key="clu_local_a_zh").options
    assert "低空经济" not in options and "光载信息" in options


def test_page_in_english(recorder):
    at = open_page("en")
    assert at.title[0].value == "Industrial cluster distribution"
    assert [h.value for h in at.subheader] == [
        "What the data shows",
        "Firms outside their guided park",
        "Around a firm: who works nearby",
        "Year on year",
        "Fit with each park's guided clusters",
        "Location quotients (LQ)",
        "Co-location quotient matrix (CLQ)",
        "Local co-location map",
        "Suppliers around anchor firms (counts)",
    ]
    # English mode shows no Chinese outside the data's own names (park names are data).
    summary = at.markdown[0].value
    assert "Around " in summary and "times as common as random placement" in summary
    visible = [*summary.split("\n"), *(c.value for c in at.caption), *(m.label for m in at.metric)]
    parks = set(demo_park_names())
    for text in visible:
        for name in parks:
            text = text.replace(name.replace("-", "\\-"), "").replace(name, "")
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in text), text
    fit = next(d.value for d in at.dataframe if "Fit (count)" in d.value.columns)
    assert "Gaoxin South" in set(fit["Park"])
    assert "A: intelligent connected vehicles" in data_layers(recorder.last())
    assert "semiconductors and ICs" in set(clq_chart(at)[1]["b_label"])


def test_summary_in_words_from_the_tables(recorder, demo):
    at = open_page()
    summary = at.markdown[0].value.replace("\\", "")
    lines = summary.split("\n")
    assert lines[0].startswith("- ") and "企业周边的" in lines[0] and "倍（显著）" in lines[0]
    assert any("区位熵" in x and "为全区最集中" in x for x in lines)
    assert "427 家企业所在位置不是其集群的规划导向园区（其中 37 家在所有园区之外）" in summary
    assert (
        lines[-2] == "- 2024 年以来：高新南先进制造园区的新能源企业增加 19 家（57 → 76，产值 +28%）"
    )
    assert lines[-1].startswith("- 2024 年以来：") and "企业减少" in lines[-1]
    assert not any("k =" in x or "p <" in x for x in lines)  # no statistics jargon up front
    # α is passed to the analysis: a stricter α calls fewer pairs significant.
    _, cells_05 = clq_chart(at)
    at.selectbox(key="clu_alpha").set_value(0.01).run()
    assert not at.exception
    _, cells_01 = clq_chart(at)
    sig_05 = cells_05["colocation_type"].isin(["colocated", "isolated"]).sum()
    sig_01 = cells_01["colocation_type"].isin(["colocated", "isolated"]).sum()
    assert sig_01 < sig_05
    assert (
        cells_01["text"].str.endswith("*")
        == cells_01["colocation_type"].isin(["colocated", "isolated"])
    ).all()
    assert any("α = 0.01" in c.value for c in at.caption)


def test_off_guidance_table_map_and_filters(recorder, demo):
    at = open_page()
    table = next(d.value for d in at.dataframe if "应在园区（最近的导向园区）" in d.value.columns)
    assert len(table) == 427
    outside = table[table["所在园区"] == "园区外"]
    assert len(outside) == 37
    # A firm outside every park of a guided cluster is told where it should be and how far.
    guided = outside[outside["应在园区（最近的导向园区）"] != "无园区导向该集群"]
    assert len(guided) and (guided["距离（km）"] > 0).all()
    assert set(table["集群"]) >= {"传统产业"}
    layers = recorder.data_layers("clusters_off_map")
    firms_layer = layers["不在导向园区的企业"]
    assert len(firms_layer.payload["features"]) == 427
    colours = {f["properties"]["_color"] for f in firms_layer.payload["features"]}
    assert colours <= set(maps_cluster_colours())
    legend = legend_html(recorder.maps["clusters_off_map"])
    assert "产业集群" in legend and "地块状态" in legend and "其他" in legend
    at.checkbox(key="clu_off_above").check().run()
    table = next(d.value for d in at.dataframe if "应在园区（最近的导向园区）" in d.value.columns)
    assert 0 < len(table) < 427 and table["规上"].all()


def test_around_byd_lists_firms_by_name_with_rings(recorder, demo):
    at = open_page()
    firm = at.selectbox(key="clu_around_firm")
    byd = demo.enterprises
    byd_id = byd.loc[byd["name"].str.contains("比亚迪"), "ent_id"].iloc[0]
    assert firm.options[0].startswith(byd.set_index("ent_id").at[firm.value, "name"])
    firm.set_value(byd_id).run()
    assert not at.exception
    table = next(
        d.value for d in at.dataframe if "关系" in d.value.columns and "企业" in d.value.columns
    )
    assert set(table["关系"]) <= {"同集群", "上游配套"} and len(table) > 10
    assert (table["距离（m）"] <= 5000).all() and table["距离（m）"].is_monotonic_increasing
    assert table["企业"].str.len().gt(0).all()
    layers = recorder.data_layers("clusters_around_map")
    assert len(layers["圈层"].payload["features"]) == 3
    assert len(layers["周边企业"].payload["features"]) == len(table)


def test_year_on_year_against_the_bundled_earlier_list(recorder, demo):
    at = open_page()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["新增"] == "111" and metrics["关闭/迁出"] == "64" and metrics["搬迁"] == "14"
    assert metrics["更名"] == "8"
    lines = [m.value for m in at.markdown if "企业增加" in m.value or "企业减少" in m.value]
    assert lines and "增加" in lines[0] and "减少" in lines[0]
    change = next(d.value for d in at.dataframe if "企业数变化" in d.value.columns)
    assert change["企业数（当前）"].sum() == len(demo.enterprises)
    layers = recorder.data_layers("clusters_years_map")
    assert len(layers["变化的企业"].payload["features"]) == 111 + 64 + 14


def maps_cluster_colours() -> list[str]:
    return list(CLUSTER_COLORS.values())


def test_year_on_year_against_an_earlier_kept_import(recorder, demo):
    """The bureau's yearly routine: last year's list was imported (and kept); this year's
    is the current layer. The page offers the kept import and compares with it."""
    from ui.imports import save_imported_layers

    firms = demo.enterprises
    earlier = firms.iloc[:-5].copy()  # the last five firms are new this year
    earlier["year"] = 2023
    earlier.loc[earlier.index[:3], "output_10k_cny"] *= 0.5
    import_id = save_imported_layers(demo.with_layer("enterprises", earlier))
    at = open_page()
    source = at.selectbox(key="clu_year_source")
    # The bundled earlier year comes first, then the kept import, labelled by its year.
    assert source.options[0] == "2024 年（数据文件）"
    assert source.options[1].startswith("2023 年，") and source.options[1].endswith(
        "导入的企业图层"
    )
    source.set_value(f"kept:{import_id}").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["新增"] == "5" and metrics["关闭/迁出"] == "0" and metrics["搬迁"] == "0"
    assert any("2023 → 2025" in c.value for c in at.caption)
    listed = next(d.value for d in at.dataframe if "原园区" in d.value.columns)
    assert set(listed["企业"]) == set(firms["name"].iloc[-5:])


def test_a_broken_earlier_list_in_the_data_file_is_named_not_a_traceback(
    recorder, demo, tmp_path, monkeypatch
):
    """A GeoPackage given at startup whose earlier-year layer fails the enterprises schema:
    the page says which rows, and the rest of the page works."""
    import geopandas as gpd

    from layers.catalog import DEMO_GPKG, save_layerset
    from ui import cache

    own = tmp_path / "own.gpkg"
    save_layerset(demo, own)
    bad = gpd.read_file(DEMO_GPKG, layer="enterprises_2024").head(20)
    bad.loc[bad.index[3], "cluster"] = "不存在的集群"
    bad.to_file(own, layer="enterprises_2023", driver="GPKG")
    monkeypatch.setenv(cache.DATA_ENV, str(own))
    cache.startup_layers.clear()
    try:
        at = open_page()
        errors = " ".join(e.value for e in at.error).replace("\\", "")
        assert "enterprises_2023" in errors and "不存在的集群" in errors
        assert at.title[0].value == "产业集群分布"
        assert any("427 家企业" in m.value for m in at.markdown)
    finally:
        cache.startup_layers.clear()
