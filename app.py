"""坪山产业空间规划工具 — Streamlit entry: page setup, sidebar settings and navigation.

The pages turn the failures they expect into messages where they happen. As a last
resort, a bilingual :class:`~geo.errors.InputError` or a failing disk (``OSError``) that
escapes a page is shown here as a message naming no server path; anything else shows
Streamlit's generic notice only (``client.showErrorDetails = "none"``).
"""

import streamlit as st

from geo.errors import InputError
from layers.team import ADMIN, PLANNER
from ui.cache import prune_static_cache
from ui.common import (
    BASEMAP_KEY,
    TIANDITU_KEY,
    md_escape,
    release_memory,
    show_input_error,
    startup_notice,
)
from ui.i18n import LANG_KEY, LANGUAGES, keep_widget_values, labeller, t
from ui.maps import BASEMAPS
from ui.signin import sign_in_gate

st.set_page_config(page_title="坪山产业空间规划工具", layout="wide")
keep_widget_values()  # a language switch keeps every widget's value
prune_static_cache()
release_memory()  # after an import replaced or discarded layers

with st.sidebar:
    st.radio(
        "语言 Language",
        options=list(LANGUAGES),
        format_func=LANGUAGES.get,
        key=LANG_KEY,
        horizontal=True,
    )
    st.selectbox(
        t("底图", "Basemap"),
        options=list(BASEMAPS),
        format_func=labeller({code: labels[:2] for code, labels in BASEMAPS.items()}),
        key=BASEMAP_KEY,
        help=t(
            "默认不加载任何在线底图，内网离线可用；在线底图会向外部服务器请求瓦片。",
            "By default no online tiles are loaded (works offline); online basemaps fetch tiles "
            "from outside servers.",
        ),
    )
    if st.session_state.get(BASEMAP_KEY) == "tianditu":
        st.text_input(t("天地图密钥 (tk)", "Tianditu key (tk)"), key=TIANDITU_KEY, type="password")

user = sign_in_gate()  # with accounts: the sign-in form, and nothing else, until signed in
startup_notice()

pages = [
    st.Page("ui/overview_page.py", title=t("总览", "Overview"), url_path="overview", default=True),
    st.Page("ui/contiguity_page.py", title=t("连片分析", "Contiguous land"), url_path="contiguity"),
    st.Page("ui/capacity_page.py", title=t("工业上楼容量", "Floor capacity"), url_path="capacity"),
    st.Page("ui/clusters_page.py", title=t("集群分布", "Clusters"), url_path="clusters"),
    st.Page("ui/scenario_page.py", title=t("情景规划", "Scenarios"), url_path="scenarios"),
    st.Page("ui/siting_page.py", title=t("项目选址", "Project siting"), url_path="siting"),
    st.Page("ui/data_page.py", title=t("数据导入导出", "Data import/export"), url_path="data"),
]
if not user.local and user.role in (PLANNER, ADMIN):
    pages.append(st.Page("ui/admin_page.py", title=t("管理", "Admin"), url_path="admin"))
try:
    st.navigation(pages).run()
except InputError as exc:
    show_input_error(exc)
except OSError as exc:
    st.error(
        md_escape(
            t(
                f"读写文件失败（{exc.strerror or type(exc).__name__}）。请检查磁盘空间和工作区文件夹后刷新页面。",
                f"Reading or writing a file failed ({exc.strerror or type(exc).__name__}). Check "
                "the disk space and the workspace folder, then refresh the page.",
            )
        )
    )
