"""The geo package's public surface: facades, ``__all__`` everywhere, CRS decisions as data."""

from __future__ import annotations

import importlib
import pkgutil

import geopandas as gpd
import pytest
from pyproj import CRS
from shapely.geometry import Point

import geo
import geo.crs
import geo.io
from geo.crs import SHENZHEN_BOUNDS, far_from_shenzhen, interpret_crs, normalise_coord_system
from geo.errors import InputError

CALLER_NAMES = {
    "DEFAULT_MAX_BYTES",
    "SHENZHEN_BOUNDS",
    "InputError",
    "Note",
    "ReadReport",
    "drop_rows",
    "read_layer",
    "read_layer_with_report",
    "rows_outside",
    "write_csv",
    "write_geojson",
    "write_gpkg",
    "write_xlsx",
}


def geo_modules() -> list[str]:
    names = ["geo"]
    for info in pkgutil.walk_packages(geo.__path__, prefix="geo."):
        names.append(info.name)
    return names


@pytest.mark.parametrize("name", geo_modules())
def test_every_module_declares_all_and_exports_exist(name: str) -> None:
    module = importlib.import_module(name)
    assert isinstance(module.__all__, list), name
    assert module.__doc__ and module.__doc__.strip(), name
    for exported in module.__all__:
        assert hasattr(module, exported), f"{name}.{exported}"


def test_io_facade_keeps_every_name_callers_use() -> None:
    assert set(geo.io.__all__) == CALLER_NAMES
    assert geo.io.SHENZHEN_BOUNDS is geo.crs.SHENZHEN_BOUNDS
    assert geo.io.InputError is InputError
    assert geo.io.DEFAULT_MAX_BYTES == 500 * 1024**2


def frame(x: float, y: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[Point(x, y)])


def test_interpretation_is_returned_not_written_anywhere() -> None:
    gdf = frame(114.35, 22.70)
    assumed = interpret_crs(gdf, None, None, tabular=True)
    assert assumed.origin == "assumed"
    assert assumed.source_crs.startswith("EPSG:4326")
    assert len(assumed.warnings) == 1 and assumed.warnings[0][0].startswith("表格没有坐标系")
    assert assumed.gdf.crs == CRS.from_user_input("EPSG:4326")
    assert gdf.crs is None  # input untouched

    shifted = interpret_crs(gdf, CRS.from_user_input("EPSG:4326"), "gcj02", tabular=False)
    assert shifted.origin == "embedded+shift"
    assert shifted.source_crs.endswith("+ GCJ-02")
    assert shifted.gdf.geometry.iloc[0].x < 114.35  # GCJ-02 → WGS84 moves west here

    differs = interpret_crs(gdf, CRS.from_user_input("EPSG:4326"), "EPSG:4547", tabular=False)
    assert differs.origin == "embedded"
    assert len(differs.warnings) == 1


def test_interpretation_errors_name_the_source() -> None:
    with pytest.raises(InputError, match=r"宗地\.shp") as info:
        interpret_crs(frame(536_000, 2_511_000), None, None, tabular=False, source="宗地.shp")
    assert "没有坐标系信息" in str(info.value)
    with pytest.raises(InputError, match="投影坐标"):
        interpret_crs(frame(536_000, 2_511_000), None, "EPSG:4326", tabular=True, source="t.csv")


def test_near_shenzhen_and_coord_system_spellings() -> None:
    assert far_from_shenzhen(frame(114.35, 22.70)) is None
    zh, en = far_from_shenzhen(frame(121.47, 31.23))
    assert "远离深圳" in zh and "far from" in en
    assert SHENZHEN_BOUNDS == (109.0, 20.0, 118.0, 26.0)
    assert normalise_coord_system(4547) == "EPSG:4547"
    assert normalise_coord_system(" 4547 ") == "EPSG:4547"
    assert normalise_coord_system("火星坐标") == "gcj02"
    assert normalise_coord_system("WGS 84") == "EPSG:4326"
    assert normalise_coord_system("  ") is None
    with pytest.raises(InputError):
        normalise_coord_system("not a crs")
