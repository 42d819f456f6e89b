"""Who may do what, from the command line: accounts, the trash, the audit log, customers' data.

The person at the command line is the *local user*, an admin unless ``$RETAIL_LOCAL_ROLE`` says
otherwise (whoever can run commands on the server can read its files anyway). Every change goes
through the same role check and audit log as the pages.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from retail.cli.common import EXIT_UNUSABLE

SERVE_HINT = ("Sign-in is not configured: create an account with `python -m retail add-user NAME --role admin` "
              "(or set up single sign-on in .streamlit/secrets.toml), then run `make serve` again.")


def guarded():
    """The workspace of this process, acting as the local user."""
    from retail.access.guard import GuardedWorkspace
    from retail.access.roles import local_actor
    from retail.data.workspace import Workspace

    return GuardedWorkspace(Workspace(), local_actor())


def write_export(out: Path, source: str, build: Callable[[Any], bytes], campaign: bool = False) -> None:
    """Write an export file as the local user: the role is checked first, ``build`` gets the guarded
    workspace (whose ``export(frame)`` shows customers by pseudonym when an admin chose so), and the
    export is logged once the file is written, as a page's download is. The file is its owner's only."""
    from retail.data.files import write_owner_only

    workspace = guarded()
    workspace.require("export")
    write_owner_only(out, build(workspace))
    workspace.record_export(Path(source).name if Path(source).is_file() else source, out.name, campaign)


def _password(args: argparse.Namespace) -> str:
    """The new password: typed twice at a terminal, else the first line of standard input."""
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("The two passwords differ; nothing was changed.")
    return first


def cmd_add_user(args: argparse.Namespace) -> int:
    from retail.access import audit, users

    workspace = guarded()
    workspace.require("users")
    account = users.add_user(args.name, args.role, _password(args))
    audit.record(workspace.workspace, workspace.actor, "users", "", f"{account.name} may sign in as {account.role}")
    print(f"{account.name} may now sign in as {account.role} (accounts in {users.access_file()}).")
    return 0


def cmd_remove_user(args: argparse.Namespace) -> int:
    from retail.access import audit, users

    workspace = guarded()
    workspace.require("users")
    users.remove_user(args.name)
    audit.record(workspace.workspace, workspace.actor, "users", "", f"{args.name} may no longer sign in")
    print(f"{args.name} may no longer sign in.")
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    from retail.access import users

    config = users.load()
    for account in config.users.values():
        print(f"{account.name}\t{account.role}")
    for email, role in config.sso_roles.items():
        print(f"{email}\t{role}\t(single sign-on)")
    if config.sso_default_role:  # an admin's opt-in in access.toml: say it, it lets in people not listed
        print(f"anyone else the identity provider signs in\t{config.sso_default_role}\t(single sign-on unlisted_role)")
    for note in config.notes:
        print(note, file=sys.stderr)
    if not config.users and not config.sso_roles:
        print(f"No accounts yet ({users.access_file()}): anyone who can open the app is the local user.")
    return 0


def cmd_check_sign_in(args: argparse.Namespace) -> int:
    from retail.access.users import sign_in_configured

    if sign_in_configured():
        return 0
    print(SERVE_HINT, file=sys.stderr)
    return EXIT_UNUSABLE


def cmd_trash(args: argparse.Namespace) -> int:
    items = guarded().trash()
    for item in items:
        print(f"{item.name}\t{item.info.rows:,} rows\t{item.reason} by {item.deleted_by} on "
              f"{item.deleted_at:%Y-%m-%d %H:%M} UTC\tkept until {item.expires:%Y-%m-%d}\tid {item.id}")
    if not items:
        print("The trash is empty.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    info = guarded().restore(args.name, args.id, args.as_name)
    print(f"restored dataset {info.name!r} ({info.rows:,} rows)")
    return 0


def cmd_empty_trash(args: argparse.Namespace) -> int:
    names = guarded().empty_trash()
    print(f"removed for good: {', '.join(names)}" if names else "The trash was empty.")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from retail.access.audit import to_csv_bytes

    log = guarded().audit_log(args.action, limit=args.limit)
    if args.csv:  # an export like any other: its owner's only, and itself in the audit log
        write_export(Path(args.csv), "", lambda _: to_csv_bytes(log))
        print(f"{len(log):,} entries written to {args.csv}")
        return 0
    for row in log.itertuples(index=False):
        print(f"{row.at:%Y-%m-%d %H:%M:%S}\t{row.actor}\t{row.action}\t{row.dataset}\t{row.detail}")
    return 0


def cmd_forget_customer(args: argparse.Namespace) -> int:
    erasure = guarded().forget_customer(args.customer)
    print(erasure.describe())
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    import pandas as pd

    done = guarded().apply_retention(args.months, pd.Timestamp(args.as_of) if args.as_of else None)
    for entry in done:
        print(f"{entry.dataset}: {entry.rows_before:,} old line items rolled up into {entry.rows_after:,} day totals")
    if not done:
        print(f"No dataset had customer or order detail older than {args.months} months.")
    return 0


def cmd_pseudonymise(args: argparse.Namespace) -> int:
    guarded().set_pseudonymise_exports(args.state == "on")
    print("Exports now show customers by pseudonym." if args.state == "on" else "Exports now show customer ids.")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add the account, trash, audit and personal-data commands."""
    from retail.access.roles import ROLES  # light: no pandas

    add = commands.add_parser("add-user", help="let someone sign in (asks for the password; prints nothing secret)")
    add.add_argument("name", help="the name they sign in with")
    add.add_argument("--role", choices=list(ROLES), default="viewer",
                     help="; ".join(f"{r.name}: {r.description}" for r in ROLES.values()) + " (default viewer)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(handler=cmd_add_user)
    remove = commands.add_parser("remove-user", help="stop someone from signing in")
    remove.add_argument("name")
    remove.set_defaults(handler=cmd_remove_user)
    commands.add_parser("users", help="list who may sign in").set_defaults(handler=cmd_users)
    commands.add_parser("check-sign-in", help="exit 2 with a hint unless sign-in is configured (make serve)"
                        ).set_defaults(handler=cmd_check_sign_in)
    commands.add_parser("trash", help="list deleted and replaced datasets that can be restored"
                        ).set_defaults(handler=cmd_trash)
    restore = commands.add_parser("restore", help="put a dataset back from the trash")
    restore.add_argument("name", help="its name (the latest deleted of that name)")
    restore.add_argument("--id", type=int, default=None, help="the trash entry's id (from `trash`)")
    restore.add_argument("--as", dest="as_name", default=None, help="restore under this name")
    restore.set_defaults(handler=cmd_restore)
    commands.add_parser("empty-trash", help="remove the trash's datasets for good (admin)"
                        ).set_defaults(handler=cmd_empty_trash)
    _register_admin(commands)


def _register_admin(commands: argparse._SubParsersAction) -> None:
    from retail.access.roles import AUDIT_ACTIONS as ACTIONS

    log = commands.add_parser("audit", help="print the audit log, newest first (admin)")
    log.add_argument("--action", choices=list(ACTIONS), default=None, help="only this kind of entry")
    log.add_argument("--limit", type=int, default=None, help="at most this many entries")
    log.add_argument("--csv", default=None, metavar="FILE", help="write it to a CSV file instead")
    log.set_defaults(handler=cmd_audit)
    forget = commands.add_parser("forget-customer", help="remove one customer's rows from every dataset, saved run "
                                 "and campaign (admin; the audit log keeps the counts, not the id)")
    forget.add_argument("customer", help="the customer's id as in the data")
    forget.set_defaults(handler=cmd_forget_customer)
    keep = commands.add_parser("retention", help="roll up line items older than N months into day totals "
                               "(no customer, no order; admin)")
    keep.add_argument("--months", type=int, required=True, help="months of detail to keep")
    keep.add_argument("--as-of", default=None, help="count the months back from this date (default today)")
    keep.set_defaults(handler=cmd_retention)
    pseudo = commands.add_parser("pseudonymise", help="show customers in every export by a keyed pseudonym (admin)")
    pseudo.add_argument("state", choices=["on", "off"])
    pseudo.set_defaults(handler=cmd_pseudonymise)
