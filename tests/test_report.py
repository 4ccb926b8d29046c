"""方案报告: the PDF opens with a reader library, has its pages, text, images and embedded CJK
font; the HTML fetches nothing; user text is escaped; the pages render to images."""

from __future__ import annotations

import html.parser
import io
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from analysis.indicators import scenario_indicators
from analysis.standards import load_standards
from geo.errors import InputError
from layers.catalog import load_demo
from layers.scenario import apply, new_scenario, set_attributes
from report import CJK_FAMILY, ReportSide, report_html, scenario_report
from report._maps import scale_bar_length_m

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "report"
NAME = "高新南工业上楼 <b>方案</b> & 1"
WHEN = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo():
    layers = load_demo()
    std = load_standards()
    parcels = layers.parcels
    ids = parcels.loc[
        (parcels["park_id"] == "gaoxin_south") & (parcels["status"] == "low_efficiency"),
        "parcel_id",
    ].tolist()
    assert ids, "the demo has low-efficiency land in 高新南"
    scenario = new_scenario(NAME, author="李规划").with_edit(
        set_attributes(ids, highrise=True, author="王工", note="工业上楼")
    )
    applied = apply(scenario, layers)
    base_side = ReportSide("现状", layers, scenario_indicators(layers, standards=std))
    side = ReportSide(
        NAME,
        applied.layers,
        scenario_indicators(applied.layers, standards=std),
        scenario,
        applied.changes,
    )
    return layers, std, base_side, side


@pytest.fixture(scope="module")
def comparison(demo):
    layers, std, base_side, side = demo
    return scenario_report(layers, [base_side, side], std, generated_at=WHEN, version="v-test")


def _texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() or "" for page in reader.pages]


def _first_page_with(texts: list[str], needle: str) -> int:
    hits = [i for i, text in enumerate(texts) if needle in text]
    assert hits, f"{needle!r} is on no page"
    return hits[0]


def test_the_pdf_has_its_pages_in_order(comparison) -> None:
    reader = PdfReader(io.BytesIO(comparison.pdf))
    texts = _texts(reader)
    # Title, indicators, 9 maps at two a page, the edit list, the standards.
    assert len(reader.pages) >= 1 + 1 + 5 + 1 + 1
    first = texts[0]
    assert "方案比选报告" in first
    assert "高新南工业上楼" in first
    assert "示意数据" in first
    assert "2026-05-01 08:30 UTC" in first
    assert "v-test" in first
    sections = [
        _first_page_with(texts, h)
        for h in ("一、指标", "二、地图", "三、编辑记录", "四、采用的标准")
    ]
    assert sections == sorted(sections) and sections[0] == 1
    # Every page carries the footer with its number.
    assert all(f"{i + 1} / {len(texts)}" in text for i, text in enumerate(texts))


def test_the_pdf_holds_the_tables_and_edit_list(comparison) -> None:
    texts = _texts(PdfReader(io.BytesIO(comparison.pdf)))
    everything = "\n".join(texts)
    assert "建筑面积（万 m²）" in everything
    assert "用地面积（公顷）" in everything
    assert "建筑面积增量" in everything
    edits = texts[_first_page_with(texts, "三、编辑记录")]
    assert "王工" in edits
    assert "工业上楼" in edits
    standards = "\n".join(texts[_first_page_with(texts, "四、采用的标准") :])
    assert "假设值" in standards
    assert "宝安区工业上楼工作指引" in standards


def _image_count(reader: PdfReader) -> int:
    """Distinct images drawn on the pages (pages may share one resource dictionary)."""
    return len({image.data for page in reader.pages for image in page.images})


def test_the_pdf_has_one_image_per_map(comparison) -> None:
    reader = PdfReader(io.BytesIO(comparison.pdf))
    # Status A and B, the changes of B, blocks A and B, increment A and B, 3D A and B.
    assert _image_count(reader) == 9
    maps_page = _first_page_with(_texts(reader), "二、地图")
    image = reader.pages[maps_page].images[0].image
    assert image.width >= 700 and image.height >= 500


def test_the_cjk_font_is_embedded(comparison) -> None:
    reader = PdfReader(io.BytesIO(comparison.pdf))
    embedded = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            for f in [font, *([d.get_object() for d in descendants] if descendants else [])]:
                descriptor = f.get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    embedded.add(str(f.get("/BaseFont")))
    assert any(CJK_FAMILY.replace(" ", "-") in name for name in embedded), embedded


def test_the_report_is_small_enough(comparison) -> None:
    assert len(comparison.pdf) <= 10 * 1024 * 1024
    assert comparison.name.startswith("方案报告_")


class _References(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag, attrs) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                self.urls.append(value)

    def handle_data(self, data) -> None:
        if self._in_style:
            self.style += data


def test_the_html_fetches_nothing_and_escapes_user_text(comparison) -> None:
    text = comparison.html
    refs = _References()
    refs.feed(text)
    assert refs.urls and all(u.startswith("data:image/png;base64,") for u in refs.urls)
    assert "url(" not in refs.style and "@import" not in refs.style
    assert "http://" not in text and "https://" not in text
    assert "<b>方案</b>" not in text
    assert "&lt;b&gt;方案&lt;/b&gt; &amp; 1" in text
    # The PDF shows the name literally too.
    assert "<b>方案</b>" in PdfReader(io.BytesIO(comparison.pdf)).pages[0].extract_text()


def test_one_scenario_has_a_before_map_and_no_notice_without_demo_data(demo) -> None:
    layers, std, _base, side = demo
    plain = replace(layers, is_demo=False, parcels=layers.parcels.drop(columns="source"))
    side_plain = replace(
        side,
        layers=replace(
            side.layers, is_demo=False, parcels=side.layers.parcels.drop(columns="source")
        ),
    )
    text = report_html(plain, [side_plain], std, generated_at=WHEN)
    assert "示意数据" not in text
    assert text.count("<img ") == 6  # before, after, changes, blocks, increment, 3D
    assert "方案报告" in text and "方案比选报告" not in text


def test_a_report_needs_one_or_two_scenarios(demo) -> None:
    layers, std, base_side, side = demo
    with pytest.raises(InputError, match="一个或两个"):
        report_html(layers, [], std)
    with pytest.raises(InputError, match="一个或两个"):
        report_html(layers, [base_side, side, side], std)


@pytest.mark.parametrize(
    ("width_m", "expected"), [(10_000.0, 2_000.0), (7_300.0, 1_000.0), (26_000.0, 5_000.0)]
)
def test_scale_bar_is_a_round_fifth_of_the_width(width_m, expected) -> None:
    assert scale_bar_length_m(width_m) == expected


def test_the_pages_render_to_images(comparison, tmp_path) -> None:
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "poppler-utils (pdftoppm) is required; .ci/run installs it"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(comparison.pdf)
    subprocess.run([pdftoppm, "-png", "-r", "50", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == len(PdfReader(io.BytesIO(comparison.pdf)).pages)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for page in pages:
        pixels = np.asarray(Image.open(page).convert("L"), dtype=float)
        assert pixels.std() > 5.0, f"{page.name} is blank"
        shutil.copy(page, ARTIFACTS / page.name)


# ------------------------------------------------------------------ the pages (AppTest)


def report_buttons(at) -> list:
    return [b for b in at.get("download_button") if b.key.startswith("scenario_report_")]


def test_the_comparison_offers_the_3d_view_and_both_downloads():
    from tests.app_harness import app
    from tests.test_app_scenario import PAGE, create, mark_highrise, open_compare, pocket_ids

    with app(PAGE, timeout=240) as (at, _):
        create(at, "高新南工业上楼")
        mark_highrise(at, pocket_ids())
        assert not at.get("deck_gl_json_chart")  # nothing computed while the 对比 tab is shut
        open_compare(at)
        assert len(at.get("deck_gl_json_chart")) == 1
        assert not report_buttons(at)  # nothing to download before the click
        at.button(key="scenario_report_make").click().run()
        assert not at.exception, at.exception
        labels = [b.label for b in report_buttons(at)]
        assert labels == ["下载 PDF", "下载 HTML"]
        report = at.session_state["scenario_report_built"][1]
        texts = _texts(PdfReader(io.BytesIO(report.pdf)))
        assert "高新南工业上楼" in texts[0] and "示意数据" in texts[0]
        # B alone: a new signature, so the old report's downloads are gone until made again.
        at.toggle(key="scenario_report_only_b").set_value(True).run()
        assert not report_buttons(at)


def test_the_english_report_has_english_headings(demo) -> None:
    layers, std, base_side, side = demo
    text = report_html(layers, [base_side, side], std, lang="en", generated_at=WHEN)
    for heading in ("Scenario comparison", "1. Indicators", "2. Maps", "3. Edit list"):
        assert heading in text
    for chinese in ("方案比选报告", "一、指标", "三、编辑记录", "生成时间"):
        assert chinese not in text
    assert "Floor area (10⁴ m²)" in text


# ------------------------------------------------------------------ the 3D figure


def test_a_prism_has_a_top_and_one_side_per_edge_at_the_right_heights() -> None:
    from shapely.geometry import box

    from report._massing import prism_faces

    top, *sides = prism_faces(box(0, 0, 10, 20), base=3.0, top=9.0)
    assert top.shape == (4, 3) and set(top[:, 2]) == {9.0}
    assert len(sides) == 4
    for side in sides:
        assert sorted(side[:, 2]) == [3.0, 3.0, 9.0, 9.0]
    # the sides go round the outline: their bottom edges are the box's edges
    edges = {tuple(map(tuple, side[:2, :2])) for side in sides}
    assert ((0.0, 0.0), (10.0, 0.0)) in edges or ((10.0, 0.0), (0.0, 0.0)) in edges


@pytest.mark.parametrize(
    ("extent_m", "height_m", "expected"),
    [(20_000.0, 50.0, 16), (1_000.0, 60.0, 1), (10_000.0, 0.0, 1), (5_000.0, 100.0, 2)],
)
def test_the_height_factor_is_whole_and_never_below_one(extent_m, height_m, expected) -> None:
    from report._massing import height_factor

    assert height_factor(extent_m, height_m) == expected  # round(0.04 * extent / height)


def test_the_3d_figure_shows_the_band_colours_and_says_the_exaggeration(demo) -> None:
    from report._massing import massing_figure
    from ui.maps import BAND_COLORS

    layers, std, base_side, _ = demo
    png = massing_figure(base_side.indicators.parcel_capacity, layers.parks, std, title="3D")
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3).astype(int)
    for band in ("ground", "std"):  # shaded sides are darker: look for the lit tops' hue
        rgb = np.array(BAND_COLORS[band][:3])
        near = np.abs(pixels - rgb).max(axis=1) < 60
        assert near.sum() > 50, band
    empty = base_side.indicators.parcel_capacity.assign(redeveloped=False)
    blank = massing_figure(empty, layers.parks, std, title="3D")
    assert Image.open(io.BytesIO(blank)).size == Image.open(io.BytesIO(png)).size
