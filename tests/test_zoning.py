"""所属园区 from location: known answers on hand-drawn squares, the demo, and properties."""

from __future__ import annotations

import geopandas as gpd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from geo.crs import METRIC_CRS, WGS84
from geo.errors import InputError
from layers.catalog import load_demo
from layers.zoning import assign_parks, has_park_ids, unknown_park_ids

X0, Y0 = 500_000.0, 2_510_000.0  # metres in EPSG:4547, inside 坪山


def sq(x: float, y: float, w: float, h: float | None = None):
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + (w if h is None else h))


def make_parks() -> gpd.GeoDataFrame:
    # Two parks side by side (A: x 0–100, B: x 100–200) and a belt over B's upper half and
    # beyond it (y 50–100, x 100–400).
    return gpd.GeoDataFrame(
        {"park_id": ["A", "B", "belt"], "kind": ["park", "park", "corridor"]},
        geometry=[sq(0, 0, 100), sq(100, 0, 100), sq(100, 50, 300, 50)],
        crs=METRIC_CRS,
    )


@pytest.fixture
def parks() -> gpd.GeoDataFrame:
    return make_parks()


def parcels(*geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"parcel_id": [f"p{i}" for i in range(len(geoms))]}, geometry=list(geoms), crs=METRIC_CRS
    )


def test_parcel_goes_with_its_larger_side(parks):
    # 70 m of its 100 m width in A, 30 m in B (both at the lower half, below the belt)
    got = assign_parks(parcels(sq(30, 0, 100, 40)), parks)
    assert got.tolist() == ["A"]


def test_parcel_grazing_a_park_stays_outside_unless_the_share_is_lowered(parks):
    # 40 % inside A, 60 % outside every zone
    grazing = parcels(sq(-60, 0, 100, 40))
    assert assign_parks(grazing, parks).tolist() == [None]
    assert assign_parks(grazing, parks, min_share=0.4).tolist() == ["A"]
    assert assign_parks(grazing, parks, min_share=0.41).tolist() == [None]


def test_park_wins_over_the_belt_and_the_belt_takes_the_rest(parks):
    in_both = sq(120, 60, 20)  # inside B and inside the belt
    belt_only = sq(250, 60, 20)
    outside = sq(500, 500, 20)
    got = assign_parks(parcels(in_both, belt_only, outside), parks)
    assert got.tolist() == ["B", "belt", None]


def test_belt_wins_when_the_park_share_is_too_small(parks):
    # 30 % in B (x 170–200), 100 % in the belt (y 60–80, x 170–270)
    got = assign_parks(parcels(sq(170, 60, 100, 20)), parks)
    assert got.tolist() == ["belt"]


def test_points_inside_park_belt_overlap_and_outside(parks):
    firms = gpd.GeoDataFrame(
        {"ent_id": ["a", "b", "c", "d"]},
        geometry=[
            Point(X0 + 50, Y0 + 50),
            Point(X0 + 150, Y0 + 75),
            Point(X0 + 300, Y0 + 75),
            Point(X0 - 10, Y0 - 10),
        ],
        crs=METRIC_CRS,
    )
    assert assign_parks(firms, parks).tolist() == ["A", "B", "belt", None]


def test_index_is_kept_and_crs_does_not_matter(parks):
    frame = parcels(sq(10, 10, 20), sq(250, 60, 20)).set_index("parcel_id")
    in_metric = assign_parks(frame, parks)
    in_degrees = assign_parks(frame.to_crs(WGS84), parks)
    assert list(in_metric.index) == ["p0", "p1"]
    assert in_metric.tolist() == in_degrees.tolist() == ["A", "belt"]


def test_empty_layers_give_empty_or_blank_answers(parks):
    assert assign_parks(parcels(), parks).empty
    none = assign_parks(parcels(sq(10, 10, 20)), parks.iloc[0:0])
    assert none.tolist() == [None]


def test_bad_input_is_refused(parks):
    with pytest.raises(InputError, match="线"):
        assign_parks(
            gpd.GeoDataFrame(geometry=[LineString([(X0, Y0), (X0 + 10, Y0)])], crs=METRIC_CRS),
            parks,
        )
    with pytest.raises(InputError, match="park_id"):
        assign_parks(parcels(sq(0, 0, 10)), parks.drop(columns="park_id"))
    with pytest.raises(InputError, match="min_share"):
        assign_parks(parcels(sq(0, 0, 10)), parks, min_share=0)
    with pytest.raises(InputError):
        assign_parks(gpd.GeoDataFrame(geometry=[sq(0, 0, 10)]), parks)


def test_demo_firms_get_back_the_parks_they_were_built_with():
    demo = load_demo()
    derived = assign_parks(demo.enterprises, demo.parks)
    assert derived.fillna("-").tolist() == demo.enterprises.park_id.fillna("-").tolist()
    # Parcels were placed by their representative point; the area rule agrees on all but
    # parcels that straddle a boundary.
    parcels_derived = assign_parks(demo.parcels, demo.parks)
    agree = (parcels_derived.fillna("-") == demo.parcels.park_id.fillna("-")).mean()
    assert agree > 0.99


def test_park_id_helpers(parks):
    frame = parcels(sq(0, 0, 10), sq(20, 0, 10))
    assert not has_park_ids(frame)
    frame["park_id"] = [None, " "]
    assert not has_park_ids(frame)
    frame["park_id"] = ["A", "Z9"]
    assert has_park_ids(frame)
    assert unknown_park_ids(frame, parks) == ["Z9"]


@settings(max_examples=60, deadline=None)
@given(
    x=st.floats(-150, 450),
    y=st.floats(-50, 150),
    w=st.floats(1, 120),
    h=st.floats(1, 120),
    min_share=st.floats(0.05, 1.0),
)
def test_an_assigned_park_holds_at_least_min_share(x, y, w, h, min_share):
    parks = make_parks()
    geom = sq(x, y, w, h)
    got = assign_parks(parcels(geom), parks, min_share=min_share).iloc[0]
    shares = {
        pid: zone.intersection(geom).area / geom.area
        for pid, zone in zip(parks.park_id, parks.geometry, strict=True)
    }
    if got is None:
        assert all(s < min_share + 1e-6 for s in shares.values())
    else:
        assert shares[got] >= min_share - 1e-6
        if got == "belt":  # a park reaching min_share would have won
            assert shares["A"] < min_share + 1e-6 and shares["B"] < min_share + 1e-6
        else:  # of two parks, the larger share wins
            assert shares[got] >= max(shares["A"], shares["B"]) - 1e-6
