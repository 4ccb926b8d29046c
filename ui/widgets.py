"""Widgets shared by the pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from ui.i18n import lang

__all__ = ["choice"]


def choice(
    widget: Callable,
    label: str,
    options: Sequence,
    key: str,
    *,
    format_func: Callable[[object], str],
    default: object = None,
    **kwargs,
) -> object:
    """A radio or selectbox whose option labels follow the language and whose choice
    survives a switch of language.

    Streamlit remembers a radio's or selectbox's choice by its label, so relabelling the
    options would lose it: the widget gets a key per language, and the choice itself is
    kept under ``key``.
    """
    options = list(options)
    current = st.session_state.get(key, default)
    index = options.index(current) if current in options else 0
    value = widget(
        label,
        options=options,
        index=index,
        format_func=format_func,
        key=f"{key}_{lang()}",
        **kwargs,
    )
    st.session_state[key] = value
    return value
