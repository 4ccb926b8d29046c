"""整备建议 on the 连片分析 page under AppTest: the solver's outcome said plainly, and the
largest reachable block (and why) when the target is out of reach — in either language."""

import re
from unittest import mock

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon

from tests.app_harness import MapRecorder, app
from ui.assembly_section import DRAWN

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
    # The note says the block joins across trunk roads: the scenario's 连片 figures use
    # the default rule, under which the assembled land is several blocks.
    assert "跨越主干道，连片容差 60 米" in scenario.description


def test_in_english_the_option_and_its_hint_carry_no_chinese():
    with app(PAGE, lang="en") as (at, _):
        propose(at, "gaoxin_north", 100.0, "Propose an assembly")
        [hint] = [i.value for i in at.info if "Assemble across trunk roads" in i.value]
        assert "839.9 ha" in hint and not CJK.search(hint)
        assert at.checkbox(key="assembly_across_trunk").label == "Assemble across trunk roads"
        [note] = [c.value for c in at.caption if "widest trunk road" in c.value]
        assert "60 m" in note and not CJK.search(note)


# --------------------------------------------------------------------------- a drawn area


class DrawingMap(MapRecorder):
    """The map recorder, with a shape drawn on the 整备范围 map (``drawing``, a GeoJSON
    feature, or None before anything is drawn)."""

    def __init__(self) -> None:
        super().__init__()
        self.drawing: dict | None = None
        self.clicked: dict | None = None  # the point of a click on a layer, if it was one

    def __call__(self, fig, key=None, returned_objects=None, **kwargs):
        super().__call__(fig, key=key, returned_objects=returned_objects, **kwargs)
        if key == "assembly_area_map" and self.drawing is not None:
            return {"last_active_drawing": self.drawing, "last_object_clicked": self.clicked}
        return {}


def park_box(park_id: str):
    """The bounding box (WGS84) of a demo park, as a shapely polygon."""
    from shapely.geometry import box

    from layers.catalog import load_demo

    parks = load_demo().parks.set_index("park_id")
    return box(*parks.loc[[park_id]].to_crs("EPSG:4326").total_bounds)


def feature(geometry) -> dict:
    return {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(geometry)}


def test_a_drawn_area_bounds_the_proposal_and_names_the_scenario(own_workspace):
    from layers.catalog import load_demo
    from layers.store import GpkgScenarioStore

    area = park_box("gaoxin_north")
    drawing = DrawingMap()
    with app(PAGE) as (at, _), mock.patch("ui.common.st_folium", drawing):
        at.selectbox(key="assembly_park").set_value(DRAWN).run()
        # Nothing drawn yet: the page asks for the area and proposes nothing.
        next(b for b in at.button if b.label == "计算整备建议").click().run()
        [error] = [e.value.replace("\\", "") for e in at.error]
        assert "请先在地图上画出整备范围" in error and "Draw the assembly area" in error
        assert not [m for m in at.metric if m.label == "片区面积（公顷）"]
        # A rectangle around 高新北 is drawn: the page keeps it and shows its size.
        drawing.drawing = feature(area)
        at.run()
        assert not at.exception, at.exception
        [size] = [c.value for c in at.caption if "已画整备范围" in c.value]
        expected_ha = gpd.GeoSeries([area], crs="EPSG:4326").to_crs("EPSG:4547").area.iloc[0] / 1e4
        assert f"{expected_ha:,.1f} 公顷" in size
        propose(at, DRAWN, 40.0, "计算整备建议")
        assert not at.error, [e.value for e in at.error]
        assert "整备范围" in drawing.data_layers("assembly_map")
        ids = set(at.session_state["assembly_result"].result.parcel_ids)
        at.button(key="assembly_to_scenario").click().run()
        assert not at.exception, at.exception
    parcels = load_demo().parcels.to_crs("EPSG:4326")
    block = parcels[parcels["parcel_id"].astype(str).isin(ids)]
    assert len(block) == len(ids) > 0
    assert shapely.contains(area, block.geometry.representative_point()).all()
    store = GpkgScenarioStore(own_workspace / "scenarios.gpkg")
    [info] = store.list()
    assert "绘制范围" in store.open(info.id).name


def test_a_broken_drawing_is_refused_and_the_area_drawn_before_stays():
    area = park_box("jinsha_bihu")
    drawing = DrawingMap()
    with app(PAGE) as (at, _), mock.patch("ui.common.st_folium", drawing):
        at.selectbox(key="assembly_park").set_value(DRAWN).run()
        drawing.drawing = feature(area)
        at.run()
        [before] = [c.value for c in at.caption if "已画整备范围" in c.value]
        # A bow tie: its edges cross.
        drawing.drawing = feature(
            Polygon([(114.30, 22.70), (114.32, 22.72), (114.32, 22.70), (114.30, 22.72)])
        )
        at.run()
        assert not at.exception, at.exception
        [error] = [e.value.replace("\\", "") for e in at.error]
        assert "边不交叉" in error and "edges that do not cross" in error
        assert [c.value for c in at.caption if "已画整备范围" in c.value] == [before]


@pytest.mark.parametrize(
    "geometry",
    [
        None,
        {"type": "Polygon"},
        {"type": "Polygon", "coordinates": "x"},
        {"type": "LineString", "coordinates": [[114.3, 22.7], [114.31, 22.71]]},
        {
            "type": "Polygon",
            "coordinates": [[[114.3, 22.7], [114.3, 22.7], [114.3, 22.7], [114.3, 22.7]]],
        },
        {
            "type": "Polygon",
            "coordinates": [
                [
                    [114.30, 22.70],
                    [114.32, 22.72],
                    [114.32, 22.70],
                    [114.30, 22.72],
                    [114.30, 22.70],
                ]
            ],
        },
    ],
)
def test_drawn_area_refuses_what_is_not_an_area(geometry):
    from geo.errors import InputError
    from ui.assembly_section import drawn_area

    with pytest.raises(InputError) as caught:
        drawn_area(geometry)
    assert CJK.search(caught.value.zh) and not CJK.search(caught.value.en)


def test_drawn_area_reads_a_rectangle_and_a_polygon():
    from ui.assembly_section import drawn_area

    rect = shapely.geometry.box(114.30, 22.70, 114.32, 22.72)
    assert drawn_area(shapely.geometry.mapping(rect)).equals(rect)
    two = shapely.geometry.MultiPolygon([rect, shapely.geometry.box(114.4, 22.7, 114.41, 22.71)])
    assert drawn_area(shapely.geometry.mapping(two)).equals(two)


def test_in_english_the_drawn_area_and_the_tables_carry_no_chinese():
    drawing = DrawingMap()
    with app(PAGE, lang="en") as (at, _), mock.patch("ui.common.st_folium", drawing):
        assert at.selectbox(key="assembly_park").label == "Assembly area"
        at.selectbox(key="assembly_park").set_value(DRAWN).run()
        drawing.drawing = feature(park_box("gaoxin_north"))
        at.run()
        [size] = [c.value for c in at.caption if "Assembly area drawn" in c.value]
        assert not CJK.search(size)
        propose(at, DRAWN, 40.0, "Propose an assembly")
        assert not at.error, [e.value for e in at.error]
        tables = [d.value for d in at.dataframe]
        [parcels] = [d for d in tables if "floor space (10k m²)" in d.columns]
        assert not any(CJK.search(str(c)) for c in parcels.columns)
        assert not any(CJK.search(str(v)) for v in parcels["status"])
        shown = [m.value.replace("\\", "") for m in at.markdown]
        assert any("parcels to assemble (costliest first" in text for text in shown)


def test_a_click_on_a_park_is_not_taken_for_a_drawn_area():
    drawing = DrawingMap()
    with app(PAGE) as (at, _), mock.patch("ui.common.st_folium", drawing):
        at.selectbox(key="assembly_park").set_value(DRAWN).run()
        # A click on the park layer sends the park's outline with the point clicked.
        drawing.drawing = feature(park_box("gaoxin_north"))
        drawing.clicked = {"lat": 22.7, "lng": 114.35}
        at.run()
        assert not at.exception, at.exception
        assert not [c.value for c in at.caption if "已画整备范围" in c.value]
        # The same outline drawn with the tools (no point clicked) is taken.
        drawing.clicked = None
        at.run()
        assert [c.value for c in at.caption if "已画整备范围" in c.value]
