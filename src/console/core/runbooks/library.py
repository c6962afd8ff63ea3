"""The workspace's runbooks and recovery contacts: shipped defaults, versions, edits.

The workspace keeps every runbook as a versioned document (see
:mod:`console.core.base.documents`): version 1 is the default shipped in
``resources/runbooks``; an admin's edit is parsed first - a malformed runbook is
refused with its line - and becomes the next version with author, time and reason.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from console.core.base import documents
from console.core.base.errors import BadInput
from console.core.runbooks import checks, format

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

KIND = "runbook"
CONTACTS = "contacts"
CONTACTS_KIND = "contacts"


def shipped() -> dict[str, str]:
    """The default runbooks (name -> text)."""
    return dict(_shipped_runbooks())


# The shipped files are part of the installed package: read once per process (the
# window's warm-up thread reads them, so a page built on the GUI thread never waits for
# the disk).
@functools.cache
def _shipped_runbooks() -> tuple[tuple[str, str], ...]:
    folder = resources.files("console.resources") / "runbooks"
    out = {}
    for item in folder.iterdir():
        if item.name.endswith(".md"):
            out[item.name.removesuffix(".md")] = item.read_text(encoding="utf-8")
    return tuple(sorted(out.items()))


@functools.cache
def shipped_contacts() -> str:
    """The contacts template."""
    return (resources.files("console.resources") / "runbooks" / "contacts.toml").read_text(
        encoding="utf-8"
    )


def ensure_defaults(ws: Workspace) -> None:
    """Give the workspace the shipped runbooks (and contacts template) it lacks."""
    documents.seed(ws, KIND, shipped())
    documents.seed(ws, CONTACTS_KIND, {CONTACTS: shipped_contacts()})


def parse(text: str, name: str) -> format.Runbook:
    return format.parse(text, name, checks.NAMES)


@dataclass(frozen=True)
class Listed:
    name: str
    title: str
    version: int
    steps: int
    error: str  # why the stored text does not parse ("" when it does)
    updated_at: str
    updated_by: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def listing(ws: Workspace) -> list[Listed]:
    """Every runbook of the workspace; one that does not parse is listed with its error."""
    ensure_defaults(ws)
    out = []
    for name in documents.names(ws, KIND):
        doc = documents.require(ws, name)
        try:
            book = parse(doc.text, name)
            out.append(Listed(name, book.title, doc.version, len(book.steps), "",
                              doc.created_at, doc.user))  # fmt: skip
        except format.RunbookError as exc:
            out.append(Listed(name, name, doc.version, 0, str(exc), doc.created_at, doc.user))
    return out


def load(
    ws: Workspace, name: str, version: int | None = None
) -> tuple[documents.Document, format.Runbook]:
    """A runbook's stored version and its parsed form (RunbookError when malformed)."""
    ensure_defaults(ws)
    doc = documents.require(ws, name, version)
    if doc.kind != KIND:
        raise BadInput(f"{name!r} is not a runbook")
    return doc, parse(doc.text, name)


def save(ws: Workspace, user: str, name: str, text: str, *, reason: str) -> documents.Document:
    """A new version of runbook ``name`` (role: admin); a malformed text is refused."""
    ensure_defaults(ws)
    if not name.replace("-", "").replace("_", "").isalnum() or name == CONTACTS:
        raise BadInput(f"runbook name {name!r}: use letters, digits, '-' and '_'")
    return documents.save(ws, user, name, KIND, text, reason=reason,
                          validate=lambda t: parse(t, name))  # fmt: skip


# ---------------------------------------------------------------------- contacts
def parse_contacts(text: str) -> dict[str, Any]:
    """The contacts document: ``[[contact]]`` (name, role, phone, email) and
    ``[[escalation]]`` (level, after, contacts). Errors name the line or entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"contacts.toml: {exc}") from None
    unknown = set(data) - {"contact", "escalation"}
    if unknown:
        raise BadInput(f"contacts.toml: unknown table(s) {', '.join(sorted(unknown))}")
    people = data.get("contact", [])
    names = set()
    for n, person in enumerate(people, start=1):
        if not isinstance(person, dict) or not str(person.get("name", "")).strip():
            raise BadInput(f"contacts.toml: contact {n} needs a name")
        extra = set(person) - {"name", "role", "phone", "email", "notes"}
        if extra:
            raise BadInput(f"contacts.toml: contact {person['name']!r}: unknown key(s) {extra}")
        names.add(person["name"])
    for n, step in enumerate(data.get("escalation", []), start=1):
        missing = [c for c in step.get("contacts", []) if c not in names]
        if missing:
            raise BadInput(f"contacts.toml: escalation {n} names unknown contact(s) {missing}")
        if not isinstance(step.get("after", ""), str):
            raise BadInput(f"contacts.toml: escalation {n}: 'after' is text like '30m'")
    return {"contacts": people, "escalation": data.get("escalation", [])}


def contacts(ws: Workspace) -> dict[str, Any]:
    ensure_defaults(ws)
    doc = documents.require(ws, CONTACTS)
    return {"version": doc.version, "updated_by": doc.user, "updated_at": doc.created_at,
            **parse_contacts(doc.text)}  # fmt: skip


def save_contacts(ws: Workspace, user: str, text: str, *, reason: str) -> documents.Document:
    ensure_defaults(ws)
    return documents.save(ws, user, CONTACTS, CONTACTS_KIND, text, reason=reason,
                          validate=parse_contacts)  # fmt: skip
