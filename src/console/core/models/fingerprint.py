"""A model's fingerprint: equal for equal fitted models, whatever run wrote the file.

A skops file names its array entries and shared objects after Python object ids and
stamps the zip entries with the time of writing, so two files of the same fitted model
differ byte for byte. The fingerprint is the SHA-256 of the file's schema with every
object id renumbered in order of appearance and every entry name replaced by the
SHA-256 of its content: it changes exactly when a fitted parameter or array changes.
"""

from __future__ import annotations

import io
import re
import zipfile

from console.core.base.files import sha256_bytes

_ID = re.compile(r'"__id__": (\d+)')


def of_skops(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {
            name: sha256_bytes(archive.read(name))
            for name in archive.namelist()
            if name != "schema.json"
        }
        schema = archive.read("schema.json").decode("utf-8")
    numbers: dict[str, int] = {}

    def renumber(match: re.Match[str]) -> str:
        number = numbers.setdefault(match.group(1), len(numbers))
        return f'"__id__": {number}'

    schema = _ID.sub(renumber, schema)
    for name, digest in entries.items():
        schema = schema.replace(name, digest)
    return sha256_bytes(schema.encode("utf-8"))
