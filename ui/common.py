"""Shared pieces of the pages: the session's layers, the basemap, the map, messages.

The session state lives here: which layers a browser session shows (the startup layers,
or imports kept in the workspace and named in the address, ``?data=<id>``), the basemap
chosen in the sidebar, and the analysis results offered for download. Maps are composed
from the Streamlit-free builder (``ui.maps``) with payloads from the caches (``ui.cache``);
labels and the language come from ``ui.i18n``. Text from users' files is always shown
literally (:func:`md_escape`), never as Markdown or HTML.

Map views: every map keeps the place the planner left it at across reruns (a click, a
form, an undo, an option, a basemap change) — kept in the browser per session and map
slot (``ui.maps._view`` explains why the browser and not a rerun per pan); the view the
map reported with its last event is in ``st.session_state[VIEWS_KEY][slot]``, and a view
the page imposes (a search result, :func:`map_search`) is handed to streamlit-folium's
``center``/``zoom`` once, which moves the live map without rebuilding it. The first map
of a session still fits the district.

Memory: when the session's layers are replaced, the analysis results published for the
old layers are dropped (they no longer match what is shown), and at the start of the
next run — when no page holds the old layers any more — :func:`release_memory` collects
garbage and hands freed heap back to the operating system (glibc's ``malloc_trim``), so
a large import does not keep the server's memory after it is replaced.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import json
import re
import secrets
import sys
from collections.abc import Callable, Iterable, Sequence

import folium
import numpy as np
import streamlit as st
from streamlit_folium import st_folium

from analysis.capacity import NO_GROUP
from geo.crs import WGS84, shift_geometries
from geo.errors import InputError
from layers.catalog import LayerSet
from layers.schema import CLUSTER, STATUS
from ui import maps
from ui.cache import (
    DATA_ENV,
    context_payloads,
    enterprises_tiles_url,
    enterprises_urls,
    hillshade,
    parcels_tiles_url,
    parcels_url,
    park_guidance,
    startup_layers,
    tile_min_features,
)
from ui.i18n import lang, t
from ui.imports import load_imported_layers, save_imported_layers
from ui.search import Match, find_features

__all__ = [
    "BASEMAP_KEY",
    "DATA_QUERY",
    "MAP_HEIGHT_PX",
    "RELEASE_KEY",
    "TIANDITU_KEY",
    "VIEWS_KEY",
    "add_enterprises",
    "add_parcels",
    "basemap",
    "cluster_legend",
    "current_layers",
    "demo_banner",
    "display_system",
    "from_display_system",
    "gcj02_notice",
    "go_to",
    "map_search",
    "md_escape",
    "new_drawing",
    "new_map",
    "new_map_event",
    "park_label",
    "park_labels",
    "park_name",
    "publish_result",
    "published_results",
    "release_memory",
    "set_layers",
    "show_input_error",
    "show_map",
    "startup_notice",
    "status_legend",
    "table_height",
]

LAYERS_KEY = "layers"
#: Session keys of the imported layers' id and of a failure to reopen them.
IMPORT_KEY = "layers_import_id"
IMPORT_PROBLEM_KEY = "layers_import_problem"
IMPORT_NOTICE_KEY = "layers_import_notice"
#: Session flag: layers were replaced, release memory at the start of the next run.
RELEASE_KEY = "layers_release_memory"
#: Address parameter naming imported layers kept in the workspace.
DATA_QUERY = "data"
BASEMAP_KEY = "basemap"
TIANDITU_KEY = "tianditu_key"
MAP_HEIGHT_PX = 620
#: Session keys of the maps' views: the token naming this session's kept views in the
#: browser, the view each map slot reported last, the views to impose at the next draw.
VIEW_TOKEN_KEY = "map_view_token"
VIEWS_KEY = "map_views"
GOTO_KEY = "map_goto"
#: Session key of the last drawing and click seen per map slot (:func:`new_map_event`).
SEEN_EVENT_KEY = "map_seen_event"
#: (lat, lng) around which the GCJ-02 offset of kept views is modelled (ui.maps._view).
DISTRICT_CENTER = (22.70, 114.35)
#: Highlight of a search result, drawn above every other layer.
FOUND_STYLE = {"weight": 4, "color": "#00e5ff", "opacity": 1.0, "fillOpacity": 0.15}


def current_layers() -> LayerSet:
    """The active LayerSet of this browser session: the startup layers, or the imported
    layers named in the address (``?data=<id>``), so a refresh or a shared link keeps them."""
    if LAYERS_KEY not in st.session_state:
        startup = startup_layers()[0]
        st.session_state[LAYERS_KEY] = startup
        wanted = st.query_params.get(DATA_QUERY)
        if wanted:
            try:
                st.session_state[LAYERS_KEY] = load_imported_layers(wanted, startup.dem_path)
                st.session_state[IMPORT_KEY] = wanted
            except InputError as exc:
                st.session_state[IMPORT_PROBLEM_KEY] = exc
                del st.query_params[DATA_QUERY]
    kept = st.session_state.get(IMPORT_KEY)
    if kept and st.query_params.get(DATA_QUERY) != kept:
        st.query_params[DATA_QUERY] = kept  # page changes drop it from the address
    return st.session_state[LAYERS_KEY]


def startup_notice() -> None:
    """Say so while the data named by LANDPLAN_DATA could not be used and the session still
    shows the demo in its place; and once, when imported layers named in the address could
    not be opened or kept."""
    startup, problem = startup_layers()
    if problem is not None and current_layers() is startup:
        show_input_error(problem)
        st.warning(
            t(
                f"环境变量 {DATA_ENV} 指定的数据无法使用，已改用示意数据。",
                f"The data named by {DATA_ENV} cannot be used; the demo data is shown instead.",
            )
        )
    lost = st.session_state.pop(IMPORT_PROBLEM_KEY, None)
    if lost is not None:
        show_input_error(lost, with_source=False)
    unsaved = st.session_state.pop(IMPORT_NOTICE_KEY, None)
    if unsaved is not None:
        st.warning(md_escape(unsaved))


def set_layers(layers: LayerSet) -> None:
    """Make ``layers`` the session's layers. Imported layers are also written to the
    workspace and named in the address, so a refresh does not lose them; going back to the
    demo (or the startup layers) clears that."""
    st.session_state[LAYERS_KEY] = layers
    st.session_state.pop(RESULTS_KEY, None)  # results of the old layers
    st.session_state[RELEASE_KEY] = True
    if layers.is_demo or layers is startup_layers()[0]:
        st.session_state.pop(IMPORT_KEY, None)
        if DATA_QUERY in st.query_params:
            del st.query_params[DATA_QUERY]
        return
    try:
        import_id = save_imported_layers(layers)
    except InputError as exc:
        # Shown by startup_notice on the next run: the page reruns right after an import.
        st.session_state[IMPORT_NOTICE_KEY] = t(
            f"导入的数据只在本次浏览器会话中有效，刷新页面后会恢复默认数据：{exc.zh}",
            f"The imported data lasts for this browser session only (a refresh brings back "
            f"the default data): {exc.en}",
        )
        # An earlier import named in the address is no longer what the session shows.
        st.session_state.pop(IMPORT_KEY, None)
        if DATA_QUERY in st.query_params:
            del st.query_params[DATA_QUERY]
        return
    st.session_state[IMPORT_KEY] = import_id
    st.query_params[DATA_QUERY] = import_id


def demo_banner(layers: LayerSet) -> None:
    if layers.is_demo:
        st.info(
            t(
                "当前显示的是示意数据（非官方数据），仅用于演示工具功能。可在「数据导入导出」页导入自己的数据。",
                "The data shown is illustrative demo data, not official. Import your own "
                "data on the Data page.",
            ),
        )


def basemap() -> str:
    return st.session_state.get(BASEMAP_KEY, "none")


def display_system() -> str:
    return maps.BASEMAPS[basemap()][2]


def from_display_system(geometry):
    """A geometry drawn or clicked on the map, back from the display system (GCJ-02 for
    Gaode) to WGS84."""
    if display_system() == WGS84:
        return geometry
    return shift_geometries(np.array([geometry]), display_system(), WGS84)[0]


def new_map_event(kind: str, payload: object) -> bool:
    """True the first time a given map event of ``kind`` (a map slot's drawing or click) is
    seen: a map keeps sending its last click and last drawing with every later value."""
    if not payload:
        return False
    digest = hashlib.blake2b(
        json.dumps(payload, sort_keys=True).encode(), digest_size=8
    ).hexdigest()
    seen = st.session_state.setdefault(SEEN_EVENT_KEY, {})
    if seen.get(kind) == digest:
        return False
    seen[kind] = digest
    return True


def new_drawing(state: dict, kind: str) -> object | None:
    """The shape just drawn with a map's tools (a GeoJSON feature), the first time it is
    seen; else None. A click on a layer also sends that layer's outline as the last
    drawing, with the point clicked; a shape drawn with the tools comes without one."""
    drawing = state.get("last_active_drawing")
    if drawing and state.get("last_object_clicked") is None and new_map_event(kind, drawing):
        return drawing
    return None


def gcj02_notice() -> None:
    if display_system() != "EPSG:4326":
        st.caption(
            t(
                "高德底图使用 GCJ-02 坐标：图层已临时偏移到 GCJ-02 显示，数据和导出仍为 WGS84。",
                "Gaode tiles use GCJ-02: the layers are shifted to GCJ-02 for display only; data "
                "and exports stay in WGS84.",
            )
        )


# --------------------------------------------------------------------------- map composition


def new_map(layers: LayerSet) -> folium.Map:
    """A base map fitted to the district with the context layers and the hillshade."""
    code = lang()
    system = display_system()
    shade, shade_url = (
        hillshade(str(layers.dem_path)) if layers.dem_path is not None else (None, None)
    )
    bounds = _bounds(layers)
    m = maps.base_map(
        bounds,
        basemap=basemap(),
        tianditu_key=st.session_state.get(TIANDITU_KEY),
        hillshade=shade,
        hillshade_url=shade_url,
        lang=code,
    )
    boundary, parks, axis, constraints = context_payloads(layers, code, system)
    if constraints is not None:
        maps.add_constraints(m, constraints, code, show=False)
    maps.add_context(m, boundary, parks, axis, code)
    return m


def _bounds(layers: LayerSet) -> tuple[float, float, float, float]:
    for kind in ("boundary", "parks", "parcels", "enterprises"):
        gdf = layers.layer(kind)
        if gdf is not None and len(gdf):
            return tuple(gdf.total_bounds)
    return (114.25, 22.61, 114.45, 22.79)


def add_parcels(
    m: folium.Map, layers: LayerSet, color_by: str = "status", *, show: bool = True
) -> None:
    if layers.parcels is None:
        return
    if len(layers.parcels) >= tile_min_features():
        url, overview, overview_url = parcels_tiles_url(layers, color_by, lang(), display_system())
        maps.add_tiles(
            m,
            url,
            maps.tr("parcels", lang()),
            "parcels",
            tooltip_fields=maps.tooltip_pairs(maps.PARCEL_TOOLTIP, lang()),
            show=show,
            overview=overview,
            overview_url=overview_url,
            lang=lang(),
        )
        return
    url = parcels_url(layers, color_by, lang(), display_system())
    maps.add_geojson(
        m,
        None,
        maps.tr("parcels", lang()),
        url=url,
        tooltip_fields=maps.tooltip_pairs(maps.PARCEL_TOOLTIP, lang()),
        show=show,
    )


def add_enterprises(m: folium.Map, layers: LayerSet, *, show: bool = True) -> None:
    if layers.enterprises is None:
        return
    others_url, anchors_url = enterprises_urls(layers, lang(), display_system())
    tips = maps.tooltip_pairs(maps.ENTERPRISE_TOOLTIP, lang())
    others = dict(
        tooltip_fields=tips, point_radius=2.5, show=show, style={"weight": 1, "fillOpacity": 0.9}
    )
    if len(layers.enterprises) >= tile_min_features():
        tiles_url = enterprises_tiles_url(layers, lang(), display_system())
        maps.add_tiles(m, tiles_url, maps.tr("enterprises", lang()), "enterprises", **others)
    else:
        maps.add_geojson(m, None, maps.tr("enterprises", lang()), url=others_url, **others)
    maps.add_geojson(
        m,
        None,
        maps.tr("anchors", lang()),
        url=anchors_url,
        tooltip_fields=tips,
        point_radius=7,
        show=show,
        style={"weight": 2.5, "color": "#000000", "fillOpacity": 1.0},
    )


def status_legend(layers: LayerSet) -> tuple[str, list[tuple[str, str]]]:
    present = set(layers.parcels.status) if layers.parcels is not None else None
    return t("地块状态", "Parcel status"), maps.code_legend(
        STATUS, maps.STATUS_COLORS, lang(), present
    )


def cluster_legend(layers: LayerSet) -> tuple[str, list[tuple[str, str]]]:
    present = set(layers.enterprises.cluster) if layers.enterprises is not None else None
    items = maps.code_legend(CLUSTER, maps.CLUSTER_COLORS, lang(), present)
    items.append(("#000000", t("大圆点：龙头企业", "large dot: anchor firm")))
    return t("产业集群", "Clusters"), items


def go_to(key: str, bounds: tuple[float, float, float, float]) -> None:
    """Frame ``bounds`` (WGS84) on the map of slot ``key`` at its next draw."""
    center, zoom = maps.frame_view(bounds)
    goto = st.session_state.setdefault(GOTO_KEY, {})
    serial = st.session_state.get(f"{GOTO_KEY}_serial", 0) + 1
    st.session_state[f"{GOTO_KEY}_serial"] = serial
    goto[key] = (center, zoom, serial)


def map_search(key: str, parcels, enterprises=None) -> Match | None:
    """A search box for the map of slot ``key``: parcel id or name, or firm name (substring,
    any case); several matches are listed to pick from. A newly chosen match is framed on
    the map (:func:`go_to`); the chosen match is returned, for :func:`show_map` to draw on
    top."""
    query = st.text_input(
        t("查找地块或企业（编号或名称）", "Find a parcel or firm (id or name)"),
        key=f"{key}_search",
        placeholder=t("例如 PS00012、高新南、比亚迪", "e.g. PS00012, 高新南, BYD"),
    )
    found = find_features(query, parcels, enterprises)
    if not found:
        if query.strip():
            st.caption(t("没有找到匹配的地块或企业。", "No parcel or firm matches."))
        st.session_state.pop(f"{key}_search_shown", None)
        return None
    kinds = {"parcels": t("地块", "parcel"), "enterprises": t("企业", "firm")}
    by_option = {f"{m.kind}:{m.feature_id}": m for m in found}
    left, right = st.columns([4, 1])
    option = left.selectbox(
        t(f"匹配结果（{len(found)} 个）", f"Matches ({len(found)})"),
        options=list(by_option),
        format_func=lambda o: f"{kinds[by_option[o].kind]} · {by_option[o].label}",
        key=f"{key}_search_pick",
    )
    match = by_option[option]
    shown_key = f"{key}_search_shown"
    again = right.button(t("定位", "Zoom to it"), key=f"{key}_search_go")
    if again or st.session_state.get(shown_key) != option:
        st.session_state[shown_key] = option
        go_to(key, match.bounds)
    return match


def _add_found(m: folium.Map, match: Match, parcels, enterprises) -> None:
    gdf = parcels if match.kind == "parcels" else enterprises
    id_field = "parcel_id" if match.kind == "parcels" else "ent_id"
    if gdf is None or id_field not in gdf.columns:
        return
    rows = gdf[gdf[id_field].astype(str) == match.feature_id]
    if not len(rows):
        return
    fields = [f for f in (id_field, "name") if f in rows.columns]
    payload = maps.geojson_payload(rows, fields, display_system=display_system())
    point = match.kind == "enterprises"
    maps.add_geojson(
        m,
        payload,
        t("查找结果", "Search result"),
        tooltip_fields=[(id_field, t("编号", "Id")), ("name", t("名称", "Name"))],
        style=FOUND_STYLE,
        point_radius=11 if point else None,
    )


def show_map(
    m: folium.Map,
    key: str,
    *,
    returned_objects: Sequence[str] = (),
    height: int = MAP_HEIGHT_PX,
    found: Match | None = None,
    found_in: tuple = (None, None),
    overlays: Sequence[folium.FeatureGroup] = (),
) -> dict:
    """Render a map in slot ``key``; only ``returned_objects`` trigger a rerun (so panning
    does not). The map keeps its view across reruns (module docstring); ``found`` (a
    search result, looked up in ``found_in`` = (parcels, firms)) is drawn on top.
    ``overlays`` (:func:`ui.maps.overlay` groups) are swapped in the living map when they
    change, without building a new map, as long as ``m`` itself is unchanged."""
    if found is not None and overlays:  # drawn above the overlays, swapped with them
        group = maps.overlay(t("查找结果", "Search result"))
        _add_found(group, found, *found_in)
        overlays = [*overlays, group]
    elif found is not None:
        _add_found(m, found, *found_in)
    if not overlays:
        maps.add_layer_control(m)
    if VIEW_TOKEN_KEY not in st.session_state:
        st.session_state[VIEW_TOKEN_KEY] = secrets.token_hex(8)
    m.add_child(
        maps.KeepView(
            f"landplan-view:{st.session_state[VIEW_TOKEN_KEY]}:{key}",
            display_system(),
            DISTRICT_CENTER,
        )
    )
    center = zoom = None
    goto = st.session_state.get(GOTO_KEY, {}).pop(key, None)
    if goto is not None:
        (lat, lng), zoom, serial = goto
        # A different centre each time (by nanodegrees), so the component moves the map
        # again for the same feature asked twice.
        dlat, dlng = maps.view_shift(lat, lng, display_system())  # to the display system
        center = [lat + dlat + serial * 1e-9, lng + dlng]
    value = (
        st_folium(
            m,
            key=key,
            height=height,
            use_container_width=True,
            returned_objects=list(returned_objects),
            center=center,
            zoom=zoom,
            feature_group_to_add=list(overlays) or None,
            layer_control=maps.layer_control() if overlays else None,
        )
        or {}
    )
    view = value.get("view") if isinstance(value, dict) else None
    if isinstance(view, dict):
        st.session_state.setdefault(VIEWS_KEY, {})[key] = view
    return value


RESULTS_KEY = "results"
#: The ASCII punctuation that can start or close Markdown (CommonMark + GFM), HTML,
#: entities, LaTeX and Streamlit's ``:colour[…]`` directives; each gets a backslash.
_MD_PUNCTUATION = frozenset("\\`*_{}[]()<>#+-.!|$~:&=")
#: Invisible, zero-width and not a word character: it breaks patterns without showing.
WORD_JOINER = "\u2060"
#: Where Streamlit's Markdown makes links or icons out of text *after* backslash escapes
#: are resolved (GFM autolink literals and Streamlit's own shortcodes work on the parsed
#: text): "http://", "www.", "user@host", ":material/icon:", ":streamlit:", ":smile:".
_AFTER_ESCAPES = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)|(?<=:)(?=[\w+-][\w/+-]*:)")


def table_height(n_rows: int, most_rows: int | None = None) -> int:
    """Pixels for a dataframe to show ``n_rows`` rows without scrolling (at most
    ``most_rows`` rows; the rest scroll)."""
    shown = n_rows if most_rows is None else min(n_rows, most_rows)
    return 38 + 35 * max(shown, 1)


def md_escape(text: object) -> str:
    """Text from users (names, file and column names, values) made safe for any Streamlit
    element that renders Markdown: st.markdown/st.write, captions, alerts, subheaders,
    widget labels, expander titles, metric labels, radio options.

    Method: every punctuation character Markdown reacts to gets a backslash (CommonMark
    lets a backslash escape any ASCII punctuation), so no emphasis, link,
    image, heading, list, table, HTML tag, entity, LaTeX ``$…$`` or ``:red[…]`` directive
    can form; patterns that Streamlit turns into links or icons regardless of escapes
    (bare ``http://``/``www.`` addresses, e-mail addresses, ``:material/…:`` and other
    shortcodes) are broken by an invisible word joiner (U+2060); line breaks stay line
    breaks. The page shows the text as written (plus invisible joiners). Text shown
    through st.dataframe, st.text, st.code or selectbox options needs none of this.
    """
    joined = _AFTER_ESCAPES.sub(WORD_JOINER, str(text))
    escaped = "".join("\\" + ch if ch in _MD_PUNCTUATION else ch for ch in joined)
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")


def _find_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (Linux), else None: other C libraries return memory
    themselves or offer no such call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _find_malloc_trim()


def release_memory(*, force: bool = False) -> None:
    """After the session's layers were replaced (or ``force``): collect garbage and give
    freed heap back to the operating system. Called at the start of a run, before any
    page holds layers."""
    if not (st.session_state.pop(RELEASE_KEY, False) or force):
        return
    gc.collect()
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def show_input_error(exc: InputError, *, max_details: int = 20, with_source: bool = True) -> None:
    """An :class:`InputError` as an error box: Chinese line, English line, then the
    problems (at most ``max_details``), all shown literally (text from users' files may
    contain Markdown or HTML)."""
    lines = [exc.zh, exc.en]
    if exc.source and with_source:
        lines = [f"文件/图层「{exc.source}」：{exc.zh}", f"File/layer '{exc.source}': {exc.en}"]
    lines += [f"• {d}" for d in exc.details[:max_details]]
    if len(exc.details) > max_details:
        lines.append(f"• … ({len(exc.details)})")
    st.error(md_escape("\n".join(lines)))


def publish_result(key: str, label: tuple[str, str], gdf) -> None:
    """Offer an analysis result for download on the data page (kept for this session)."""
    st.session_state.setdefault(RESULTS_KEY, {})[key] = (label, gdf)


def published_results() -> dict:
    return st.session_state.get(RESULTS_KEY, {})


def park_labels(park_ids: Iterable[object], layers: LayerSet) -> list[str]:
    """Display names of many park ids ("园区外" for none), looking the names up once."""
    names = maps.park_names(layers.parks)
    if lang() == "en":  # English names of the planned parks from the guidance table
        guide = park_guidance()
        if guide is not None:
            names = {**names, **{pid: park.name_en for pid, park in guide.parks.items()}}
    outside = t("园区外", "outside parks")
    return [
        outside
        if p is None or p != p or p in ("", NO_GROUP)  # p != p: NaN
        else names.get(p, str(p))
        for p in park_ids
    ]


def park_label(park_id: object, layers: LayerSet) -> str:
    return park_labels([park_id], layers)[0]


def park_name(park_id: object, layers: LayerSet) -> str:
    """Park name in the chosen language ("园区外" for none); English from the guidance table."""
    if lang() == "en" and isinstance(park_id, str):
        guide = park_guidance()
        if guide is not None and park_id in guide.parks:
            return guide.parks[park_id].name_en
    return park_label(park_id, layers)
