"""``console backup …`` through the CLI: JSON, exit codes, and the backup_age check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from console import cli
from console.core.base.workspace import Workspace
from console.core.security import credentials
from tests.core.backup.conftest import PASSPHRASE, fill_workspace


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    with Workspace.create(path, "alice") as ws:
        fill_workspace(ws)
        credentials.set_secret(ws, "alice", "backup-passphrase", PASSPHRASE)
        ws.set_role("alice", "olga", "operator")
    return path


def configure(root: Path, repo: Path) -> None:
    toml = root / "console.toml"
    text = toml.read_text(encoding="utf-8")
    text = text.replace(
        "[alerts]  ", f'[backup.repositories.disk]\npath = "{repo}"\n\n[alerts]  ', 1
    )
    toml.write_text(text, encoding="utf-8")


def test_init_create_list_verify_restore(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    w = ["-w", str(root)]
    repo = tmp_path / "repo"
    code, out, err = run(capsys, *w, "backup", "create", "--json")
    assert code == 2
    assert "no backup repository" in err
    code, out, _ = run(capsys, *w, "backup", "init", str(repo), "--json")
    assert code == 0
    assert json.loads(out)["location"] == str(repo)
    configure(root, repo)
    code, out, _ = run(capsys, *w, "backup", "status", "--json")
    assert code == 0
    assert json.loads(out)["repositories"][0]["reachable"] is True
    monkeypatch.setenv("CONSOLE_USER", "olga")  # an operator backs up
    code, out, _ = run(capsys, *w, "backup", "create", "--json")
    assert code == 0
    made = json.loads(out)
    assert made["verified"] is True
    assert made["repository"] == "disk"
    code, out, _ = run(capsys, *w, "backup", "list", "--json")
    listed = json.loads(out)["snapshots"]
    assert [s["snapshot"] for s in listed] == [made["snapshot"]]
    assert listed[0]["verify_result"] == "ok"
    code, out, _ = run(capsys, *w, "backup", "verify", "--quick")
    assert code == 0
    assert "OK" in out
    code, out, err = run(capsys, *w, "backup", "restore", made["snapshot"][:8], "--to",
                         str(tmp_path / "out"))  # fmt: skip
    assert code == 3
    assert "permission denied" in err
    monkeypatch.setenv("CONSOLE_USER", "alice")
    code, out, _ = run(capsys, *w, "backup", "restore", made["snapshot"][:8], "--to",
                       str(tmp_path / "out"), "--json")  # fmt: skip
    assert code == 0
    assert json.loads(out)["files"] > 20
    assert (tmp_path / "out" / "artifacts" / "model.skops").read_bytes() == (
        root / "artifacts" / "model.skops"
    ).read_bytes()
    code, out, _ = run(capsys, "-w", str(tmp_path / "out"), "audit", "verify", "--json")
    assert code == 0
    code, out, _ = run(capsys, *w, "check", "--json")
    backup_age = next(c for c in json.loads(out)["checks"] if c["name"] == "backup_age")
    assert backup_age["status"] == "ok"
    assert backup_age["value"] < 1


def test_damage_makes_verify_exit_1_and_bad_input_exit_2(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = ["-w", str(root)]
    repo = tmp_path / "repo"
    run(capsys, *w, "backup", "init", str(repo))
    code, out, _ = run(capsys, *w, "backup", "create", "--repo", str(repo), "--json")
    assert code == 0
    pack = next(p for p in (repo / "data").rglob("*") if p.is_file())
    data = bytearray(pack.read_bytes())
    data[100] ^= 0xFF
    pack.write_bytes(bytes(data))
    code, out, _ = run(capsys, *w, "backup", "verify", "--repo", str(repo), "--json")
    doc = json.loads(out)
    assert code == 1
    assert not doc["ok"]
    assert doc["damaged_files"]
    code, _, err = run(capsys, *w, "backup", "list", "--repo", str(tmp_path / "nowhere"))
    assert code == 2
    assert err.count("\n") == 1
    assert "not reachable" in err
    code, _, err = run(capsys, *w, "backup", "restore", "zz", "--repo", str(repo), "--to",
                       str(tmp_path / "o"))  # fmt: skip
    assert code == 2
    assert "not a snapshot id" in err
    zero = ["--keep-last", "0", "--keep-daily", "0", "--keep-weekly", "0", "--keep-monthly", "0"]
    code, _, err = run(capsys, *w, "backup", "prune", "--repo", str(repo), *zero)
    assert code == 2
    assert "keeps nothing" in err
    code, _, err = run(capsys, *w, "backup", "init", str(repo))
    assert code == 2
    assert "not an empty folder" in err


def test_dry_run_in_place_and_restore_with_a_recovery_key(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    import getpass

    w = ["-w", str(root)]
    repo = tmp_path / "repo"
    run(capsys, *w, "backup", "init", str(repo))
    code, out, _ = run(capsys, *w, "backup", "create", "--repo", str(repo), "--json")
    snap = json.loads(out)["snapshot"][:8]
    (root / "docs" / "late.md").write_text("after", encoding="utf-8")
    code, out, _ = run(capsys, *w, "backup", "restore", snap, "--repo", str(repo),
                       "--in-place", "--dry-run", "--json")  # fmt: skip
    assert code == 0
    assert json.loads(out)["audit_entries_since"] >= 1
    assert (root / "docs" / "late.md").exists()  # a dry run changes nothing
    answers = iter(["safe passphrase 123", "safe passphrase 123", "safe passphrase 123"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    key = tmp_path / "recovery.json"
    code, _, _ = run(capsys, *w, "backup", "export-key", str(key), "--repo", str(repo))
    assert code == 0
    code, out, _ = run(capsys, "-w", str(tmp_path / "no-workspace"), "backup", "restore", snap,
                       "--repo", str(repo), "--key", str(key), "--to", str(tmp_path / "far"),
                       "--json")  # fmt: skip
    assert code == 0
    assert (tmp_path / "far" / "console.toml").exists()
