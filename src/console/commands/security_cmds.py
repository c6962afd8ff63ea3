"""``console security …``: status, accounts, credentials, access review and findings,
encryption policy, decrypting exports, the service's TLS certificate."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from console.commands import prompts
from console.commands.output import add_json, emit, short_time
from console.commands.sign_in import acting_user
from console.core.base import clock
from console.core.base.errors import EXIT_OK, EXIT_PROBLEM, BadInput
from console.core.base.workspace import Workspace
from console.core.security import (
    accounts,
    credentials,
    crypto,
    monitoring,
    policy,
    review,
    tls,
)


def register(sub: Any) -> None:
    sec = sub.add_parser("security")
    actions = sec.add_subparsers(dest="security_command", metavar="ACTION", required=True)
    add_json(actions.add_parser("status", help="what protects this workspace")).set_defaults(
        run=run_status
    )

    acc = actions.add_parser("accounts", help="console accounts with passwords (admin)")
    acc_actions = acc.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)
    for name, helptext in (("enable", "require sign-in"), ("disable", "act as the OS user")):
        add_json(acc_actions.add_parser(name, help=helptext)).set_defaults(run=run_accounts)
    setpw = acc_actions.add_parser("set-password", help="set or reset NAME's password")
    setpw.add_argument("name")
    add_json(setpw).set_defaults(run=run_accounts)
    remove = acc_actions.add_parser("remove", help="delete NAME's password")
    remove.add_argument("name")
    add_json(remove).set_defaults(run=run_accounts)

    cred = actions.add_parser("credentials", help="secrets in the OS keyring (admin sets)")
    cred_actions = cred.add_subparsers(dest="credentials_command", metavar="ACTION", required=True)
    add_json(cred_actions.add_parser("list", help="which are set, when, by whom")).set_defaults(
        run=run_credentials
    )
    setc = cred_actions.add_parser("set", help="set or rotate one (value asked, never echoed)")
    setc.add_argument("name", choices=list(credentials.CREDENTIALS))
    setc.add_argument("--generate", action="store_true", help="generate a random token")
    add_json(setc).set_defaults(run=run_credentials)

    rev = actions.add_parser("review", help="who has which role and when they last acted")
    rev.add_argument("--days", type=int, default=review.REVIEW_DAYS)
    add_json(rev).set_defaults(run=run_review)

    find = actions.add_parser("findings", help="repeated failed sign-ins and denials; exit 1")
    find.add_argument("--hours", type=float, default=24.0, help="look back this long")
    add_json(find).set_defaults(run=run_findings)

    req = actions.add_parser("require-encryption", help="refuse unencrypted data files (admin)")
    req.add_argument("state", choices=["on", "off"])
    add_json(req).set_defaults(run=run_require)

    who = actions.add_parser(
        "console-user", help="let CONSOLE_USER name someone other than the OS user (admin)"
    )
    who.add_argument("state", choices=["on", "off"])
    add_json(who).set_defaults(run=run_console_user)

    dec = actions.add_parser("decrypt", help="decrypt an export or data file made by the console")
    dec.add_argument("file", type=Path)
    dec.add_argument("output", type=Path)
    dec.add_argument("--passphrase", action="store_true", help="it was encrypted with one")
    add_json(dec).set_defaults(run=run_decrypt)

    add_json(
        actions.add_parser("certificate", help="the scoring service's TLS certificate")
    ).set_defaults(run=run_certificate)


def run_status(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    s = policy.status(ws)
    data = s.as_dict()
    data["database_encrypted"] = False
    lines = [
        f"Workspace id        {s.workspace_id}",
        f"Keyring             {s.keyring} ({'usable' if s.keyring_usable else 'NOT usable'})",
        f"Console accounts    {'on' if s.accounts_enabled else 'off (OS user acts)'}",
        f"Audit checkpoints   every {s.checkpoint_every} entries, "
        f"{'signed' if s.audit_signing_key else 'no signing key yet'}",
        f"Require encryption  {'on' if s.require_encryption else 'off'}",
        f"CONSOLE_USER        {'any name' if s.console_user_override else 'OS user only'}",
        f"Unencrypted data    {s.unencrypted_datasets} dataset version(s)",
        f"Database            not encrypted (metadata only); file mode {s.database_mode}",
    ]
    if not s.keyring_usable:
        lines.append(f"WARNING: {credentials.KeyringUnavailable()}")
    emit(args, data, lambda: "\n".join(lines))
    return EXIT_OK


def _new_password(name: str) -> str:
    return prompts.new_secret(f"New password for {name}: ", "passwords")


def run_accounts(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    user = acting_user(ws, user)
    command = args.accounts_command
    if command in ("enable", "disable"):
        accounts.set_enabled(ws, user, command == "enable")
        message = f"Console accounts {'enabled' if command == 'enable' else 'disabled'}"
    elif command == "set-password":
        ws.authorize(user, "user.manage", f"account:{args.name}")  # before asking anything
        accounts.set_password(ws, user, args.name, _new_password(args.name))
        message = f"Password set for {args.name}"
    else:
        accounts.remove_account(ws, user, args.name)
        message = f"Password removed for {args.name}"
    emit(args, {"ok": True, "message": message}, lambda: message)
    return EXIT_OK


def _secret_value(name: str) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return prompts.new_secret(f"Value of {name}: ", "values")


def run_credentials(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    user = acting_user(ws, user)
    if args.credentials_command == "set":
        ws.authorize(user, "credential.set", f"credential:{args.name}")  # before asking
        value = credentials.generate_token() if args.generate else _secret_value(args.name)
        credentials.set_secret(ws, user, args.name, value)
        message = f"{args.name} stored in the OS keyring"
        if args.generate:  # the one time it is shown: give it to the clients
            message += f"; new value: {value}"
        emit(args, {"name": args.name, "stored": True}, lambda: message)
        return EXIT_OK
    rows = credentials.list_credentials(ws)
    emit(
        args,
        {"credentials": [r.__dict__ for r in rows]},
        lambda: "\n".join(
            f"{r.name:<18} {'set ' + short_time(r.set_at) + ' by ' + str(r.set_by) if r.set_at else 'not set':<40} {r.purpose}"  # noqa: E501
            for r in rows
        ),
    )
    return EXIT_OK


def run_review(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    user = acting_user(ws, user)
    rows = review.access_review(ws, user, days=args.days)

    def text() -> str:
        head = f"{'name':<14} {'role':<9} {'password':<8} {'last acted':<19} {'last action':<18} "
        head += f"{'actions':>7} {'denied':>6}"
        lines = [head]
        for r in rows:
            role = r.role if r.in_users_table else f"({r.role})"
            lines.append(
                f"{r.name:<14} {role:<9} {'yes' if r.has_password else '-':<8} "
                f"{short_time(r.last_action_at):<19} {r.last_action or '-':<18} "
                f"{r.actions_recent:>7} {r.denials_recent:>6}"
            )
        lines.append(f"(counts over the last {args.days} days; (role) = default role, no grant)")
        return "\n".join(lines)

    emit(args, {"days": args.days, "people": [r.as_dict() for r in rows]}, text)
    return EXIT_OK


def run_findings(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    user = acting_user(ws, user)
    ws.authorize(user, "audit.read", "access-findings")
    since = clock.now() - dt.timedelta(hours=args.hours)
    found = monitoring.access_findings(ws, since)
    emit(
        args,
        {"since": clock.iso(since), "findings": found},
        lambda: (
            "\n".join(f"[{f['severity'].upper()}] {f['message']}" for f in found)
            or f"No access findings in the last {args.hours:g} hours"
        ),
    )
    return EXIT_PROBLEM if found else EXIT_OK


def run_require(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    user = acting_user(ws, user)
    policy.set_require_encryption(ws, user, args.state == "on")
    message = f"Encryption at rest is {'required' if args.state == 'on' else 'preferred'}"
    emit(args, {"require_encryption": args.state == "on"}, lambda: message)
    return EXIT_OK


def run_console_user(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    user = acting_user(ws, user)
    policy.set_console_user_override(ws, user, args.state == "on")
    message = (
        "CONSOLE_USER may name anyone: use only where every OS user may act as any console user"
        if args.state == "on"
        else "CONSOLE_USER is honoured only when it names the OS user"
    )
    emit(args, {"console_user_override": args.state == "on"}, lambda: message)
    return EXIT_OK


def run_decrypt(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    passphrase = prompts.secret("Passphrase: ") if args.passphrase else None
    if not args.file.is_file():
        raise BadInput(f"{args.file}: no such file")
    crypto.decrypt_file(ws, args.file, args.output, passphrase=passphrase)
    emit(args, {"output": str(args.output)}, lambda: f"Decrypted into {args.output}")
    return EXIT_OK


def run_certificate(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert, key = tls.ensure_certificate(ws)
    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    data = {
        "certificate": str(cert),
        "key": str(key),
        "sha256": loaded.fingerprint(hashes.SHA256()).hex(":"),
        "expires": clock.iso(loaded.not_valid_after_utc),
        "site_provided": cert.name == "site.crt",
    }
    emit(
        args,
        data,
        lambda: f"{cert}\n  SHA-256 {data['sha256']}\n  expires {short_time(str(data['expires']))}",
    )
    return EXIT_OK
