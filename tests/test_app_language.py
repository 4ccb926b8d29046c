"""Language: in English the 情景规划, 连片分析 and 数据 pages show no Chinese (units aside) in
their visible text — titles, text, captions, alerts, widget labels and options, tabs,
expanders, metrics and table headers — and switching the language keeps every widget's
value. The language switch itself (语言 Language · 中文 / English) is bilingual on purpose.
"""

from __future__ import annotations

import re

import pytest

from tests.app_harness import app
from tests.test_app_scenario import PAGE, open_compare, pocket_ids

#: Han characters and CJK punctuation (full-width forms included).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
#: Texts that are bilingual on purpose (the language switch).
BILINGUAL = {"语言 Language", "中文"}


def _texts(at) -> list[tuple[str, str]]:
    """(where, text) of everything the page shows as text."""
    out: list[tuple[str, str]] = []

    def add(kind, values):
        for v in values:
            if v is not None and str(v) not in BILINGUAL:
                out.append((kind, str(v)))

    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
    ):
        add(kind, [e.value for e in getattr(at, kind)])
    for kind in (
        "button",
        "checkbox",
        "toggle",
        "text_input",
        "number_input",
        "text_area",
        "date_input",
        "slider",
        "select_slider",
    ):
        add(kind, [e.label for e in getattr(at, kind)])
    for kind in ("radio", "selectbox", "multiselect"):
        for e in getattr(at, kind):
            if e.label in BILINGUAL:
                continue
            add(kind, [e.label])
            add(f"{kind} option", e.options)
    add("tab", [e.label for e in at.tabs])
    add("expander", [e.label for e in at.expander])
    for e in at.metric:
        add("metric", [e.label, e.value])
    for e in at.dataframe:
        add("table header", [str(c) for c in e.value.columns])
    for e in at.get("download_button"):
        add("download", [getattr(e, "label", None) or e.proto.label])
    return out


def _chinese(at) -> list[tuple[str, str]]:
    return [(k, v) for k, v in _texts(at) if CJK.search(v)]


@pytest.fixture
def workspace(own_workspace):
    return own_workspace


def test_scenario_page_in_english_has_no_chinese(workspace):
    with app(PAGE, lang="en") as (at, _):
        at.text_input(key="scenario_new_name").input("High-rise pocket")
        next(b for b in at.button if b.label == "Create").click().run()
        assert not at.exception
        at.session_state["scenario_selection"] = pocket_ids()[:3]
        at.run()
        at.selectbox(key="scenario_highrise").set_value(True)
        next(b for b in at.button if b.label == "Apply to the selection").click().run()
        assert len(at.session_state["scenario_draft"].edits) == 1
        at.session_state["scenario_selection"] = pocket_ids()[:2]
        open_compare(at)  # the comparison is drawn while its tab is open
        assert any("Difference (B−A)" in d.value.columns for d in at.dataframe)
        found = _chinese(at)
        assert found == [], "\n".join(f"{k}: {v}" for k, v in found)


def test_contiguity_page_in_english_has_no_chinese():
    with app("ui/contiguity_page.py", lang="en") as (at, _):
        assert not at.exception
        found = _chinese(at)
        assert found == [], "\n".join(f"{k}: {v}" for k, v in found)


def test_data_page_in_english_has_no_chinese():
    with app("ui/data_page.py", lang="en") as (at, _):
        assert not at.exception
        found = _chinese(at)
        assert found == [], "\n".join(f"{k}: {v}" for k, v in found)


def test_a_chinese_page_has_chinese_and_the_check_can_fail():
    with app(PAGE, lang="zh") as (at, _):
        assert _chinese(at)


def test_switching_the_language_keeps_every_widget_value(workspace):
    parks = ["gaoxin_south"]
    with app(PAGE) as (at, _):
        at.text_input(key="scenario_new_name").input("切换语言")
        next(b for b in at.button if b.label == "创建").click().run()
        at.text_input(key="scenario_editor").input("李规划")
        at.radio(key="scenario_select_mode").set_value("add")
        at.multiselect(key="scenario_box_status").set_value(["low_efficiency"])
        at.multiselect(key="scenario_box_park").set_value(parks)
        at.multiselect(key="scenario_q_park").set_value(parks)
        at.number_input(key="scenario_q_area_min").set_value(0.5)
        at.selectbox(key="scenario_q_highrise").set_value(False)
        at.selectbox(key="scenario_status").set_value("available")
        at.selectbox(key="scenario_highrise").set_value(True)
        at.number_input(key="scenario_far").set_value(3.5)
        at.checkbox(key="scenario_table_only").check()
        at.run()
        assert not at.exception
        before = _values(at)
        assert before[("radio", "scenario_select_mode")] == "add"
        assert before[("multiselect", "scenario_box_park")] == parks
        assert before[("text_input", "scenario_editor")] == "李规划"
        at.radio(key="lang").set_value("en").run()
        assert not at.exception
        assert at.title[0].value == "Scenario planning"
        assert _values(at) == before
        assert at.radio(key="scenario_select_mode").index is not None
        at.radio(key="lang").set_value("zh").run()
        assert _values(at) == before


def _values(at) -> dict:
    keys = {
        "text_input": ["scenario_editor"],
        "radio": ["scenario_mode", "scenario_select_mode"],
        "multiselect": ["scenario_box_status", "scenario_box_park", "scenario_q_park"],
        "number_input": ["scenario_q_area_min", "scenario_far"],
        "selectbox": ["scenario_q_highrise", "scenario_status", "scenario_highrise"],
        "checkbox": ["scenario_table_only"],
    }
    return {
        (kind, key): getattr(at, kind)(key=key).value
        for kind, names in keys.items()
        for key in names
    }


@pytest.mark.parametrize("page", ["ui/contiguity_page.py", "ui/data_page.py"])
def test_switching_the_language_keeps_the_widgets_of_other_pages(page):
    with app(page) as (at, _):
        before = _all_values(at)
        assert before
        at.radio(key="lang").set_value("en").run()
        assert not at.exception
        assert _all_values(at) == before
        at.radio(key="lang").set_value("zh").run()
        assert _all_values(at) == before


def _all_values(at) -> dict:
    kinds = (
        "radio",
        "selectbox",
        "multiselect",
        "number_input",
        "text_input",
        "checkbox",
        "toggle",
        "slider",
        "select_slider",
    )
    keys = {
        e.key
        for kind in kinds
        for e in getattr(at, kind)
        if e.key and e.key != "lang" and not e.key.startswith("$$")
    }
    return {key: at.session_state[key] for key in keys if key in at.session_state}
