"""The items query of the OGC API (bbox, paging, filters, limits) and the catalog of
collections, without a server."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InputError
from layers.catalog import LayerSet, load_demo
from layers.scenario import new_scenario, set_attributes
from layers.store import GpkgScenarioStore
from ogc import (
    Catalog,
    ItemQuery,
    Limits,
    Principal,
    bbox_area_km2,
    limits_from_env,
    parse_query,
    select,
)

COLUMNS = ["parcel_id", "status", "land_use", "park_id", "geometry"]


def grid(n: int = 10) -> gpd.GeoDataFrame:
    """n × n unit squares 0.001° apart near 坪山, statuses alternating."""
    x0, y0, step = 114.30, 22.70, 0.001
    cells = [
        shapely.box(x0 + i * step, y0 + j * step, x0 + (i + 0.8) * step, y0 + (j + 0.8) * step)
        for j in range(n)
        for i in range(n)
    ]
    return gpd.GeoDataFrame(
        {
            "parcel_id": [f"P{k:03d}" for k in range(n * n)],
            "status": ["built" if k % 2 else "available" for k in range(n * n)],
        },
        geometry=cells,
        crs=4326,
    )


def test_bbox_area_is_measured_in_metres_known_answer():
    # 0.01° × 0.01° at 22.7°N: 1.1077 km (meridian) × 111.32 km·cos 22.7° / 100 = 1.0270 km
    # (WGS84 figures; Gauss-Krüger scale 0.3° from the central meridian is 1.00001).
    assert bbox_area_km2((114.3, 22.7, 114.31, 22.71)) == pytest.approx(1.1077 * 1.0270, rel=3e-3)


def test_parse_query_known_answer_and_defaults():
    limits = Limits(default_limit=50, max_limit=100, max_bbox_km2=10)
    query = parse_query(
        {
            "limit": "20",
            "offset": "40",
            "status": "built, reserve",
            "bbox": "114.3,22.7,114.31,22.71",
        },
        COLUMNS,
        limits,
    )
    assert query == ItemQuery(
        limit=20,
        offset=40,
        bbox=(114.3, 22.7, 114.31, 22.71),
        filters=(("status", ("built", "reserve")),),
    )
    assert parse_query({}, COLUMNS, limits) == ItemQuery(limit=50)
    six = parse_query({"bbox": "114.3,22.7,0,114.31,22.71,10"}, COLUMNS, limits)
    assert six.bbox == (114.3, 22.7, 114.31, 22.71)


def test_every_bad_parameter_is_listed_in_one_message():
    limits = Limits(max_limit=100, max_bbox_km2=10)
    with pytest.raises(InputError) as caught:
        parse_query(
            {"limit": "500", "offset": "x", "bbox": "114,22,115,23", "cluster": "car"},
            COLUMNS,  # no cluster column: not a filter here
            limits,
        )
    for word in ("limit=500", "offset=x", "km²", "cluster"):
        assert word in caught.value.zh and word in caught.value.en


def test_limits_from_the_environment():
    assert limits_from_env({}) == Limits()
    env = {"LANDPLAN_OGC_MAX_LIMIT": "500", "LANDPLAN_OGC_MAX_BBOX_KM2": "25.5"}
    limits = limits_from_env(env | {"LANDPLAN_OGC_DEFAULT_LIMIT": "200"})
    assert (limits.default_limit, limits.max_limit, limits.max_bbox_km2) == (200, 500, 25.5)
    with pytest.raises(InputError, match="LANDPLAN_OGC_DEFAULT_LIMIT"):
        limits_from_env(env)  # the default page (1000) would exceed the maximum (500)
    with pytest.raises(InputError, match="LANDPLAN_OGC_MAX_LIMIT=-3"):
        limits_from_env({"LANDPLAN_OGC_MAX_LIMIT": "-3"})


def test_select_known_answer():
    gdf = grid(10)
    # A box over columns 2–4 and rows 0–1 (x from 114.3020 to 114.3045, y to 22.7015).
    query = ItemQuery(limit=100, bbox=(114.3020, 22.6990, 114.3045, 22.7015))
    assert gdf["parcel_id"].iloc[select(gdf, query)].tolist() == [
        "P002",
        "P003",
        "P004",
        "P012",
        "P013",
        "P014",
    ]
    built = ItemQuery(limit=100, bbox=query.bbox, filters=(("status", ("built",)),))
    assert gdf["parcel_id"].iloc[select(gdf, built)].tolist() == ["P003", "P013"]


boxes = st.tuples(
    st.floats(114.299, 114.311),
    st.floats(22.699, 22.711),
    st.floats(0, 0.012),
    st.floats(0, 0.012),
).map(lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3]))


@settings(max_examples=60, deadline=None)
@given(box=boxes, statuses=st.sets(st.sampled_from(["built", "available", "reserve"])))
def test_select_matches_brute_force_intersection(box, statuses):
    gdf = grid(10)
    filters = (("status", tuple(statuses)),) if statuses else ()
    got = select(gdf, ItemQuery(limit=1, bbox=box, filters=filters))
    want = shapely.intersects(gdf.geometry.to_numpy(), shapely.box(*box))
    if statuses:
        want &= gdf["status"].isin(statuses).to_numpy()
    assert got.tolist() == np.flatnonzero(want).tolist()


@settings(max_examples=40, deadline=None)
@given(limit=st.integers(1, 40), n=st.integers(0, 12))
def test_pages_cover_every_match_once_in_order(limit, n):
    gdf = grid(n) if n else grid(1).iloc[:0]
    matched = select(gdf, ItemQuery(limit=limit))
    pages = [matched[offset : offset + limit] for offset in range(0, len(matched), limit)]
    assert np.concatenate(pages or [np.array([], dtype=int)]).tolist() == list(range(len(gdf)))
    assert all(len(p) == limit for p in pages[:-1])


def test_catalog_caches_results_until_a_scenario_is_saved_again(tmp_path):
    demo = load_demo()
    small = LayerSet(
        **{k: demo.layer(k) for k in ("parks", "constraints", "boundary")},
        parcels=demo.parcels.iloc[:300],
    )
    store = GpkgScenarioStore(tmp_path / "s.gpkg")
    ids = small.parcels["parcel_id"].tolist()
    saved = store.save(new_scenario("甲").with_edit(set_attributes(ids[:3], status="reserve")))
    catalog = Catalog(lambda: small, lambda: store)
    who = Principal("t")
    names = [c.id for c in catalog.collections(who)]
    assert names == [
        "parcels",
        "parks",
        "constraints",
        "boundary",
        "contiguity_blocks",
        "capacity",
        f"scenario-{saved.id}-parcels",
        f"scenario-{saved.id}-changes",
        f"scenario-{saved.id}-contiguity_blocks",
        f"scenario-{saved.id}-capacity",
    ]
    parcels = catalog.find(f"scenario-{saved.id}-parcels", who)
    first = parcels.build()
    assert parcels.build() is first  # cached
    assert catalog.find("enterprises", who) is None  # absent layer, no collection
    store.save(saved.with_edit(set_attributes(ids[3], status="reserve")))
    again = catalog.find(f"scenario-{saved.id}-parcels", who).build()
    assert again is not first
    assert (again.set_index("parcel_id").loc[ids[:4], "status"] == "reserve").all()
    changes = catalog.find(f"scenario-{saved.id}-changes", who).build()
    assert sorted(changes["parcel_id"]) == sorted(
        i for i in ids[:4] if small.parcels.set_index("parcel_id").loc[i, "status"] != "reserve"
    )


def test_computed_collections_are_listed_with_an_extent_that_holds_their_features(tmp_path):
    demo = load_demo()
    store = GpkgScenarioStore(tmp_path / "s.gpkg")
    ids = demo.parcels["parcel_id"].tolist()
    store.save(new_scenario("乙").with_edit(set_attributes(ids[:9], status="available")))
    catalog = Catalog(lambda: demo, lambda: store)
    computed = [c for c in catalog.collections(Principal("t")) if c.extent is not None]
    assert len(computed) == 6  # baseline: 2 analyses; the scenario: parcels, changes, 2
    for collection in computed:
        west, south, east, north = collection.build().total_bounds
        e_west, e_south, e_east, e_north = collection.extent
        assert e_west <= west <= east <= e_east and e_south <= south <= north <= e_north


def test_private_scenarios_are_seen_by_their_signed_in_owner_only():
    from layers.store import ScenarioInfo
    from ogc import visible_scenarios

    def info(sid: str) -> ScenarioInfo:
        return ScenarioInfo(sid, sid, "", "pat", "", "", None, 1, 0)

    infos = [info("open"), info("mine"), info("theirs")]
    private = {"mine": "pat", "theirs": "quinn"}
    seen = {
        who: [i.id for i in visible_scenarios(infos, who, private)]
        for who in (
            Principal("pat", "user"),
            Principal("quinn", "user"),
            Principal("pat", "token"),  # a system token named like a user is no user
        )
    }
    assert seen[Principal("pat", "user")] == ["open", "mine"]
    assert seen[Principal("quinn", "user")] == ["open", "theirs"]
    assert seen[Principal("pat", "token")] == ["open"]
    assert [i.id for i in visible_scenarios(infos, Principal("x"))] == [i.id for i in infos]
