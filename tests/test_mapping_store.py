"""Saved field mappings: named JSON files in the workspace, offered for files with the same headers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from geo.errors import InputError
from layers.mapping import (
    MAPPINGS_FOLDER,
    delete_mapping,
    list_mappings,
    load_mapping,
    mappings_for,
    propose_mapping,
    save_mapping,
)
from layers.workspace import WORKSPACE_ENV

HEADERS = ["地块编号", "现状", "用地性质", "用地面积", "建筑面积"]


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv(WORKSPACE_ENV, str(tmp_path))
    return tmp_path


def survey_mapping():
    frame = pd.DataFrame(
        {
            "地块编号": ["A"],
            "现状": ["荒地"],
            "用地性质": ["工业用地(M1)"],
            "用地面积": [1.0],
            "建筑面积": [2.0],
        }
    )
    return (
        propose_mapping(frame, "parcels")
        .with_value("status", "荒地", "available")
        .with_fill("density_zone", 3)
        .with_derive("parcel_id")
    )


def test_a_saved_mapping_is_offered_for_the_next_file_with_the_same_headers(workspace):
    mapping = survey_mapping()
    saved = save_mapping("2025 现状调查", mapping, HEADERS)
    assert list_mappings() == ["2025 现状调查"]
    loaded = load_mapping("2025 现状调查")
    assert loaded.mapping == mapping
    assert loaded.headers == saved.headers == tuple(sorted(HEADERS))
    assert loaded.mapping.values["status"]["荒地"] == "available"
    assert loaded.mapping.fills == {"density_zone": 3}

    matches, problems = mappings_for(list(reversed(HEADERS)), "parcels")
    assert [m.name for m in matches] == ["2025 现状调查"] and problems == []
    assert mappings_for([*HEADERS, "备注"], "parcels") == ([], [])
    assert mappings_for(HEADERS, "enterprises") == ([], [])
    # Written in one step: nothing but the file itself is left in the folder.
    assert [p.name for p in (workspace / MAPPINGS_FOLDER).iterdir()] == ["2025 现状调查.json"]


def test_saving_again_replaces_and_delete_removes(workspace):
    save_mapping("a", survey_mapping(), HEADERS)
    save_mapping("a", survey_mapping().with_fill("density_zone", 4), HEADERS)
    assert load_mapping("a").mapping.fills["density_zone"] == 4
    delete_mapping("a")
    assert list_mappings() == []
    delete_mapping("a")  # nothing to delete is not an error


@pytest.mark.parametrize("name", ["", "  ", "../x", "a/b", "a\\b", "a:b", ".hidden", "x" * 61, 5])
def test_names_are_validated(workspace, name):
    with pytest.raises(InputError, match="名称"):
        save_mapping(name, survey_mapping(), HEADERS)


def test_a_damaged_file_is_reported_not_a_crash(workspace):
    save_mapping("good", survey_mapping(), HEADERS)
    folder = workspace / MAPPINGS_FOLDER
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    document = json.loads((folder / "good.json").read_text(encoding="utf-8"))
    document["columns"]["no_such_field"] = "x"
    (folder / "odd.json").write_text(json.dumps(document), encoding="utf-8")
    (folder / "list.json").write_text("[1, 2]", encoding="utf-8")
    assert list_mappings() == ["broken", "good", "list", "odd"]
    for name in ("broken", "odd", "list"):
        with pytest.raises(InputError, match="已损坏"):
            load_mapping(name)
    matches, problems = mappings_for(HEADERS, "parcels")
    assert [m.name for m in matches] == ["good"]
    assert len(problems) == 3 and all("已损坏" in p and "damaged" in p for p in problems)


def test_a_missing_mapping_is_an_input_error(workspace):
    with pytest.raises(InputError, match="没有名为"):
        load_mapping("nope")


def test_an_unwritable_workspace_says_what_to_do(workspace):
    (workspace / MAPPINGS_FOLDER).write_text("a file where the folder should be")
    with pytest.raises(InputError) as err:
        save_mapping("a", survey_mapping(), HEADERS)
    text = str(err.value)
    assert "无法保存" in text and WORKSPACE_ENV in text and "writable" in text
    assert list_mappings() == []
