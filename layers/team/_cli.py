"""The accounts command: ``python -m layers.team COMMAND …``.

Commands: ``add-user NAME --role viewer|planner|admin [--email E]``, ``list-users``,
``set-role NAME ROLE``, ``disable-user NAME [--enable]``, ``reset-password NAME``. A
password is asked twice without echo (:func:`getpass.getpass`), or read from the first line
of standard input with ``--password-stdin`` (scripts); it is never an argument, so it never
shows in the shell history or the process list. Changes are audit rows by ``--by`` (default:
the operating-system user, as ``cli:<login>``). Exit status 0 on success, 1 with a bilingual
message on a refusal, 2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from geo.errors import InputError
from layers.team._model import ROLE_LABELS, ROLES
from layers.team._open import open_team_store

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m layers.team", description="用户与角色 / users and roles"
    )
    parser.add_argument("--by", default="", help="记入审计的操作人 / who is recorded as acting")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-user", help="新增用户 / add a user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--email", default="", help="单点登录用 / for single sign-on")
    add.add_argument("--password-stdin", action="store_true")
    commands.add_parser("list-users", help="列出用户 / list users")
    role = commands.add_parser("set-role", help="更改角色 / change a role")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    disable = commands.add_parser("disable-user", help="停用用户 / disable a user")
    disable.add_argument("name")
    disable.add_argument("--enable", action="store_true", help="重新启用 / enable again")
    reset = commands.add_parser("reset-password", help="重设密码 / reset a password")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true")
    return parser


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码 / password: ")
    second = getpass.getpass("再输入一次 / again: ")
    if first != second:
        raise InputError("两次输入的密码不一致。", "The two passwords differ.", code="bad_user")
    return first


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    by = args.by or f"cli:{getpass.getuser() if os.name != 'nt' else 'admin'}"
    try:
        team = open_team_store()
        if args.command == "add-user":
            user = team.add_user(
                args.name, args.role, _password(args.password_stdin), email=args.email, by=by
            )
            print(f"已添加 / added: {user.name} ({user.role})")
        elif args.command == "list-users":
            for user in team.users():
                state = "停用 disabled" if user.disabled else "启用 enabled"
                label = ROLE_LABELS[user.role][0] if user.role in ROLE_LABELS else ""
                print(f"{user.name}\t{user.role} {label}\t{state}\t{user.email}")
        elif args.command == "set-role":
            user = team.set_role(args.name, args.role, by=by)
            print(f"已更改 / changed: {user.name} ({user.role})")
        elif args.command == "disable-user":
            user = team.set_disabled(args.name, not args.enable, by=by)
            print(f"{user.name}: {'停用 disabled' if user.disabled else '启用 enabled'}")
        else:
            team.reset_password(args.name, _password(args.password_stdin), by=by)
            print(f"已重设密码 / password reset: {args.name}")
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0
