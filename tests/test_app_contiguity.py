"""The 连片分析 page under AppTest."""

import json
import math

from tests.app_harness import app
from ui.static_cache import STATIC_CACHE

PAGE = "ui/contiguity_page.py"


def blocks_on_map(maps) -> dict:
    layer = maps.data_layers("contiguity_map")["连片片区"]
    return json.loads((STATIC_CACHE / layer.url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_default_run_finds_the_three_planned_pockets():
    with app(PAGE) as (at, maps):
        assert not at.exception
        assert int(metric(at, "平方公里级片区")) >= 3
        big = [
            f
            for f in blocks_on_map(maps)["features"]
            if f["properties"]["size_label"].startswith("平方公里级")
        ]
        assert len(big) >= 3
        assert "contiguity_blocks" in at.session_state["results"]


def test_parameters_change_results():
    with app(PAGE) as (at, _):
        before = float(metric(at, "所选用地（公顷）").replace(",", ""))
        m_eff_before = float(metric(at, "有效网格尺寸 m_eff（公顷）").replace(",", ""))
        at.multiselect(key="contiguity_statuses").set_value(["low_efficiency"])
        at.button[0].click().run()  # the form's submit button
        assert not at.exception
        after = float(metric(at, "所选用地（公顷）").replace(",", ""))
        assert after < before
        at.multiselect(key="contiguity_statuses").set_value(
            ["low_efficiency", "reserve", "available"]
        )
        at.slider(key="contiguity_tolerance").set_value(0)
        at.button[0].click().run()
        m_eff_touching = float(metric(at, "有效网格尺寸 m_eff（公顷）").replace(",", ""))
        assert m_eff_touching < m_eff_before  # touching-only splits blocks at every branch road


def test_no_status_selected_is_explained_not_a_crash():
    with app(PAGE) as (at, _):
        at.multiselect(key="contiguity_statuses").set_value([])
        at.button[0].click().run()
        assert not at.exception
        assert at.error and "地块状态" in at.error[0].value


def test_language_switch_keeps_the_parameters():
    with app(PAGE) as (at, _):
        at.radio(key="contiguity_outline").set_value("closed")
        at.multiselect(key="contiguity_statuses").set_value(["low_efficiency"])
        at.button[0].click().run()
        at.radio(key="lang").set_value("en").run()
        assert not at.exception
        assert at.title[0].value == "Contiguous industrial land"
        at.radio(key="lang").set_value("zh").run()
        assert not at.exception
        assert at.radio(key="contiguity_outline").value == "closed"
        assert at.multiselect(key="contiguity_statuses").value == ["low_efficiency"]


def test_block_table_names_blocks_outside_every_park():
    with app(PAGE) as (at, _):
        parks_column = at.dataframe[0].value["涉及园区"]
        assert parks_column.notna().all()
        assert (parks_column == "园区外").sum() >= 2  # the 碧岭北 and 龙田北 pockets


def test_assembly_proposes_a_block_names_the_firms_and_makes_a_scenario(own_workspace):
    from layers.store import GpkgScenarioStore

    with app(PAGE) as (at, _):
        at.selectbox(key="assembly_park").set_value("gaoxin_north")
        at.number_input(key="assembly_target_ha").set_value(40.0)
        at.select_slider(key="assembly_time_limit_s").set_value(30)
        next(b for b in at.button if b.label == "计算整备建议").click().run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        assert any("已证明没有更便宜的整备方案" in c.value for c in at.caption)
        area = next(m for m in at.metric if m.label == "片区面积（公顷）")
        assert float(area.value.replace(",", "")) >= 40.0
        added = int(next(m for m in at.metric if m.label == "需整备地块").value)
        assert added > 0
        assert any("涉及企业" in m.value for m in at.markdown)
        # The parcels to assemble, costliest first, with what stands on them; their costs
        # add up to the total shown, and every affected firm stands on one of them.
        tables = [d.value for d in at.dataframe]
        [table] = [d for d in tables if "现状建筑面积（万 m²）" in d.columns]
        assert len(table) == added
        assert table["成本"].is_monotonic_decreasing
        total = float(metric(at, "整备成本").replace(",", ""))
        assert abs(table["成本"].sum() - total) <= 0.05 + 0.005 * added
        [firms] = [d for d in tables if "所在地块" in d.columns]
        assert set(firms["所在地块"]) <= set(table["地块"])
        counts = firms["所在地块"].value_counts()
        assert table.set_index("地块")["企业（家）"].reindex(counts.index).tolist() == list(counts)
        at.button(key="assembly_to_scenario").click().run()
    store = GpkgScenarioStore(own_workspace / "scenarios.gpkg")
    [info] = store.list()
    scenario = store.open(info.id)
    assert "整备建议" in scenario.name
    assert scenario.edits[0].attributes == {"status": "reserve"}
    assert "整备建议" in scenario.description and "跨越主干道" not in scenario.description
    assert len(scenario.edits[0].parcel_ids) == added


def test_an_unreachable_assembly_target_names_the_largest_reachable_area():
    with app(PAGE) as (at, _):
        at.selectbox(key="assembly_park").set_value("gaoxin_north")
        at.number_input(key="assembly_target_ha").set_value(500.0)
        next(b for b in at.button if b.label == "计算整备建议").click().run()
        assert not at.exception
        assert any("最多只能连成" in e.value for e in at.error)


def test_a_gap_left_by_a_short_time_limit_says_more_time_may_prove_the_minimum():
    from analysis.assembly import Assembly
    from ui.assembly_section import TIME_LIMITS_S, _outcome_note

    gap = Assembly(("P1", "P2"), ("P2",), 60.0, 8.0, False, 0.25, "exact", 10.0)
    note = _outcome_note(gap, TIME_LIMITS_S[0])
    assert "最优成本至少为其 75.0%（差距 25.0%）" in note
    assert "延长到3 分钟再算一次" in note
    # At the longest limit on offer, or once proven, there is nothing more to suggest.
    assert "延长" not in _outcome_note(gap, TIME_LIMITS_S[-1])
    proven = Assembly(("P1", "P2"), ("P2",), 60.0, 8.0, True, 0.0, "exact", 2.0)
    assert "延长" not in _outcome_note(proven, TIME_LIMITS_S[0])
    heuristic = Assembly(("P1", "P2"), ("P2",), 60.0, 8.0, False, math.nan, "heuristic", 2.0)
    assert "延长" not in _outcome_note(heuristic, TIME_LIMITS_S[0])


def test_parcels_to_assemble_are_coloured_darker_the_more_they_cost():
    import numpy as np

    from ui import maps
    from ui.assembly_section import _cost_classes

    costs = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 12.0, 12.0])
    colors, legend = _cost_classes(costs)
    assert colors[0] == maps.NO_VALUE_COLOR
    shade = [maps.SEQUENTIAL.index(c) for c in colors[1:]]
    assert shade == sorted(shade) and shade[0] < shade[-1]
    assert colors[-1] == colors[-2]
    # Every colour on the map has its legend entry, and the legend names no other.
    assert {c for c, _ in legend} == set(colors)
    assert any("成本为 0" in text for _, text in legend)
    # One parcel: one class, no empty classes in the legend.
    one_colors, one_legend = _cost_classes(np.array([5.0]))
    assert len(one_legend) == 1 and one_legend[0][0] == one_colors[0]
