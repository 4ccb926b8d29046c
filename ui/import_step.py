"""The mapping step of an import, as the data page shows it (Streamlit).

After a file is read (:func:`ui.imports.read_raw`) the planner sees, in order:

1. the read report — always, also when the layer will not validate later;
2. the rows outside Shenzhen, and those outside the district, named by row, with the
   choice to drop them or to stop;
3. the saved field mappings made for files with the same headers, if any;
4. one dropdown per field of the layer with the file column proposed for it
   (:func:`layers.mapping.propose_mapping`) and the column's first values beside it; for a
   field without a column: generate ids, derive FAR, or state one value for all rows;
5. for each coded field, a table of the file's distinct values with the code proposed for
   each, editable;
6. what is still missing, a name to save the mapping under, and the button that applies
   the mapping and validates (:func:`ui.imports.finish_import`).

Widget keys carry the upload's token, so a new file starts from its own proposal. Nothing
here changes the active layers: the result is a pending import the page confirms as before.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from geo.errors import InputError
from layers.catalog import LayerSet
from layers.mapping import (
    DERIVABLE,
    FieldMapping,
    mappings_for,
    missing_fields,
    propose_mapping,
    save_mapping,
    suggest_value_mapping,
)
from layers.schema import LAYER_SPECS, CodeList, Field
from ui.common import md_escape, show_input_error
from ui.i18n import lang, t
from ui.imports import (
    PendingImport,
    RawImport,
    finish_import,
    outside_district,
    sample_values,
    value_counts,
    without_rows,
)

__all__ = ["NO_COLUMN", "render_mapping_step"]

#: Dropdown entry meaning "no column of the file is this field".
NO_COLUMN = "\u2014"
#: Most distinct values listed for one coded field; rarer ones stay as they are and are
#: reported by row on validation.
MAX_VALUES_LISTED = 200
_PROPOSAL = "import_proposal_"


def _proposal(raw: RawImport) -> FieldMapping:
    key = _PROPOSAL + raw.token
    if key not in st.session_state:
        st.session_state[key] = propose_mapping(raw.gdf, raw.kind)
    return st.session_state[key]


def _report(raw: RawImport) -> None:
    st.subheader(t("读取报告", "Read report"))
    code = lang()
    warnings = set(raw.report.warning_messages(code))
    for line in raw.report.messages(code):
        if line in warnings:
            st.warning(md_escape(line))
        else:
            st.caption(md_escape(line))


def _rows_text(rows: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" … ({len(rows)})" if len(rows) > limit else "")


def _outside(raw: RawImport, layers: LayerSet) -> RawImport | None:
    """Ask about rows outside Shenzhen or the district; the frame to go on with, or None
    when the planner stops."""
    far = list(raw.report.outside_rows)
    district = outside_district(raw, layers.boundary)
    if not far and not district:
        return raw
    lines = []
    if far:
        lines.append(
            t(
                f"{len(far)} 条记录位于深圳范围之外（行号 {_rows_text(far)}），多为坐标错误。",
                f"{len(far)} records lie outside Shenzhen (rows {_rows_text(far)}); usually "
                "wrong coordinates.",
            )
        )
    if district:
        lines.append(
            t(
                f"{len(district)} 条记录位于坪山区界之外（行号 {_rows_text(district)}）。",
                f"{len(district)} records lie outside the district (rows {_rows_text(district)}).",
            )
        )
    st.warning("\n\n".join(lines))
    choice = st.radio(
        t("这些记录如何处理？", "What to do with these records?"),
        options=["drop", "stop"],
        format_func=lambda c: {
            "drop": t("删除这些记录后继续", "Drop them and go on"),
            "stop": t("停止导入，先修改文件", "Stop, and fix the file first"),
        }[c],
        key=f"import_outside_{raw.token}",
        horizontal=True,
    )
    if choice == "stop":
        st.info(
            t(
                "导入已停止，当前图层未改变。修改文件后重新读取即可。",
                "The import is stopped; the active layers are unchanged. Read the file again "
                "once it is fixed.",
            )
        )
        return None
    return without_rows(raw, far + district)


def _field_label(f: Field) -> str:
    star = " *" if f.required else ""
    return md_escape(t(f"{f.zh}（{f.name}）{star}", f"{f.name} ({f.zh}){star}"))


def _column_choice(raw: RawImport, f: Field, proposed: object, scope: str) -> str | None:
    options = [NO_COLUMN, *raw.columns]
    samples = {c: sample_values(raw.gdf, c) for c in raw.columns}

    def show(column: str) -> str:
        if column == NO_COLUMN:
            return t("— 文件中没有 —", "— not in the file —")
        values = "、".join(samples[column]) if samples[column] else t("（空）", "(empty)")
        return f"{column}  ·  {values}"

    index = options.index(str(proposed)) if proposed is not None and str(proposed) in options else 0
    chosen = st.selectbox(
        _field_label(f),
        options=options,
        index=index,
        format_func=show,
        key=f"import_col_{scope}_{f.name}",
    )
    return None if chosen == NO_COLUMN else chosen


def _without_column(raw: RawImport, f: Field, base: FieldMapping, scope: str) -> tuple[bool, str]:
    """For a field with no column: derive (where a rule exists) or a value for all rows."""
    spec = LAYER_SPECS[raw.kind]
    if f.name in DERIVABLE.get(raw.kind, ()):
        label = (
            t("自动生成编号", "Generate ids")
            if f.name == spec.id_field
            else t("由建筑面积 ÷ 用地面积推算", "Derive from floor area ÷ land area")
        )
        on = st.checkbox(label, value=f.name in base.derive, key=f"import_derive_{scope}_{f.name}")
        if on or f.name == spec.id_field:
            return on, ""
    if isinstance(f.kind, CodeList):
        options = ["", *f.kind.codes]
        fill = st.selectbox(
            t(f"{f.zh}：统一填写", f"{f.name}: one value for all rows"),
            options=options,
            index=options.index(str(base.fills.get(f.name, "")))
            if str(base.fills.get(f.name, "")) in options
            else 0,
            format_func=lambda c: (
                t("（不填）", "(none)") if c == "" else f"{f.kind.label(c, lang())} ({c})"
            ),
            key=f"import_fill_{scope}_{f.name}",
        )
        return False, fill
    fill = st.text_input(
        t(f"{f.zh}：统一填写（可留空）", f"{f.name}: one value for all rows (optional)"),
        value=str(base.fills.get(f.name, "")),
        key=f"import_fill_{scope}_{f.name}",
    )
    return False, fill.strip()


def _value_table(
    raw: RawImport, f: Field, column: str, base: FieldMapping, scope: str
) -> dict[str, str | None]:
    codes: CodeList = f.kind
    counted = value_counts(raw.gdf, column)
    listed = counted[:MAX_VALUES_LISTED]
    proposal = (
        dict(base.values.get(f.name, {}))
        if base.columns.get(f.name) == column
        else suggest_value_mapping([v for v, _ in listed], f)
    )
    labels = {c: f"{c} · {codes.label(c, lang())}" for c in codes.codes}
    unknown = t("（未对应）", "(not mapped)")
    table = pd.DataFrame(
        {
            t("文件中的值", "Value in the file"): [v for v, _ in listed],
            t("行数", "Rows"): [n for _, n in listed],
            t("对应代码", "Code"): [labels.get(proposal.get(v) or "", unknown) for v, _ in listed],
        }
    )
    code_col = table.columns[2]
    edited = st.data_editor(
        table,
        hide_index=True,
        disabled=list(table.columns[:2]),
        column_config={
            code_col: st.column_config.SelectboxColumn(
                code_col, options=[unknown, *labels.values()], required=True
            )
        },
        key=f"import_values_{scope}_{f.name}_{column}",
        width="stretch",
    )
    back = {label: code for code, label in labels.items()}
    out = {
        str(value): back.get(label)
        for value, label in zip(edited.iloc[:, 0], edited.iloc[:, 2], strict=True)
    }
    if len(counted) > len(listed):
        st.caption(
            t(
                f"只列出最常见的 {len(listed)} 个值；其余 {len(counted) - len(listed)} 个值保持原样，校验时按行报告。",
                f"Only the {len(listed)} most common values are listed; the other "
                f"{len(counted) - len(listed)} stay as they are and are reported by row.",
            )
        )
    return out


def render_mapping_step(raw: RawImport, layers: LayerSet) -> PendingImport | None:
    """Show the mapping step for ``raw``; the pending import once the planner applies it."""
    _report(raw)
    work = _outside(raw, layers)
    if work is None:
        return None

    st.subheader(t("字段对应", "Field mapping"))
    st.caption(
        t(
            "每个字段下拉框里是建议对应的文件列（后面是该列的前几个值），可以改选；带 * 的为必填。"
            "没有对应列的字段可推算、生成或统一填写；不会有任何值被悄悄改变，所有变化都会列在校验结果里。",
            "Each field shows the file column proposed for it (with its first values); change "
            "it where wrong. Fields marked * are required. A field without a column can be "
            "derived, generated or given one value for all rows; nothing is changed without "
            "being listed in the report.",
        )
    )
    base = _proposal(raw)
    scope = raw.token
    try:
        saved, damaged = mappings_for(raw.columns, raw.kind)
    except InputError as exc:  # no workspace folder: mappings can be neither read nor saved
        saved, damaged = [], [f"{exc.zh} / {exc.en}"]
    for message in damaged:
        st.warning(md_escape(message))
    if saved:
        names = [s.name for s in saved]
        pick_saved = st.selectbox(
            t("使用已保存的字段对应", "Use a saved mapping"),
            options=["", *names],
            format_func=lambda n: t("（使用建议）", "(use the proposal)") if n == "" else n,
            key=f"import_saved_{raw.token}",
        )
        if pick_saved:
            base = next(s.mapping for s in saved if s.name == pick_saved)
            # Widgets keyed by the saved mapping's name start from its values.
            scope = f"{raw.token}-{hashlib.sha256(pick_saved.encode()).hexdigest()[:8]}"

    spec = LAYER_SPECS[raw.kind]
    columns: dict[str, str | None] = {}
    derive: set[str] = set()
    fills: dict[str, object] = {}
    for f in spec.fields:
        left, right = st.columns([3, 2])
        with left:
            columns[f.name] = _column_choice(raw, f, base.columns.get(f.name), scope)
        if columns[f.name] is None:
            with right:
                on, fill = _without_column(raw, f, base, scope)
            if on:
                derive.add(f.name)
            elif fill != "":
                fills[f.name] = fill

    values: dict[str, dict[str, str | None]] = {}
    coded = [f for f in spec.fields if isinstance(f.kind, CodeList) and columns[f.name]]
    if coded:
        st.subheader(t("取值对应", "Value mapping"))
        for f in coded:
            st.markdown(_field_label(f))
            values[f.name] = _value_table(raw, f, columns[f.name], base, scope)

    chosen = [c for c in columns.values() if c is not None]
    twice = sorted({c for c in chosen if chosen.count(c) > 1})
    if twice:
        st.error(
            md_escape(
                t(
                    f"同一列不能对应两个字段：{'、'.join(twice)}。",
                    f"One column cannot be two fields: {', '.join(twice)}.",
                )
            )
        )
        return None
    try:
        mapping = FieldMapping(raw.kind, columns, values, fills, frozenset(derive))
    except InputError as exc:
        show_input_error(exc, with_source=False)
        return None

    missing = missing_fields(work.gdf, mapping)
    if missing:
        names = "、".join(f"{spec.field(m).zh}（{m}）" for m in missing)
        st.info(
            md_escape(
                t(
                    f"还缺必填字段：{names}。请选择对应列，或推算、生成、统一填写。",
                    f"Required fields still missing: {', '.join(missing)}. Choose a column, "
                    "or derive, generate or state one value.",
                )
            )
        )

    with st.expander(t("保存这套字段对应", "Save this mapping")):
        name = st.text_input(
            t("名称（如 2025 现状调查）", "Name (e.g. 2025 survey)"),
            key=f"import_save_name_{raw.token}",
        )
        if st.button(t("保存", "Save"), key=f"import_save_{raw.token}", disabled=not name.strip()):
            try:
                save_mapping(name, mapping, raw.columns)
            except InputError as exc:
                show_input_error(exc, with_source=False)
            else:
                st.success(
                    md_escape(
                        t(
                            f"已保存「{name.strip()}」，下次导入表头相同的文件时可直接选用。",
                            f"Saved '{name.strip()}'; it is offered for the next file with "
                            "the same headers.",
                        )
                    )
                )

    if not st.button(
        t("应用字段对应并校验", "Apply the mapping and validate"),
        type="primary",
        disabled=bool(missing),
        key=f"import_apply_{raw.token}",
    ):
        return None
    try:
        with st.spinner(t("正在校验…", "Validating…")):
            return finish_import(work, mapping, layers.parks, lang=lang())
    except InputError as exc:
        show_input_error(exc)
        st.caption(
            t(
                "当前图层未改变；读取报告见上方。可修改字段对应后再试。",
                "The active layers are unchanged; the read report is above. Change the "
                "mapping and try again.",
            )
        )
        return None
