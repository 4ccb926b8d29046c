"""Presets of the 项目选址 form: typical enquiries for the plan's 车药芯智 clusters.

A preset fills the form's fields (session-state keys ``siting_*``); every field stays
editable. Anchor firms are named by a part of their name and picked from the current
enterprises layer, so a preset works on any data that holds them and leaves the field empty
otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from ui.i18n import lang, pick

__all__ = ["PRESETS", "Preset", "apply_preset"]


@dataclass(frozen=True)
class Preset:
    label_zh: str
    label_en: str
    project_zh: str
    project_en: str
    cluster: str  # a suitability key of the standards
    land_ha_min: float
    land_ha_max: float
    near_names: tuple[str, ...] = ()
    near_km: float = 3.0
    statuses: tuple[str, ...] = ("available", "reserve")
    needs_ground_floor: bool = False
    ground_floor_m2: float = 0.0
    gfa_m2: float = 0.0


PRESETS: dict[str, Preset] = {
    "chip_packaging": Preset(
        "芯 · 半导体封装测试（5–10 公顷，靠近中芯国际）",
        "Chips · IC packaging and test (5–10 ha, near SMIC)",
        "封装测试项目",
        "IC packaging project",
        "chip",
        5.0,
        10.0,
        ("中芯国际",),
    ),
    "chip_fab": Preset(
        "芯 · 晶圆制造（10–20 公顷，重载首层）",
        "Chips · wafer fab (10–20 ha, heavy ground floor)",
        "晶圆制造项目",
        "wafer fab project",
        "chip:fab",
        10.0,
        20.0,
        ("中芯国际",),
        statuses=("available", "reserve", "low_efficiency"),
        needs_ground_floor=True,
        ground_floor_m2=50_000.0,
    ),
    "car_parts": Preset(
        "车 · 汽车零部件与电子（3–8 公顷，靠近比亚迪）",
        "Cars · parts and electronics (3–8 ha, near BYD)",
        "汽车零部件项目",
        "car parts project",
        "car",
        3.0,
        8.0,
        ("比亚迪",),
    ),
    "pharma": Preset(
        "药 · 生物医药与医疗器械（2–5 公顷）",
        "Pharma · biomedicine and devices (2–5 ha)",
        "生物医药项目",
        "biomedicine project",
        "pharma",
        2.0,
        5.0,
        ("赛诺菲", "复星"),
    ),
    "ai": Preset(
        "智 · 智能终端（3–6 公顷，靠近荣耀）",
        "AI · smart devices (3–6 ha, near Honor)",
        "智能终端项目",
        "smart devices project",
        "ai",
        3.0,
        6.0,
        ("荣耀",),
    ),
}


def apply_preset(anchor_names: Mapping[str, str]) -> None:
    """Fill the form from the preset chosen in ``siting_preset``; ``anchor_names`` maps the
    anchor firms' ``ent_id`` to their names."""
    preset = PRESETS[st.session_state.get("siting_preset") or next(iter(PRESETS))]
    near = [
        ent_id
        for ent_id, name in anchor_names.items()
        if any(part in name for part in preset.near_names)
    ]
    st.session_state.update(
        {
            "siting_project": pick((preset.project_zh, preset.project_en), lang()),
            "siting_cluster": preset.cluster,
            "siting_land_min": preset.land_ha_min,
            "siting_land_max": preset.land_ha_max,
            "siting_gfa": preset.gfa_m2,
            "siting_statuses": list(preset.statuses),
            "siting_near": near,
            "siting_near_km": preset.near_km,
            "siting_parks": [],
            "siting_ground": preset.needs_ground_floor,
            "siting_ground_m2": preset.ground_floor_m2,
        }
    )
