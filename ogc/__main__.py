"""Manage the OGC API's access tokens (in the workspace, ``$LANDPLAN_WORKSPACE``).

Usage::

    python -m ogc tokens create NAME   # prints the new token once; keep it
    python -m ogc tokens revoke NAME
    python -m ogc tokens list
"""

from __future__ import annotations

import argparse
import sys

from geo.errors import InputError
from ogc._tokens import default_token_store

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; 0 on success, 1 with a bilingual message on failure."""
    parser = argparse.ArgumentParser(
        prog="python -m ogc", description="OGC API 访问令牌 · OGC API access tokens"
    )
    sub = parser.add_subparsers(dest="group", required=True)
    tokens = sub.add_parser("tokens", help="管理访问令牌 · manage access tokens")
    action = tokens.add_subparsers(dest="action", required=True)
    action.add_parser("create", help="新建令牌 · issue a token").add_argument("name")
    action.add_parser("revoke", help="吊销令牌 · revoke a token").add_argument("name")
    action.add_parser("list", help="列出令牌 · list tokens")
    args = parser.parse_args(argv)
    try:
        store = default_token_store()
        if args.action == "create":
            token = store.create(args.name)
            print(f"令牌「{args.name}」/ token '{args.name}':\n{token}")
            print("只显示这一次，请妥善保存。/ Shown this once only: keep it safe.")
        elif args.action == "revoke":
            store.revoke(args.name)
            print(f"已吊销「{args.name}」/ revoked '{args.name}'")
        else:
            for info in store.list():
                state = "有效 active" if info.active else f"已吊销 revoked {info.revoked_at}"
                print(f"{info.name}\t{info.created_at}\t{state}")
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
