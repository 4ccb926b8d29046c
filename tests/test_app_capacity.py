"""The 工业上楼容量 page in Streamlit's AppTest, on the demo data (st_folium replaced)."""

from __future__ import annotations

from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest

from layers.catalog import load_demo
from tests.app_harness import APP, MapRecorder, data_layers, legend_html

PAGE = "ui/capacity_page.py"


def number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%"))


def metrics(at: AppTest) -> dict[str, float]:
    return {m.label: number(m.value) for m in at.metric}


@pytest.fixture
def recorder():
    rec = MapRecorder()
    with mock.patch("ui.common.st_folium", rec):
        yield rec


def open_page(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    # The language is switched on the way to the page, as the sidebar does.
    at.session_state["lang"] = lang
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def editor_key(at: AppTest, table: str) -> str:
    keys = [d.key for d in at.data_editor if d.key and d.key.startswith(f"cap_ed_{table}_")]
    assert len(keys) == 1, keys
    return keys[0]


def edit(at: AppTest, table: str, rows: dict) -> None:
    at.session_state[editor_key(at, table)] = {
        "edited_rows": rows,
        "added_rows": [],
        "deleted_rows": [],
    }


MAX_GFA = "可建总建筑面积 (万 m²)"
INCREMENT = "新增建筑面积 (万 m²)"


def test_page_draws_capacity_map_tables_and_metrics(recorder):
    at = open_page()
    assert at.title[0].value == "工业上楼容量"
    values = metrics(at)
    assert values[MAX_GFA] > values[INCREMENT] > 0
    share = values["相当于全市一年工业上楼计划"]
    assert share == pytest.approx(values[INCREMENT] * 1e4 / 2e7 * 100, rel=0.01)

    m = recorder.last()
    layers = data_layers(m)
    parcels = layers["地块"]
    n_parcels = len(load_demo().parcels)
    assert len(parcels.payload["features"]) == n_parcels
    assert parcels.url and parcels.url.endswith(".json")
    props = parcels.payload["features"][0]["properties"]
    assert {
        "parcel_id",
        "far_allowed_txt",
        "floors_txt",
        "height_txt",
        "gfa_max_txt",
        "gfa_inc_txt",
        "_color",
    } <= set(props)
    # The default colouring is the increment: redeveloped parcels take ramp colours, the
    # others the neutral grey, and the legend says so.
    colours = {f["properties"]["_color"] for f in parcels.payload["features"]}
    assert "#e0e0e0" in colours and len(colours) >= 4
    legend = legend_html(m)
    assert "新增建筑面积" in legend and "无增量" in legend

    tables = [d.value for d in at.dataframe]
    park_table = next(t for t in tables if "园区" in t.columns and "新增 (万 m²)" in t.columns)
    parks = list(park_table["园区"])
    assert "园区外" in parks and not any(p in ("gaoxin_south", "(none)") for p in parks)
    assert park_table["新增 (万 m²)"].sum() == pytest.approx(values[INCREMENT], abs=0.5)
    cluster_table = next(t for t in tables if "合计" in t.columns)
    assert "半导体与集成电路" in list(cluster_table.index)
    floors = next(t for t in tables if "楼层" in t.columns)
    assert len(floors) == 20  # 8 + 3 × 6 + 16 × 4.5 = 98 m under the 100 m cap
    # The standards are shown with their provenance and the assumption marks.
    far = at.data_editor(key=editor_key(at, "far")).value
    assert {"source", "assumption"} <= set(far.columns)
    assert far["_mark"].str.contains("假设").all()


def test_height_cap_and_scenario_change_the_results(recorder):
    at = open_page()
    before = metrics(at)
    at.number_input(key="cap_height_m").set_value(30.0).run()
    lower = metrics(at)
    assert not at.exception
    assert lower[MAX_GFA] < before[MAX_GFA]
    assert lower[INCREMENT] < before[INCREMENT]
    floors = next(d.value for d in at.dataframe if "楼层" in d.value.columns)
    assert len(floors) == 4  # 8 + 3 × 6 = 26 m; a fifth floor would reach 30.5 m

    at.radio(key="cap_scenario_zh").set_value("all").run()
    everything = metrics(at)
    assert everything["改造地块数"] > lower["改造地块数"]
    assert everything[INCREMENT] > lower[INCREMENT]

    at.radio(key="cap_color_by_zh").set_value("gfa_max_m2").run()
    assert "可建建筑面积" in legend_html(recorder.last())


def test_invalid_standards_edit_shows_chinese_error_and_keeps_last_valid(recorder):
    at = open_page()
    # Every rebuilt parcel to the upper limit (the rule builds ordinary redevelopment to the
    # base FAR, which the cap edited below does not reach).
    at.radio(key="cap_far_mode_zh").set_value("upper").run()
    default = metrics(at)[MAX_GFA]

    # A valid edit: M1 upper-limit cap 6.0 → 4.0 lowers what rebuilt M1 parcels may reach.
    edit(at, "far", {0: {"upper_cap": 4.0}})
    at.run()
    assert not at.exception and not at.error
    edited = metrics(at)[MAX_GFA]
    assert edited < default

    # An invalid one on top: a negative height cap. The error names the key in Chinese and
    # the results stay those of the last valid standards.
    edit(at, "settings", {0: {"value": -5.0}})
    at.run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    assert errors[0].startswith("标准表有 1 处问题")
    assert "height" in errors[0] and "应" in errors[0]
    assert any("上一次有效的标准" in w.value for w in at.warning)
    assert metrics(at)[MAX_GFA] == edited

    at.button(key="cap_std_reset").click().run()
    assert not at.exception and not at.error
    assert metrics(at)[MAX_GFA] == default


def test_page_in_english(recorder):
    at = open_page("en")
    assert at.title[0].value == "Industrial high-rise floor capacity"
    assert "Maximum GFA (10⁴ m²)" in metrics(at)
    park_table = next(d.value for d in at.dataframe if "Park" in d.value.columns)
    assert "Gaoxin South" in set(park_table["Park"])
    assert "outside parks" in set(park_table["Park"])
    assert "GFA increment" in legend_html(recorder.last())
    assert "Parcels" in data_layers(recorder.last())


def test_choices_survive_a_switch_of_language(recorder):
    at = open_page()
    at.radio(key="cap_scenario_zh").set_value("all").run()
    rebuilt = metrics(at)["改造地块数"]
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert at.radio(key="cap_scenario_en").value == "all"
    assert at.radio(key="cap_scenario_en").options == [
        "by the rule: low-efficiency + released + 工业上楼/target-FAR parcels",
        "all industrial parcels (theoretical)",
    ]
    assert metrics(at)["Parcels rebuilt"] == rebuilt


# --------------------------------------------------------------------------- one rule, scenarios


def district_increment_wan_m2(layers) -> float:
    """The scenario comparison's baseline figure: its district GFA increment, 万 m²."""
    from analysis.indicators import DISTRICT, scenario_indicators

    capacity = scenario_indicators(layers).capacity.set_index("park_id")
    return capacity.loc[DISTRICT, "gfa_increment_m2"] / 1e4


def test_default_increment_is_the_scenario_comparisons(recorder, own_workspace):
    at = open_page()
    assert metrics(at)[INCREMENT] == pytest.approx(district_increment_wan_m2(load_demo()), abs=0.05)
    captions = " ".join(c.value for c in at.caption)
    assert "低效用地、可供应用地" in captions and "情景对比均按此规则" in captions
    assert not any("不同于改造规则" in i.value for i in at.info)  # nothing departs from it
    at.radio(key="cap_far_mode_zh").set_value("upper").run()
    assert any("不同于改造规则" in i.value for i in at.info)


def test_a_saved_scenario_is_computed_on_its_parcels(recorder, own_workspace):
    from layers.scenario import apply, new_scenario, set_attributes
    from layers.store import GpkgScenarioStore

    demo = load_demo()
    parcels = demo.parcels
    pocket = parcels.loc[
        (parcels.pocket == "gaoxin_south_pocket") & (parcels.status == "low_efficiency"),
        "parcel_id",
    ].tolist()
    store = GpkgScenarioStore(own_workspace / "scenarios.gpkg")
    scenario = new_scenario("高新南上楼").with_edit(set_attributes(pocket, highrise=True))
    scenario = store.save(scenario, expected_version=0)

    at = open_page()
    baseline = metrics(at)[INCREMENT]
    box = at.selectbox(key="cap_source_zh")
    assert box.options == ["现状（基础数据）", "高新南上楼"]
    box.set_value(scenario.id).run()
    assert not at.exception
    # 工业上楼 builds the pocket's low-efficiency land to the upper limit, not the base FAR.
    after = metrics(at)[INCREMENT]
    expected = district_increment_wan_m2(apply(scenario, demo).layers)
    assert after == pytest.approx(expected, abs=0.05)
    assert after > baseline
    # The choice survives a switch of language.
    at.session_state["lang"] = "en"
    at.run()
    assert at.selectbox(key="cap_source_en").value == scenario.id
