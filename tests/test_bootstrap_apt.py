"""bootstrap.sh's apt_get waits while another process holds the dpkg lock."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "packaging" / "apt_wait.sh"


def fake_apt(tmp_path: Path, fail_times: int, message: str) -> dict[str, str]:
    """An apt-get on PATH that fails ``fail_times`` times with ``message``, then works."""
    folder = tmp_path / "bin"
    folder.mkdir()
    count = tmp_path / "count"
    count.write_text("0")
    apt = folder / "apt-get"
    apt.write_text(
        "#!/usr/bin/env bash\n"
        f'n=$(cat "{count}"); echo $((n + 1)) > "{count}"\n'
        f'if [ "$n" -lt {fail_times} ]; then echo "{message}" >&2; exit 100; fi\n'
        'echo "args: $*"\n'
    )
    apt.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}", "APT_WAIT_EVERY": "0"}


def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f'. "{SCRIPT}"; apt_get update -qq'],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_held_lock_is_waited_for(tmp_path: Path) -> None:
    lock = (
        "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 812 "
        "(unattended-upgr)"
    )
    done = run(fake_apt(tmp_path, 2, lock))
    assert done.returncode == 0, done.stderr
    assert "waiting up to" in done.stderr
    assert "DPkg::Lock::Timeout=0 update -qq" in done.stdout
    assert (tmp_path / "count").read_text().strip() == "3"


def test_other_failures_and_a_lock_held_too_long_are_reported(tmp_path: Path) -> None:
    env = fake_apt(tmp_path, 99, "E: Unable to locate package libfoo")
    failed = run(env)
    assert failed.returncode == 100
    assert "Unable to locate package" in failed.stderr
    assert (tmp_path / "count").read_text().strip() == "1"
    (tmp_path / "again").mkdir()
    env = fake_apt(tmp_path / "again", 99, "E: Could not get lock /var/lib/apt/lists/lock")
    gave_up = run({**env, "APT_WAIT_MAX": "0"})
    assert gave_up.returncode == 100
    assert "Could not get lock" in gave_up.stderr
