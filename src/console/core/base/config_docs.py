"""What each console.toml key means, and changing one key's value in the text.

The meaning of a key is the comment beside it in the shipped default file
(``resources/console.toml``), so the Settings page, ``console config show`` and the file
an operator opens say the same thing. :func:`with_value` changes one key in the text of
console.toml, keeping every other line and comment as it was.
"""

from __future__ import annotations

import functools
import json
import re
import tomllib
from typing import Any

from console.core.base.config import default_config_text
from console.core.base.errors import BadInput

_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\"-]+)\s*\]\s*(?:#\s*(.*))?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=\s*(.*?)\s*$")


@functools.cache
def key_docs() -> dict[str, str]:
    """``section.key`` (and ``section``) -> the comment that documents it."""
    docs: dict[str, str] = {}
    section = ""
    for raw in default_config_text().splitlines():
        header = _HEADER.match(raw)
        if header:
            section = header.group(1).replace('"', "")
            if header.group(2):
                docs[section] = header.group(2).strip()
            continue
        match = _KEY.match(raw)
        if match and not raw.lstrip().startswith("#"):
            _, comment = _split_comment(match.group(2))
            if comment:
                name = f"{section}.{match.group(1)}" if section else match.group(1)
                docs[name] = comment
    return docs


def meaning(key: str) -> str:
    """A key's documentation, else that of the nearest section that has one."""
    docs = key_docs()
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        found = docs.get(".".join(parts[:end]))
        if found:
            return found
    return ""


def _split_comment(rest: str) -> tuple[str, str]:
    """``value  # comment`` -> (value, comment), minding ``#`` inside quoted strings."""
    quote = ""
    for i, ch in enumerate(rest):
        if ch in "\"'" and not quote:
            quote = ch
        elif ch == quote:
            quote = ""
        elif ch == "#" and not quote:
            return rest[:i].rstrip(), rest[i + 1 :].strip()
    return rest.rstrip(), ""


def flat_values(text: str) -> dict[str, Any]:
    """Every scalar or list setting of the text as ``section.key`` -> value."""
    out: dict[str, Any] = {}

    def walk(data: dict[str, Any], prefix: str) -> None:
        for key, value in data.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            else:
                out[f"{prefix}{key}"] = value

    walk(tomllib.loads(text), "")
    return out


def toml_literal(raw: str) -> str:
    """What an operator typed as a TOML value: a number, true/false, a quoted string or
    a list stay as they are; any other text becomes a quoted string."""
    text = raw.strip()
    try:
        tomllib.loads(f"v = {text}")
    except tomllib.TOMLDecodeError:
        return json.dumps(text)
    return text


def with_value(text: str, key: str, raw: str) -> str:
    """``text`` with ``section.key`` set to ``raw`` (added when the key is absent)."""
    if "." not in key:
        section, name = "", key
    else:
        section, name = key.rsplit(".", 1)
    literal = toml_literal(raw)
    lines = text.splitlines()
    current = ""
    insert_at: int | None = 0 if not section else None
    for number, line in enumerate(lines):
        header = _HEADER.match(line)
        if header:
            if current == section and insert_at is not None and section:
                break
            current = header.group(1).replace('"', "")
            if current == section:
                insert_at = number + 1
            continue
        if current != section:
            continue
        match = _KEY.match(line)
        if match and match.group(1) == name and not line.lstrip().startswith("#"):
            _, comment = _split_comment(match.group(2))
            new = f"{line.split('=', 1)[0]}= {literal}"
            if comment:
                column = line.rindex("#" + line.split("#")[-1])  # where the comment began
                new = new.ljust(max(column, len(new) + 2)) + f"# {comment}"
            lines[number] = new
            return "\n".join(lines) + "\n"
        if insert_at is not None and line.strip() and section:
            insert_at = number + 1
    if insert_at is None:
        if not section:
            raise BadInput(f"{key}: not a key")
        lines += ["", f"[{section}]", f"{name} = {literal}"]
    else:
        lines.insert(insert_at, f"{name} = {literal}")
    return "\n".join(lines) + "\n"
