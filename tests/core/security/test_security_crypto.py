"""AES-GCM files: round trips, and every kind of damage or wrong key is refused."""

from __future__ import annotations

import os

import keyring
import keyring.backends.fail
import pytest

from console.core.base.errors import BadInput
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.security import credentials, crypto

PASSPHRASE = "a long backup passphrase"


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "CHUNK", 1024)


@pytest.mark.parametrize("size", [0, 1, 1024, 5000, 3 * 1024])
def test_file_round_trip_with_the_workspace_key(workspace: Workspace, tmp_path, size) -> None:
    plain = os.urandom(size)
    src, enc, out = tmp_path / "a.bin", tmp_path / "a.enc", tmp_path / "a.out"
    src.write_bytes(plain)
    crypto.encrypt_file(workspace, src, enc)
    assert crypto.is_encrypted(enc)
    assert size < 64 or plain[:64] not in enc.read_bytes()
    crypto.decrypt_file(workspace, enc, out)
    assert out.read_bytes() == plain


def test_passphrase_files_need_no_workspace(tmp_path) -> None:
    blob = crypto.encrypt_bytes(None, b"secret rows", passphrase=PASSPHRASE)
    assert crypto.decrypt_bytes(None, blob, passphrase=PASSPHRASE) == b"secret rows"
    with pytest.raises(BadInput, match="wrong passphrase"):
        crypto.decrypt_bytes(None, blob, passphrase="another long passphrase")
    with pytest.raises(BadInput, match="give the passphrase"):
        crypto.decrypt_bytes(None, blob)
    with pytest.raises(BadInput, match="shorter than 10"):
        crypto.encrypt_bytes(None, b"x", passphrase="short")


def _chunked(ws: Workspace) -> bytes:
    return crypto.encrypt_bytes(ws, os.urandom(3000))  # three chunks of 1024 + a last


def test_flipped_byte_is_refused(workspace: Workspace) -> None:
    blob = bytearray(_chunked(workspace))
    blob[-5] ^= 1
    with pytest.raises(BadInput, match="altered"):
        crypto.decrypt_bytes(workspace, bytes(blob))


def test_truncated_file_is_refused(workspace: Workspace) -> None:
    blob = _chunked(workspace)
    first_chunk_end = len(crypto.MAGIC) + 25 + 4 + 1024 + 16
    with pytest.raises(BadInput, match="altered"):  # whole chunks dropped: "last" flag fails
        crypto.decrypt_bytes(workspace, blob[:first_chunk_end])
    with pytest.raises(BadInput, match="truncated"):
        crypto.decrypt_bytes(workspace, blob[:-3])


def test_reordered_chunks_are_refused(workspace: Workspace) -> None:
    blob = _chunked(workspace)
    head = len(crypto.MAGIC) + 25
    size = 4 + 1024 + 16
    one, two = blob[head : head + size], blob[head + size : head + 2 * size]
    swapped = blob[:head] + two + one + blob[head + 2 * size :]
    with pytest.raises(BadInput, match="chunk 0"):
        crypto.decrypt_bytes(workspace, swapped)


def test_another_workspace_key_is_refused(workspace: Workspace, tmp_path) -> None:
    other = Workspace.create(tmp_path / "other", "alice")
    crypto.encrypt_bytes(other, b"gives the other workspace its own key")
    blob = crypto.encrypt_bytes(workspace, b"rows")
    with pytest.raises(BadInput, match="another workspace"):
        crypto.decrypt_bytes(other, blob)
    other.close()


def test_not_encrypted_input_is_refused(workspace: Workspace, tmp_path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n")
    with pytest.raises(BadInput, match="not a file encrypted by the console"):
        crypto.decrypt_file(workspace, path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cancelled_encryption_leaves_no_file(workspace: Workspace, tmp_path) -> None:
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(10_000))
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(Exception, match="cancelled"):
        crypto.encrypt_file(workspace, src, tmp_path / "big.enc", ctx=ctx)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "ws") == ["big.bin"]


def test_no_keyring_no_silent_plain_encryption(workspace: Workspace, tmp_path) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with pytest.raises(credentials.KeyringUnavailable):
        crypto.encrypt_bytes(workspace, b"rows")
    assert crypto.encrypt_bytes(None, b"rows", passphrase=PASSPHRASE)  # passphrase still works


def test_lost_data_key_is_reported(workspace: Workspace) -> None:
    blob = crypto.encrypt_bytes(workspace, b"rows")
    _memory().clear()
    with pytest.raises(credentials.KeyringUnavailable, match="data key"):
        crypto.decrypt_bytes(workspace, blob)


def _memory() -> dict[tuple[str, str], str]:
    """The secrets of the in-memory keyring tests/conftest.py installs."""
    secrets: dict[tuple[str, str], str] = keyring.get_keyring().secrets  # type: ignore[attr-defined]
    return secrets
