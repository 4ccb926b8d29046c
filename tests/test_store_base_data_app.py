"""Base-data versions on the pages (AppTest): the data page records the active imported
layers as a named version; the 情景规划 page says which version a scenario was built on and
how many of its edits no longer apply on the newest."""

from __future__ import annotations

import dataclasses

from layers import scenario as sc
from layers.catalog import load_demo
from layers.store import GpkgScenarioStore
from tests.app_harness import app


def plain(text: str) -> str:
    """An element's text without the backslashes md_escape adds."""
    return text.replace("\\", "")


def test_the_scenario_page_names_the_version_and_counts_what_no_longer_applies(own_workspace):
    store = GpkgScenarioStore(own_workspace / "scenarios.gpkg")
    store.record_base_data("2024 年现状调查", "c2024")
    plan = store.save(
        sc.new_scenario("旧方案")
        .with_edit(sc.remove_parcel("PS00001"))
        .with_edit(sc.remove_parcel("GONE-2024"))  # not in the current (demo) parcels
    )
    store.record_base_data("2025 年现状调查", "c2025")
    with app("ui/scenario_page.py", query={"scenario": plan.id}) as (at, _):
        assert not at.exception
        notes = [plain(i.value) for i in at.info]
        assert any(
            "此情景基于「2024 年现状调查」编制，当前基础数据版本为「2025 年现状调查」" in n
            and "1 项编辑不再完全适用" in n
            for n in notes
        ), notes
        assert any("GONE-2024" in plain(w.value) for w in at.warning)
    current = store.save(sc.new_scenario("新方案"))
    with app("ui/scenario_page.py", lang="en", query={"scenario": current.id}) as (at, _):
        assert not at.exception
        assert "Base-data version: 2025 年现状调查" in [plain(c.value) for c in at.caption]
        assert not any("built on" in i.value for i in at.info)


def test_the_data_page_records_imported_layers_as_a_version(own_workspace):
    imported = dataclasses.replace(load_demo(), is_demo=False)
    with app("ui/data_page.py") as (at, _):
        assert not at.exception
        assert not any(t.key == "base_data_name" for t in at.text_input)  # demo: no form
        at.session_state["layers"] = imported
        at.run()
        at.text_input(key="base_data_name").input("2025 年现状调查")
        next(b for b in at.button if b.label == "记录为基础数据版本").click().run()
        assert not at.exception
        assert any("已记录基础数据版本「2025 年现状调查」" in plain(s.value) for s in at.success)
        at.text_input(key="base_data_name").input("2025 年现状调查")
        next(b for b in at.button if b.label == "记录为基础数据版本").click().run()
        assert any("已有名为「2025 年现状调查」" in plain(e.value) for e in at.error)
    [version] = GpkgScenarioStore(own_workspace / "scenarios.gpkg").base_data_versions()
    assert (version.name, version.content_id) == ("2025 年现状调查", imported.content_id)
