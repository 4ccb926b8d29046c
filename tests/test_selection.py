"""Selection logic (ui.selection) on a hand-made row of six parcels, with known answers."""

import geopandas as gpd
import pytest
import shapely

from ui.selection import (
    OUTSIDE_PARK,
    TABLE_COLUMNS,
    ParcelFilter,
    attribute_table,
    box_hits,
    click,
    combine,
    from_table,
    parse_ids,
    query,
)


def parcels() -> gpd.GeoDataFrame:
    """Six 0.001° squares in a row along 114.40 E; A..F."""
    rows = [
        # id, park, status, land use, area m², FAR, high-rise
        ("A", "south", "low_efficiency", "M1", 20000.0, 0.8, False),
        ("B", "south", "built", "M1", 5000.0, 2.5, False),
        ("C", "south", "low_efficiency", "M0", 12000.0, 1.2, True),
        ("D", "north", "low_efficiency", "M1", 30000.0, None, False),
        ("E", None, "available", "W", 8000.0, 0.0, False),
        ("F", "south", "built", "M1", 15000.0, 1.5, True),
    ]
    return gpd.GeoDataFrame(
        {
            "parcel_id": [r[0] for r in rows],
            "park_id": [r[1] for r in rows],
            "status": [r[2] for r in rows],
            "land_use": [r[3] for r in rows],
            "area_m2": [r[4] for r in rows],
            "far_current": [r[5] for r in rows],
            "highrise": [r[6] for r in rows],
            "name": ["甲", None, "丙", None, "戊", None],
        },
        geometry=[
            shapely.box(114.40 + i * 0.001, 22.70, 114.4009 + i * 0.001, 22.7009) for i in range(6)
        ],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (ParcelFilter(), ["A", "B", "C", "D", "E", "F"]),
        (ParcelFilter(statuses=("low_efficiency",)), ["A", "C", "D"]),
        (ParcelFilter(statuses=("low_efficiency",), parks=("south",)), ["A", "C"]),
        (ParcelFilter(parks=(OUTSIDE_PARK,)), ["E"]),
        (ParcelFilter(parks=("north", OUTSIDE_PARK)), ["D", "E"]),
        (ParcelFilter(land_uses=("M1",)), ["A", "B", "D", "F"]),
        (ParcelFilter(area_ha=(1.2, 2.0)), ["A", "C", "F"]),  # closed interval
        (ParcelFilter(area_ha=(None, 0.8)), ["B", "E"]),
        (ParcelFilter(far_current=(1.0, None)), ["B", "C", "F"]),  # D has no FAR: out
        (ParcelFilter(far_current=(None, None)), ["A", "B", "C", "D", "E", "F"]),
        (ParcelFilter(highrise=True), ["C", "F"]),
        (ParcelFilter(highrise=False, statuses=("built",)), ["B"]),
    ],
)
def test_query_known_answers(where, expected):
    assert query(parcels(), where) == expected


def test_filter_is_any_only_when_empty():
    assert ParcelFilter().is_any()
    assert not ParcelFilter(parks=("south",)).is_any()


def test_box_takes_the_filter():
    box = shapely.box(114.4000, 22.6995, 114.4035, 22.7015)  # touches A, B, C, D
    assert box_hits(parcels(), box) == ["A", "B", "C", "D"]
    assert box_hits(parcels(), box, ParcelFilter(statuses=("low_efficiency",))) == ["A", "C", "D"]
    assert box_hits(
        parcels(), box, ParcelFilter(statuses=("low_efficiency",), parks=("south",))
    ) == ["A", "C"]
    assert box_hits(parcels(), box, ParcelFilter(land_uses=("W",))) == []


def test_combine_replaces_or_adds():
    assert combine(["B", "E"], ["A", "C"], "replace") == ["A", "C"]
    assert combine(["B", "E"], ["C", "A"], "add") == ["A", "B", "C", "E"]
    assert combine(["B"], [], "replace") == []
    with pytest.raises(ValueError, match="mode"):
        combine([], [], "shift")


def test_click_is_that_one_parcel_toggled():
    assert click([], "A", "replace") == ["A"]
    assert click(["B", "C"], "A", "replace") == ["A"]
    assert click(["A"], "A", "replace") == []
    assert click(["A", "B"], "A", "replace") == ["A"]  # not the only one: kept alone
    assert click(["B"], "A", "add") == ["A", "B"]
    assert click(["A", "B"], "A", "add") == ["B"]


def test_parse_ids_in_order_once_each():
    assert parse_ids("PS1, PS2，PS3、PS1  PS4;PS5；") == ["PS1", "PS2", "PS3", "PS4", "PS5"]
    assert parse_ids("  ") == []


def test_attribute_table_lists_the_selection_first():
    table = attribute_table(parcels(), ["D", "B"])
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert table.parcel_id.tolist() == ["B", "D", "A", "C", "E", "F"]
    assert table.selected.tolist() == [True, True, False, False, False, False]
    assert list(table.index) == list(range(6))
    row = table.iloc[2]
    assert (row["name"], row["status"], row["land_use"], row["area_ha"]) == (
        "甲",
        "低效用地",
        "普通工业",
        2.0,
    )
    assert table.loc[table.parcel_id == "E", "park"].item() == ""
    only = attribute_table(parcels(), ["D", "B"], only_selected=True, lang="en")
    assert only.parcel_id.tolist() == ["B", "D"] and only.status.tolist() == [
        "built",
        "low efficiency",
    ]
    named = attribute_table(
        parcels(),
        [],
        park_label=lambda ids: [p.upper() if isinstance(p, str) else "园区外" for p in ids],
    )
    assert named.park.tolist() == ["SOUTH", "SOUTH", "SOUTH", "NORTH", "园区外", "SOUTH"]


def test_from_table_selects_exactly_the_ticked_rows_it_lists():
    ids = ["B", "D", "A", "C"]  # the table lists these (selection B, D first)
    assert from_table(["B", "D", "F"], ids, [0, 1]) == ["B", "D", "F"]  # unchanged
    assert from_table(["B", "D", "F"], ids, [0, 3]) == ["B", "C", "F"]  # F is not listed: kept
    assert from_table(["B", "D"], ids, []) == []
    assert from_table([], ids, [2, 99]) == ["A"]  # a row past the end is ignored
