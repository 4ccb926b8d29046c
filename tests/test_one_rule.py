"""One rule, one place: an import and a scenario edit give the same answer for the same input.

The park of a parcel and the check of a field value used to be written twice (once for
imports, once for scenario edits) and disagreed; these tests hold the two paths together.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from geo.crs import METRIC_CRS, WGS84
from geo.errors import InputError
from layers import scenario as sc
from layers.catalog import LayerSet
from layers.schema import FAR_MAX, LAYER_SPECS, check_field, normalise_value, validate_layer
from layers.zoning import PARK_MIN_SHARE, assign_parks

X0, Y0 = 535_000.0, 2_511_000.0  # EPSG:4547, near 坪山 centre


def to_wgs(geom):
    return gpd.GeoSeries([geom], crs=METRIC_CRS).to_crs(WGS84).iloc[0]


def parks() -> gpd.GeoDataFrame:
    # 高新北 (park) x 0–1000, the belt x 500–3000 over it, nothing beyond x 3000.
    return gpd.GeoDataFrame(
        {
            "park_id": ["gaoxin_north", "corridor"],
            "name": ["高新北", "产业带"],
            "kind": ["park", "corridor"],
        },
        geometry=[
            to_wgs(box(X0, Y0, X0 + 1000, Y0 + 1000)),
            to_wgs(box(X0 + 500, Y0, X0 + 3000, Y0 + 1000)),
        ],
        crs=WGS84,
    )


def base_layers() -> LayerSet:
    parcel = to_wgs(box(X0 + 5000, Y0 + 5000, X0 + 5100, Y0 + 5100))
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["P0"],
            "park_id": [None],
            "status": ["built"],
            "land_use": ["M1"],
            "far_current": [1.0],
            "density_zone": [3],
        },
        geometry=[parcel],
        crs=WGS84,
    )
    district = to_wgs(box(X0 - 10_000, Y0 - 10_000, X0 + 10_000, Y0 + 10_000))
    boundary = gpd.GeoDataFrame({"name": ["区"]}, geometry=[district], crs=WGS84)
    return (
        LayerSet(is_demo=True)
        .with_layer("parcels", parcels)
        .with_layer("parks", parks())
        .with_layer("boundary", boundary)
    )


def park_by_scenario(geom_wgs) -> str | None:
    base = base_layers()
    edit = sc.add_parcel(geom_wgs, district=base.boundary)
    scenario = sc.new_scenario("t").with_edit(edit)
    applied = sc.apply(scenario, base)
    value = applied.parcels.set_index("parcel_id").loc[edit.parcel_ids[0], "park_id"]
    return None if value is None or value != value else value


def park_by_import(geom_wgs) -> str | None:
    frame = gpd.GeoDataFrame({"parcel_id": ["X"]}, geometry=[geom_wgs], crs=WGS84)
    return assign_parks(frame, parks()).iloc[0]


@pytest.mark.parametrize(
    ("x0_m", "expected"),
    [
        (-90.0, None),  # 10 % inside 高新北: stays outside on both paths (was 高新北 in a scenario)
        (-40.0, "gaoxin_north"),  # 60 % inside
        (600.0, "gaoxin_north"),  # inside the park and the belt: the park wins
        (2900.0, None),  # half in the belt: 50 % ≥ min share → belt
        (3100.0, None),  # outside every zone
    ],
)
def test_a_parcel_gets_the_same_park_by_import_and_by_a_scenario_edit(x0_m, expected):
    geom = to_wgs(box(X0 + x0_m, Y0 + 100, X0 + x0_m + 100, Y0 + 200))
    by_import = park_by_import(geom)
    if x0_m == 2900.0:
        expected = "corridor" if PARK_MIN_SHARE <= 0.5 else None
    assert by_import == expected
    assert park_by_scenario(geom) == by_import


def test_a_merged_parcel_takes_its_park_by_the_same_rule():
    # Two parcels: a small one inside 高新北 (x 900–1000) and a larger one beyond the belt.
    a = to_wgs(box(X0 + 900, Y0 + 100, X0 + 1000, Y0 + 200))
    b = to_wgs(box(X0 + 1000, Y0 + 100, X0 + 1300, Y0 + 200))
    base = base_layers()
    extra = gpd.GeoDataFrame(
        {
            "parcel_id": ["A", "B"],
            "park_id": ["gaoxin_north", "corridor"],
            "status": ["built", "built"],
            "land_use": ["M1", "M1"],
            "far_current": [1.0, 1.0],
            "density_zone": [3, 3],
            "area_m2": [10_000.0, 30_000.0],
            "gfa_current_m2": [10_000.0, 30_000.0],
        },
        geometry=[a, b],
        crs=WGS84,
    )
    parcels = pd.concat([base.parcels, extra], ignore_index=True)
    base = base.with_layer("parcels", gpd.GeoDataFrame(parcels, crs=WGS84))
    merge = sc.merge_parcels(["A", "B"])
    applied = sc.apply(sc.new_scenario("m").with_edit(merge), base)
    merged = applied.parcels.set_index("parcel_id").loc[merge.attributes["parcel_id"]]
    union = shapely.union_all([a, b])
    frame = gpd.GeoDataFrame({"parcel_id": ["M"]}, geometry=[union], crs=WGS84)
    assert merged["park_id"] == assign_parks(frame, parks()).iloc[0] == "corridor"
    assert shapely.is_valid(merged["geometry"])


# --- one field validator -----------------------------------------------------------------

YES_NO = [
    "是",
    "否",
    "真",
    "假",
    "t",
    "f",
    "yes",
    "no",
    "Y",
    "N",
    "1",
    "0",
    "规上",
    "规下",
    True,
    0,
]


@pytest.mark.parametrize("value", YES_NO)
def test_yes_no_vocabulary_is_the_same_for_import_and_edit(value):
    field = LAYER_SPECS["parcels"].field("highrise")
    column, problems = check_field(field, pd.Series([value], dtype=object))
    assert problems == []
    edit = sc.set_attributes("P1", highrise=value)
    assert edit.attributes["highrise"] is bool(column.iloc[0])


@pytest.mark.parametrize("bad", [math.inf, -math.inf, "inf", FAR_MAX + 0.1, -0.5, "高"])
def test_far_target_outside_the_schema_is_refused_on_both_paths(bad):
    field = LAYER_SPECS["parcels"].field("far_target")
    _, problems = check_field(field, pd.Series([bad], dtype=object))
    assert problems, bad
    with pytest.raises(InputError, match="目标容积率"):
        sc.set_attributes("P1", far_target=bad)


def test_inf_is_refused_on_import_in_every_numeric_field():
    geom = to_wgs(box(X0, Y0, X0 + 100, Y0 + 100))
    frame = gpd.GeoDataFrame(
        {
            "parcel_id": ["a", "b"],
            "status": ["built", "built"],
            "land_use": ["M1", "M1"],
            "far_current": [1.0, 1.0],
            "density_zone": [3, 3],
            "area_m2": [np.inf, 100.0],
        },
        geometry=[geom, geom],
        crs=WGS84,
    )
    with pytest.raises(InputError) as err:
        validate_layer("parcels", frame)
    text = str(err.value)
    assert "area_m2" in text and "第 1 行" in text and "inf" in text
    firms = gpd.GeoDataFrame(
        {
            "ent_id": ["e1"],
            "name": ["甲"],
            "cluster": ["chip"],
            "is_above_scale": ["是"],
            "output_10k_cny": ["inf"],
        },
        geometry=[shapely.Point(114.35, 22.70)],
        crs=WGS84,
    )
    with pytest.raises(InputError, match="output_10k_cny"):
        validate_layer("enterprises", firms)


EDITABLE = [LAYER_SPECS["parcels"].field(n) for n in sc.NEW_PARCEL_ATTRIBUTES]
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "是", "否", "available", "可供应", "M0", "芯片", "3", "4.5", "x"]),
    st.text(max_size=6),
)


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(EDITABLE), value=ANY_VALUE)
def test_one_value_and_a_column_are_judged_alike(field, value):
    """normalise_value (edits) accepts exactly what check_field (imports) accepts."""
    column, problems = check_field(field, pd.Series([value], dtype=object))
    try:
        single = normalise_value(field, value)
    except ValueError:
        assert problems
        return
    assert not problems
    expected = column.iloc[0]
    if (
        expected is None
        or expected is pd.NA
        or (isinstance(expected, float) and expected != expected)
    ):
        assert single is None
    else:
        assert single == expected


def test_every_contiguity_user_defaults_to_the_same_gap_tolerance():
    """The 连片 rule's default tolerance is one constant: the analyses, the page's slider
    and the report all start from it."""
    import inspect

    from analysis.assembly import assemble_block, largest_reachable_ha
    from analysis.contiguity import TOLERANCE_M, contiguous_blocks, parcel_links
    from analysis.indicators import scenario_indicators
    from analysis.matching import match_sites

    users = (
        contiguous_blocks,
        parcel_links,
        assemble_block,
        largest_reachable_ha,
        scenario_indicators,
        match_sites,
    )
    defaults = {f.__name__: inspect.signature(f).parameters["tolerance_m"].default for f in users}
    assert defaults == {name: TOLERANCE_M for name in defaults}
