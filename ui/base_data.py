"""Base-data versions on the pages: recording the active layers as a named version (data
page) and saying which version a scenario was built on (情景规划 page).

Method: both talk to the store of the deployment (:func:`ui.cache.the_store`) through
:meth:`~layers.store.ScenarioStore.record_base_data` and
:meth:`~layers.store.ScenarioStore.base_data_versions`; names come from users, so they are
escaped (:func:`ui.common.md_escape`); failures are the store's bilingual messages.
"""

from __future__ import annotations

import streamlit as st

from geo.errors import InputError
from layers.catalog import LayerSet
from layers.scenario import Scenario
from ui.cache import the_store
from ui.common import md_escape, show_input_error
from ui.i18n import t

__all__ = ["record_base_data_form", "scenario_base_data_note"]


def record_base_data_form(layers: LayerSet) -> None:
    """Record the active (imported) layers as a named base-data version; new scenarios are
    built on the newest one."""
    try:
        versions = the_store().base_data_versions()
    except InputError as exc:
        show_input_error(exc, with_source=False)
        return
    if versions:
        st.caption(
            md_escape(
                t(
                    f"当前基础数据版本：{versions[0].name}（共 {len(versions)} 个版本）",
                    f"Current base-data version: {versions[0].name} ({len(versions)} in all)",
                )
            )
        )
    if layers.is_demo:
        return
    with st.form("base_data_record"):
        name = st.text_input(
            t(
                "基础数据版本名称（如“2025 年现状调查”）",
                "Base-data version name (e.g. 2025 survey)",
            ),
            key="base_data_name",
        )
        if st.form_submit_button(t("记录为基础数据版本", "Record as a base-data version")):
            try:
                recorded = the_store().record_base_data(name, layers.content_id)
            except InputError as exc:
                show_input_error(exc, with_source=False)
            else:
                st.success(
                    md_escape(
                        t(
                            f"已记录基础数据版本「{recorded.name}」。",
                            f"Recorded base-data version '{recorded.name}'.",
                        )
                    )
                )


def scenario_base_data_note(draft: Scenario, problem_count: int) -> None:
    """Say which base-data version ``draft`` was built on and, when a newer one exists, how
    many of its edits no longer apply (they are listed by the page)."""
    try:
        versions = the_store().base_data_versions()
    except InputError as exc:
        show_input_error(exc, with_source=False)
        return
    newest = versions[0].name if versions else None
    built_on = draft.base_data_version
    if newest is None or built_on == newest:
        if built_on is not None:
            st.caption(md_escape(t(f"基础数据版本：{built_on}", f"Base-data version: {built_on}")))
        return
    zh_on = f"「{built_on}」" if built_on else "更早的基础数据"
    en_on = f"'{built_on}'" if built_on else "earlier base data"
    st.info(
        md_escape(
            t(
                f"此情景基于{zh_on}编制，当前基础数据版本为「{newest}」："
                + (
                    f"{problem_count} 项编辑不再完全适用，见下方。"
                    if problem_count
                    else "所有编辑仍然适用。"
                ),
                f"This scenario was built on {en_on}; the current base-data version is "
                f"'{newest}': "
                + (
                    f"{problem_count} edit(s) no longer apply in full, listed below."
                    if problem_count
                    else "every edit still applies."
                ),
            )
        )
    )
