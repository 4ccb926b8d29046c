"""The interface language: the zh/en switch, bilingual text and labels of coded values.

Every text of the app is written as a (Chinese, English) pair, Chinese first; the language
is chosen in the sidebar and kept in the session under :data:`LANG_KEY`. :func:`t` picks
the text of a pair in the session's language; :func:`pick` does the same for a language
passed explicitly — what the Streamlit-free modules (``ui.maps``, ``ui.imports``) and the
cached computations (``ui.cache``, which take the language as part of their key) use.

Nothing here imports Streamlit when the module is imported: :func:`lang` reads the session
when it is called, so the pure helpers stay usable outside a running app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from layers.schema import CLUSTER, CodeList

if TYPE_CHECKING:
    from analysis.standards import FloorBand, Standards

__all__ = [
    "LANGUAGES",
    "LANG_KEY",
    "band_label",
    "cluster_label",
    "cluster_list_label",
    "code_labeller",
    "fit_key_label",
    "keep_widget_values",
    "labeller",
    "lang",
    "pick",
    "t",
    "tally_label",
]

#: Session key of the chosen language.
LANG_KEY = "lang"
#: Language code → its name in the language switch.
LANGUAGES = {"zh": "中文", "en": "English"}


#: Session key: the language of the last run (to notice a switch).
_LANG_SEEN = "lang_seen"


def keep_widget_values() -> None:
    """After a language switch, set every keyed widget's value again from the session.

    The browser sends a choice (selectbox, radio, multiselect) back as the label it shows;
    after a switch the options carry labels of the other language, so that label would not
    be found and the widget would fall back to its default. Read before any widget is
    drawn, the session still maps the old label to its value; writing it back makes the
    widget start from the value instead. Call first thing in every run.
    """
    import streamlit as st
    from streamlit.errors import StreamlitAPIException

    current = st.session_state.get(LANG_KEY)
    seen = st.session_state.get(_LANG_SEEN)
    st.session_state[_LANG_SEEN] = current
    if seen is None or seen == current:
        return
    for key in _choice_keys():
        try:
            st.session_state[key] = st.session_state[key]
        except (StreamlitAPIException, KeyError, ValueError):
            continue  # a widget that cannot be set from the session: it keeps its own state


def _choice_keys() -> list[str]:
    """Keys of the widgets the browser reports by label (selectbox, radio, multiselect),
    from the session's widget records; [] where those are not readable."""
    from streamlit.runtime.state.session_state_proxy import get_session_state

    state = getattr(get_session_state(), "_state", None)
    mapper = getattr(state, "_key_id_mapper", None)
    widgets = getattr(state, "_new_widget_state", None)
    if mapper is None or widgets is None:
        return []
    keys = []
    for key, widget_id in dict(getattr(mapper, "_key_id_mapping", {})).items():
        meta = widgets.widget_metadata.get(widget_id)
        serde = getattr(getattr(meta, "deserializer", None), "__self__", None)
        if key != LANG_KEY and type(serde).__name__ in _BY_LABEL:
            keys.append(key)
    return keys


#: Value readers of the widgets the browser reports by the label shown.
_BY_LABEL = ("SelectboxSerde", "RadioSerde", "MultiSelectSerde")


def pick(pair: Sequence[str], lang_code: str) -> str:
    """The Chinese (``lang_code`` "zh") or English text of a (Chinese, English) pair."""
    return pair[0] if lang_code == "zh" else pair[1]


def lang() -> str:
    """The language chosen in the sidebar of this session ("zh" or "en")."""
    import streamlit as st  # at call time: importing this module must not need Streamlit

    return st.session_state.get(LANG_KEY, "zh")


def t(zh: str, en: str) -> str:
    """The text in the language chosen in the sidebar."""
    return pick((zh, en), lang())


def labeller(labels: Mapping[object, tuple[str, str]]) -> Callable[[object], str]:
    """A widget ``format_func`` for options with (Chinese, English) labels.

    The language is fixed when the page runs, not when the function is called: Streamlit
    (and its test harness) may call it after the run, outside the session.
    """
    code = lang()
    return lambda value: pick(labels[value], code)


def code_labeller(
    codes: CodeList, *, show_code: bool = False, blank: str = "—"
) -> Callable[[object], str]:
    """A ``format_func`` showing the label of an enumeration code (None shows ``blank``),
    in the language of this run (see :func:`labeller`)."""
    code_lang = lang()

    def label(value: object) -> str:
        if value is None:
            return blank
        text = codes.label(value, code_lang)
        return f"{value} {text}" if show_code else text

    return label


# --------------------------------------------------------------------------- clusters, floors


def cluster_label(code: str) -> str:
    """The label of a cluster code in the session's language."""
    return CLUSTER.label(code, lang())


def cluster_list_label(codes: str | Sequence[str]) -> str:
    """Comma-separated cluster codes ("car, chip") as labels in the chosen language."""
    if isinstance(codes, str):
        codes = [c.strip() for c in codes.split(",") if c.strip()]
    return t("、", ", ").join(cluster_label(c) for c in codes)


def tally_label(text: str) -> str:
    """``"traditional:12, other:5"`` → ``"传统产业 12、其他 5"``."""
    parts = []
    for item in (text or "").split(","):
        code, _, count = item.strip().partition(":")
        if code:
            parts.append(f"{cluster_label(code)} {count}".strip())
    return t("、", ", ").join(parts)


def fit_key_label(key: str, standards: Standards) -> str:
    """Label of a suitability key: the cluster's label, with its sub-type when it has one."""
    cluster, _, sub_type = key.partition(":")
    if not sub_type:
        return cluster_label(cluster)
    if lang() == "zh":
        entry = standards.highrise.fit(key) if key in standards.highrise.fit_keys else None
        if entry is not None and entry.label_zh:
            return entry.label_zh
        return f"{cluster_label(cluster)}·{sub_type}"
    return f"{cluster_label(cluster)} ({sub_type.replace('_', ' ')})"


def band_label(band: FloorBand, lang_code: str | None = None) -> str:
    """A floor band's name: its Chinese label, or the floors it spans (in ``lang_code``,
    the sidebar's language by default)."""
    code = lang_code or lang()
    if code == "zh" and band.label_zh:
        return band.label_zh
    first, last = band.first_floor, band.last_floor
    if last is None:
        return pick((f"{first} 层及以上", f"floors {first} and up"), code)
    if first == last:
        return pick((f"第 {first} 层", "ground floor" if first == 1 else f"floor {first}"), code)
    return pick((f"{first}–{last} 层", f"floors {first}–{last}"), code)
