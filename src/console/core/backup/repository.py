"""A backup repository: one folder of encrypted, content-addressed files.

Layout (each file written once, atomically: temporary file, fsync, rename, fsync of
the folder)::

    config.json            format name, version, repository id (plain: read before any key)
    keys/NAME.json         the master key wrapped by a passphrase (scrypt + AES-256-GCM)
    data/ab/<sha256>       packs: MOCPACK1 then encrypted chunks, named by their SHA-256
    index/<sha256>         encrypted: which chunks each pack holds, at which offset
    snapshots/<sha256>     encrypted: one snapshot record (its files and their chunks)
    locks/lock             who writes now (create, prune and forget take it)

A create writes its packs, then the index that lists them, then the snapshot record
last: a crash at any instant leaves at most packs nobody references (prune removes
them) and never a snapshot that points at missing data. Chunks are named by an HMAC of
their content under the repository's naming key (equal data, equal name: dedup across
files and snapshots without revealing plain content hashes); each chunk is compressed
with zstd when that helps and sealed with AES-256-GCM bound to its name.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Final

from console.core.backup import keys
from console.core.base import clock
from console.core.base.errors import BadInput
from console.core.base.files import atomic_write_bytes

FORMAT: Final = "model-ops-console backup repository"
VERSION: Final = 1
PACK_MAGIC: Final = b"MOCPACK1"
PACK_TARGET: Final = 16 << 20
RAW, ZSTD = 0, 1
DEFAULT_KEY: Final = "default"


class RepositoryError(BadInput):
    """The repository is unreachable, damaged, locked, or from a newer console."""


@dataclass(frozen=True)
class Location:
    """Where a chunk lives: pack name, offset and length of its sealed bytes."""

    pack: str
    offset: int
    length: int


def _write_error(path: Path, exc: OSError) -> RepositoryError:
    reason = {
        errno.EROFS: "the target is read-only",
        errno.EACCES: "permission denied",
        errno.ENOSPC: "the target is full",
        errno.EDQUOT: "the target's quota is full",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return RepositoryError(f"{path}: cannot write to the backup repository: {reason}")


class Repository:
    """An open repository (its master key unwrapped)."""

    def __init__(self, path: Path, config: dict[str, Any], master: keys.MasterKey) -> None:
        self.path = path
        self.config = config
        self.id: str = str(config["id"])
        self._master = master
        self._index: dict[str, Location] | None = None

    # ------------------------------------------------------------------ create / open
    @classmethod
    def init(cls, path: Path, passphrase: str) -> Repository:
        """Make a new repository in ``path`` (absent or an empty folder)."""
        path = path.expanduser().resolve()
        keys.check_passphrase(passphrase, "backup-passphrase")
        if path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise RepositoryError(f"{path}: already exists and is not an empty folder")
        config = {
            "format": FORMAT,
            "version": VERSION,
            "id": os.urandom(16).hex(),
            "created_at": clock.iso(),
            "cipher": "aes-256-gcm",
            "compression": "zstd",
            "chunker": {"name": "fastcdc", "min": 256 << 10, "avg": 1 << 20, "max": 4 << 20},
        }
        master = keys.MasterKey.generate()
        try:
            for sub in ("keys", "data", "index", "snapshots", "locks"):
                (path / sub).mkdir(parents=True, exist_ok=True)
            wrapped = keys.wrap(master, passphrase, str(config["id"]))
            atomic_write_bytes(path / "keys" / f"{DEFAULT_KEY}.json", keys.dumps(wrapped))
            # config.json last: a folder without it is not (yet) a repository
            atomic_write_bytes(path / "config.json", keys.dumps(config))
        except OSError as exc:
            raise _write_error(path, exc) from None
        return cls(path, config, master)

    @staticmethod
    def read_config(path: Path) -> dict[str, Any]:
        """The plain ``config.json``: refuses a missing drive, a non-repository, a newer one."""
        path = path.expanduser()
        if not path.exists():
            raise RepositoryError(
                f"{path}: backup repository not reachable (is the drive or share mounted?)"
            )
        file = path / "config.json"
        try:
            config = json.loads(file.read_bytes())
        except FileNotFoundError:
            raise RepositoryError(
                f"{path}: not a backup repository (no config.json); "
                f"create one with 'console backup init {path}'"
            ) from None
        except (OSError, ValueError) as exc:
            raise RepositoryError(f"{file}: unreadable repository config ({exc})") from None
        if not isinstance(config, dict) or config.get("format") != FORMAT:
            raise RepositoryError(f"{file}: not a backup repository of this console")
        version = config.get("version")
        if not isinstance(version, int) or version < 1:
            raise RepositoryError(f"{file}: version: not a positive integer")
        if version > VERSION:
            raise RepositoryError(
                f"{file}: repository format version {version} is newer than this console "
                f"supports ({VERSION}); upgrade the console"
            )
        return config

    @classmethod
    def open(cls, path: Path, passphrase: str, *, key_file: Path | None = None) -> Repository:
        """Unwrap the master key with ``passphrase`` (from the repository's key files, or a
        recovery key file exported earlier)."""
        path = path.expanduser().resolve()
        config = cls.read_config(path)
        folder = path / "keys"
        if key_file is not None:
            if not key_file.is_file():
                raise RepositoryError(f"{key_file}: recovery key file not found")
            files = [key_file]
        else:
            files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        if not files:
            raise RepositoryError(f"{folder}: the repository has no key file")
        last: BadInput | None = None
        for file in files:
            content = keys.loads(file.read_bytes(), str(file))
            try:
                master = keys.unwrap(content, passphrase, str(config["id"]), str(file))
            except BadInput as exc:
                last = exc
                continue
            return cls(path, config, master)
        assert last is not None
        raise RepositoryError(str(last))

    def add_key(self, name: str, passphrase: str) -> Path:
        """Another wrapped copy of the master key (e.g. after the passphrase rotates)."""
        target = self.path / "keys" / f"{name}.json"
        if target.exists():
            raise BadInput(f"{target}: a key of that name exists")
        self.write(target, keys.dumps(keys.wrap(self._master, passphrase, self.id)))
        return target

    def export_key(self, target: Path, passphrase: str) -> None:
        """A recovery key outside the repository, opened by ``passphrase``."""
        content = keys.wrap(self._master, passphrase, self.id)
        content["location_hint"] = str(self.path)
        self.write(target, keys.dumps(content))

    # ------------------------------------------------------------------ sealing
    def chunk_id(self, data: bytes) -> str:
        return hmac.new(self._master.naming, data, hashlib.sha256).hexdigest()

    def seal(self, data: bytes, aad: bytes, *, compress: bool = True) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        body = bytes([RAW]) + data
        if compress and len(data) > 64:
            packed = _zstd().compress(data)
            if len(packed) < len(data) * 0.97:
                body = bytes([ZSTD]) + packed
        nonce = os.urandom(12)
        return nonce + AESGCM(self._master.encryption).encrypt(nonce, body, aad)

    def unseal(self, blob: bytes, aad: bytes, what: str) -> bytes:
        """Decrypt, authenticate and decompress; RepositoryError naming ``what`` if damaged."""
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if len(blob) < 12 + 16 + 1:
            raise RepositoryError(f"{what}: damaged (truncated)")
        try:
            body = AESGCM(self._master.encryption).decrypt(blob[:12], blob[12:], aad)
        except InvalidTag:
            raise RepositoryError(f"{what}: damaged (authentication tag does not match)") from None
        if body[0] == RAW:
            return body[1:]
        if body[0] == ZSTD:
            import zstandard

            try:
                return bytes(_zstd_d().decompress(body[1:]))
            except zstandard.ZstdError as exc:
                raise RepositoryError(f"{what}: damaged (cannot decompress: {exc})") from None
        raise RepositoryError(f"{what}: damaged (unknown encoding {body[0]})")

    # ------------------------------------------------------------------ files
    def write(self, target: Path, data: bytes) -> None:
        try:
            atomic_write_bytes(target, data)
        except OSError as exc:
            raise _write_error(self.path, exc) from None

    def _write_named(self, folder: str, data: bytes) -> str:
        name = hashlib.sha256(data).hexdigest()
        self.write(self.path / folder / name, data)
        return name

    def _read_named(self, folder: str, name: str, what: str) -> bytes:
        file = self.path / folder / name
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise RepositoryError(f"{what} {name[:12]}: missing from the repository") from None
        except OSError as exc:
            raise RepositoryError(f"{file}: unreadable ({exc.strerror})") from None
        if hashlib.sha256(data).hexdigest() != name:
            raise RepositoryError(f"{what} {name[:12]}: damaged (content does not match its name)")
        return data

    def names(self, folder: str) -> list[str]:
        base = self.path / folder
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if p.is_file() and not p.name.startswith("."))

    # ------------------------------------------------------------------ packs
    def pack_path(self, pack: str) -> Path:
        return self.path / "data" / pack[:2] / pack

    def pack_names(self) -> list[str]:
        base = self.path / "data"
        if not base.is_dir():
            return []
        return sorted(
            p.name for sub in base.iterdir() if sub.is_dir() for p in sub.iterdir()
            if p.is_file() and not p.name.startswith(".")
        )  # fmt: skip

    def write_pack(self, blobs: list[tuple[str, bytes]]) -> tuple[str, list[list[Any]]]:
        """One pack of sealed chunks; returns its name and index entries."""
        parts = [PACK_MAGIC]
        entries: list[list[Any]] = []
        offset = len(PACK_MAGIC)
        for cid, blob in blobs:
            parts.append(blob)
            entries.append([cid, offset, len(blob)])
            offset += len(blob)
        data = b"".join(parts)
        name = hashlib.sha256(data).hexdigest()
        self.write(self.pack_path(name), data)
        return name, entries

    def read_pack(self, pack: str, *, check: bool = True) -> bytes:
        file = self.pack_path(pack)
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise RepositoryError(f"pack {pack[:12]}: missing from the repository") from None
        if check and hashlib.sha256(data).hexdigest() != pack:
            raise RepositoryError(f"pack {pack[:12]}: damaged (content does not match its name)")
        return data

    # ------------------------------------------------------------------ index
    def write_index(self, packs: dict[str, list[list[Any]]]) -> str:
        payload = json.dumps({"packs": packs}, separators=(",", ":")).encode("utf-8")
        return self._write_named("index", self.seal(payload, b"index"))

    def read_index_file(self, name: str) -> dict[str, list[list[Any]]]:
        what = f"index file {name[:12]}"
        content = json.loads(
            self.unseal(self._read_named("index", name, "index file"), b"index", what)
        )
        packs = content.get("packs") if isinstance(content, dict) else None
        if not isinstance(packs, dict):
            raise RepositoryError(f"{what}: damaged (no pack list)")
        return packs

    def index(self, *, reload: bool = False) -> dict[str, Location]:
        """Every chunk the committed index files list (first location wins)."""
        if self._index is None or reload:
            found: dict[str, Location] = {}
            for name in self.names("index"):
                for pack, entries in self.read_index_file(name).items():
                    for cid, offset, length in entries:
                        found.setdefault(cid, Location(pack, int(offset), int(length)))
            self._index = found
        return self._index

    def forget_index_cache(self) -> None:
        self._index = None

    def read_chunk(self, cid: str, location: Location | None = None) -> bytes:
        """A chunk's plain bytes; RepositoryError naming the chunk if missing or damaged."""
        loc = location or self.index().get(cid)
        if loc is None:
            raise RepositoryError(f"chunk {cid[:12]}: not in the repository index")
        try:
            with self.pack_path(loc.pack).open("rb") as fh:
                fh.seek(loc.offset)
                blob = fh.read(loc.length)
        except FileNotFoundError:
            raise RepositoryError(
                f"chunk {cid[:12]}: its pack {loc.pack[:12]} is missing"
            ) from None
        return self.open_chunk(cid, blob, loc.pack)

    @contextmanager
    def pack_reader(self) -> Iterator[Callable[[str, Location | None], bytes]]:
        """``read(cid, location)`` with pack files kept open, one set per thread (restore
        reads many chunks from several threads)."""
        local = threading.local()
        opened: list[BinaryIO] = []
        lock = threading.Lock()

        def read(cid: str, location: Location | None) -> bytes:
            loc = location or self.index().get(cid)
            if loc is None:
                raise RepositoryError(f"chunk {cid[:12]}: not in the repository index")
            handles: dict[str, BinaryIO] = local.__dict__.setdefault("handles", {})
            fh = handles.get(loc.pack)
            if fh is None:
                try:
                    fh = handles[loc.pack] = self.pack_path(loc.pack).open("rb")
                except FileNotFoundError:
                    raise RepositoryError(
                        f"chunk {cid[:12]}: its pack {loc.pack[:12]} is missing"
                    ) from None
                with lock:
                    opened.append(fh)
            fh.seek(loc.offset)
            return self.open_chunk(cid, fh.read(loc.length), loc.pack)

        try:
            yield read
        finally:
            for fh in opened:
                fh.close()

    def open_chunk(self, cid: str, blob: bytes, pack: str) -> bytes:
        what = f"chunk {cid[:12]} in pack {pack[:12]}"
        data = self.unseal(blob, b"chunk" + bytes.fromhex(cid), what)
        if not hmac.compare_digest(self.chunk_id(data), cid):
            raise RepositoryError(f"{what}: damaged (content does not match its name)")
        return data

    # ------------------------------------------------------------------ snapshots
    def write_snapshot(self, record: dict[str, Any]) -> str:
        payload = json.dumps(record, separators=(",", ":")).encode("utf-8")
        return self._write_named("snapshots", self.seal(payload, b"snapshot"))

    def read_snapshot(self, name: str) -> dict[str, Any]:
        data = self._read_named("snapshots", name, "snapshot")
        record = json.loads(self.unseal(data, b"snapshot", f"snapshot {name[:12]}"))
        if not isinstance(record, dict) or "files" not in record:
            raise RepositoryError(f"snapshot {name[:12]}: damaged (no file list)")
        record["id"] = name
        return record

    def resolve(self, prefix: str) -> str:
        """The full snapshot name from a unique prefix (as ``backup list`` shows it)."""
        prefix = prefix.strip().lower()
        if not prefix or any(c not in "0123456789abcdef" for c in prefix):
            raise BadInput(f"snapshot {prefix!r}: not a snapshot id")
        found = [n for n in self.names("snapshots") if n.startswith(prefix)]
        if not found:
            raise BadInput(f"snapshot {prefix}: not in repository {self.path}")
        if len(found) > 1:
            raise BadInput(f"snapshot {prefix}: ambiguous ({len(found)} snapshots match)")
        return found[0]

    def delete(self, target: Path) -> None:
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:
            raise _write_error(self.path, exc) from None

    # ------------------------------------------------------------------ lock
    @contextmanager
    def locked(self, purpose: str) -> Iterator[None]:
        """Exclusive lock for writers; a lock left by a dead process on this host is taken over."""
        lock = self.path / "locks" / "lock"
        lock.parent.mkdir(exist_ok=True)
        me = {"host": socket.gethostname(), "pid": os.getpid(), "purpose": purpose}
        me["time"] = clock.iso()
        for _attempt in range(2):
            try:
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = _read_lock(lock)
                if holder and _stale(holder):
                    lock.unlink(missing_ok=True)
                    continue
                who = (
                    f"{holder.get('purpose')} by pid {holder.get('pid')} on {holder.get('host')} "
                    f"since {holder.get('time')}"
                    if holder
                    else "an unknown process"
                )
                raise RepositoryError(f"{self.path}: repository is busy ({who})") from None
            except OSError as exc:
                raise _write_error(self.path, exc) from None
            with os.fdopen(fd, "w") as fh:
                json.dump(me, fh)
            break
        else:
            raise RepositoryError(f"{self.path}: could not take the repository lock")
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)

    def usage(self) -> dict[str, Any]:
        """Bytes stored and free space where the repository lives."""
        import shutil

        total = 0
        for root, _dirs, files in os.walk(self.path):
            for f in files:
                try:
                    total += os.stat(os.path.join(root, f)).st_size
                except OSError:
                    continue
        free = shutil.disk_usage(self.path).free
        return {"stored_bytes": total, "free_bytes": free}


def _read_lock(lock: Path) -> dict[str, Any] | None:
    for _ in range(3):
        try:
            value = json.loads(lock.read_text(encoding="utf-8"))
            return value if isinstance(value, dict) else None
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            time.sleep(0.05)  # being written
    return {}


def _stale(holder: dict[str, Any]) -> bool:
    if not holder:
        return True  # empty: its writer died between create and write
    if holder.get("host") != socket.gethostname():
        return False
    pid = holder.get("pid")
    if not isinstance(pid, int):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return pid == os.getpid() and False


def _zstd() -> Any:
    import zstandard

    return zstandard.ZstdCompressor(level=3)


_DECOMPRESSORS = threading.local()


def _zstd_d() -> Any:
    """This thread's decompressor (one is not safe to share between threads)."""
    found = getattr(_DECOMPRESSORS, "d", None)
    if found is None:
        import zstandard

        found = _DECOMPRESSORS.d = zstandard.ZstdDecompressor()
    return found
