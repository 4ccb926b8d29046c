"""Imports change no value silently: text stays text, swapped axes and far rows are named.

Every file is built by hand in the test, the way planners receive them: a GeoJSON of ids
that look like times, a CSV/XLSX from the statistics bureau, a GBK Shapefile in CGCS2000
Gauss-Krüger without a .cpg.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from geo.crs import METRIC_CRS, SHENZHEN_BOUNDS, axes_look_swapped, outside_bounds
from geo.io import (
    InputError,
    ReadReport,
    drop_rows,
    read_layer,
    read_layer_with_report,
    rows_outside,
    write_csv,
    write_xlsx,
)

# Text that GDAL, pandas or a spreadsheet might take for something else.
LOOKALIKES = {
    "编号": ["T123456", "T123457", "T000001"],
    "日期": ["2023/05/01", "2023/05/02", "2023/12/31"],
    "时间": ["12:00", "08:30", "23:59"],
    "时刻": ["2023-05-01T12:00:00", "2023-05-02T08:00:00", "2023-05-03T09:15:00"],
    "名称": ["2023-05-01", "5月1日", "May 1"],
}

# Coordinates in 坪山 (lon, lat).
PINGSHAN = [(114.35, 22.70), (114.36, 22.71), (114.34, 22.69)]

BEIJING = (116.397, 39.909)


def geojson_text(properties: list[dict], coords: list[tuple[float, float]]) -> str:
    features = [
        {
            "type": "Feature",
            "properties": props,
            "geometry": {"type": "Point", "coordinates": list(xy)},
        }
        for props, xy in zip(properties, coords, strict=True)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def lookalike_records() -> list[dict]:
    return [{k: v[i] for k, v in LOOKALIKES.items()} for i in range(3)]


def write_table_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


# --------------------------------------------------------------------------------------
# Text stays text
# --------------------------------------------------------------------------------------


def test_gdal_alone_turns_date_like_geojson_text_into_dates(tmp_path) -> None:
    # Documents why the open option is passed: GDAL's default changes the ids silently.
    path = tmp_path / "ids.geojson"
    path.write_text(geojson_text(lookalike_records(), PINGSHAN), encoding="utf-8")
    plain = pyogrio.read_dataframe(path)
    assert plain["编号"].iloc[0] == dt.time(12, 34, 56)
    assert plain["日期"].iloc[0] == pd.Timestamp("2023-05-01")


def test_geojson_date_like_text_is_read_as_the_text(tmp_path) -> None:
    path = tmp_path / "ids.geojson"
    path.write_text(geojson_text(lookalike_records(), PINGSHAN), encoding="utf-8")
    gdf = read_layer(path)
    for column, values in LOOKALIKES.items():
        assert gdf[column].tolist() == values, column
        assert all(isinstance(v, str) for v in gdf[column]), column


def test_geojson_upload_keeps_text_too() -> None:
    data = geojson_text(lookalike_records(), PINGSHAN).encode("utf-8")
    gdf = read_layer(data, filename="调查.json")
    assert gdf["编号"].tolist() == LOOKALIKES["编号"]


def test_csv_date_like_and_formatted_numbers_stay_text(tmp_path) -> None:
    path = tmp_path / "firms.csv"
    extra = {
        "产值": ["1,234.5", "12,000", "3.5"],
        "全角": ["１２３", "４５", "６"],
        "标记": ["NA", "NULL", "None"],
        "比值": ["1", "inf", "2"],
    }
    columns = {**LOOKALIKES, **extra}
    rows = [[v[i] for v in columns.values()] + [*PINGSHAN[i]] for i in range(3)]
    write_table_csv(path, [*columns, "经度", "纬度"], rows)
    gdf = read_layer(path, coord_system="wgs84")
    for column, values in columns.items():
        assert gdf[column].tolist() == values, column
    assert gdf["产值"].iloc[0] == "1,234.5"  # parsed by the layer schema, not here


def test_csv_plain_numbers_still_become_numbers(tmp_path) -> None:
    path = tmp_path / "n.csv"
    write_table_csv(path, ["员工", "面积", "lon", "lat"], [[12, "3.5", *PINGSHAN[0]]])
    gdf = read_layer(path, coord_system="wgs84")
    assert gdf["员工"].tolist() == [12] and gdf["面积"].tolist() == [3.5]


def test_xlsx_text_stays_text_and_real_dates_stay_dates(tmp_path) -> None:
    path = tmp_path / "统计局.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*LOOKALIKES, "标记", "产值", "登记日期", "经度", "纬度"])
    marks = ["NA", "NULL", "nan"]
    amounts = ["1,234.5", "１２３", "7"]
    registered = [dt.datetime(2023, 5, 1), dt.datetime(2020, 1, 2), None]
    for i in range(3):
        row = [v[i] for v in LOOKALIKES.values()]
        sheet.append([*row, marks[i], amounts[i], registered[i], *PINGSHAN[i]])
    book.save(path)
    gdf, report = read_layer_with_report(path, coord_system="wgs84")
    for column, values in LOOKALIKES.items():
        assert gdf[column].tolist() == values, column
    assert gdf["标记"].tolist() == marks  # not turned into missing values
    assert gdf["产值"].tolist() == amounts
    assert gdf["登记日期"].iloc[0] == pd.Timestamp("2023-05-01")  # a real Excel date
    assert pd.isna(gdf["登记日期"].iloc[2])  # an empty cell is the one missing value
    assert report.rows_kept == 3


def test_gbk_shapefile_in_gauss_kruger_keeps_text(tmp_path) -> None:
    # A 现状调查 Shapefile: GBK without .cpg, Chinese field names, CGCS2000 GK (EPSG:4547).
    lonlat = gpd.GeoDataFrame(
        {"编号": LOOKALIKES["编号"], "日期": LOOKALIKES["日期"], "名称": ["坪山", "碧岭", "龙田"]},
        geometry=[Point(xy) for xy in PINGSHAN],
        crs="EPSG:4326",
    )
    path = tmp_path / "现状调查.shp"
    pyogrio.write_dataframe(lonlat.to_crs(METRIC_CRS), path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    gdf, report = read_layer_with_report(path)
    assert report.encoding == "GBK/GB18030"
    assert gdf["编号"].tolist() == LOOKALIKES["编号"]
    assert gdf["日期"].tolist() == LOOKALIKES["日期"]
    assert gdf["名称"].tolist() == ["坪山", "碧岭", "龙田"]
    assert report.source_crs is not None and report.source_crs.startswith("EPSG:4547")
    np.testing.assert_allclose(gdf.geometry.x, [p[0] for p in PINGSHAN], atol=1e-7)


# --------------------------------------------------------------------------------------
# Swapped longitude and latitude
# --------------------------------------------------------------------------------------


def swapped_csv(path: Path) -> Path:
    rows = [[name, lat, lon] for name, (lon, lat) in zip("甲乙丙", PINGSHAN, strict=True)]
    write_table_csv(path, ["名称", "经度", "纬度"], rows)
    return path


@pytest.mark.parametrize("coord_system", [None, "wgs84", "EPSG:4547", "gcj02"])
def test_swapped_csv_is_refused_with_a_code(tmp_path, coord_system) -> None:
    path = swapped_csv(tmp_path / "firms.csv")
    with pytest.raises(InputError) as err:
        read_layer(path, coord_system=coord_system)
    assert err.value.code == "swapped_axes"
    text = str(err.value)
    assert text.startswith("文件/图层「firms.csv」：经度和纬度似乎填反了")
    assert "swapped" in err.value.en and "swap_xy=True" in err.value.en
    assert "经度" in err.value.zh and "纬度" in err.value.zh


def test_swapped_csv_read_again_with_swap_xy(tmp_path) -> None:
    path = swapped_csv(tmp_path / "firms.csv")
    gdf, report = read_layer_with_report(path, swap_xy=True)
    np.testing.assert_allclose(gdf.geometry.x, [p[0] for p in PINGSHAN])
    np.testing.assert_allclose(gdf.geometry.y, [p[1] for p in PINGSHAN])
    assert report.axes_swapped and report.outside_rows == []
    assert any("对调" in line for line in report.messages("zh"))
    assert any("swapped" in line for line in report.messages("en"))
    assert gdf["经度"].tolist() == [p[1] for p in PINGSHAN]  # the file's columns unchanged
    assert read_layer(path, swap_xy=True).geometry.equals(gdf.geometry)


def test_swapped_geojson_is_refused_and_read_with_swap_xy(tmp_path) -> None:
    path = tmp_path / "swapped.geojson"
    props = [{"name": n} for n in "甲乙丙"]
    path.write_text(geojson_text(props, [(y, x) for x, y in PINGSHAN]), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_layer(path)
    assert err.value.code == "swapped_axes"
    gdf, report = read_layer_with_report(path, swap_xy=True)
    np.testing.assert_allclose(gdf.geometry.x, [p[0] for p in PINGSHAN])
    assert report.axes_swapped and report.warnings == []


def test_correct_axes_and_projected_numbers_are_not_called_swapped(tmp_path) -> None:
    path = tmp_path / "ok.csv"
    write_table_csv(path, ["lon", "lat"], [list(xy) for xy in PINGSHAN])
    assert read_layer(path).geometry.x.iloc[0] == PINGSHAN[0][0]
    gk = tmp_path / "gk.csv"
    write_table_csv(gk, ["x", "y"], [[535000, 2511000]])
    assert read_layer(gk, coord_system=METRIC_CRS).geometry.y.iloc[0] > 22


def test_other_errors_carry_no_code(tmp_path) -> None:
    path = tmp_path / "gk.csv"
    write_table_csv(path, ["x", "y"], [[535000, 2511000]])
    with pytest.raises(InputError) as err:
        read_layer(path)
    assert err.value.code is None
    assert InputError("甲", "a", code="x").code == "x"
    assert str(InputError("甲", "a", code="x")) == str(InputError("甲", "a"))


def test_one_swapped_row_among_correct_ones_is_named(tmp_path) -> None:
    path = tmp_path / "mixed.csv"
    rows = [list(xy) for xy in PINGSHAN] + [[22.72, 114.33]]
    write_table_csv(path, ["lon", "lat"], rows)
    for coord_system in (None, "wgs84"):
        with pytest.raises(InputError) as err:
            read_layer(path, coord_system=coord_system)
        assert err.value.code == "swapped_rows"
        assert "表格行号：5" in err.value.zh and "rows 5" in err.value.en


def test_axes_look_swapped_needs_half_the_features() -> None:
    swapped = np.array([Point(lat, lon) for lon, lat in PINGSHAN], dtype=object)
    assert axes_look_swapped(swapped)
    assert not axes_look_swapped(np.array([Point(xy) for xy in PINGSHAN], dtype=object))
    one_of_four = np.array([*(Point(xy) for xy in PINGSHAN), swapped[0]], dtype=object)
    assert not axes_look_swapped(one_of_four)
    assert not axes_look_swapped(np.array([Point(535000, 2511000), None], dtype=object))


# --------------------------------------------------------------------------------------
# Rows outside Shenzhen
# --------------------------------------------------------------------------------------


def test_csv_rows_in_beijing_and_at_zero_are_named_by_sheet_row(tmp_path) -> None:
    path = tmp_path / "firms.csv"
    rows = [["坪山甲", *PINGSHAN[0]], ["北京", *BEIJING], ["坪山乙", *PINGSHAN[1]], ["零点", 0, 0]]
    write_table_csv(path, ["名称", "lon", "lat"], rows)
    gdf, report = read_layer_with_report(path, coord_system="wgs84")
    assert len(gdf) == 4  # kept: the planner decides
    assert report.row_kind == "sheet_row"
    assert report.outside_rows == [3, 5]  # header is row 1
    assert report.row_numbers == [2, 3, 4, 5]
    zh = report.warning_messages("zh")
    en = report.warning_messages("en")
    assert any("超出深圳范围" in w and "表格行号：3, 5" in w and "共 2 条" in w for w in zh)
    assert any("outside Shenzhen" in w and "rows 3, 5" in w for w in en)
    assert rows_outside(gdf).tolist() == [1, 3]


def test_geojson_rows_outside_named_by_feature(tmp_path) -> None:
    path = tmp_path / "pts.geojson"
    coords = [BEIJING, PINGSHAN[0], (0.0, 0.0)]
    path.write_text(geojson_text([{"n": i} for i in range(3)], coords), encoding="utf-8")
    gdf, report = read_layer_with_report(path)
    assert len(gdf) == 3
    assert report.row_kind == "feature" and report.outside_rows == [1, 3]
    assert any("要素序号：1, 3" in w for w in report.warning_messages("zh"))
    assert any("要素序号：1, 3" in line for line in report.messages("zh"))


def test_outside_warning_lists_ten_rows_and_the_count(tmp_path) -> None:
    path = tmp_path / "many.csv"
    write_table_csv(path, ["lon", "lat"], [[0, 0]] * 12 + [list(PINGSHAN[0])])
    _, report = read_layer_with_report(path, coord_system="wgs84")
    assert report.outside_rows == list(range(2, 14))
    line = next(w for w in report.warning_messages("zh") if "超出深圳范围" in w)
    assert "2, 3, 4, 5, 6, 7, 8, 9, 10, 11 …" in line and "共 12 条" in line


def test_rows_outside_of_a_projected_frame_and_other_bounds() -> None:
    gdf = gpd.GeoDataFrame(geometry=[Point(PINGSHAN[0]), Point(BEIJING)], crs="EPSG:4326")
    assert rows_outside(gdf.to_crs(METRIC_CRS)).tolist() == [1]
    assert rows_outside(gdf, (115.0, 39.0, 117.0, 41.0)).tolist() == [0]
    assert outside_bounds(gdf, SHENZHEN_BOUNDS).tolist() == [False, True]


def test_drop_rows_is_pure_and_reported(tmp_path) -> None:
    path = tmp_path / "firms.csv"
    rows = [["坪山甲", *PINGSHAN[0]], ["北京", *BEIJING], ["坪山乙", *PINGSHAN[1]]]
    write_table_csv(path, ["名称", "lon", "lat"], rows)
    gdf, report = read_layer_with_report(path, coord_system="wgs84")
    before = (gdf.copy(), list(report.warnings), list(report.notes))
    kept, new = drop_rows(gdf, report, report.outside_rows)
    assert kept["名称"].tolist() == ["坪山甲", "坪山乙"]
    assert kept.index.tolist() == [0, 1]
    assert new.rows_kept == 2 and new.row_numbers == [2, 4] and new.outside_rows == []
    assert new.warning_messages("zh") == [
        w for w in new.warning_messages("zh") if "深圳" not in w
    ]  # both "outside Shenzhen" warnings are gone with the rows
    assert any("删除了 1 条记录" in n and "表格行号：3" in n for n in new.messages("zh"))
    # The originals are untouched.
    assert gdf.equals(before[0]) and report.warnings == before[1] and report.notes == before[2]
    assert report.outside_rows == [3] and report.rows_kept == 3


def test_report_renders_on_its_own_with_swap_and_outside_rows() -> None:
    report = ReadReport(
        source="firms.csv",
        format="CSV",
        rows_read=3,
        rows_kept=3,
        row_kind="sheet_row",
        row_numbers=[2, 3, 4],
        axes_swapped=True,
    )
    from geo.io._report import _record_outside  # the reader's own wording

    _record_outside(report, [4])
    assert any("表格行号：4" in w for w in report.warning_messages("zh"))
    assert any("rows 4" in w for w in report.warning_messages("en"))
    assert report.positions([4, 99]).tolist() == [2]


# --------------------------------------------------------------------------------------
# Export headers
# --------------------------------------------------------------------------------------

FORMULA_NAME = '=HYPERLINK("http://x","y")'


def formula_headed_points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {FORMULA_NAME: ["a", "b"], "-负责人": ["甲", "乙"], "名称": ["=1+1", "丙"]},
        geometry=[Point(PINGSHAN[0]), Point(PINGSHAN[1])],
        crs="EPSG:4326",
    )


def test_csv_export_guards_headers_and_reads_them_back() -> None:
    points = formula_headed_points()
    data = write_csv(points)
    text = data.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header[0] == "'" + FORMULA_NAME and header[1] == "'-负责人"
    assert text.startswith("\"'=") or text.startswith("'=")
    back = read_layer(data, filename="out.csv")
    assert list(back.columns[:3]) == [FORMULA_NAME, "-负责人", "名称"]
    assert back["名称"].tolist() == ["=1+1", "丙"]
    assert list(points.columns[:3]) == [FORMULA_NAME, "-负责人", "名称"]  # input untouched


def test_xlsx_export_writes_headers_as_text(tmp_path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(formula_headed_points(), path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == FORMULA_NAME and sheet["A1"].data_type == "s"
    assert sheet["C2"].value == "=1+1" and sheet["C2"].data_type == "s"
    back = read_layer(path)
    assert list(back.columns[:3]) == [FORMULA_NAME, "-负责人", "名称"]


def test_esri_json_is_read_without_an_open_option_warning(tmp_path, recwarn) -> None:
    path = tmp_path / "esri.json"
    layer = {
        "geometryType": "esriGeometryPoint",
        "spatialReference": {"wkid": 4326},
        "fields": [{"name": "n", "type": "esriFieldTypeString"}],
        "features": [{"attributes": {"n": "T123456"}, "geometry": {"x": 114.35, "y": 22.7}}],
    }
    path.write_text(json.dumps(layer), encoding="utf-8")
    assert read_layer(path)["n"].tolist() == ["T123456"]
    assert not [w for w in recwarn if "DATE_AS_STRING" in str(w.message)]
