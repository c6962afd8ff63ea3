"""Cells that do not convert to the schema's types, named by line (or row), column and
value, instead of the reader's own message.

Integer columns accept whole numbers written with a decimal point or an exponent
(``2.0``, ``1e3``: what pandas writes for an integer column with missing values) and
refuse fractions, text, NaN, infinities and values outside the 64-bit range.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from console.core.data.input_files import Problems

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
RANGE = f"outside the 64-bit integer range ({INT64_MIN:,} to {INT64_MAX:,})"
NAN_TEXT = ("nan", "+nan", "-nan")


def text_cells(text: pd.Series[Any], *, integer: bool) -> list[tuple[Any, str]]:
    """(index, why) for each cell of ``text`` (strings or None) that is not a number (or
    not an integer); empty cells are missing values, not problems."""
    import numpy as np
    import pandas as pd

    stripped = text.astype("string").str.strip()
    present = (stripped.notna() & (stripped != "")).fillna(False).astype(bool)
    numeric = pd.to_numeric(stripped.where(present), errors="coerce").astype("float64")
    nan_text = stripped.str.lower().isin(NAN_TEXT).fillna(False).astype(bool)
    what = "an integer" if integer else "a number"
    out: list[tuple[Any, str]] = []
    for i in stripped.index[present & numeric.isna() & ~nan_text]:
        out.append((i, f"{text[i]!r} is not {what}"))
    if not integer:
        return out
    for i in stripped.index[nan_text]:
        out.append((i, f"{text[i]!r} is not an integer (leave the cell empty for a missing value)"))
    finite = numeric.notna() & np.isfinite(numeric.fillna(0))
    for i in stripped.index[present & numeric.notna() & ~finite]:
        out.append((i, f"{text[i]!r} is not an integer"))
    values = numeric.where(finite, 0.0)
    for i in stripped.index[finite & (values % 1 != 0)]:
        out.append((i, f"{text[i]!r} is not an integer (it has a fractional part)"))
    for i in stripped.index[finite & (values % 1 == 0)]:
        if not _in_int64(str(stripped[i]), float(values[i])):
            out.append((i, f"{text[i]!r} is {RANGE}"))
    return sorted(out, key=lambda item: item[0])


def _in_int64(text: str, value: float) -> bool:
    digits = text.lstrip("+-")
    if digits.isdigit():  # exact for integers written out in full
        return INT64_MIN <= int(text) <= INT64_MAX
    return INT64_MIN <= value < 2.0**63


def whole_floats_to_int64(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Floats already checked to be whole and in range, as int64."""
    import pyarrow as pa

    return column.cast(pa.int64(), safe=False)


def flag_parquet_column(
    problems: Problems, name: str, column: pa.ChunkedArray, target: pa.DataType
) -> pa.ChunkedArray | None:
    """``column`` converted to ``target``, or None after flagging each cell that does not
    convert (with its row and value); None too when the types cannot be converted."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    source = column.type
    if pa.types.is_integer(target) and pa.types.is_floating(source):
        values = column.to_numpy(zero_copy_only=False).astype(np.float64)
        present = ~np.isnan(values)
        finite = np.isfinite(values)
        whole = finite & (np.mod(np.where(finite, values, 0.0), 1) == 0)
        inside = (values >= INT64_MIN) & (values < 2.0**63)
        problems.flag(present & ~finite, column, name, "{v!r} is not an integer")
        problems.flag(finite & ~whole, column, name, "{v!r} is not an integer "
                      "(it has a fractional part)")  # fmt: skip
        problems.flag(whole & ~inside, column, name, f"{{v!r}} is {RANGE}")
        if problems.total:
            return None
        return whole_floats_to_int64(column)
    if pa.types.is_integer(target) and pa.types.is_unsigned_integer(source):
        too_big = pc.greater(column, pa.scalar(INT64_MAX, source)).fill_null(False)
        if pc.any(too_big).as_py():
            problems.flag(np.asarray(too_big, dtype=bool), column, name, f"{{v!r}} is {RANGE}")
            return None
        return column.cast(target)
    if (pa.types.is_floating(target) or pa.types.is_integer(target)) and (
        pa.types.is_string(source) or pa.types.is_large_string(source)
    ):
        import pandas as pd

        text = pd.Series(column.to_pylist(), dtype=object)
        bad = text_cells(text, integer=pa.types.is_integer(target))
        for i, why in bad:
            problems.cell(int(i), name, why)
        if bad:
            return None
        numeric = pd.to_numeric(text.astype("string").str.strip().replace("", None))
        return pa.chunked_array([pa.array(numeric.astype("float64"), from_pandas=True)]).cast(
            target, safe=False
        )
    return None
