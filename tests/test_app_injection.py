"""Hostile names never render: every page with layers and scenarios whose names are
Markdown images, links, bare addresses, HTML, emphasis, LaTeX and icon shortcodes.

Each page is run under AppTest with such layers (kept as an import and named in the
address, as a shared link would) and the Markdown source of every element that renders
Markdown is checked: the names appear escaped (:func:`ui.common.md_escape`), never raw;
no page uses st.table (it renders cells as Markdown); the tables show the names as text.
The browser half (nothing fetched from outside, the text visible literally) is in
tests/e2e/test_injection_browser.py.
"""

from __future__ import annotations

import pytest

from layers.store import GpkgScenarioStore
from tests.app_harness import (
    PAYLOADS,
    RAW_MARKERS,
    app,
    hostile,
    hostile_layers,
    hostile_scenario,
    markdown_texts,
)
from ui.common import WORD_JOINER, md_escape
from ui.imports import save_imported_layers

PAGES = (
    "ui/overview_page.py",
    "ui/contiguity_page.py",
    "ui/capacity_page.py",
    "ui/clusters_page.py",
    "ui/scenario_page.py",
    "ui/data_page.py",
)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("![x](http://example.invalid/x.png)", r"\!\[x\]\(http\:{J}//example\.invalid/x\.png\)"),
        ("<img src=x onerror=alert(1)>", r"\<img src\=x onerror\=alert\(1\)\>"),
        ("**bold** _it_ `code`", r"\*\*bold\*\* \_it\_ \`code\`"),
        ("$x$ &lt; # h | t ~s~", r"\$x\$ \&lt; \# h \| t \~s\~"),
        (":red[r] :material/home:", r"\:red\[r\] \:{J}material/home\:"),
        ("www.example.invalid a@b.invalid", r"www{J}\.example\.invalid a@{J}b\.invalid"),
        ("line one\nline two", "line one  \nline two"),
    ],
)
def test_md_escape_escapes_markdown_and_breaks_autolinks(text, escaped):
    """``{J}``: the invisible word joiner that breaks what Streamlit links or turns into
    icons after escapes are resolved (checked in a browser by the e2e test)."""
    assert md_escape(text) == escaped.replace("{J}", WORD_JOINER)


def test_md_escape_leaves_plain_text_alone():
    assert md_escape("高新南片区 12 公顷, 3/4 done") == "高新南片区 12 公顷, 3/4 done"


def assert_no_raw_markdown(at, where: str) -> None:
    assert not at.exception, where
    for text in markdown_texts(at):
        for marker in RAW_MARKERS:
            assert not marker.search(text), f"{where}: {marker.pattern} rendered raw in {text!r}"
    assert not at.get("table"), f"{where}: st.table renders its cells as Markdown"


@pytest.fixture
def hostile_import(own_workspace) -> str:
    """The hostile layers kept as an import; returns its id (for ``?data=``)."""
    return save_imported_layers(hostile_layers())


@pytest.mark.parametrize("page", PAGES)
def test_hostile_layer_names_render_literally(page, hostile_import, own_workspace):
    layers = hostile_layers()
    ids = layers.parcels.parcel_id.head(3).tolist()
    scenario = hostile_scenario(GpkgScenarioStore(own_workspace / "scenarios.gpkg"), ids)
    query = {"data": hostile_import, "scenario": scenario.id}
    with app(page, query=query, timeout=180) as (at, _):
        assert at.session_state["layers"].parks.name.iloc[0] == hostile(0)
        assert_no_raw_markdown(at, page)
        texts = "\n".join(markdown_texts(at))
        frames = [d.value for d in at.dataframe]
        if page == "ui/scenario_page.py":
            assert md_escape(hostile(3)) in texts  # the name, as the subheader
            assert md_escape(hostile(5)) in texts  # the description, as a caption
            assert md_escape(hostile(7)) in texts  # the edit's note, in the edit list
        if page == "ui/contiguity_page.py":
            assert any(md_escape(hostile(i)) in texts for i in range(4))  # km² block parks
        if page in ("ui/overview_page.py", "ui/capacity_page.py", "ui/clusters_page.py"):
            shown = {str(v) for f in frames for v in [*f.index, *f.columns, *f.to_numpy().ravel()]}
            assert any(p in value for value in shown for p in PAYLOADS), page


def test_hostile_file_and_column_names_render_literally(own_workspace):
    from tests.test_app_data import demo_parcels_file, upload

    gdf, _ = demo_parcels_file(n=5)
    gdf = gdf.assign(**{PAYLOADS[0]: 1, PAYLOADS[3]: "<b>x</b>"})
    gdf["name"] = [hostile(i) for i in range(len(gdf))]
    with app("ui/data_page.py", timeout=120) as (at, _):
        upload(at, f"{PAYLOADS[1]}.geojson", gdf.to_json().encode())
        assert_no_raw_markdown(at, "data page, pending import")
        assert any(md_escape(PAYLOADS[1]) in s.value for s in at.success)
        table = at.dataframe[0].value
        assert PAYLOADS[0] in table.columns and hostile(0) in set(table.name)
        # a file that lacks a field names it in the mapping step, escaped
        broken = gdf.drop(columns=["parcel_id"])
        upload(at, f"{PAYLOADS[2]}.geojson", broken.to_json().encode())
        assert_no_raw_markdown(at, "data page, refused import")
        assert any("还缺必填字段" in i.value and "parcel" in i.value for i in at.info)


def test_hostile_scenario_names_in_a_failing_store_message(own_workspace):
    store = GpkgScenarioStore(own_workspace / "scenarios.gpkg")
    parent = hostile_scenario(store, hostile_layers().parcels.parcel_id.head(2).tolist())
    with app("ui/scenario_page.py", query={"scenario": parent.base_id}) as (at, _):
        at.checkbox(key="scenario_confirm_delete").check().run()
        at.button(key="scenario_delete").click().run()  # refused: a scenario builds on it
        assert at.error and md_escape(hostile(3)) in at.error[0].value
        assert_no_raw_markdown(at, "refused delete")
