"""整备建议 on the 连片分析 page under AppTest: the solver's outcome said plainly, and the
largest reachable block (and why) when the target is out of reach — in either language."""

import re

from tests.app_harness import app

PAGE = "ui/contiguity_page.py"
CJK = re.compile(r"[\u4e00-\u9fff]")


def propose(at, park: str, target_ha: float, button: str) -> None:
    at.selectbox(key="assembly_park").set_value(park)
    at.number_input(key="assembly_target_ha").set_value(target_ha)
    next(b for b in at.button if b.label == button).click().run()
    assert not at.exception, at.exception


def test_the_page_says_the_proposal_is_proven_minimal_and_how_long_it_took():
    with app(PAGE) as (at, _):
        propose(at, "gaoxin_north", 60.0, "计算整备建议")
        solved = next(m for m in at.metric if m.label == "求解")
        assert solved.value == "已证明最优"
        note = next(c.value for c in at.caption if "精确求解" in c.value)
        assert re.search(r"用时 \d+\.\d 秒", note)


def test_in_english_the_unreachable_target_names_the_largest_block_and_why():
    with app(PAGE, lang="en") as (at, _):
        propose(at, "gaoxin_north", 100.0, "Propose an assembly")
        # Input errors are bilingual in both modes (Chinese first), Markdown-escaped.
        [error] = [e.value.replace("\\", "") for e in at.error]
        assert "最多只能连成 70.9 公顷" in error
        assert "at most 70.9 ha" in error and "100.0 ha target" in error
        assert "separate groups" in error and "wider than 20 m" in error
        assert "even with the excluded statuses the largest block would be 77.6 ha" in error
        # Within reach, the English outcome carries no Chinese either.
        propose(at, "gaoxin_north", 60.0, "Propose an assembly")
        assert next(m for m in at.metric if m.label == "Solved").value == "proven minimal"
        note = next(c.value for c in at.caption if "Solved exactly" in c.value)
        assert not CJK.search(note)


def test_across_trunk_roads_the_100_ha_target_is_reached_and_becomes_a_scenario(own_workspace):
    from layers.store import GpkgScenarioStore

    with app(PAGE) as (at, _):
        # Off: trunk roads are barriers, the target is out of reach, and the page says the
        # option would reach it.
        propose(at, "gaoxin_north", 100.0, "计算整备建议")
        [error] = [e.value.replace("\\", "") for e in at.error]
        assert "最多只能连成 70.9 公顷" in error
        [hint] = [i.value for i in at.info if "跨越主干道整备" in i.value]
        assert "839.9 公顷" in hint
        assert not [m for m in at.metric if m.label == "片区面积（公顷）"]
        # On: one block of at least 100 ha, turned into a scenario with one click.
        at.checkbox(key="assembly_across_trunk").check()
        propose(at, "gaoxin_north", 100.0, "计算整备建议")
        assert not at.error
        area = next(m for m in at.metric if m.label == "片区面积（公顷）")
        assert float(area.value.replace(",", "")) >= 100.0
        added = int(next(m for m in at.metric if m.label == "需整备地块").value)
        assert added > 0
        at.button(key="assembly_to_scenario").click().run()
        assert not at.exception, at.exception
    [info] = GpkgScenarioStore(own_workspace / "scenarios.gpkg").list()
    scenario = GpkgScenarioStore(own_workspace / "scenarios.gpkg").open(info.id)
    assert "整备建议" in scenario.name and "100" in scenario.name
    assert len(scenario.edits[0].parcel_ids) == added


def test_in_english_the_option_and_its_hint_carry_no_chinese():
    with app(PAGE, lang="en") as (at, _):
        propose(at, "gaoxin_north", 100.0, "Propose an assembly")
        [hint] = [i.value for i in at.info if "Assemble across trunk roads" in i.value]
        assert "839.9 ha" in hint and not CJK.search(hint)
        assert at.checkbox(key="assembly_across_trunk").label == "Assemble across trunk roads"
        [note] = [c.value for c in at.caption if "widest trunk road" in c.value]
        assert "60 m" in note and not CJK.search(note)
