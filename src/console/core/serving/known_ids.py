"""The prediction ids already stored, so a request learns at once whether its records
will be logged.

Millions of ids as Python strings would cost a gigabyte; here each id is a 64-bit hash
(pandas' ``hash_array``) in one sorted numpy array, 8 bytes an id, looked up with
``searchsorted``. Two different ids share a hash with a chance of about n / 2**64 (one
in two million million for ten million ids): such a record would be answered as not
logged although it was new. The flush still checks against the stored ids exactly, so
a hash never makes a duplicate reach the store.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa


def _hashes(ids: Iterable[str] | np.ndarray) -> np.ndarray:
    import pandas as pd

    values = ids if isinstance(ids, np.ndarray) else np.asarray(list(ids), dtype=object)
    if values.size == 0:
        return np.empty(0, np.uint64)
    return np.asarray(pd.util.hash_array(values, categorize=False), np.uint64)


class KnownIds:
    """A set of ids, by hash: :meth:`add`, :meth:`contains`."""

    def __init__(self) -> None:
        self._sorted = np.empty(0, np.uint64)

    def __len__(self) -> int:
        return int(self._sorted.size)

    def load(self, ids: pa.Array) -> None:
        """Replace the set with ``ids`` (an Arrow string array: the stored ids)."""
        self._sorted = np.unique(_hashes(ids.to_numpy(zero_copy_only=False)))

    def add(self, ids: Iterable[str]) -> None:
        """Add ``ids``: one pass over the set (a copy), not a sort of it."""
        new = np.unique(_hashes(ids))
        if self._sorted.size:
            at = np.searchsorted(self._sorted, new).clip(max=self._sorted.size - 1)
            new = new[self._sorted[at] != new]
        if new.size:
            self._sorted = np.insert(self._sorted, np.searchsorted(self._sorted, new), new)

    def contains(self, ids: list[str]) -> list[bool]:
        """For each id, whether it is in the set."""
        if not ids or not self._sorted.size:
            return [False] * len(ids)
        wanted = _hashes(ids)
        at = np.searchsorted(self._sorted, wanted).clip(max=self._sorted.size - 1)
        return [bool(x) for x in self._sorted[at] == wanted]
