"""管理 · Admin: users and the data service's access tokens (admins), and the audit trail
(admins: everything; planners: the history of their own scenarios).

The audit trail is filtered by scenario, parcel ("who changed PS00123, when, in which
scenario"), user, kind and UTC dates, shown as a table and downloaded as CSV
(:func:`layers.team.audit_csv`). User changes go through the team store, which checks each
value and records the change.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from geo.errors import InputError
from layers.store import store_location
from layers.team import (
    ADMIN,
    AUDIT_KINDS,
    ROLE_LABELS,
    ROLES,
    VISIBILITIES,
    audit_csv,
    audit_rows,
    require,
)
from ogc import default_token_store, issue_token, revoke_token
from ui.cache import store_at, the_store, the_team
from ui.common import md_escape, show_input_error
from ui.i18n import labeller, lang, t
from ui.signin import current_user

user = current_user()
team = the_team()
if team is None or user.local or user.role not in ("planner", ADMIN):
    st.warning(t("此页面需要以规划或管理角色登录。", "This page needs a planner or admin sign-in."))
    st.stop()
is_admin = user.role == ADMIN
st.title(t("管理", "Admin"))

# --------------------------------------------------------------------------- users
if is_admin:
    st.subheader(t("用户", "Users"))
    users = team.users()
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("用户名", "User"): u.name,
                    t("角色", "Role"): labeller(ROLE_LABELS)(u.role),
                    t("电子邮箱", "E-mail"): u.email,
                    t("状态", "State"): t("停用", "disabled")
                    if u.disabled
                    else t("启用", "enabled"),
                }
                for u in users
            ]
        ),
        hide_index=True,
    )
    add_col, change_col = st.columns(2)
    with add_col, st.form("admin_add_user", clear_on_submit=True):
        st.markdown(t("**新增用户**", "**Add a user**"))
        name = st.text_input(t("用户名", "User name"), key="admin_new_name")
        role = st.selectbox(
            t("角色", "Role"), ROLES, format_func=labeller(ROLE_LABELS), key="admin_new_role"
        )
        email = st.text_input(
            t("电子邮箱（单点登录用，可空）", "E-mail (single sign-on, optional)")
        )
        password = st.text_input(t("初始密码", "First password"), type="password")
        if st.form_submit_button(t("添加", "Add")):
            try:
                require(user, "manage_users")
                team.add_user(name, role, password, email=email, by=user.name)
            except InputError as exc:
                show_input_error(exc)
            else:
                st.rerun()
    with change_col, st.form("admin_change_user", clear_on_submit=True):
        st.markdown(t("**更改用户**", "**Change a user**"))
        names = [u.name for u in users]
        target = st.selectbox(t("用户", "User"), names, key="admin_target")
        new_role = st.selectbox(
            t("新角色", "New role"), ROLES, format_func=labeller(ROLE_LABELS), key="admin_role"
        )
        new_password = st.text_input(
            t("新密码（可空）", "New password (optional)"), type="password"
        )
        action = st.radio(
            t("操作", "Action"),
            ["role", "password", "disable", "enable"],
            format_func=labeller(
                {
                    "role": ("更改角色", "change the role"),
                    "password": ("重设密码", "reset the password"),
                    "disable": ("停用", "disable"),
                    "enable": ("启用", "enable"),
                }
            ),
            horizontal=True,
            key="admin_action",
        )
        if st.form_submit_button(t("执行", "Apply")) and target:
            try:
                require(user, "manage_users")
                if action == "role":
                    team.set_role(target, new_role, by=user.name)
                elif action == "password":
                    team.reset_password(target, new_password, by=user.name)
                else:
                    team.set_disabled(target, action == "disable", by=user.name)
            except InputError as exc:
                show_input_error(exc)
            else:
                st.rerun()

# --------------------------------------------------------------------------- tokens
if is_admin:
    st.subheader(t("数据服务访问令牌", "Data service access tokens"))
    st.caption(
        t(
            "其他系统（一张图平台、QGIS、看板）通过 OGC API – Features 读取 /ogc 下的图层、情景与"
            "分析结果，每个系统一个只读令牌；吊销后立即失效。令牌只在发放时显示一次。",
            "Other systems (the district platform, QGIS, dashboards) read the layers, scenarios "
            "and results under /ogc through OGC API – Features, one read-only token per system; "
            "a revoked token stops working at once. A token is shown once, when it is issued.",
        )
    )
    tokens = default_token_store()
    try:
        issued = tokens.list()
    except InputError as exc:
        show_input_error(exc)
        issued = []
    if issued:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("名称", "Name"): info.name,
                        t("发放时间（UTC）", "Issued (UTC)"): info.created_at,
                        t("发放人", "Issued by"): info.created_by,
                        t("状态", "State"): t("有效", "active")
                        if info.active
                        else t(f"已吊销 {info.revoked_at}", f"revoked {info.revoked_at}"),
                    }
                    for info in issued
                ]
            ),
            hide_index=True,
            key="admin_tokens_table",
        )
    issue_col, revoke_col = st.columns(2)
    with issue_col, st.form("admin_issue_token", clear_on_submit=True):
        token_name = st.text_input(
            t("系统名称（如 一张图平台）", "System name (e.g. district platform)"),
            key="admin_token_name",
        )
        if st.form_submit_button(t("发放令牌", "Issue a token")):
            try:
                new_token = issue_token(tokens, token_name, user=user, team=team)
            except InputError as exc:
                show_input_error(exc)
            else:
                st.success(
                    t(
                        "令牌已发放。请现在复制并交给该系统，离开本页后不再显示：",
                        "Token issued. Copy it now for the system; it is not shown again:",
                    )
                )
                st.code(new_token, language=None)
    with revoke_col, st.form("admin_revoke_token"):
        active = [info.name for info in issued if info.active]
        revoked_name = st.selectbox(
            t("有效令牌", "Active token"), active, key="admin_revoke_name", index=None
        )
        if st.form_submit_button(t("吊销", "Revoke")) and revoked_name:
            try:
                revoke_token(tokens, revoked_name, user=user, team=team)
            except InputError as exc:
                show_input_error(exc)
            else:
                st.rerun()

# --------------------------------------------------------------------------- sharing
sharings = team.sharings()
infos = store_at(store_location()).list()
names = {info.id: info.name for info in infos}
own = [sid for sid, sharing in sharings.items() if sharing.owner == user.name]
manageable = list(names) if is_admin else [sid for sid in own if sid in names]
st.subheader(t("情景共享", "Scenario sharing"))
if not manageable:
    st.caption(t("还没有可共享的情景。", "No scenario to share yet."))
else:
    shared_id = st.selectbox(
        t("情景", "Scenario"), manageable, format_func=names.get, key="share_scenario"
    )
    with st.form(f"share_form_{shared_id}"):
        current = sharings.get(shared_id)
        visibility = st.radio(
            t("共享方式", "Sharing"),
            list(VISIBILITIES),
            index=list(VISIBILITIES).index(current.visibility) if current else 1,
            format_func=labeller(VISIBILITIES),
            horizontal=True,
            key=f"share_visibility_{shared_id}",
        )
        editors = st.multiselect(
            t(
                "可编辑的同事（仅「指定同事可编辑」时有效）",
                "Colleagues who may edit (with 'editable')",
            ),
            [u.name for u in team.users() if u.name != user.name and not u.disabled],
            default=[e for e in (current.editors if current else ()) if e != user.name],
            key=f"share_editors_{shared_id}",
            placeholder=t("请选择", "Choose"),
        )
        if st.form_submit_button(t("保存共享设置", "Save the sharing")):
            try:
                the_store().share(shared_id, visibility, editors)
            except InputError as exc:
                show_input_error(exc)
            else:
                st.rerun()

# --------------------------------------------------------------------------- audit
st.subheader(t("操作记录", "Audit trail"))
visible = list(names) if is_admin else [sid for sid in own if sid in names]
if not is_admin:
    st.caption(
        t("规划角色可查看自己情景的操作记录。", "Planners see the history of their own scenarios.")
    )
c1, c2, c3 = st.columns(3)
scenario_id = c1.selectbox(
    t("情景", "Scenario"),
    [None, *visible],
    format_func=lambda sid: t("（全部）", "(all)") if sid is None else names.get(sid, sid),
    key="audit_scenario",
)
parcel_id = c2.text_input(t("地块编号", "Parcel id"), key="audit_parcel", placeholder="PS00123")
who = c3.text_input(t("用户", "User"), key="audit_user") if is_admin else ""
c4, c5, c6 = st.columns(3)
kinds = c4.multiselect(
    t("类型", "Kinds"),
    list(AUDIT_KINDS),
    format_func=labeller(AUDIT_KINDS),
    key="audit_kinds",
    placeholder=t("全部", "All"),
)
since = c5.date_input(t("起始日期（UTC）", "From (UTC)"), value=None, key="audit_since")
until = c6.date_input(
    t("截止日期（含，UTC）", "To, inclusive (UTC)"), value=None, key="audit_until"
)
try:
    events = team.history(
        scenario_id=scenario_id,
        scenario_ids=None if is_admin else own,
        parcel_id=parcel_id.strip() or None,
        user=who.strip() or None,
        kinds=kinds or None,
        since=since.isoformat() if since else None,
        until=(until + timedelta(days=1)).isoformat() if until else None,
    )
except InputError as exc:
    show_input_error(exc)
    st.stop()
st.caption(md_escape(t(f"共 {len(events)} 条记录", f"{len(events)} rows")))
COLUMN_LABELS = {
    "id": ("序号", "No."),
    "at_utc": ("时间（UTC）", "Time (UTC)"),
    "user": ("用户", "User"),
    "kind": ("类型代码", "Kind code"),
    "kind_label": ("类型", "Kind"),
    "scenario_id": ("情景编号", "Scenario id"),
    "scenario_name": ("情景", "Scenario"),
    "parcel_ids": ("地块", "Parcels"),
    "detail": ("详情", "Details"),
}
table = pd.DataFrame(audit_rows(events, lang()), columns=list(COLUMN_LABELS))
st.dataframe(table.rename(columns=labeller(COLUMN_LABELS)), hide_index=True, key="audit_table")
st.download_button(
    t("导出 CSV", "Export CSV"),
    data=audit_csv(events, lang()),
    file_name="audit.csv",
    mime="text/csv",
    key="audit_csv",
)
