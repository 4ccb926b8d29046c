"""Rebasing after a refused save, per-edit authors through the store and the exchange,
unique scenario names; the store tests run on every backend (the ``store`` fixture)."""

from __future__ import annotations

import pytest

from geo.errors import InputError
from layers import scenario as sc
from layers.exchange import scenario_from_geojson, scenario_to_geojson
from layers.store import VERSION_CONFLICT, unique_scenario_name
from tests.test_scenario import layers  # noqa: F401  (fixture)


def test_saved_edit_count_follows_edits_undo_and_saves(store):
    draft = sc.new_scenario("草稿").with_edit(sc.remove_parcel("P1"))
    assert draft.saved_edit_count == 0 and len(draft.unsaved_edits) == 1
    saved = store.save(draft)
    assert (saved.version, saved.saved_edit_count, saved.unsaved_edits) == (1, 1, ())
    assert store.open(saved.id).saved_edit_count == 1
    more = saved.with_edit(sc.remove_parcel("P2"))
    assert more.unsaved_edits == (more.edits[1],)
    assert more.undo().saved_edit_count == 1
    assert more.without_edit(0).saved_edit_count == 0
    with pytest.raises(InputError):
        sc.Scenario(id="x", name="x", saved_edit_count=2)


def test_a_refused_save_is_rebased_and_saved(store, layers):  # noqa: F811
    v1 = store.save(
        sc.new_scenario("坪山", author="张工").with_edit(
            sc.set_attributes("P4", status="available", author="张工")
        )
    )
    copy_a, copy_b = store.open(v1.id), store.open(v1.id)
    a_edits = (
        sc.remove_parcel("P2", author="甲"),
        sc.set_attributes("P1", status="reserve", author="甲"),
    )
    for edit in a_edits:
        copy_a = copy_a.with_edit(edit)
    saved_a = store.save(copy_a)
    b_edits = (
        sc.set_attributes("P3", highrise=True, author="乙"),
        sc.set_attributes("P2", far_target=4.0, author="乙"),
        sc.set_attributes(["P3"], far_target=3.5, author="乙"),
    )
    for edit in b_edits:
        copy_b = copy_b.with_edit(edit)
    with pytest.raises(InputError) as refused:
        store.save(copy_b)
    assert refused.value.code == VERSION_CONFLICT
    assert "其他人" in str(refused.value)

    result = sc.rebase(copy_b, store.open(v1.id), copy_b.version, layers)
    assert result.scenario.version == saved_a.version == 2
    assert result.replayed == (b_edits[0], b_edits[2])
    [conflict] = result.conflicts
    assert conflict.index == 2 and conflict.edit == b_edits[1] and conflict.dropped
    assert "P2" in conflict.zh and "已不存在" in conflict.zh and "no longer exist" in conflict.en
    assert result.dropped == (b_edits[1],)
    assert result.scenario.unsaved_edits == result.replayed

    saved_b = store.save(result.scenario)
    assert saved_b.version == 3
    back = store.open(v1.id)
    assert back.edits == (v1.edits[0], *a_edits, b_edits[0], b_edits[2])
    assert [e.author for e in back.edits] == ["张工", "甲", "甲", "乙", "乙"]
    applied = sc.apply(back, layers)
    assert applied.problems == ()
    parcels = applied.parcels.set_index("parcel_id")
    assert "P2" not in parcels.index
    assert parcels.loc["P1", "status"] == "reserve"
    assert bool(parcels.loc["P3", "highrise"]) and parcels.loc["P3", "far_target"] == 3.5


def test_an_edit_that_applies_in_part_is_kept_and_listed(layers):  # noqa: F811
    stored = sc.Scenario(id="s", name="s", version=2, edits=(sc.remove_parcel("P2"),))
    stored = stored.with_saved(2)
    mine = sc.Scenario(id="s", name="s", version=1).with_edit(
        sc.set_attributes(["P2", "P3"], status="reserve")
    )
    result = sc.rebase(mine, stored, None, layers)
    [conflict] = result.conflicts
    assert not conflict.dropped and result.replayed == mine.edits
    assert result.scenario.edits == (*stored.edits, *mine.edits)


def test_a_taken_id_is_a_conflict(layers):  # noqa: F811
    merge = sc.merge_parcels(["P3", "P4"])
    stored = sc.Scenario(id="s", name="s", edits=(merge,)).with_saved(2)
    mine = sc.Scenario(id="s", name="s", version=1).with_edit(sc.merge_parcels(["P4", "P3"]))
    result = sc.rebase(mine, stored, 1, layers)
    assert result.replayed == () and result.conflicts[0].dropped


def test_rebase_refuses_another_scenario_or_an_older_version(layers):  # noqa: F811
    mine = sc.Scenario(id="a", name="a", version=3)
    with pytest.raises(InputError, match="不是情景"):
        sc.rebase(mine, sc.Scenario(id="b", name="b", version=4), 3, layers)
    with pytest.raises(InputError, match="早于"):
        sc.rebase(mine, sc.Scenario(id="a", name="a", version=2), 3, layers)


def test_save_as_new_keeps_my_edits_not_the_stored_ones(store):
    v1 = store.save(sc.new_scenario("方案").with_edit(sc.remove_parcel("P4")))
    copy_a, copy_b = store.open(v1.id), store.open(v1.id)
    store.save(copy_a.with_edit(sc.remove_parcel("P2", author="甲")))
    mine = copy_b.with_edit(sc.set_attributes("P3", highrise=True, author="乙"))
    with pytest.raises(InputError):
        store.save(mine)
    kept = store.save_as_new(mine)
    assert kept.id != v1.id and kept.name == "方案 (2)"
    assert store.open(kept.id).edits == mine.edits
    assert store.open(kept.id).edits[-1].author == "乙"


# --- who made each edit -----------------------------------------------------------------


def shared() -> sc.Scenario:
    return (
        sc.new_scenario("共享方案", author="张工")
        .with_edit(sc.set_attributes("P1", status="reserve", author="李工"))
        .with_edit(sc.remove_parcel("P2", author="王工"))
        .with_edit(sc.merge_parcels(["P3", "P4"], author="赵工"))
    )


def test_with_edit_keeps_each_edits_own_author():
    assert [e.author for e in shared().edits] == ["李工", "王工", "赵工"]


def test_the_store_keeps_per_edit_authors_and_times(store):
    scenario = shared()
    back = store.open(store.save(scenario).id)
    assert back.author == "张工"
    assert [(e.author, e.created_at) for e in back.edits] == [
        (e.author, e.created_at) for e in scenario.edits
    ]
    copy = store.duplicate(back.id, author="钱工")
    assert copy.author == "钱工"
    assert [e.author for e in store.open(copy.id).edits] == ["李工", "王工", "赵工"]


def test_the_geojson_exchange_keeps_per_edit_authors():
    scenario = shared()
    back = scenario_from_geojson(scenario_to_geojson(scenario))
    assert back.author == "张工"
    assert [(e.author, e.created_at) for e in back.edits] == [
        (e.author, e.created_at) for e in scenario.edits
    ]
    assert back.saved_edit_count == 0


# --- unique names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("方案", [], "方案"),
        ("方案", ["方案"], "方案 (2)"),
        ("方案", ["方案", "方案 (2)"], "方案 (3)"),
        ("方案 (2)", ["方案", "方案 (2)"], "方案 (3)"),
        ("Plan", ["plan "], "Plan (2)"),
        ("长" * 200, ["长" * 200], "长" * 196 + " (2)"),
    ],
)
def test_unique_scenario_name(name, taken, expected):
    assert unique_scenario_name(name, taken) == expected


def test_created_duplicated_imported_and_renamed_names_are_unique(store):
    first = store.save(sc.new_scenario("高新南"))
    second = store.save(sc.new_scenario("高新南"))
    assert second.name == "高新南 (2)"
    assert store.duplicate(first.id, name="高新南").name == "高新南 (3)"
    assert store.duplicate(first.id).name == "高新南（副本）"
    assert store.duplicate(first.id).name == "高新南（副本） (2)"
    imported = store.save(scenario_from_geojson(scenario_to_geojson(first)))
    assert imported.name == "高新南 (4)"
    renamed = store.rename(second.id, "高新南", expected_version=second.version)
    assert renamed.name == "高新南 (2)"  # its own name back: still unique
    again = store.save(store.open(first.id))  # a plain save keeps the name
    assert again.name == "高新南"
    names = [info.name for info in store.list()]
    assert len(names) == len(set(names))


def test_list_shows_the_stored_version_and_edit_count(store):
    saved = store.save(sc.new_scenario("计数").with_edit(sc.remove_parcel("P1")))
    saved = store.save(saved.with_edit(sc.remove_parcel("P2")))
    [info] = store.list()
    assert (info.version, info.edit_count) == (2, 2)
