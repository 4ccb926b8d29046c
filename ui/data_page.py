"""数据导入导出 · Data import and export.

Import: read a file (any format ``geo.io.read_layer_with_report`` takes), validate it against
the layer schema, show the report, and only then — on an explicit click — make it the active
layer. A file that fails at any step leaves the workspace exactly as it was. The steps
themselves are in ``ui.imports``; this page renders them and keeps the pending import in
the session.

An upload larger than the reader's limit (``geo.io.DEFAULT_MAX_BYTES``, equal to
Streamlit's ``server.maxUploadSize``) is refused from its size before it is read. Once an
import is confirmed or discarded, the pending layer leaves the session and the file
uploader is replaced by a fresh one (a new widget key), so neither the uploaded bytes nor
the validated layer stay in memory. The kept imports of the workspace (count, size,
quota) are shown under the import.

Export: any layer or analysis result of this session as GeoJSON (RFC 7946, or a GCJ-02
variant), GeoPackage (WGS84 or EPSG:4547), CSV or Excel.
"""

import streamlit as st

from geo.crs import COORD_SYSTEMS
from geo.errors import InputError
from geo.io import DEFAULT_MAX_BYTES
from layers.catalog import load_demo
from layers.schema import LAYER_KINDS, LAYER_SPECS
from layers.team import role_allows
from ui import maps
from ui.base_data import record_base_data_form
from ui.cache import rezoned_park_ids, the_team
from ui.common import (
    RELEASE_KEY,
    current_layers,
    demo_banner,
    md_escape,
    published_results,
    set_layers,
    show_input_error,
)
from ui.i18n import labeller, lang, t
from ui.import_step import render_mapping_step
from ui.imports import (
    AUTO,
    EXPORT_FORMATS,
    PendingImport,
    RawImport,
    ReadOptions,
    confirm_import,
    export_bytes,
    kept_imports,
    park_changes,
    read_raw,
    rezone_key,
    rezones,
)
from ui.signin import current_user

PENDING_KEY = "pending_import"
#: The file as read, waiting for its field mapping.
RAW_KEY = "raw_import"
#: (file name, kind, options) of a file whose longitude and latitude look swapped.
SWAP_KEY = "import_swap_offer"
#: Generation of the file uploader's key: a new one after a confirm or discard empties it.
UPLOADER_GEN_KEY = "import_file_generation"
MB = 1024**2


def finish_import() -> None:
    """Drop the pending import and the uploaded file (a fresh, empty uploader); the memory
    is released at the start of the next run."""
    for key in (PENDING_KEY, RAW_KEY, SWAP_KEY):
        st.session_state.pop(key, None)
    st.session_state[UPLOADER_GEN_KEY] = st.session_state.get(UPLOADER_GEN_KEY, 0) + 1
    st.session_state[RELEASE_KEY] = True


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
may_import = role_allows(current_user().role, "import_base")
if not may_import:
    st.info(t("只有管理员可以替换基础数据。", "Only an administrator can replace base data."))


def kind_label(kind: str) -> str:
    """A layer kind in the page's language (the map's layer names)."""
    return maps.tr({"corridor_axis": "axis"}.get(kind, kind), lang())


left, right = st.columns(2)
with left:
    kind = st.selectbox(
        t("图层类型", "Layer kind"),
        options=list(LAYER_KINDS),
        format_func={k: f"{kind_label(k)} ({k})" for k in LAYER_KINDS}.get,
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
        key=f"import_file_{st.session_state.get(UPLOADER_GEN_KEY, 0)}",
        max_upload_size=max(1, -(-DEFAULT_MAX_BYTES // MB)),  # whole MB, rounded up
        disabled=not may_import,
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

too_big = upload is not None and upload.size > DEFAULT_MAX_BYTES
if too_big:
    st.error(
        md_escape(
            t(
                f"文件「{upload.name}」有 {upload.size / MB:,.1f} MB，超过导入上限 "
                f"{DEFAULT_MAX_BYTES / MB:,.0f} MB，未读取。请拆分文件，或只导出需要的范围和字段后再导入。",
                f"The file '{upload.name}' is {upload.size / MB:,.1f} MB, over the import limit "
                f"of {DEFAULT_MAX_BYTES / MB:,.0f} MB; it was not read. Split it, or export only "
                "the area and fields needed, and import that.",
            )
        )
    )
if st.button(t("读取文件", "Read the file"), type="primary", disabled=upload is None or too_big):
    for key in (PENDING_KEY, RAW_KEY, SWAP_KEY):
        st.session_state.pop(key, None)
    options = ReadOptions(
        coord_system=system,
        custom_crs=custom_crs,
        layer=sheet,
        x_col=x_col,
        y_col=y_col,
        encoding=encoding,
        rederive_parks=rederive,
    )
    try:
        with st.spinner(t("正在读取…", "Reading…")):
            st.session_state[RAW_KEY] = read_raw(upload.getvalue(), upload.name, kind, options)
    except InputError as exc:
        show_input_error(exc)
        st.caption(t("当前图层未改变。", "The active layers are unchanged."))
        if exc.code == "swapped_axes":
            st.session_state[SWAP_KEY] = (upload.name, kind, options)

swap = st.session_state.get(SWAP_KEY)
offer_swap = swap is not None and upload is not None and upload.name == swap[0]
if offer_swap and st.button(
    t("交换经纬度后重新读取", "Swap longitude and latitude and read again")
):
    try:
        st.session_state[RAW_KEY] = read_raw(
            upload.getvalue(), upload.name, swap[1], swap[2], swap_xy=True
        )
    except InputError as exc:
        show_input_error(exc)
    else:
        st.session_state.pop(SWAP_KEY, None)
        st.rerun()

raw: RawImport | None = st.session_state.get(RAW_KEY)
if raw is not None and st.session_state.get(PENDING_KEY) is None:
    made = render_mapping_step(raw, current_layers())
    if made is not None:
        st.session_state[PENDING_KEY] = made
        st.rerun()
    if st.button(t("放弃这个文件", "Discard this file"), key="import_discard_raw"):
        finish_import()
        st.rerun()

pending: PendingImport | None = st.session_state.get(PENDING_KEY)
if pending is not None:
    st.subheader(t("校验结果", "Validation report"))
    st.success(
        md_escape(
            t(
                f"「{pending.filename}」可作为{LAYER_SPECS[pending.kind].zh}图层：{len(pending.gdf)} 个要素。",
                f"'{pending.filename}' is a valid {pending.kind} layer: {len(pending.gdf)} features.",
            )
        )
    )
    for line in pending.messages:
        if line in pending.warnings:
            st.warning(md_escape(line))
        else:
            st.write(md_escape(line))
    st.dataframe(pending.gdf.drop(columns="geometry").head(50), width="stretch")
    rezone = False
    new_park_ids = {}
    base = current_layers()
    if rezones(base, pending):
        new_park_ids = rezoned_park_ids(rezone_key(base, pending.gdf), base, pending.gdf)
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
    if c1.button(
        t("设为当前图层", "Make it the active layer"), type="primary", disabled=not may_import
    ):
        try:
            chosen = confirm_import(
                base,
                pending,
                new_park_ids if rezone else None,
                user=current_user(),
                team=the_team(),
            )
        except InputError as exc:
            show_input_error(exc)
            st.stop()
        set_layers(chosen)
        finish_import()
        st.success(
            t(
                f"已替换{LAYER_SPECS[pending.kind].zh}图层。",
                f"The {pending.kind} layer was replaced.",
            )
        )
        st.rerun()
    if c2.button(t("放弃", "Discard")):
        finish_import()
        st.rerun()

st.divider()
counts = current_layers().counts()
st.write(
    t("当前图层要素数：", "Features in the active layers: ")
    + t("，", ", ").join(f"{kind_label(k)} {n:,}" for k, n in counts.items())
)
try:
    kept = kept_imports()
except InputError as exc:  # a malformed quota variable, or no workspace folder
    show_input_error(exc, with_source=False)
else:
    st.caption(
        t(
            f"工作区保留了 {kept.count} 份导入的数据，共 {kept.size_bytes / MB:,.1f} MB"
            f"（上限 {kept.max_count} 份、{kept.max_bytes / MB:,.0f} MB；超出时自动删除最久未使用的，"
            "刷新页面或打开链接即算使用）。",
            f"The workspace keeps {kept.count} imports, {kept.size_bytes / MB:,.1f} MB in all "
            f"(at most {kept.max_count} and {kept.max_bytes / MB:,.0f} MB; beyond that the least "
            "recently used are deleted; a refresh or an opened link counts as use).",
        )
    )
if may_import:
    record_base_data_form(current_layers())
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
    t("格式", "Format"), options=list(EXPORT_FORMATS), format_func=formats.get, key="export_format"
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
