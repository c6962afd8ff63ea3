"""The repository key and how a passphrase opens it.

A repository has one random *master key* (64 bytes: 32 for AES-256-GCM, 32 for the
HMAC-SHA-256 that names chunks). It is stored only wrapped: encrypted with a key derived
from a passphrase by scrypt (``cryptography``'s implementation), in ``keys/NAME.json``.
The passphrase is the workspace's ``backup-passphrase`` credential in the OS keyring; a
recovery key exported for the site's safe is one more wrapped copy under a second
passphrase, written outside the repository.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from typing import Any, Final

from console.core.base.errors import BadInput

KEY_FORMAT: Final = "model-ops-console backup key"
SCRYPT_N: Final = 2**15
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
MIN_PASSPHRASE: Final = 8


@dataclass(frozen=True)
class MasterKey:
    """The two secrets of a repository: encryption and chunk naming."""

    encryption: bytes
    naming: bytes

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(os.urandom(32), os.urandom(32))

    @property
    def raw(self) -> bytes:
        return self.encryption + self.naming


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def check_passphrase(passphrase: str, what: str = "passphrase") -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise BadInput(f"{what}: shorter than {MIN_PASSPHRASE} characters")


def wrap(master: MasterKey, passphrase: str, repository_id: str) -> dict[str, Any]:
    """A key file's content: ``master`` encrypted under a key derived from ``passphrase``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    check_passphrase(passphrase)
    salt, nonce = os.urandom(16), os.urandom(12)
    kek = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    sealed = AESGCM(kek).encrypt(nonce, master.raw, repository_id.encode("ascii"))
    return {
        "format": KEY_FORMAT,
        "repository": repository_id,
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
        "salt": base64.b64encode(salt).decode("ascii"),
        "nonce": base64.b64encode(nonce).decode("ascii"),
        "key": base64.b64encode(sealed).decode("ascii"),
    }


def unwrap(content: dict[str, Any], passphrase: str, repository_id: str, name: str) -> MasterKey:
    """Open a key file; BadInput naming ``name`` on a wrong passphrase or a damaged file."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        if content.get("format") != KEY_FORMAT:
            raise BadInput(f"{name}: not a backup key file")
        kdf = content["kdf"]
        if kdf.get("name") != "scrypt":
            raise BadInput(f"{name}: unknown key derivation {kdf.get('name')!r}")
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        if not (2**10 <= n <= 2**22 and 1 <= r <= 32 and 1 <= p <= 16):
            raise BadInput(f"{name}: key derivation parameters out of range")
        salt = base64.b64decode(content["salt"])
        nonce = base64.b64decode(content["nonce"])
        sealed = base64.b64decode(content["key"])
        stored_for = str(content["repository"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"{name}: damaged key file ({exc})") from None
    if stored_for != repository_id:
        raise BadInput(f"{name}: key of another repository ({stored_for[:12]})")
    kek = _derive(passphrase, salt, n, r, p)
    try:
        raw = AESGCM(kek).decrypt(nonce, sealed, repository_id.encode("ascii"))
    except InvalidTag:
        raise BadInput(
            f"{name}: wrong passphrase (or the key file was altered): the backup-passphrase "
            "credential does not open this repository"
        ) from None
    if len(raw) != 64:
        raise BadInput(f"{name}: damaged key file (wrong key length)")
    return MasterKey(raw[:32], raw[32:])


def dumps(content: dict[str, Any]) -> bytes:
    return (json.dumps(content, indent=1, sort_keys=True) + "\n").encode("utf-8")


def loads(data: bytes, name: str) -> dict[str, Any]:
    try:
        content = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{name}: damaged key file ({exc})") from None
    if not isinstance(content, dict):
        raise BadInput(f"{name}: damaged key file (not an object)")
    return content
