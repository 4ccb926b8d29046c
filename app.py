"""坪山产业空间规划工具 — Streamlit entry point."""

import streamlit as st

from layers.catalog import load_demo
from layers.schema import LAYER_SPECS

st.set_page_config(page_title="坪山产业空间规划工具", layout="wide")


@st.cache_resource
def demo_layers():
    return load_demo()


layers = demo_layers()
st.title("坪山产业空间规划工具")
if layers.is_demo:
    st.info(
        "当前显示的是示意数据（非官方数据）。 The data shown is illustrative demo data, not official."
    )
st.subheader("图层 Layers")
counts = layers.counts()
cols = st.columns(len(counts))
for col, (kind, n) in zip(cols, counts.items(), strict=True):
    col.metric(LAYER_SPECS[kind].zh, n)
