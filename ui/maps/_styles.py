"""Colours, palettes and legends of the maps, and the map's own layer names.

One table per coded value (parcel status, land use, cluster, contiguity size class,
local co-location type, scenario change), so a feature and its legend entry always take
their colour from the same place: :func:`category_colors` colours features and
:func:`code_legend` / :func:`bins_legend` list the same (colour, label) pairs. Numeric
values are binned on quantile breaks (:func:`nice_bins`) into a light → dark ramp.

Legend text is HTML-escaped here: Leaflet inserts the legend box as HTML.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence

import folium
import numpy as np
from branca.element import MacroElement
from jinja2 import Template

from analysis.colocation import COLOCATED, ISOLATED, NOT_SIGNIFICANT
from layers.schema import CodeList
from ui.i18n import pick

STATUS_COLORS = {
    "built": "#8c8c8c",
    "under_construction": "#b57edc",
    "granted_unbuilt": "#f2b84b",
    "available": "#43a047",
    "reserve": "#1e88e5",
    "low_efficiency": "#e53935",
    "non_industrial": "#e6e6e6",
}
LAND_USE_COLORS = {"M1": "#a1887f", "M0": "#7e57c2", "W": "#26a69a", "other": "#d0d0d0"}
#: Enterprises by cluster. Drawn on top of parcels coloured by status, so no colour here is
#: near a status colour (CIEDE2000 ≥ :data:`PALETTE_MIN_DELTA_E00` to every status colour,
#: and between any two clusters; ``tests/test_palette.py``): no reds, greens, blues, ambers
#: or greys of the status map, but navy, mint, pink, violet, lime, cyan, salmon, plum.
CLUSTER_COLORS = {
    "car": "#004477",
    "pharma": "#00ddaa",
    "chip": "#ff3388",
    "ai": "#9900ff",
    "energy": "#bbcc00",
    "equipment": "#882200",
    "photonics": "#00ccff",
    "lowalt": "#ffaa88",
    "cellgene": "#446600",
    "traditional": "#663355",
    "other": "#007777",
}
#: Smallest CIEDE2000 difference between a cluster colour and a status colour, or two
#: cluster colours (the reasoning is in ``tests/test_palette.py``).
PALETTE_MIN_DELTA_E00 = 20.0
#: Contiguous blocks by ``analysis.contiguity.SIZE_CLASS`` (labels come from there).
SIZE_CLASS_COLORS = {"km2": "#b71c1c", "large": "#fb8c00", "small": "#ffe082"}
CONSTRAINT_STYLES = {
    "eco_line": {"color": "#2e7d32", "fillColor": "#a5d6a7", "fillOpacity": 0.35, "weight": 1},
    "block_line_1": {"color": "#0d47a1", "fillOpacity": 0.0, "weight": 2, "dashArray": "6 4"},
    "block_line_2": {"color": "#64b5f6", "fillOpacity": 0.0, "weight": 2, "dashArray": "3 4"},
    "water": {"color": "#1565c0", "fillColor": "#64b5f6", "fillOpacity": 0.7, "weight": 1},
    "trunk_road": {"color": "#f9a825", "fillColor": "#ffe082", "fillOpacity": 0.6, "weight": 0.5},
}
#: Local co-location type of each focal (A) firm, and the colour of the neighbour (B) firms.
LOCAL_TYPE_COLORS = {
    COLOCATED: "#d7191c",
    ISOLATED: "#2c7bb6",
    NOT_SIGNIFICANT: "#fdd835",
}
LOCAL_TYPE_LABELS = {
    COLOCATED: ("显著共位", "co-located"),
    ISOLATED: ("显著隔离", "isolated"),
    NOT_SIGNIFICANT: ("不显著", "not significant"),
}
B_POINT_COLOR = "#757575"
#: Parcels a scenario adds, removes or modifies (labels: ``layers.scenario.CHANGE_LABELS``).
CHANGE_COLORS = {"added": "#00897b", "removed": "#6d4c41", "modified": "#f9a825"}
#: Building masses of 工业上楼 by floor band of the default template (RGBA; the 3D view and the
#: report's 3D figure); other bands get :data:`OTHER_BAND_COLOR`.
BAND_COLORS: dict[str, list[int]] = {
    "ground": [191, 54, 12, 235],
    "low": [245, 124, 0, 235],
    "std": [66, 165, 245, 235],
}
OTHER_BAND_COLOR = [158, 158, 158, 235]
#: The existing floor area: light and translucent, so the new bands stay readable.
EXISTING_COLOR = [189, 189, 189, 150]
#: Bands that do not suit the cluster chosen for colouring.
UNSUITED_COLOR = [224, 224, 224, 90]
#: Firms new, closed or moved between two years' enterprise lists (``analysis.colocation``).
FIRM_CHANGE_COLORS = {"new": "#00897b", "closed": "#6d4c41", "moved": "#f9a825"}
#: Outline of the parcels selected on the scenario map.
SELECTION_COLOR = "#00e5ff"
#: Sequential ramp (light → dark) for numeric values such as GFA increments.
SEQUENTIAL = ["#fff5eb", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"]
#: Colour of features with nothing to show on a numeric map (not redeveloped, non-industrial).
NO_VALUE_COLOR = "#e0e0e0"
#: Colour of a code missing from its palette.
UNKNOWN_COLOR = "#9e9e9e"
#: Focal firms without a co-location type (no permutation test was run).
UNTESTED_COLOR = UNKNOWN_COLOR

_TEXT = {
    "boundary": ("行政边界", "Boundaries"),
    "parks": ("园区与产业带", "Parks and corridor"),
    "axis": ("产业带轴线", "Corridor axis"),
    "parcels": ("地块", "Parcels"),
    "enterprises": ("企业", "Enterprises"),
    "anchors": ("龙头企业", "Anchor firms"),
    "constraints": ("约束与屏障", "Constraints and barriers"),
    "hillshade": ("山体阴影", "Hillshade"),
    "overview_hint": (
        "概览：放大到第 {zoom} 级可查看和点选单个地块",
        "Overview: zoom in to level {zoom} to see and pick single parcels",
    ),
}


def tr(key_or_pair: str | tuple[str, str], lang: str = "zh") -> str:
    """Pick the Chinese or English text of a pair or of a key of the map's own labels
    (the map builder takes the language as an argument; it never reads a session)."""
    return pick(_TEXT[key_or_pair] if isinstance(key_or_pair, str) else key_or_pair, lang)


# --------------------------------------------------------------------------- colours


def category_colors(
    values: Iterable, palette: Mapping[str, str], default: str = UNKNOWN_COLOR
) -> list[str]:
    """Colour per value from a code → colour table."""
    return [palette.get(v, default) for v in values]


def binned_colors(
    values: Iterable[float], bins: Sequence[float], palette: Sequence[str] = SEQUENTIAL
) -> list[str]:
    """Colour per value by the interval of ``bins`` it falls in (len(palette) == len(bins) + 1)."""
    arr = np.asarray(list(values), dtype=float)
    idx = np.digitize(np.nan_to_num(arr, nan=-np.inf), bins)
    return [palette[min(i, len(palette) - 1)] for i in idx]


def value_colors(
    values: np.ndarray, bins: Sequence[float], palette: Sequence[str] = SEQUENTIAL
) -> list[str]:
    """Binned colours; values ≤ 0 or missing get :data:`NO_VALUE_COLOR`."""
    colors = binned_colors(values, bins, palette)
    empty = ~(np.nan_to_num(np.asarray(values, dtype=float), nan=0.0) > 0)
    return [NO_VALUE_COLOR if e else c for c, e in zip(colors, empty, strict=True)]


def nice_bins(values: Iterable[float], n: int = 5) -> list[float]:
    """Quantile breaks, rounded to two significant digits, for a sequential legend."""
    arr = np.asarray(list(values), dtype=float)
    arr = arr[np.isfinite(arr) & (arr > 0)]
    if len(arr) == 0:
        return [0.0]
    qs = np.quantile(arr, np.linspace(0, 1, n + 1)[1:-1])
    rounded = sorted({float(f"{q:.2g}") for q in qs})
    return [0.0, *[r for r in rounded if r > 0]] if rounded[0] > 0 else rounded


# --------------------------------------------------------------------------- legends


def code_legend(
    codes: CodeList,
    palette: Mapping[str, str],
    lang: str = "zh",
    present: Iterable[str] | None = None,
) -> list[tuple[str, str]]:
    """Legend items for the codes of an enumeration (optionally only those present)."""
    keep = set(present) if present is not None else None
    return [
        (palette.get(c, UNKNOWN_COLOR), codes.label(c, lang))
        for c in codes.codes
        if keep is None or c in keep
    ]


def pair_legend(
    labels: Mapping[str, tuple[str, str]], palette: Mapping[str, str], lang: str = "zh"
) -> list[tuple[str, str]]:
    """Legend items for codes labelled by (Chinese, English) pairs, in ``palette`` order."""
    return [(color, tr(labels[code], lang)) for code, color in palette.items()]


def bins_legend(
    bins: Sequence[float],
    *,
    scale: float = 1e4,
    unit: str = "",
    palette: Sequence[str] = SEQUENTIAL,
    none_label: str | None = None,
) -> list[tuple[str, str]]:
    """Legend items matching :func:`value_colors` (values shown divided by ``scale``)."""
    items = []
    if none_label:
        items.append((NO_VALUE_COLOR, none_label))
    edges = list(bins)
    for i, lo in enumerate(edges):
        color = palette[min(i + 1, len(palette) - 1)]
        if i + 1 < len(edges):
            text = f"{lo / scale:g} – {edges[i + 1] / scale:g}"
        else:
            text = f"≥ {lo / scale:g}"
        items.append((color, f"{text} {unit}".strip()))
    return items


class _Legend(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function() {
                var div = L.DomUtil.create('div', 'ps-legend');
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, position: str):
        super().__init__()
        self._name = "Legend"
        self.html = html_text
        self.position = position


#: Sections with more items than this are laid out in two columns, so a legend of the
#: eleven clusters and the seven parcel states stays shorter than the map.
LEGEND_ONE_COLUMN_MAX = 6


def legend_html(sections: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> str:
    """The HTML of a legend box: titled sections of (colour, label) items, text escaped.

    Long sections wrap into two columns (:data:`LEGEND_ONE_COLUMN_MAX`); the box scrolls
    only if it would still be taller than the map allows.
    """
    parts = [
        '<div style="background:rgba(255,255,255,0.92);padding:6px 8px;border-radius:4px;'
        "font:12px/1.35 'WenQuanYi Micro Hei','Microsoft YaHei',sans-serif;"
        'box-shadow:0 1px 4px rgba(0,0,0,0.3);max-height:440px;overflow:auto">'
    ]
    for title, items in sections:
        parts.append(f'<div style="font-weight:bold;margin:2px 0">{html.escape(title)}</div>')
        columns = 2 if len(items) > LEGEND_ONE_COLUMN_MAX else 1
        parts.append(f'<div style="column-count:{columns};column-gap:12px">')
        for color, label in items:
            parts.append(
                '<div style="break-inside:avoid;white-space:nowrap">'
                '<span style="display:inline-block;width:12px;height:12px;margin-right:5px;'
                f'vertical-align:middle;border:1px solid #555;background:{html.escape(color)}"></span>'
                f"{html.escape(label)}</div>"
            )
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def add_legends(
    m: folium.Map,
    sections: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    *,
    position: str = "bottomright",
) -> None:
    """One legend box with several titled sections of (colour, label) items."""
    m.add_child(_Legend(legend_html(sections), position))
