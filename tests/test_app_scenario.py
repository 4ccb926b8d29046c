"""The 情景规划 page under AppTest: create, edit through the forms and the map, save, compare."""

import os
from unittest import mock

import pytest
import shapely

from layers.catalog import load_demo
from layers.store import GpkgScenarioStore
from tests.app_harness import app

PAGE = "ui/scenario_page.py"


@pytest.fixture
def workspace(own_workspace):
    """The test's own workspace folder (set for every test by tests/conftest.py)."""
    return own_workspace


def create(at, name="高新南工业上楼"):
    at.text_input(key="scenario_new_name").input(name)
    next(b for b in at.button if b.label == "创建").click().run()
    assert not at.exception
    return at


def pocket_ids() -> list[str]:
    parcels = load_demo().parcels
    mask = (parcels.pocket == "gaoxin_south_pocket") & (parcels.status == "low_efficiency")
    return parcels.loc[mask, "parcel_id"].tolist()


def mark_highrise(at, ids):
    at.session_state["scenario_selection"] = ids
    at.run()
    at.selectbox(key="scenario_highrise").set_value(True)
    next(b for b in at.button if b.label == "应用到所选地块").click().run()
    assert not at.exception


def test_page_without_scenarios_invites_to_create_one():
    with app(PAGE) as (at, _):
        assert not at.exception
        assert any("新建" in i.value for i in at.info)


def test_create_edit_save_and_reopen(workspace):
    ids = pocket_ids()
    with app(PAGE) as (at, _):
        create(at)
        mark_highrise(at, ids)
        draft = at.session_state["scenario_draft"]
        assert len(draft.edits) == 1 and draft.edits[0].attributes == {"highrise": True}
        assert any("未保存" in w.value for w in at.warning)
        at.button(key="scenario_save").click().run()
        assert not at.exception
    store = GpkgScenarioStore(workspace / "scenarios.gpkg")
    [info] = store.list()
    assert info.version == 2 and info.edit_count == 1
    assert set(store.open(info.id).edits[0].parcel_ids) == set(ids)


def test_drawn_parcel_is_added_and_bad_drawing_is_refused():
    square = shapely.box(114.3795, 22.7260, 114.3815, 22.7275)
    bow_tie = shapely.Polygon(
        [(114.38, 22.72), (114.382, 22.722), (114.382, 22.72), (114.38, 22.722)]
    )
    with app(PAGE) as (at, maps):
        create(at, "新地块")
        at.radio(key="scenario_mode").set_value("draw").run()
        at.session_state["scenario_pending_shape"] = shapely.to_wkt(bow_tie)
        at.run()
        next(b for b in at.button if b.label == "添加地块").click().run()
        assert any("自相交" in e.value for e in at.error)
        assert not at.session_state["scenario_draft"].edits
        at.session_state["scenario_pending_shape"] = shapely.to_wkt(square)
        at.run()
        next(b for b in at.button if b.label == "添加地块").click().run()
        draft = at.session_state["scenario_draft"]
        assert [e.kind for e in draft.edits] == ["add_parcel"]
        assert "新增 1" in " ".join(c.value for c in at.caption)
        # the map asks back only the drawing and the clicked object (with the click count,
        # so a second click on the same spot is a new click)
        call = next(c for c in maps.calls if c["key"] == "scenario_map")
        assert set(call["returned_objects"]) == {
            "last_active_drawing",
            "last_object_clicked",
            "last_object_clicked_count",
        }


def test_stale_save_is_refused_with_a_clear_message(workspace):
    with app(PAGE) as (at, _):
        create(at)
        draft = at.session_state["scenario_draft"]
        other = GpkgScenarioStore(workspace / "scenarios.gpkg")  # another tab saves first
        other.save(
            other.open(draft.id).with_details(description="另一个标签页"),
            expected_version=draft.version,
        )
        at.session_state["scenario_selection"] = ["PS00001"]
        at.run()
        at.selectbox(key="scenario_status").set_value("available")
        next(b for b in at.button if b.label == "应用到所选地块").click().run()
        at.button(key="scenario_save").click().run()
        assert any("已被其他人修改" in e.value for e in at.error)
        assert other.open(draft.id).description == "另一个标签页"


def test_compare_tab_shows_capacity_difference():
    with app(PAGE) as (at, _):
        create(at)
        mark_highrise(at, pocket_ids())
        open_compare(at)
        gfa = next(m for m in at.metric if "增量" in m.label)
        assert gfa.delta.startswith("+")
        assert float(gfa.delta.replace(",", "").lstrip("+")) > 0


def test_delete_needs_confirmation(workspace):
    with app(PAGE) as (at, _):
        create(at)
        assert at.button(key="scenario_delete").disabled
        at.checkbox(key="scenario_confirm_delete").check().run()
        at.button(key="scenario_delete").click().run()
        assert not at.exception
    assert GpkgScenarioStore(workspace / "scenarios.gpkg").list() == []
    assert os.path.exists(workspace / "scenarios.gpkg")


def test_merge_selected_parcels_into_one():
    parcels = load_demo().parcels
    pair = parcels.loc[parcels.pocket == "longtian_north", "parcel_id"].tolist()[:2]
    with app(PAGE) as (at, _):
        create(at, "整备合并")
        assert at.button(key="scenario_merge").disabled
        at.session_state["scenario_selection"] = pair
        at.run()
        at.button(key="scenario_merge").click().run()
        assert not at.exception
        [edit] = at.session_state["scenario_draft"].edits
        assert edit.kind == "merge_parcels" and set(edit.parcel_ids) == set(pair)
        caption = " ".join(c.value for c in at.caption)
        assert "新增 1、删除 2" in caption


def test_language_switch_on_the_scenario_page():
    with app(PAGE) as (at, _):
        create(at)
        at.radio(key="scenario_mode").set_value("draw").run()
        at.radio(key="lang").set_value("en").run()
        assert not at.exception
        at.radio(key="lang").set_value("zh").run()
        assert not at.exception
        assert at.radio(key="scenario_mode").value == "draw"


def test_search_on_the_scenario_map_and_a_click_keep_the_view():
    with app(PAGE) as (at, maps):
        create(at)
        at.text_input(key="scenario_map_search").input("高新南").run()
        assert not at.exception
        pick = at.selectbox(key="scenario_map_search_pick")
        assert len(pick.options) == 50
        assert maps.calls[-1]["zoom"] is not None
        assert list(maps.data_layers("scenario_map"))[-1] == "查找结果"
        # another match from the list is framed in turn
        pick.set_value("parcels:PS02573").run()
        assert maps.calls[-1]["zoom"] is not None
        # a map event brings the view; the page remembers it and does not impose it back
        view = {"lat": 22.6874, "lng": 114.4025, "zoom": 16.5}
        reply = {"last_object_clicked": None, "view": view}
        with mock.patch("ui.common.st_folium", lambda fig, **kw: (maps(fig, **kw), reply)[1]):
            at.run()
        assert at.session_state["map_views"]["scenario_map"] == view
        assert maps.calls[-1]["center"] is None and maps.calls[-1]["zoom"] is None


def test_each_edit_records_who_made_it(workspace):
    ids = pocket_ids()[:3]
    with app(PAGE) as (at, _):
        create(at)
        at.text_input(key="scenario_editor").input("李规划").run()
        mark_highrise(at, ids)
        [edit] = at.session_state["scenario_draft"].edits
        assert edit.author == "李规划"


def test_a_target_far_above_the_cap_is_said_at_once(workspace):
    ids = pocket_ids()[:2]
    with app(PAGE) as (at, _):
        create(at)
        at.session_state["scenario_selection"] = ids
        at.run()
        at.number_input(key="scenario_far").set_value(25.0)
        next(b for b in at.button if b.label == "应用到所选地块").click().run()
        assert not at.exception
        assert any("高于" in w.value and "上限" in w.value for w in at.warning), [
            w.value for w in at.warning
        ]


def test_a_refused_save_can_be_rebased_keeping_both_sets_of_edits(workspace):
    ids = pocket_ids()
    store = GpkgScenarioStore(workspace / "scenarios.gpkg")
    with app(PAGE) as (at, _):
        create(at)
        scenario_id = at.session_state["scenario_draft"].id
        mark_highrise(at, ids[:3])
        # A colleague saves first, in another session.
        theirs = store.open(scenario_id)
        from layers.scenario import set_attributes

        store.save(theirs.with_edit(set_attributes(ids[3:5], status="available", author="王")))
        at.button(key="scenario_save").click().run()
        assert any("已被" in e.value or "先" in e.value for e in at.error)
        at.button(key="scenario_rebase").click().run()
        assert not at.exception
        at.button(key="scenario_save").click().run()
        assert not at.exception and not at.error
    saved = store.open(scenario_id)
    assert saved.edits[0].author == "王"  # the colleague's edit keeps its author
    assert [e.attributes for e in saved.edits] == [{"status": "available"}, {"highrise": True}]


def test_a_refused_save_can_go_to_a_new_scenario_with_my_edits(workspace):
    ids = pocket_ids()
    store = GpkgScenarioStore(workspace / "scenarios.gpkg")
    with app(PAGE) as (at, _):
        create(at)
        scenario_id = at.session_state["scenario_draft"].id
        mark_highrise(at, ids[:3])
        theirs = store.open(scenario_id)
        from layers.scenario import remove_parcel

        store.save(theirs.with_edit(remove_parcel(ids[:1], author="王")))
        at.button(key="scenario_save").click().run()
        at.button(key="scenario_conflict_save_as_new").click().run()
        assert not at.exception
    infos = store.list()
    assert len(infos) == 2
    copy = next(i for i in infos if i.id != scenario_id)
    assert [e.attributes for e in store.open(copy.id).edits] == [{"highrise": True}]


def test_select_by_attribute_and_unknown_ids_are_listed():
    parcels = load_demo().parcels
    expected = sorted(
        parcels.loc[
            (parcels.status == "low_efficiency") & (parcels.park_id == "gaoxin_south"), "parcel_id"
        ]
    )
    with app(PAGE) as (at, maps):
        create(at, "按属性选择")
        at.multiselect(key="scenario_q_status").set_value(["low_efficiency"])
        at.multiselect(key="scenario_q_park").set_value(["gaoxin_south"])
        next(b for b in at.button if b.label == "按属性选择").click().run()
        assert not at.exception
        assert at.session_state["scenario_selection"] == expected
        assert any(f"已选 {len(expected)} 个地块" in m.value for m in at.markdown)
        # drawn on top of the parcels; the table ticks exactly the selection, listed first
        layers = maps.data_layers("scenario_map")
        assert list(layers)[-1] == "已选地块"
        assert at.session_state["scenario_table"]["selection"]["rows"] == list(range(len(expected)))
        table = at.dataframe(key="scenario_table").value
        assert table["地块编号"].tolist()[: len(expected)] == expected
        assert table["已选"].sum() == len(expected)
        # the table's ticks change the map selection: untick all but the first two rows
        at.session_state["scenario_table"] = {"selection": {"rows": [0, 1]}}
        at.run()
        assert at.session_state["scenario_selection"] == expected[:2]
        # add mode: typed ids are added; unknown ones are listed, not ignored
        at.radio(key="scenario_select_mode").set_value("add").run()
        at.text_input(key="scenario_manual_ids").input(f"{expected[5]}，PS99999, 不存在").run()
        at.button(key="scenario_select_manual").click().run()
        assert not at.exception
        assert at.session_state["scenario_selection"] == sorted([*expected[:2], expected[5]])
        warning = " ".join(w.value for w in at.warning)
        assert "PS99999" in warning and "不存在" in warning and "2 个编号" in warning


def test_a_click_replaces_or_adds_and_a_box_takes_the_filter():
    parcels = load_demo().parcels
    a, b = parcels.loc[parcels.park_id == "gaoxin_south"].iloc[[0, 1]].itertuples()

    def event_at(geometry, **extra):
        point = geometry.representative_point()
        return {"last_object_clicked": {"lat": point.y, "lng": point.x}, **extra}

    def reply_with(at, maps, reply):
        with mock.patch("ui.common.st_folium", lambda fig, **kw: (maps(fig, **kw), reply)[1]):
            at.run()

    with app(PAGE) as (at, maps):
        create(at, "点选")
        reply_with(at, maps, event_at(a.geometry))
        assert at.session_state["scenario_selection"] == [a.parcel_id]
        reply_with(at, maps, event_at(b.geometry))  # replace: the other one alone
        assert at.session_state["scenario_selection"] == [b.parcel_id]
        at.radio(key="scenario_select_mode").set_value("add").run()
        reply_with(at, maps, event_at(a.geometry, n=1))
        assert at.session_state["scenario_selection"] == sorted([a.parcel_id, b.parcel_id])
        reply_with(at, maps, event_at(b.geometry, n=2))  # toggled out
        assert at.session_state["scenario_selection"] == [a.parcel_id]
        # a box over 高新南 keeps only the 低效 parcels of the filter, in replace mode
        at.radio(key="scenario_select_mode").set_value("replace").run()
        at.multiselect(key="scenario_box_status").set_value(["low_efficiency"]).run()
        box = shapely.box(114.395, 22.680, 114.410, 22.692)
        drawing = {"type": "Feature", "geometry": shapely.geometry.mapping(box)}
        reply_with(at, maps, {"last_active_drawing": drawing})
        assert not at.exception
        chosen = parcels[parcels.parcel_id.isin(at.session_state["scenario_selection"])]
        touched = parcels[parcels.intersects(box)]
        assert len(chosen) == (touched.status == "low_efficiency").sum() > 0
        assert set(chosen.status) == {"low_efficiency"}


# --------------------------------------------------------------------------- compare tab


def open_compare(at) -> None:
    """Open the 对比 tab (the comparison is computed only while it is open)."""
    at.session_state["scenario_tab"] = "对比" if at.session_state["lang"] == "zh" else "Compare"
    at.run()
    assert not at.exception


def compare_tables(at) -> list:
    """The comparison tables of the 对比 tab (those with an A column), as (frame, config),
    after opening the tab."""
    import json

    open_compare(at)
    found = []
    for d in at.dataframe:
        if any(str(c).startswith(("A：", "A: ")) for c in d.value.columns):
            found.append((d.value, json.loads(d.proto.columns or "{}")))
    return found


def test_compare_tab_shows_only_what_changed_in_readable_units():
    from analysis.indicators import scenario_indicators

    with app(PAGE) as (at, _):
        create(at, "上楼")
        mark_highrise(at, pocket_ids())
        tables = compare_tables(at)
        assert tables
        diff_cols = ("差值 (B−A)", "差值（百分点）")
        n_changed = 0
        for frame, _config in tables:
            diff = next(c for c in frame.columns if c in diff_cols)
            assert (frame[diff].abs() > 0).all(), frame  # only rows that changed
            n_changed += len(frame)
        # The floor-area table is in 万 m² with thousands separators and one decimal.
        gfa, config = next(
            (f, c)
            for f, c in tables
            if "建筑面积增量" in set(f["指标"]) and "全区" in set(f["范围"])
        )
        row = gfa[(gfa["指标"] == "建筑面积增量") & (gfa["范围"] == "全区")].iloc[0]
        baseline = scenario_indicators(load_demo()).capacity.set_index("park_id")
        assert row["A：现状（基础数据）"] == pytest.approx(
            baseline.loc["(district)", "gfa_increment_m2"] / 1e4
        )
        formats = {name: spec.get("type_config", {}).get("format") for name, spec in config.items()}
        assert "%,.1f" in formats.values(), config
        # The cluster table has readable names and no raw codes.
        clusters = next(f for f, _ in tables if "产业集群" in f.columns)
        assert "半导体与集成电路" in " ".join(clusters["产业集群"])
        assert not any(":" in name for name in clusters["产业集群"])
        # The switch shows the unchanged figures too.
        at.toggle(key="scenario_compare_all").set_value(True).run()
        assert not at.exception
        assert sum(len(f) for f, _ in compare_tables(at)) > n_changed


def test_compare_tab_in_english_has_translated_headers():
    with app(PAGE) as (at, _):
        create(at, "high-rise")
        mark_highrise(at, pocket_ids())
        at.session_state["lang"] = "en"
        at.run()
        assert not at.exception
        tables = compare_tables(at)
        headers = {c for f, _ in tables for c in f.columns}
        assert {"Indicator", "Area", "Difference (B−A)", "Cluster"} <= headers
        assert "A: baseline" in headers  # no full-width colon in English
        labels = {v for f, _ in tables if "Indicator" in f.columns for v in f["Indicator"]}
        assert "GFA increment" in labels
        clusters = next(f for f, _ in tables if "Cluster" in f.columns)
        assert "semiconductors and ICs" in set(clusters["Cluster"])
        assert not {"cluster", "value_a", "(fab)", "share"} & headers
