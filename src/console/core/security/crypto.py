"""Encryption at rest: AES-256-GCM in 1 MiB chunks, keys in the OS keyring.

Files that hold transaction data (dataset versions, exports, backups) are written
with :func:`encrypt_bytes` / :func:`encrypt_file` and read back with the ``decrypt_``
twins, which refuse a file that was altered, truncated, reordered or made with another
key. Two kinds of key:

- the workspace's *data key* (256 random bits, created on first use, kept in the
  keyring under this workspace's id) for files that stay with the workspace;
- a *passphrase* (scrypt-derived key, salt in the header) for files that leave it:
  audit exports for an outside auditor, backups restored on another machine.

Layout: ``MOCENC1\\n`` | kind (1 byte: 1 data key, 2 passphrase) | key id or salt
(16 bytes) | nonce prefix (8 bytes), then chunks of ``u32 length | ciphertext+tag``.
Chunk *i* uses nonce ``prefix || u32 i`` and authenticates the header, *i* and whether
it is the last chunk, so dropping or swapping chunks fails like a changed byte.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final

from console.core.base.errors import BadInput
from console.core.base.files import atomic_path
from console.core.security import credentials

if TYPE_CHECKING:
    import sqlite3

    from console.core.base.jobs import JobContext
    from console.core.base.workspace import Workspace

MAGIC: Final = b"MOCENC1\n"
DATA_KEY: Final = "data-key"
CHUNK: Final = 1 << 20
_HEADER = len(MAGIC) + 1 + 16 + 8
_KIND_DATA, _KIND_PASSPHRASE = 1, 2


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def data_key(conn: sqlite3.Connection, *, create: bool = True) -> bytes:
    """The workspace's data key from the keyring (made on first use)."""
    stored = credentials.keyring_get(conn, DATA_KEY)
    if stored:
        return base64.b64decode(stored)
    if not create:
        raise credentials.KeyringUnavailable.missing("the data key")
    key = os.urandom(32)
    credentials.keyring_set(conn, DATA_KEY, base64.b64encode(key).decode("ascii"))
    return key


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"console-key-id" + key).digest()[:16]


def _passphrase_key(passphrase: str, salt: bytes) -> bytes:
    if len(passphrase) < 10:
        raise BadInput("passphrase: shorter than 10 characters")
    return hashlib.scrypt(
        passphrase.encode("utf-8"), salt=salt, n=2**15, r=8, p=1, maxmem=2**26, dklen=32
    )


def _encrypt_stream(
    src: BinaryIO, dst: BinaryIO, header: bytes, key: bytes, *, size: int, ctx: JobContext | None
) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aead = AESGCM(key)
    prefix = header[-8:]
    dst.write(header)
    index, done = 0, 0
    chunk = src.read(CHUNK)
    while True:
        following = src.read(CHUNK) if chunk else b""
        last = not following
        aad = header + struct.pack(">IB", index, last)
        sealed = aead.encrypt(prefix + struct.pack(">I", index), chunk, aad)
        dst.write(struct.pack(">I", len(sealed)) + sealed)
        done += len(chunk)
        if ctx is not None:
            ctx.progress(done / max(size, 1), "Encrypting")
        if last:
            return
        chunk, index = following, index + 1


def _chunks(src: BinaryIO, name: str) -> Iterator[tuple[int, bytes, bool]]:
    index = 0
    pending = src.read(4)
    while True:
        if len(pending) != 4:
            raise BadInput(f"{name}: encrypted file is truncated (chunk {index})")
        (length,) = struct.unpack(">I", pending)
        if length > CHUNK + 16:
            raise BadInput(f"{name}: encrypted file is corrupt (chunk {index} too long)")
        sealed = src.read(length)
        if len(sealed) != length:
            raise BadInput(f"{name}: encrypted file is truncated (chunk {index})")
        pending = src.read(4)
        yield index, sealed, not pending
        if not pending:
            return
        index += 1


def _decrypt_stream(
    src: BinaryIO, dst: BinaryIO, name: str, conn: sqlite3.Connection | None, passphrase: str | None
) -> None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = src.read(_HEADER)
    if len(header) != _HEADER or not header.startswith(MAGIC):
        raise BadInput(f"{name}: not a file encrypted by the console")
    kind, ident = header[len(MAGIC)], header[len(MAGIC) + 1 : len(MAGIC) + 17]
    if kind == _KIND_PASSPHRASE:
        if passphrase is None:
            raise BadInput(f"{name}: encrypted with a passphrase; give the passphrase")
        key = _passphrase_key(passphrase, ident)
    elif kind == _KIND_DATA:
        if conn is None:
            raise BadInput(f"{name}: encrypted with a workspace key; open its workspace")
        key = data_key(conn, create=False)
        if _key_id(key) != ident:
            raise BadInput(f"{name}: encrypted with another workspace's key")
    else:
        raise BadInput(f"{name}: unknown encryption kind {kind}")
    aead = AESGCM(key)
    prefix = header[-8:]
    for index, sealed, last in _chunks(src, name):
        aad = header + struct.pack(">IB", index, last)
        try:
            dst.write(aead.decrypt(prefix + struct.pack(">I", index), sealed, aad))
        except InvalidTag:
            what = "wrong passphrase, or the file" if kind == _KIND_PASSPHRASE else "the file"
            raise BadInput(f"{name}: {what} was altered (chunk {index} fails)") from None


def _header(conn: sqlite3.Connection | None, passphrase: str | None) -> tuple[bytes, bytes]:
    prefix = os.urandom(8)
    if passphrase is not None:
        salt = os.urandom(16)
        return MAGIC + bytes([_KIND_PASSPHRASE]) + salt + prefix, _passphrase_key(passphrase, salt)
    if conn is None:
        raise BadInput("encryption needs a workspace key or a passphrase")
    key = data_key(conn)
    return MAGIC + bytes([_KIND_DATA]) + _key_id(key) + prefix, key


def encrypt_bytes(ws: Workspace | None, data: bytes, *, passphrase: str | None = None) -> bytes:
    import io

    header, key = _header(ws.conn if ws else None, passphrase)
    out = io.BytesIO()
    _encrypt_stream(io.BytesIO(data), out, header, key, size=len(data), ctx=None)
    return out.getvalue()


def decrypt_bytes(
    ws: Workspace | None, blob: bytes, *, passphrase: str | None = None, name: str = "data"
) -> bytes:
    import io

    out = io.BytesIO()
    _decrypt_stream(io.BytesIO(blob), out, name, ws.conn if ws else None, passphrase)
    return out.getvalue()


def encrypt_file(
    ws: Workspace | None,
    src: Path,
    dst: Path,
    *,
    passphrase: str | None = None,
    ctx: JobContext | None = None,
) -> None:
    """Encrypt ``src`` into ``dst`` atomically (workspace data key unless a passphrase)."""
    header, key = _header(ws.conn if ws else None, passphrase)
    with src.open("rb") as fin, atomic_path(dst) as tmp, tmp.open("wb") as fout:
        _encrypt_stream(fin, fout, header, key, size=src.stat().st_size, ctx=ctx)


def decrypt_file(
    ws: Workspace | None, src: Path, dst: Path, *, passphrase: str | None = None
) -> None:
    """Decrypt ``src`` into ``dst`` atomically; BadInput naming ``src`` if it fails."""
    with src.open("rb") as fin, atomic_path(dst) as tmp, tmp.open("wb") as fout:
        _decrypt_stream(fin, fout, str(src), ws.conn if ws else None, passphrase)
