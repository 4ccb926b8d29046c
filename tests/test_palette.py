"""The cluster palette against the parcel-status palette, by CIEDE2000 colour difference;
the metric scale bar and park labels of every map."""

from __future__ import annotations

import itertools
import re

import pytest
from shapely.geometry import box

from ui import maps
from ui.maps import CLUSTER_COLORS, PALETTE_MIN_DELTA_E00, STATUS_COLORS, ciede2000, hex_to_lab

# Sharma, Wu & Dalal (2005), supplementary test data (Table 1): pairs 1, 2, 3, 7, 13, 17,
# 19–25 — (L*, a*, b*) of each sample and ΔE00.
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0009), 7.1792),
    ((50.0, -0.0010, 2.4900), (50.0, 0.0009, -2.4900), 4.8045),
    ((50.0, 2.5, 0.0), (50.0, 0.0, -2.5), 4.3065),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
    ((50.0, 2.5, 0.0), (50.0, 3.1736, 0.5854), 1.0000),
    ((50.0, 2.5, 0.0), (50.0, 3.2972, 0.0), 1.0000),
]


@pytest.mark.parametrize(("lab1", "lab2", "expected"), SHARMA)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_srgb_to_lab_known_colours():
    assert hex_to_lab("#ffffff") == pytest.approx((100.0, 0.0, 0.0), abs=1e-3)
    assert hex_to_lab("#000000") == pytest.approx((0.0, 0.0, 0.0), abs=1e-9)
    # sRGB red, D65: L* 53.24, a* 80.09, b* 67.20 (CIE 15 with the sRGB matrix).
    assert hex_to_lab("#ff0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.01)


def test_cluster_colours_never_come_near_a_status_colour():
    """Every cluster colour differs from every status colour, and from every other cluster
    colour, by at least ΔE00 = 20.

    Why 20: ΔE00 ≈ 1 is the difference an observer just notices between two large
    patches side by side, and a few units pass for "the same colour" in print tolerances.
    Firms are dots of 2.5–7 px drawn over parcel fills, where small marks need several
    times the side-by-side difference to be told apart (Stone, Szafir & Setlur 2014,
    "An engineering model for color difference as a function of size"). 20 is an order of
    magnitude above the just-noticeable difference: the old palette's clashes (red 半导体 vs
    red 低效用地, ΔE00 ≈ 5; green 生物医药 vs green 可供应, ≈ 4) fail it by far, while the
    status colours among themselves are ≥ 20 apart except the two greys of 已建成/非工业.
    """
    worst = min(
        (ciede2000(hex_to_lab(c), hex_to_lab(s)), cluster, status)
        for (cluster, c), (status, s) in itertools.product(
            CLUSTER_COLORS.items(), STATUS_COLORS.items()
        )
    )
    assert worst[0] >= PALETTE_MIN_DELTA_E00, worst
    inner = min(
        (ciede2000(hex_to_lab(a), hex_to_lab(b)), x, y)
        for (x, a), (y, b) in itertools.combinations(CLUSTER_COLORS.items(), 2)
    )
    assert inner[0] >= PALETTE_MIN_DELTA_E00, inner
    assert PALETTE_MIN_DELTA_E00 >= 20.0


def test_the_old_clashes_would_fail():
    red_chip, red_low = "#d62728", STATUS_COLORS["low_efficiency"]
    green_pharma, green_available = "#2ca02c", STATUS_COLORS["available"]
    assert ciede2000(hex_to_lab(red_chip), hex_to_lab(red_low)) < PALETTE_MIN_DELTA_E00
    assert ciede2000(hex_to_lab(green_pharma), hex_to_lab(green_available)) < 10


def test_every_map_has_a_metric_only_scale_and_park_labels():
    import geopandas as gpd

    m = maps.base_map((114.3, 22.6, 114.4, 22.7))
    parks = gpd.GeoDataFrame(
        {"name": ["高新南", "<b>x</b>"], "kind": ["park", "corridor"]},
        geometry=[box(114.32, 22.62, 114.34, 22.64), box(114.35, 22.62, 114.36, 22.64)],
        crs="EPSG:4326",
    )
    payload = maps.geojson_payload(parks, ["name", "kind"])
    maps.add_context(m, None, payload, None, "zh")
    page = m.get_root().render()
    assert "imperial: false" in page and "L.control.scale({metric: true" in page
    assert "imperial: true" not in page and '"imperial"' not in page
    # One label per park, at a point inside it, text escaped.
    assert page.count('"className": "ps-park-label"') == 2
    # (folium writes the icon HTML as JSON: "<" as \u003c, Chinese as \u escapes)
    assert "\\u9ad8\\u65b0\\u5357\\u003c/span\\u003e" in page
    assert r"\u0026lt;b\u0026gt;x\u0026lt;/b\u0026gt;\u003c/span" in page
    assert "\\u003cb\\u003ex" not in page
    assert re.search(r"\[22\.63(0000+\d)?, 114\.33\]", page)


def test_long_legends_wrap_into_two_columns():
    items = [(c, f"c{i}") for i, c in enumerate(CLUSTER_COLORS.values())]
    html_text = maps.legend_html([("集群", items), ("短", items[:3])])
    assert html_text.count("column-count:2") == 1 and html_text.count("column-count:1") == 1
    assert all(f">c{i}</div>" in html_text for i in range(len(items)))
