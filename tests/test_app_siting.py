"""The 项目选址 page under AppTest: preset → ranked list → map → exports → scenario."""

from __future__ import annotations

import re

import pytest

from tests.app_harness import app

PAGE = "ui/siting_page.py"
CJK = re.compile(r"[\u4e00-\u9fff]")


def submit(at) -> None:
    next(b for b in at.button if b.label in ("匹配选址", "Find sites")).click().run()


def test_the_chip_preset_ranks_sites_in_the_chip_parks_and_maps_them():
    with app(PAGE) as (at, maps):
        assert not at.exception, at.exception
        assert at.number_input(key="siting_land_min").value == 5.0
        assert at.multiselect(key="siting_near").value  # 中芯国际 picked from the anchors
        submit(at)
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        table = at.dataframe[0].value
        assert len(table) == 10 and list(table["场地"][:3]) == ["A", "B", "C"]
        assert set(table["园区"][:3]) <= {"高新南先进制造园区", "金沙-碧湖先进制造园区"}
        assert table["理由"].iloc[0].startswith("位于")
        assert table["总分"].is_monotonic_decreasing
        layers = maps.data_layers("siting_map")
        assert {"候选场地", "龙头企业", "上下游企业"} <= set(layers)
        sites = layers["候选场地"].payload["features"]
        assert [f["properties"]["site_id"] for f in sites][:2] == ["A", "B"]
        anchors = layers["龙头企业"].payload["features"]
        assert [f["properties"]["name"] for f in anchors] == ["中芯国际深圳"]
        assert len(layers["上下游企业"].payload["features"]) > 10
        labels = [b.label for b in at.get("download_button")]
        assert labels == ["导出候选场地 GeoJSON", "导出候选场地 Excel"]
        assert any("假设" in c.value for c in at.caption)  # weights are stated as assumptions


def test_a_weight_change_reorders_the_list():
    with app(PAGE) as (at, _):
        submit(at)
        before = list(at.dataframe[0].value["面积（公顷）"])
        at.number_input(key="siting_w_room").set_value(5.0)
        submit(at)
        after = at.dataframe[0].value
        assert list(after["面积（公顷）"]) != before
        assert after["连片扩展余地"].iloc[0] == after["连片扩展余地"].max()


def test_a_need_nobody_can_meet_names_the_largest_site_and_an_assembly():
    with app(PAGE) as (at, _):
        at.number_input(key="siting_land_min").set_value(30.0)
        at.number_input(key="siting_land_max").set_value(0.0)
        at.multiselect(key="siting_statuses").set_value(["available"])
        submit(at)
        assert not at.exception, at.exception
        assert not at.error
        assert any("没有满足需求" in w.value for w in at.warning)
        assert any("整备方案" in i.value for i in at.info)


def test_bad_input_lists_every_problem():
    with app(PAGE) as (at, _):
        at.number_input(key="siting_land_min").set_value(20.0)
        at.number_input(key="siting_land_max").set_value(10.0)
        at.multiselect(key="siting_statuses").set_value([])
        submit(at)
        assert not at.exception
        text = at.error[0].value.replace("\\", "")
        assert "land_ha_max" in text and "statuses" in text and "2 处问题" in text


def test_english_mode_shows_no_chinese():
    with app(PAGE, lang="en") as (at, _):
        submit(at)
        assert not at.exception, at.exception
        table = at.dataframe[0].value
        assert not any(CJK.search(c) for c in table.columns)
        assert table["Reasons"].iloc[0].startswith("in ")
        assert not CJK.search(at.title[0].value)
        assert at.text_input(key="siting_project").value == "IC packaging project"
        labels = [
            w.label
            for kind in ("number_input", "multiselect", "selectbox", "button")
            for w in at.get(kind)
        ]
        texts = [c.value for c in at.caption] + labels
        assert not [x for x in texts if CJK.search(x)]
        reasons = table["Reasons"].iloc[0].replace("中芯国际深圳", "")  # a firm's name is data
        assert not CJK.search(reasons)


def test_a_site_becomes_a_scenario(own_workspace):
    from layers.store import GpkgScenarioStore

    with app(PAGE) as (at, _):
        submit(at)
        parcels = at.session_state["siting_result"][2]["parcel_ids"].iloc[0]
        at.button(key="siting_to_scenario").click().run()
        assert not at.exception, at.exception
    store = GpkgScenarioStore(own_workspace / "scenarios.gpkg")
    [info] = store.list()
    scenario = store.open(info.id)
    assert scenario.name.startswith("项目选址") and "场地 A" in scenario.name
    edit = scenario.edits[0]
    assert edit.attributes == {"status": "reserve", "guided_cluster": "chip"}
    assert tuple(sorted(edit.parcel_ids)) == tuple(parcels)


def test_hostile_names_render_literally(own_workspace):
    from tests.app_harness import PAYLOADS, RAW_MARKERS, hostile_layers, markdown_texts
    from ui.imports import save_imported_layers

    data = save_imported_layers(hostile_layers())
    with app(PAGE, query={"data": data}, timeout=180) as (at, _):
        at.text_input(key="siting_project").set_value(PAYLOADS[0])
        firms = at.session_state["layers"].enterprises
        first_anchor = firms.loc[firms["is_anchor"], "ent_id"].iloc[0]
        at.multiselect(key="siting_near").set_value([first_anchor])
        submit(at)
        assert not at.exception, at.exception
        texts = markdown_texts(at)
        assert any("example" in t for t in texts)  # the project name is shown …
        for text in texts:
            for marker in RAW_MARKERS:
                assert not marker.search(text), (marker.pattern, text)  # … escaped
        reasons = at.dataframe[0].value["理由"]
        assert any(p in r for r in reasons for p in PAYLOADS)  # a firm's name, as plain text
        assert not at.get("table")


def test_the_shortlist_exports_as_geojson_and_excel():
    import io
    import json

    from openpyxl import load_workbook

    from analysis.matching import Near, Need, match_sites
    from geo.io import write_geojson, write_xlsx
    from layers.catalog import load_demo
    from ui.siting_view import shortlist_frame

    layers = load_demo()
    need = Need("chip", 5.0, 10.0, near=(Near("中芯国际", 3000.0),), statuses=("available",))
    result = match_sites(layers, need)
    sites = shortlist_frame(result, layers)
    doc = json.loads(write_geojson(sites))
    assert [f["properties"]["site_id"] for f in doc["features"]] == list(result["site_id"])
    first = doc["features"][0]["properties"]
    assert first["parcel_ids"] == ",".join(result["parcel_ids"].iloc[0])
    assert first["reasons_zh"] == result["reasons_zh"].iloc[0]
    assert first["score"] == pytest.approx(result["score"].iloc[0], abs=1e-6)
    sheet = load_workbook(io.BytesIO(write_xlsx(sites, geometry="wkt"))).active
    header = [c.value for c in sheet[1]]
    assert {"site_id", "parcel_ids", "area_ha", "score", "reasons_en", "wkt"} <= set(header)
    assert sheet.max_row == len(result) + 1
