"""Vector tiles of a map payload (PMTiles written by GDAL) and the layer that draws them."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from ui import maps


def small_payload() -> dict:
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["P1", "P2", "P3"],
            "park_id": ["gaoxin_south", None, "gaoxin_south"],
            "status": ["built", "available", "reserve"],
            "land_use": ["M1", "M0", "W"],
            "area_m2": [10000.0, 20000.0, 30000.0],
            "far_current": [1.2, None, 0.5],
            "name": ["<b>甲</b>", None, "乙"],
        },
        geometry=[
            shapely.box(114.350, 22.700, 114.351, 22.701),
            shapely.box(114.352, 22.700, 114.353, 22.701),
            shapely.box(114.354, 22.700, 114.355, 22.701),
        ],
        crs=4326,
    )
    return maps.parcels_payload(parcels, None)


def test_tiles_keep_every_feature_with_its_colour_and_escaped_tooltip_text(tmp_path):
    payload = small_payload()
    path = tmp_path / "p.pmtiles"
    path.write_bytes(maps.pmtiles_bytes(payload, "parcels"))
    read = pyogrio.read_dataframe(path, layer="parcels").sort_values("parcel_id")
    assert read["parcel_id"].tolist() == ["P1", "P2", "P3"]
    want = {f["properties"]["parcel_id"]: f["properties"] for f in payload["features"]}
    for row in read.itertuples():
        props = want[row.parcel_id]
        assert row.status_label == props["status_label"]
        assert read.loc[row.Index, "_color"] == props["_color"]
    # HTML in a name stays escaped, as in the GeoJSON payload.
    assert read.set_index("parcel_id").loc["P1", "name"] == "&lt;b&gt;甲&lt;/b&gt;"
    # Geometry kept to the tile grid's precision at the deepest zoom (a few metres).
    got = read.set_index("parcel_id").geometry.to_crs(4547)
    for feature in payload["features"]:
        original = gpd.GeoSeries([shapely.geometry.shape(feature["geometry"])], crs=4326).to_crs(
            4547
        )[0]
        assert got[feature["properties"]["parcel_id"]].hausdorff_distance(original) < 5.0


def test_tile_layer_script_loads_the_file_offline_and_escapes_labels():
    m = folium.Map(location=[22.7, 114.35], zoom_start=13, tiles=None)
    maps.add_tiles(
        m,
        "/app/static/cache/x.pmtiles",
        "地块 <i>",
        "parcels",
        tooltip_fields=[("parcel_id", "编号 <script>")],
    )
    maps.add_layer_control(m)
    page = m.get_root().render()
    assert "protomapsL.leafletLayer" in page
    assert '"/app/static/cache/x.pmtiles"' in page
    assert "/app/static/vendor/protomaps-leaflet/protomaps-leaflet.js" in page
    assert "编号 &lt;script&gt;" in page and "编号 <script>" not in page
    assert "\\u0026lt;i\\u0026gt;" in page and "<i>" not in page  # layer name, escaped
    # The same fill colour rule and defaults as the GeoJSON layer.
    assert '"fillOpacity": 0.75' in page and "f.props._color" in page


# --------------------------------------------------------------------------- overview


def _decode(png: bytes):
    import io

    import numpy as np
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    assert image.mode == "P"
    index = np.asarray(image)
    palette = image.getpalette()
    return index, palette, image.info.get("transparency")


def _pixel_of(overview, lon: float, lat: float) -> tuple[int, int]:
    """Column and row of a point in the overview image, by the Web Mercator formulas."""
    import math

    def y(lat_deg):
        return math.log(math.tan(math.pi / 4 + math.radians(lat_deg) / 2))

    west, south, east, north = overview.bounds
    width, height = overview.size_px
    col = int((lon - west) / (east - west) * width)
    row = int((y(north) - y(lat)) / (y(north) - y(south)) * height)
    return col, row


def test_overview_image_colours_each_cell_by_the_polygon_under_it():
    # Three 200 m squares far apart: two red, one blue; and a hole of nothing between.
    d = 0.002
    geoms = [
        shapely.box(114.300, 22.700, 114.300 + d, 22.700 + d),
        shapely.box(114.310, 22.700, 114.310 + d, 22.700 + d),
        shapely.box(114.300, 22.710, 114.300 + d, 22.710 + d),
    ]
    from ui.maps._overview import overview_image

    ov = overview_image(geoms, ["#E53935", "#1e88e5", "#e53935"], ["低效用地", "储备", "x"])
    index, palette, transparent = _decode(ov.png)
    colour = {
        k: "#" + "".join(f"{v:02x}" for v in palette[3 * k : 3 * k + 3])
        for k in range(len(palette) // 3)
    }
    at = lambda lon, lat: index[_pixel_of(ov, lon, lat)[::-1]]  # noqa: E731
    assert colour[at(114.301, 22.701)] == "#e53935"
    assert colour[at(114.311, 22.701)] == "#1e88e5"
    assert colour[at(114.301, 22.711)] == "#e53935"
    assert at(114.305, 22.705) == transparent  # between the squares: nothing
    # One label per colour, the first seen; colours written lower-case.
    assert ov.labels == {"#e53935": "低效用地", "#1e88e5": "储备"}
    # 200 m squares: 200 m of longitude is ≈ 227 Mercator m, 227 / 38.2 ≥ 4 px at zoom 12,
    # so the overview stops at zoom 11 and its cells are a pixel of zoom 12 (≈ 35 m).
    assert ov.max_zoom == 11
    west, south, east, north = ov.bounds
    assert west <= 114.300 and east >= 114.312 and south <= 22.700 and north >= 22.712
    cell_deg = (east - west) / ov.size_px[0]
    assert cell_deg == pytest.approx(360 / (256 * 2**12), rel=1e-9)
    # A 200 m square is about 5.7 cells wide.
    red = index == next(k for k, c in colour.items() if c == "#e53935")
    assert 2 * 4 * 4 <= red.sum() <= 2 * 7 * 7


@pytest.mark.parametrize(
    ("width_m", "zoom"),
    # One pixel at display zoom z is 40,075,016.7 / (256 · 2^z) Mercator metres: 38.2 m at
    # 12, 19.1 m at 13, 9.55 m at 14. The overview zoom is the deepest z whose next zoom
    # still shows the median width under 4 px, kept within 11…14.
    [(400.0, 11), (100.0, 12), (44.0, 13), (20.0, 14), (1.0, 14)],
)
def test_overview_zoom_is_where_the_median_polygon_is_under_four_pixels(width_m, zoom):
    from ui.maps._overview import overview_zoom

    areas = np.array([width_m**2, width_m**2, (3 * width_m) ** 2, 0.1])
    assert overview_zoom(areas) == zoom


def test_overview_rows_follow_web_mercator_not_latitude():
    # Two squares 2° of latitude apart at 60° N: Mercator stretches the northern one.
    from ui.maps._overview import overview_image

    geoms = [shapely.box(10.0, 58.0, 10.2, 58.1), shapely.box(10.0, 60.0, 10.2, 60.1)]
    ov = overview_image(geoms, ["#111111", "#222222"], ["a", "b"])
    index, _, transparent = _decode(ov.png)
    assert transparent == 0
    for lat, code in ((58.05, 1), (60.05, 2)):
        col, row = _pixel_of(ov, 10.1, lat)
        assert index[row, col] == code
    # The northern square spans more rows than the southern one (1/cos φ).
    south_rows = (index == 1).any(axis=1).sum()
    north_rows = (index == 2).any(axis=1).sum()
    assert north_rows > south_rows


def test_no_overview_for_points_or_too_many_colours():
    from ui.maps._overview import overview_image

    points = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [114.3, 22.7]},
                "properties": {"_color": "#000000"},
            }
        ],
    }
    assert maps.overview_of(points, "label") is None
    boxes = [
        shapely.box(114 + k * 0.001, 22.7, 114 + k * 0.001 + 0.0005, 22.7005) for k in range(300)
    ]
    assert overview_image(boxes, [f"#{k:06x}" for k in range(300)], ["x"] * 300) is None
    assert overview_image([], [], []) is None


def test_published_tiles_of_a_big_polygon_layer_start_where_the_overview_ends(
    tmp_path, monkeypatch
):
    import ui.static_cache as static_cache

    monkeypatch.setattr(static_cache, "STATIC_CACHE", tmp_path)
    payload = small_payload()
    url, overview, image_url = static_cache.publish_tiles(
        payload, "parcels", overview_label="status_label"
    )
    assert image_url.endswith(".png") and url.endswith(".pmtiles")
    assert (tmp_path / image_url.rsplit("/", 1)[1]).read_bytes() == overview.png
    assert set(overview.labels.values()) == {"已建成", "可供应", "储备/待整备"}
    header = (tmp_path / url.rsplit("/", 1)[1]).read_bytes()[:127]
    assert header[:7] == b"PMTiles" and header[7] == 3
    assert (header[100], header[101]) == (overview.max_zoom, maps.TILE_MAX_ZOOM)
    # Without an overview (points, or not asked for) the tiles cover every zoom.
    url2, none, no_image = static_cache.publish_tiles(payload, "parcels")
    assert none is None and no_image is None
    header = (tmp_path / url2.rsplit("/", 1)[1]).read_bytes()[:127]
    assert (header[100], header[101]) == (maps.TILE_MIN_ZOOM, maps.TILE_MAX_ZOOM)


def test_tile_layer_with_an_overview_shows_the_image_up_to_its_zoom_and_escapes_labels():
    payload = small_payload()
    payload["features"][0]["properties"]["status_label"] = "&lt;b&gt;x"  # escaped, as payloads are
    overview = maps.overview_of(payload, "status_label")
    m = folium.Map(location=[22.7, 114.35], zoom_start=12, tiles=None)
    maps.add_tiles(
        m,
        "/app/static/cache/x.pmtiles",
        "地块",
        "parcels",
        overview=overview,
        overview_url="/app/static/cache/o.png",
        lang="en",
    )
    page = m.get_root().render()
    assert "L.imageOverlay(overview.url" in page and '"/app/static/cache/o.png"' in page
    assert f'"maxZoom": {overview.max_zoom}' in page
    assert "map.getZoom() <= overviewMax" in page and "minZoom: overview" not in page
    assert f"zoom in to level {overview.max_zoom + 1}" in page
    assert "&lt;b&gt;x" in page and "<b>x" not in page
    # Without one the layer is the tiles alone.
    m2 = folium.Map(location=[22.7, 114.35], zoom_start=12, tiles=None)
    maps.add_tiles(m2, "/app/static/cache/x.pmtiles", "地块", "parcels")
    assert "var overview = null;" in m2.get_root().render()
