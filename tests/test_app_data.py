"""The 数据导入导出 page: imports are validated and confirmed; failures change nothing."""

import io

import geopandas as gpd
import pandas as pd
import shapely

from geo.crs import wgs84_to_gcj02
from layers.catalog import load_demo
from layers.zoning import assign_parks
from tests.app_harness import app

PAGE = "ui/data_page.py"


READ = "读取文件"
APPLY = "应用字段对应并校验"


def click(at, label: str) -> bool:
    """Click the button labelled ``label`` if the page shows one; whether it did."""
    found = [b for b in at.button if b.label == label and not b.disabled]
    if found:
        found[0].click().run()
    return bool(found)


def read_and_apply(at):
    """Read the file, then accept the proposed field mapping (when the file was readable)."""
    click(at, READ)
    click(at, APPLY)
    return at


def upload(at, name: str, data: bytes, mime: str = "application/octet-stream"):
    at.file_uploader[0].set_value((name, data, mime)).run()
    return read_and_apply(at)


def active(at):
    return at.session_state["layers"]


def test_page_renders_with_export_of_every_layer():
    with app(PAGE) as (at, _):
        assert not at.exception
        options = at.selectbox(key="export_choice").options
        assert len(options) == 6
        assert any("geojson" in b.label for b in at.get("download_button"))


def test_bad_file_shows_chinese_error_and_keeps_layers():
    broken = gpd.GeoDataFrame(
        {"名称": ["甲"]}, geometry=[shapely.box(114.3, 22.7, 114.31, 22.71)], crs=4326
    )
    with app(PAGE) as (at, _):
        before = active(at)
        upload(at, "broken.geojson", broken.to_json().encode())
        assert not at.exception
        # The read report is shown, the mapping step names every required field the file
        # lacks, and the import cannot be applied until they are given.
        assert any("broken" in c.value for c in at.caption)
        message = next(i.value for i in at.info if "还缺必填字段" in i.value)
        assert "还缺必填字段" in message and "parcel\\_id" in message  # Markdown-escaped
        assert next(b for b in at.button if b.label == APPLY).disabled
        assert active(at) is before
        assert active(at).counts()["parcels"] == len(load_demo().parcels)


def test_empty_file_is_refused():
    with app(PAGE) as (at, _):
        upload(at, "empty.csv", b"")
        assert "空" in at.error[0].value
        assert active(at).is_demo


def test_excel_in_gcj02_becomes_the_active_enterprise_layer():
    lon, lat = 114.36, 22.72
    glon, glat = wgs84_to_gcj02(lon, lat)
    table = pd.DataFrame(
        {
            "企业编号": ["X1", "X2"],
            "企业名称": ["<b>粗体</b>有限公司", "乙公司"],
            "产业集群": ["智能网联汽车", "芯片"],
            "是否规上": ["是", "否"],
            "产值": [3000, 800],
            "经度": [glon, glon + 0.01],
            "纬度": [glat, glat],
        }
    )
    buffer = io.BytesIO()
    table.to_excel(buffer, index=False)
    with app(PAGE) as (at, _):
        at.selectbox(key="import_kind").set_value("enterprises")
        at.selectbox(key="import_system").set_value("gcj02")
        upload(at, "firms.xlsx", buffer.getvalue())
        assert not at.exception
        assert not at.error, [e.value for e in at.error]
        assert active(at).is_demo  # nothing replaced before confirming
        confirm = next(b for b in at.button if b.label == "设为当前图层")
        confirm.click().run()
        layers = active(at)
        assert not layers.is_demo
        assert layers.counts()["enterprises"] == 2
        assert layers.counts()["parcels"] == len(load_demo().parcels)
        firms = layers.enterprises
        assert list(firms.cluster) == ["car", "chip"]
        assert firms.name.iloc[0] == "<b>粗体</b>有限公司"
        assert (
            abs(firms.geometry.x.iloc[0] - lon) < 1e-5
            and abs(firms.geometry.y.iloc[0] - lat) < 1e-5
        )


def test_geojson_export_is_rfc7946():
    with app(PAGE) as (at, _):
        at.selectbox(key="export_choice").set_value("layer:parks")
        at.selectbox(key="export_format").set_value("geojson").run()
        button = at.get("download_button")[0]
        assert "parks.geojson" in button.label


def demo_parcels_file(n: int = 40, *, drop_park: bool = True) -> tuple[gpd.GeoDataFrame, bytes]:
    parcels = load_demo().parcels.iloc[::70].head(n).copy()
    if drop_park:
        parcels = parcels.drop(columns="park_id")
    return parcels, parcels.to_json().encode()


def confirm_import(at):
    next(b for b in at.button if b.label == "设为当前图层").click().run()


def test_parcels_without_park_codes_get_them_from_the_park_boundaries():
    parcels, data = demo_parcels_file()
    with app(PAGE) as (at, _):
        upload(at, "parcels.geojson", data)
        assert not at.exception
        assert any("已按当前园区图层推算" in m.value for m in at.markdown)
        confirm_import(at)
        got = active(at).parcels.set_index("parcel_id").park_id
        expected = assign_parks(parcels, load_demo().parks)
        expected.index = parcels.parcel_id
        assert got.fillna("-").to_dict() == expected.fillna("-").to_dict()
        assert got.notna().sum() > 0 and got.isna().sum() > 0  # some in parks, some outside


def test_unknown_park_codes_warn_and_can_be_rederived():
    parcels, _ = demo_parcels_file(drop_park=False)
    parcels["park_id"] = "老园区"
    data = parcels.to_json().encode()
    with app(PAGE) as (at, _):
        upload(at, "parcels.geojson", data)
        assert any("老园区" in w.value and "不在当前园区图层中" in w.value for w in at.warning)
        at.checkbox(key="import_rederive_parks").check().run()
        read_and_apply(at)
        assert not at.warning
        confirm_import(at)
        assert "老园区" not in set(active(at).parcels.park_id.dropna())


def test_new_park_boundaries_rezone_parcels_and_firms_when_confirmed():
    demo = load_demo()
    parks = demo.parks.copy()
    # Shrink 高新南 to its western half: the parcels and firms of the eastern half leave it.
    south = parks.park_id == "gaoxin_south"
    minx, miny, maxx, maxy = parks.loc[south].total_bounds
    parks.loc[south, "geometry"] = parks.loc[south].geometry.clip(
        shapely.box(minx, miny, (minx + maxx) / 2, maxy)
    )
    expected_parcels = assign_parks(demo.parcels, parks)
    moved = int((expected_parcels.fillna("") != demo.parcels.park_id.fillna("")).sum())
    assert moved > 0
    with app(PAGE) as (at, _):
        at.selectbox(key="import_kind").set_value("parks")
        upload(at, "parks.geojson", parks.to_json().encode())
        box = at.checkbox(key="import_rezone")
        assert box.value is True
        assert f"{moved} 个地块" in box.label
        confirm_import(at)
        layers = active(at)
        assert layers.parcels.park_id.fillna("").tolist() == expected_parcels.fillna("").tolist()
        firms = assign_parks(demo.enterprises, parks)
        assert layers.enterprises.park_id.fillna("").tolist() == firms.fillna("").tolist()


def test_new_park_boundaries_can_leave_park_codes_alone():
    demo = load_demo()
    parks = demo.parks.copy()
    parks["geometry"] = parks.geometry.translate(0.05, 0)  # moved well away
    with app(PAGE) as (at, _):
        at.selectbox(key="import_kind").set_value("parks")
        upload(at, "parks.geojson", parks.to_json().encode())
        at.checkbox(key="import_rezone").uncheck().run()
        confirm_import(at)
        layers = active(at)
        assert layers.parcels.park_id.fillna("").tolist() == (
            demo.parcels.park_id.fillna("").tolist()
        )


def excel_firms() -> bytes:
    table = pd.DataFrame(
        {
            "企业编号": ["K1", "K2", "K3"],
            "企业名称": ["甲公司", "乙公司", "丙公司"],
            "产业集群": ["芯片", "芯片", "新能源"],
            "是否规上": ["是", "否", "是"],
            "产值": [100, 200, 300],
            "经度": [114.36, 114.37, 114.38],
            "纬度": [22.72, 22.72, 22.71],
        }
    )
    buffer = io.BytesIO()
    table.to_excel(buffer, index=False)
    return buffer.getvalue()


def import_firms(at):
    at.selectbox(key="import_kind").set_value("enterprises")
    upload(at, "firms.xlsx", excel_firms())
    confirm_import(at)


def test_imported_layers_survive_a_refresh_through_the_address(own_workspace):
    with app(PAGE) as (at, _):
        import_firms(at)
        import_id = at.query_params["data"]
        assert (own_workspace / "imports" / f"{import_id}.gpkg").exists()
        assert active(at).counts()["enterprises"] == 3
    # a refresh (or the link sent to a colleague) is a new session with the same address
    with app("ui/overview_page.py", query={"data": import_id}) as (at, _):
        assert not at.exception and not at.error
        layers = active(at)
        assert not layers.is_demo
        assert layers.counts()["enterprises"] == 3
        assert sorted(layers.enterprises.name) == ["丙公司", "乙公司", "甲公司"]
        assert layers.counts()["parcels"] == len(load_demo().parcels)
        assert layers.dem_path is not None  # the startup DEM still shades the map
        at.switch_page(PAGE).run()
        assert at.query_params["data"] == import_id  # kept in the address on every page
        next(b for b in at.button if b.label == "恢复示意数据").click().run()
        assert "data" not in at.query_params
        assert active(at).is_demo


def test_an_address_naming_no_kept_layers_says_so_and_shows_the_default(own_workspace):
    (own_workspace / "imports").mkdir()
    (own_workspace / "imports" / "00000000deadbeef.gpkg").write_bytes(b"not a geopackage")
    for bad, expected in [
        ("../../etc/passwd", "数据编号无效"),
        ("0123456789abcdef", "已不存在"),
        ("00000000deadbeef", "已损坏"),
    ]:
        with app("ui/overview_page.py", query={"data": bad}) as (at, _):
            assert not at.exception
            assert expected in at.error[0].value
            assert active(at).is_demo
            assert "data" not in at.query_params
            at.run()
            assert not at.error  # said once, not on every rerun


def test_an_unwritable_workspace_keeps_the_import_for_the_session_and_says_so(
    monkeypatch, tmp_path
):
    with app(PAGE) as (at, _):
        import_firms(at)
        assert at.query_params["data"]  # kept while the workspace could be written
        blocker = tmp_path / "not_a_folder"
        blocker.write_text("x")
        monkeypatch.setenv("LANDPLAN_WORKSPACE", str(blocker / "ws"))
        _, data = demo_parcels_file(n=12)
        at.selectbox(key="import_kind").set_value("parcels")
        upload(at, "parcels.geojson", data)
        confirm_import(at)
        assert active(at).counts()["parcels"] == 12
        assert active(at).counts()["enterprises"] == 3
        assert any("只在本次浏览器会话中有效" in w.value for w in at.warning)
        # the address no longer names the earlier import, which is not what is shown now
        assert "data" not in at.query_params
