"""Runbooks: the step syntax, shipped defaults, versions, runs step by step, resume."""

from __future__ import annotations

import json

import pytest

from console import cli
from console.core.base import audit, documents
from console.core.base.errors import BadInput, PermissionDenied
from console.core.base.workspace import Workspace
from console.core.runbooks import checks, format, library, runs

GOOD = """# Test runbook
Why and when.

## First
- [ ] Check the pipeline @check(pipeline)
- [ ] Look at the data @open(page/data)
  Notes for the step.
## Second
- [ ] Call someone @show(contacts)
- [ ] Write it down
"""


def test_the_step_syntax() -> None:
    book = library.parse(GOOD, "test")
    assert book.title == "Test runbook"
    assert book.introduction == "Why and when."
    assert [(s.kind, s.target) for s in book.steps] == [
        ("check", "pipeline"), ("open", "page/data"), ("show", "contacts"), ("manual", ""),
    ]  # fmt: skip
    assert book.steps[1].notes == "Notes for the step."
    assert book.steps[2].section == "Second"
    assert book.steps[3].line == 10


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("no title\n- [ ] x", 1, "the first line must be the title"),
        ("# T\njust prose\n", 2, "no steps"),
        ("# T\n- [ ] a\n- [ ] b @check(nope)\n", 3, "unknown check 'nope'"),
        ("# T\n- [ ] a @open(page/nowhere)\n", 2, "cannot open 'page/nowhere'"),
        ("# T\n- [ ] a @run(x)\n", 2, "unknown directive @run"),
        ("# T\n- [x] done already\n", 2, "a step starts unticked"),
        ("# T\n- [ ] a\n# Another title\n", 3, "only one title"),
        ("# T\n- [ ] @check(daily)\n", 2, "a step needs text before its directive"),
        ("# T\n- [ ] a @check(daily) trailing\n", 2, "a directive ends the step"),
        ("# T\n  - [ ] indented\n", 2, "a step starts at the line's beginning"),
    ],
)
def test_a_malformed_runbook_is_reported_with_its_line(text, line, message) -> None:
    with pytest.raises(format.RunbookError) as info:
        library.parse(text, "broken")
    assert info.value.line == line
    assert str(info.value).startswith(f"broken.md:{line}: ")
    assert message in str(info.value)


def test_every_shipped_runbook_parses_and_names_real_checks() -> None:
    shipped = library.shipped()
    assert {"performance-degradation", "system-slowdown", "model-rollback", "data-recovery",
            "daily-routine", "weekly-review", "monthly-review"} <= set(shipped)  # fmt: skip
    used = set()
    for name, text in shipped.items():
        book = library.parse(text, name)
        used |= {s.target for s in book.steps if s.kind == "check"}
    assert used <= checks.NAMES
    assert {"data_quality", "pipeline", "recent_changes", "resources", "requests", "cache",
            "rollback_target", "production_model", "config_review"} <= used  # fmt: skip


def test_edits_are_versions_with_author_time_reason_and_diffable(workspace: Workspace) -> None:
    names = [b.name for b in library.listing(workspace)]
    assert "performance-degradation" in names
    first = documents.require(workspace, "system-slowdown")
    assert (first.version, first.user) == (1, documents.SHIPPED)
    text = first.text.replace("# System slowdown", "# System slowdown (site copy)")
    saved = library.save(workspace, "alice", "system-slowdown", text, reason="site name")
    assert (saved.version, saved.user, saved.reason) == (2, "alice", "site name")
    assert "+# System slowdown (site copy)" in documents.diff(workspace, "system-slowdown", 1, 2)
    with pytest.raises(format.RunbookError, match=r"system-slowdown.md:1: the first line"):
        library.save(workspace, "alice", "system-slowdown", "oops", reason="broken")
    assert documents.require(workspace, "system-slowdown").version == 2
    assert audit.entries(workspace.conn, action="document.edit")[0].outcome == "refused"
    workspace.set_role("alice", "bob", "operator")
    with pytest.raises(PermissionDenied):
        library.save(workspace, "bob", "system-slowdown", text + "\n", reason="mine")


def test_a_stored_malformed_runbook_is_listed_with_its_error(workspace: Workspace) -> None:
    library.ensure_defaults(workspace)
    with workspace.conn:  # e.g. written by an older console with a check since renamed
        workspace.conn.execute(
            "INSERT INTO documents VALUES ('old-one', 1, 'runbook', 'x',"
            " '# Old\n- [ ] a @check(gone)\n', 'alice', '2026-01-01', 'old')"
        )
    listed = {b.name: b for b in library.listing(workspace)}
    assert listed["old-one"].error.startswith("old-one.md:2: unknown check 'gone'")
    assert listed["performance-degradation"].error == ""


def test_a_run_is_recorded_step_by_step_and_resumes(workspace: Workspace) -> None:
    library.save(workspace, "alice", "test", GOOD, reason="new")
    run = runs.start(workspace, "alice", "test")
    book = runs.book_of(workspace, run)
    assert run.next_step(book).index == 0
    run, outcome = runs.run_step(workspace, "alice", run.id, 0)
    assert outcome is not None
    assert outcome.status in ("ok", "problem")
    assert run.records[0].status == outcome.status
    assert run.records[0].user == "alice"
    run = runs.record(workspace, "alice", run.id, 1, status="opened")
    # another process (or the window after a restart) resumes the same run
    resumed = runs.open_run(workspace, "test")
    assert resumed is not None
    assert resumed.id == run.id
    assert resumed.next_step(book).index == 2
    workspace.set_role("alice", "carol", "operator")
    runs.record(workspace, "carol", run.id, 2, status="done", result="called the owner")
    done = runs.record(workspace, "carol", run.id, 3, status="skipped", result="n/a")
    assert done.state == "done"
    assert done.finished_at is not None
    assert [done.records[i].user for i in range(4)] == ["alice", "alice", "carol", "carol"]
    assert runs.open_run(workspace, "test") is None
    with pytest.raises(BadInput, match="is done"):
        runs.record(workspace, "alice", run.id, 0, status="done")
    # a later edit does not change the started run's version
    library.save(workspace, "alice", "test", GOOD.replace("Write it down", "Write"), reason="x")
    assert runs.book_of(workspace, runs.get(workspace, run.id)).steps[3].text == "Write it down"


def test_viewers_cannot_run_runbooks(workspace: Workspace) -> None:
    workspace.set_role("alice", "vera", "viewer")
    with pytest.raises(PermissionDenied):
        runs.start(workspace, "vera", "daily-routine")


def test_runbook_commands(workspace: Workspace, capsys, tmp_path) -> None:
    root = str(workspace.root)
    workspace.close()

    def run(*argv: str):
        code = cli.main(["-w", root, "runbook", *argv])
        out, err = capsys.readouterr()
        return code, (json.loads(out) if "--json" in argv and out else out), err

    code, doc, _ = run("list", "--json")
    assert code == 0
    assert any(b["name"] == "model-rollback" for b in doc["runbooks"])
    code, doc, _ = run("show", "model-rollback", "--json")
    assert doc["steps"][0]["target"] == "rollback_target"
    code, doc, _ = run("run", "model-rollback", "--json")
    assert code == 1  # the first check finds no earlier version to roll back to
    assert doc["records"][0]["status"] == "problem"
    assert doc["next_step"]["kind"] == "open"
    run_id = doc["id"]
    code, doc, _ = run("mark", str(run_id), "2", "opened", "--note", "no rollback", "--json")
    assert code == 0
    assert len(doc["records"]) >= 3  # the checks after the opened step ran on their own
    code, text, _ = run("history", "--run", str(run_id))
    assert "no rollback" in text
    edited = tmp_path / "rb.md"
    edited.write_text("# Mine\n- [ ] Do it\n- [ ] Check @check(nope)\n")
    code, _, err = run("edit", "mine", str(edited), "--reason", "new")
    assert code == 2
    assert err.startswith("console: mine.md:3: unknown check 'nope' (known: ")
    assert err.count("\n") == 1
    good = tmp_path / "good.md"
    good.write_text("# Mine\n- [ ] Do it\n")
    assert run("edit", "mine", str(good), "--reason", "new")[0] == 0
    good.write_text("# Mine\n- [ ] Do it well\n")
    assert run("edit", "mine", str(good), "--reason", "clearer")[0] == 0
    code, doc, _ = run("versions", "mine", "--json")
    assert [(v["version"], v["reason"]) for v in doc["versions"]] == [(2, "clearer"), (1, "new")]
    code, doc, _ = run("diff", "mine", "1", "2", "--json")
    assert "+- [ ] Do it well" in doc["diff"]
    code, doc, _ = run("contacts", "--json")
    assert doc["escalation"][0]["contacts"] == ["On-call operator"]
