"""数据导入导出 · Data import and export.

Import: read a file (any format ``geo.io.read_layer`` takes), validate it against the layer
schema, show the report, and only then — on an explicit click — make it the active layer.
A file that fails at any step leaves the workspace exactly as it was.

Export: any layer or analysis result of this session as GeoJSON (RFC 7946, or a GCJ-02
variant), GeoPackage (WGS84 or EPSG:4547), CSV or Excel.
"""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from layers.zoning import assign_parks, has_park_ids, unknown_park_ids
from geo.crs import COORD_SYSTEMS, METRIC_CRS, WGS84
from geo.errors import InputError
from geo.io import read_layer_with_report, write_csv, write_geojson, write_gpkg, write_xlsx
from layers.catalog import LayerSet, layer_fingerprint, load_demo
from layers.schema import LAYER_KINDS, LAYER_SPECS, validate_layer
from ui.common import (
    current_layers,
    demo_banner,
    labeller,
    lang,
    md_escape,
    published_results,
    set_layers,
    show_input_error,
    t,
)

PENDING_KEY = "pending_import"
AUTO = "auto"
ZONED_KINDS = ("parcels", "enterprises")


def fill_park_ids(kind: str, gdf, parks, *, rederive: bool) -> tuple[object, list[str], list[str]]:
    """Give imported parcels or firms their park from the parks layer when the file has no
    park codes (or when asked to); warn about codes the parks layer does not know.

    Returns the layer, report lines and the subset of those lines that are warnings.
    """
    if kind not in ZONED_KINDS or parks is None:
        return gdf, [], []
    if rederive or not has_park_ids(gdf):
        gdf = gdf.copy()
        gdf["park_id"] = assign_parks(gdf, parks)
        inside = int(gdf["park_id"].notna().sum())
        line = t(
            f"所属园区（park_id）已按当前园区图层推算：{inside} 个要素位于园区或产业带内，"
            f"{len(gdf) - inside} 个位于园区外（地块以面积过半为准）。",
            f"Parks (park_id) were derived from the active parks layer: {inside} features lie "
            f"in a park or the belt, {len(gdf) - inside} outside (a parcel belongs where most "
            "of its area lies).",
        )
        return gdf, [line], []
    stray = unknown_park_ids(gdf, parks)
    if not stray:
        return gdf, [], []
    shown = "、".join(stray[:5]) + ("…" if len(stray) > 5 else "")
    line = t(
        f"所属园区编号 {shown} 不在当前园区图层中，按园区汇总时这些要素无法归入园区。"
        "可在「更多选项」中勾选「按园区边界重新推算所属园区」后重新读取。",
        f"Park codes {shown} are not in the active parks layer, so these features cannot be "
        "grouped by park. Tick 'Derive parks from the park boundaries' under More options and "
        "read the file again.",
    )
    return gdf, [line], [line]


@st.cache_data(show_spinner=False, max_entries=4)
def rezoned_park_ids(fingerprint: str, _layers: LayerSet, _parks) -> dict[str, pd.Series]:
    """The park of every parcel and firm under the parks ``_parks``, worked out once per
    pending import (the page reruns on every click while it waits for confirmation)."""
    return {
        kind: assign_parks(_layers.layer(kind), _parks)
        for kind in ZONED_KINDS
        if _layers.layer(kind) is not None
    }


def park_changes(layers: LayerSet, new_ids: dict[str, pd.Series]) -> dict[str, int]:
    """How many parcels and firms would change park."""
    changed = {}
    for kind, ids in new_ids.items():
        gdf = layers.layer(kind)
        old_ids = gdf["park_id"].fillna("") if "park_id" in gdf.columns else ""
        changed[kind] = int((ids.fillna("") != old_ids).sum())
    return changed


def with_park_ids(layers: LayerSet, new_ids: dict[str, pd.Series]) -> LayerSet:
    """``layers`` with the parcels' and firms' ``park_id`` replaced."""
    for kind, ids in new_ids.items():
        layers = layers.with_layer(kind, layers.layer(kind).assign(park_id=ids), is_demo=False)
    return layers


layers = current_layers()
st.title(t("数据导入导出", "Data import and export"))
demo_banner(layers)

# --------------------------------------------------------------------------- import
st.header(t("导入图层", "Import a layer"))
st.caption(
    t(
        "支持 GeoJSON、GeoPackage、Shapefile（请打包为 .zip）、CSV/Excel（含经纬度或 X/Y 列）。"
        "导入的数据先经过校验，确认后才替换当前图层。",
        "GeoJSON, GeoPackage, Shapefile (zipped), CSV/Excel with coordinate columns. Data is "
        "validated first and replaces the active layer only when you confirm.",
    )
)
left, right = st.columns(2)
with left:
    kind = st.selectbox(
        t("图层类型", "Layer kind"),
        options=list(LAYER_KINDS),
        format_func=lambda k: f"{LAYER_SPECS[k].zh} ({k})",
        index=list(LAYER_KINDS).index("parcels"),
        key="import_kind",
    )
    system_options = [AUTO, *COORD_SYSTEMS]
    system = st.selectbox(
        t("数据的坐标系", "Coordinate system of the data"),
        options=system_options,
        format_func=labeller(
            {
                AUTO: ("自动（使用文件自带的坐标系）", "Automatic (the file's own CRS)"),
                **COORD_SYSTEMS,
            }
        ),
        key="import_system",
        help=t(
            "高德/腾讯坐标请选 GCJ-02，百度坐标请选 BD-09；深圳独立坐标系请在下方填写 PROJ 字符串。",
            "Choose GCJ-02 for Gaode/Tencent and BD-09 for Baidu coordinates; for the Shenzhen "
            "local system give its PROJ string below.",
        ),
    )
with right:
    upload = st.file_uploader(
        t("选择文件", "Choose a file"),
        type=["geojson", "json", "gpkg", "zip", "csv", "xlsx"],
        key="import_file",
    )
    with st.expander(t("更多选项", "More options")):
        custom_crs = st.text_input(
            t("自定义坐标系（EPSG 或 PROJ 字符串）", "Custom CRS (EPSG or PROJ)"),
            key="import_custom_crs",
        )
        sheet = st.text_input(
            t("图层名/工作表名（可选）", "Layer or sheet name (optional)"), key="import_layer"
        )
        x_col = st.text_input(
            t("X/经度列名（可选）", "X/longitude column (optional)"), key="import_x"
        )
        y_col = st.text_input(
            t("Y/纬度列名（可选）", "Y/latitude column (optional)"), key="import_y"
        )
        encoding = st.text_input(
            t("文字编码（可选，如 GBK）", "Text encoding (optional, e.g. GBK)"),
            key="import_encoding",
        )
        rederive = st.checkbox(
            t("按园区边界重新推算所属园区", "Derive parks from the park boundaries"),
            key="import_rederive_parks",
            help=t(
                "地块和企业：忽略文件中的 park_id，按当前园区图层的边界重新判断。"
                "文件没有 park_id 时总会推算。",
                "Parcels and firms: ignore the file's park_id and find each feature's park "
                "from the active parks layer. Done anyway when the file has no park_id.",
            ),
        )

if st.button(t("读取并校验", "Read and validate"), type="primary", disabled=upload is None):
    st.session_state.pop(PENDING_KEY, None)
    coord_system = custom_crs.strip() or (None if system == AUTO else system)
    try:
        with st.spinner(t("正在读取…", "Reading…")):
            raw, report = read_layer_with_report(
                upload.getvalue(),
                filename=upload.name,
                layer=sheet.strip() or None,
                coord_system=coord_system,
                x_col=x_col.strip() or None,
                y_col=y_col.strip() or None,
                encoding=encoding.strip() or None,
            )
            validated = validate_layer(kind, raw, source=upload.name)
            validated, park_lines, park_warnings = fill_park_ids(
                kind, validated, current_layers().parks, rederive=rederive
            )
    except InputError as exc:
        show_input_error(exc)
        st.caption(t("当前图层未改变。", "The active layers are unchanged."))
    else:
        st.session_state[PENDING_KEY] = (
            kind,
            validated,
            report.messages(lang()) + park_lines,
            report.warning_messages(lang()) + park_warnings,
            upload.name,
        )

pending = st.session_state.get(PENDING_KEY)
if pending is not None:
    p_kind, p_gdf, p_messages, p_warnings, p_name = pending
    st.subheader(t("校验结果", "Validation report"))
    st.success(
        md_escape(
            t(
                f"「{p_name}」可作为{LAYER_SPECS[p_kind].zh}图层：{len(p_gdf)} 个要素。",
                f"'{p_name}' is a valid {p_kind} layer: {len(p_gdf)} features.",
            )
        )
    )
    for line in p_messages:
        if line in p_warnings:
            st.warning(md_escape(line))
        else:
            st.write(md_escape(line))
    st.dataframe(p_gdf.drop(columns="geometry").head(50), width="stretch")
    rezone = False
    new_park_ids: dict[str, pd.Series] = {}
    if p_kind == "parks" and any(current_layers().layer(k) is not None for k in ZONED_KINDS):
        base = current_layers()
        key = base.fingerprint(*ZONED_KINDS) + "|" + layer_fingerprint(p_gdf)
        new_park_ids = rezoned_park_ids(key, base, p_gdf)
        would_change = park_changes(base, new_park_ids)
        rezone = st.checkbox(
            t(
                f"同时按新园区边界重新划分所属园区（{would_change.get('parcels', 0)} 个地块、"
                f"{would_change.get('enterprises', 0)} 家企业将改变）",
                f"Also re-zone parcels and firms to the new parks "
                f"({would_change.get('parcels', 0)} parcels and "
                f"{would_change.get('enterprises', 0)} firms change park)",
            ),
            value=True,
            key="import_rezone",
        )
    c1, c2 = st.columns(2)
    if c1.button(t("设为当前图层", "Make it the active layer"), type="primary"):
        new_layers = current_layers().with_layer(p_kind, p_gdf, is_demo=False)
        if rezone:
            new_layers = with_park_ids(new_layers, new_park_ids)
        set_layers(new_layers)
        st.session_state.pop(PENDING_KEY, None)
        st.success(t(f"已替换{LAYER_SPECS[p_kind].zh}图层。", f"The {p_kind} layer was replaced."))
        st.rerun()
    if c2.button(t("放弃", "Discard")):
        st.session_state.pop(PENDING_KEY, None)
        st.rerun()

st.divider()
counts = current_layers().counts()
st.write(
    t("当前图层要素数：", "Features in the active layers: ")
    + "，".join(f"{LAYER_SPECS[k].zh} {n}" for k, n in counts.items())
)
if not current_layers().is_demo and st.button(t("恢复示意数据", "Back to the demo data")):
    set_layers(load_demo())
    st.rerun()

# --------------------------------------------------------------------------- export
st.header(t("导出", "Export"))
layers = current_layers()
choices: dict[str, tuple[str, object]] = {}
for k in LAYER_KINDS:
    gdf = layers.layer(k)
    if gdf is not None:
        choices[f"layer:{k}"] = (t(f"图层：{LAYER_SPECS[k].zh}", f"Layer: {k}"), gdf)
for key, (label, gdf) in published_results().items():
    choices[f"result:{key}"] = (t(f"分析结果：{label[0]}", f"Result: {label[1]}"), gdf)

c1, c2 = st.columns(2)
choice = c1.selectbox(
    t("导出内容", "What to export"),
    options=list(choices),
    format_func=lambda c: choices[c][0],
    key="export_choice",
)
formats = {
    "geojson": "GeoJSON (RFC 7946, WGS84)",
    "geojson_gcj02": t(
        "GeoJSON（GCJ-02，供高德系统使用）", "GeoJSON (GCJ-02, for Gaode-based systems)"
    ),
    "gpkg": "GeoPackage (WGS84)",
    "gpkg_4547": "GeoPackage (CGCS2000 / EPSG:4547)",
    "csv": "CSV (UTF-8)",
    "xlsx": "Excel (.xlsx)",
}
fmt = c2.selectbox(
    t("格式", "Format"), options=list(formats), format_func=formats.get, key="export_format"
)


def export_bytes(gdf, fmt: str, name: str) -> tuple[bytes, str, str]:
    if fmt == "geojson":
        return write_geojson(gdf).encode("utf-8"), f"{name}.geojson", "application/geo+json"
    if fmt == "geojson_gcj02":
        return (
            write_geojson(gdf, coord_system="gcj02").encode("utf-8"),
            f"{name}_gcj02.geojson",
            "application/geo+json",
        )
    if fmt in ("gpkg", "gpkg_4547"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{name}.gpkg"
            write_gpkg({name: gdf}, path, crs=METRIC_CRS if fmt == "gpkg_4547" else WGS84)
            return path.read_bytes(), path.name, "application/geopackage+sqlite3"
    if fmt == "csv":
        return write_csv(gdf, geometry="xy"), f"{name}.csv", "text/csv"
    return (
        write_xlsx(gdf),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


if choice is not None:
    name = choice.split(":", 1)[1]
    try:
        data, filename, mime = export_bytes(choices[choice][1], fmt, name)
    except InputError as exc:
        show_input_error(exc)
    else:
        st.download_button(
            t(f"下载 {filename}", f"Download {filename}"),
            data=data,
            file_name=filename,
            mime=mime,
            type="primary",
            key="export_download",
        )
        if fmt == "geojson_gcj02":
            st.caption(
                t(
                    "注意：GCJ-02 坐标只适用于高德等系统，不要再当作 WGS84 使用。",
                    "Note: GCJ-02 coordinates suit Gaode-based systems only; do not reuse them as WGS84.",
                )
            )
