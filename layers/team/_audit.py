"""The audit trail as a table and as CSV.

Method: each :class:`~layers.team.AuditEvent` becomes one row (time UTC, user, kind with
its bilingual label, scenario, parcels joined by ``;``, details as compact JSON); the CSV
is UTF-8 with a byte-order mark so spreadsheet programs show the Chinese text, and a text
cell starting like a formula is prefixed with an apostrophe so it is never run.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from layers.team._model import AuditEvent

__all__ = ["AUDIT_COLUMNS", "AUDIT_KINDS", "audit_csv", "audit_rows"]

#: Audit kind → (Chinese, English) label.
AUDIT_KINDS = {
    "sign_in": ("登录", "sign-in"),
    "sign_in_failed": ("登录失败", "failed sign-in"),
    "sign_out": ("退出", "sign-out"),
    "scenario_create": ("新建情景", "scenario created"),
    "scenario_save": ("保存情景", "scenario saved"),
    "scenario_rename": ("重命名情景", "scenario renamed"),
    "scenario_delete": ("删除情景", "scenario deleted"),
    "scenario_share": ("共享情景", "scenario shared"),
    "base_import": ("导入基础数据", "base data imported"),
    "user_add": ("新增用户", "user added"),
    "user_role": ("更改角色", "role changed"),
    "user_disable": ("停用用户", "user disabled"),
    "user_enable": ("启用用户", "user enabled"),
    "user_password": ("重设密码", "password reset"),
    "token_create": ("发放访问令牌", "access token issued"),
    "token_revoke": ("吊销访问令牌", "access token revoked"),
    "refused": ("操作被拒绝", "action refused"),
}

#: Column names of :func:`audit_rows` and the CSV.
AUDIT_COLUMNS = (
    "id",
    "at_utc",
    "user",
    "kind",
    "kind_label",
    "scenario_id",
    "scenario_name",
    "parcel_ids",
    "detail",
)


def audit_rows(events: Iterable[AuditEvent], lang: str = "zh") -> list[dict]:
    """One dict per event, keys :data:`AUDIT_COLUMNS`; ``lang`` picks the kind label."""
    index = 0 if lang == "zh" else 1
    return [
        {
            "id": event.id,
            "at_utc": event.at,
            "user": event.user,
            "kind": event.kind,
            "kind_label": AUDIT_KINDS.get(event.kind, (event.kind, event.kind))[index],
            "scenario_id": event.scenario_id,
            "scenario_name": event.scenario_name,
            "parcel_ids": ";".join(event.parcel_ids),
            "detail": json.dumps(event.detail, ensure_ascii=False, sort_keys=True),
        }
        for event in events
    ]


def audit_csv(events: Iterable[AuditEvent], lang: str = "zh") -> bytes:
    """The events as CSV bytes (UTF-8 with BOM), header :data:`AUDIT_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=AUDIT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in audit_rows(events, lang):
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return buffer.getvalue().encode("utf-8-sig")


def _cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula (``=`` ``+`` ``-`` ``@`` first) gets a
    leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
