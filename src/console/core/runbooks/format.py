"""The runbook format: Markdown with a small step syntax.

```
# Performance degradation                       <- the title (first line, required)
Prose under the title is the runbook's introduction.

## Check data quality                           <- a section groups the steps below it
- [ ] Run the data-quality checks @check(data_quality)
- [ ] Look at the feature histograms @open(page/quality)
- [ ] Call the data owner if a feed is late     <- a manual step: the operator ticks it
  Indented lines under a step are its notes.
- [ ] Escalate @show(contacts)                  <- shows the recovery contacts
```

A step is a line ``- [ ] text``, optionally ending in one directive: ``@check(NAME)``
runs the named check and shows its result inline; ``@open(page/KEY)`` or
``@open(dialog/NAME)`` opens that page or dialog of the console; ``@show(contacts)``
shows the disaster-recovery contacts and escalation path. Anything wrong - no title, no
step, an unknown directive, check, page or dialog, a ticked box - is reported with the
file name and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from console.core.base.errors import BadInput

#: pages of the console a step may open (the GUI has a page for each key)
PAGES = (
    "overview", "data", "models", "performance", "quality", "drift", "alerts", "system",
    "service", "audit", "users", "runbooks", "logs", "settings", "backups", "jobs",
    "validation",
)  # fmt: skip
#: dialogs a step may open
DIALOGS = ("rollback", "promote", "import")
SHOWABLE = ("contacts",)

_STEP = re.compile(r"^- \[(?P<box>[ xX])\]\s+(?P<text>.*?)\s*$")
_DIRECTIVE = re.compile(r"@(?P<kind>[a-z]+)\((?P<arg>[^)]*)\)\s*$")
_LOOSE_DIRECTIVE = re.compile(r"@[a-z]+\(")


class RunbookError(BadInput):
    """A malformed runbook; ``line`` is where (1-based)."""

    def __init__(self, source: str, line: int, message: str) -> None:
        super().__init__(f"{source}:{line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Step:
    index: int  # 0-based position in the runbook
    line: int  # 1-based line in the text
    text: str
    kind: str  # manual | check | open | show
    target: str = ""
    section: str = ""
    notes: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Runbook:
    name: str
    title: str
    introduction: str
    steps: list[Step] = field(default_factory=list)

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(s.section for s in self.steps))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "introduction": self.introduction,
            "steps": [s.as_dict() for s in self.steps],
        }


def parse(text: str, name: str, checks: set[str] | frozenset[str]) -> Runbook:
    """Parse a runbook; RunbookError names ``name``.md and the line of the first problem."""
    source = f"{name}.md"
    lines = text.splitlines()
    first = next((n for n, raw in enumerate(lines) if raw.strip()), None)
    if first is None or not lines[first].startswith("# "):
        raise RunbookError(source, (first or 0) + 1, "the first line must be the title: '# Title'")
    title = lines[first][2:].strip()
    intro: list[str] = []
    steps: list[Step] = []
    section = ""
    notes: list[str] = []

    def close_step() -> None:
        if steps and notes:
            last = steps[-1]
            steps[-1] = Step(last.index, last.line, last.text, last.kind, last.target,
                             last.section, "\n".join(notes).strip())  # fmt: skip
        notes.clear()

    for number, raw in enumerate(lines[first + 1 :], start=first + 2):
        if raw.startswith("# "):
            raise RunbookError(source, number, "only one title ('# ') per runbook")
        if raw.startswith("## "):
            close_step()
            section = raw[3:].strip()
            continue
        match = _STEP.match(raw)
        if match:
            close_step()
            if match.group("box") != " ":
                raise RunbookError(source, number, "a step starts unticked: '- [ ] …'")
            steps.append(
                _step(
                    source,
                    number,
                    index=len(steps),
                    text=match.group("text"),
                    section=section,
                    checks=checks,
                )
            )
            continue
        if raw.lstrip().startswith("- [") and not raw.startswith("- ["):
            raise RunbookError(source, number, "a step starts at the line's beginning")
        if raw.startswith("- ["):
            raise RunbookError(source, number, "a step is written '- [ ] text'")
        if steps:
            notes.append(raw.strip())
        else:
            intro.append(raw)
    close_step()
    if not steps:
        raise RunbookError(source, len(lines) or 1, "no steps: add lines like '- [ ] Do this'")
    return Runbook(name, title, "\n".join(intro).strip(), steps)


def _step(
    source: str,
    number: int,
    *,
    index: int,
    text: str,
    section: str,
    checks: set[str] | frozenset[str],
) -> Step:
    match = _DIRECTIVE.search(text)
    if match is None:
        if _LOOSE_DIRECTIVE.search(text):
            raise RunbookError(source, number, "a directive ends the step: '@check(name)'")
        if not text:
            raise RunbookError(source, number, "a step needs text")
        return Step(index, number, text, "manual", "", section)
    kind, arg = match.group("kind"), match.group("arg").strip()
    label = text[: match.start()].strip()
    if not label:
        raise RunbookError(source, number, "a step needs text before its directive")
    if kind == "check":
        if arg not in checks:
            raise RunbookError(
                source, number, f"unknown check {arg!r} (known: {', '.join(sorted(checks))})"
            )
    elif kind == "open":
        where, _, key = arg.partition("/")
        known = {"page": PAGES, "dialog": DIALOGS}.get(where)
        if known is None or key not in known:
            raise RunbookError(
                source, number,
                f"cannot open {arg!r}: use page/<{'|'.join(PAGES)}> "
                f"or dialog/<{'|'.join(DIALOGS)}>",
            )  # fmt: skip
    elif kind == "show":
        if arg not in SHOWABLE:
            raise RunbookError(source, number, f"cannot show {arg!r} (known: contacts)")
    else:
        raise RunbookError(source, number, f"unknown directive @{kind}: use @check, @open or @show")
    return Step(index, number, label, kind, arg, section)
