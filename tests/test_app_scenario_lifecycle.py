"""情景规划 lifecycle in AppTest: new, duplicate and import open what they created (and the
新建 popover closes); unsaved edits come back after a refresh (a new session with the same
address); a saved or reverted working copy leaves no draft behind."""

from __future__ import annotations

import pytest

from layers.exchange import scenario_to_geojson
from layers.scenario import new_scenario
from layers.store import GpkgScenarioStore
from tests.app_harness import app
from tests.test_app_scenario import PAGE, create, mark_highrise, pocket_ids

DRAFTS = "drafts"


@pytest.fixture
def workspace(own_workspace):
    """The test's own workspace folder (set for every test by tests/conftest.py)."""
    return own_workspace


def opened(at) -> str:
    """Name of the working copy and the scenario the open box shows."""
    draft = at.session_state["scenario_draft"]
    assert at.selectbox(key="scenario_choice").value == draft.id
    return draft.name


def test_new_opens_the_new_scenario_and_closes_the_popover(workspace):
    with app(PAGE) as (at, _):
        create(at, "第一个")
        assert opened(at) == "第一个"
        assert at.session_state["scenario_new_popover"] is False
        create(at, "第二个")  # while the first is open
        assert opened(at) == "第二个"
        at.run()  # and it stays open on the next run
        assert opened(at) == "第二个"
        assert at.session_state["scenario_new_popover"] is False


def test_duplicate_opens_the_copy(workspace):
    with app(PAGE) as (at, _):
        create(at, "原情景")
        at.button(key="scenario_duplicate").click().run()
        assert not at.exception
        assert opened(at) == "原情景（副本）"
        at.run()
        assert opened(at) == "原情景（副本）"
    names = sorted(i.name for i in GpkgScenarioStore(workspace / "scenarios.gpkg").list())
    assert names == ["原情景", "原情景（副本）"]


def test_import_opens_the_imported_scenario(workspace):
    text = scenario_to_geojson(new_scenario("导入的情景", author="王"))
    with app(PAGE) as (at, _):
        create(at, "已有情景")
        at.file_uploader(key="scenario_import").set_value(
            ("s.geojson", text.encode("utf-8"), "application/geo+json")
        ).run()
        at.button(key="scenario_import_button").click().run()
        assert not at.exception
        assert opened(at) == "导入的情景"
        assert at.session_state["scenario_new_popover"] is False


def test_unsaved_edits_come_back_after_a_refresh(workspace):
    ids = pocket_ids()[:3]
    with app(PAGE) as (at, _):
        create(at)
        mark_highrise(at, ids)
        draft = at.session_state["scenario_draft"]
        token = at.query_params["draft"]
        scenario = at.query_params["scenario"]
        assert len(draft.unsaved_edits) == 1
        assert (workspace / DRAFTS / f"{token}.json").exists()
    # a refresh: a new session with the same address
    query = {"scenario": scenario, "draft": token}
    with app(PAGE, query=query) as (at, _):
        back = at.session_state["scenario_draft"]
        assert back.id == draft.id and back.version == draft.version
        assert [set(e.parcel_ids) for e in back.unsaved_edits] == [set(ids)]
        assert back.unsaved_edits[0].attributes == {"highrise": True}
        assert any("已恢复" in i.value for i in at.info), [i.value for i in at.info]
        assert any("未保存" in w.value for w in at.warning)
        at.button(key="scenario_save").click().run()
        assert not at.exception
        assert not (workspace / DRAFTS / f"{token}.json").exists()
    # saved: a later refresh opens the stored version, with nothing to restore
    with app(PAGE, query=query) as (at, _):
        again = at.session_state["scenario_draft"]
        assert again.version == 2 and not again.unsaved_edits
        assert not any("已恢复" in i.value for i in at.info)


def test_a_draft_of_another_scenario_or_a_bad_token_is_ignored(workspace):
    with app(PAGE) as (at, _):
        create(at, "甲")
        mark_highrise(at, pocket_ids()[:1])
        token = at.query_params["draft"]
        first = at.query_params["scenario"]
        create(at, "乙")
        second = at.query_params["scenario"]
    assert first != second
    with app(PAGE, query={"scenario": second, "draft": token}) as (at, _):
        assert at.session_state["scenario_draft"].name == "乙"
        assert not at.session_state["scenario_draft"].edits
    with app(PAGE, query={"scenario": first, "draft": "../../etc/passwd"}) as (at, _):
        assert at.session_state["scenario_draft"].name == "甲"
        assert at.query_params["draft"] != "../../etc/passwd"
