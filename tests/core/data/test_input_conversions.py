"""Every cell that does not convert is named by file, line (or row), column and value:
a table of CSV and Parquet files, each with one bad cell on its second data row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from console.core.base.config import parse_config
from console.core.base.errors import BadInput
from console.core.data import input_files

CONFIG = parse_config(
    """
[schema]
id = "order_id"
timestamp = "created"
score = "p"
decision = "flag"
label = "outcome"
features = { basket = "number", items = "integer", shop = "category" }
segments = ["shop"]
"""
)
GOOD = {
    "order_id": ["o1", "o2", "o3"],
    "created": ["2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z", "2026-03-01T12:00:00Z"],
    "basket": ["10.5", "20.25", "7"],
    "items": ["1", "2", "3"],
    "shop": ["north", "south", "north"],
    "p": ["0.1", "0.9", "0.2"],
    "flag": ["0", "1", "0"],
}


def _csv(tmp: Path, column: str, value: str) -> Path:
    data = {k: list(v) for k, v in GOOD.items()}
    data[column][1] = value
    path = tmp / "predictions.csv"
    lines = [",".join(data)] + [",".join(row) for row in zip(*data.values(), strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


CSV_CASES = [
    ("items", "2.5", "'2.5' is not an integer (it has a fractional part)"),
    ("items", "99999999999999999999", "'99999999999999999999' is outside the 64-bit integer"),
    ("items", "-9223372036854775809", "'-9223372036854775809' is outside the 64-bit integer"),
    ("items", "1e20", "'1e20' is outside the 64-bit integer range"),
    ("items", "abc", "'abc' is not an integer"),
    ("items", "nan", "'nan' is not an integer (leave the cell empty for a missing value)"),
    ("items", "inf", "'inf' is not an integer"),
    ("flag", "yes", "'yes' is not an integer"),
    ("basket", "1.5.2", "'1.5.2' is not a number"),
    ("p", "high", "'high' is not a number"),
    ("created", "2026-02-30T10:00:00", "'2026-02-30T10:00:00' is not an ISO-8601 timestamp"),
    ("created", "yesterday", "'yesterday' is not an ISO-8601 timestamp"),
]


@pytest.mark.parametrize(("column", "value", "why"), CSV_CASES)
def test_csv_conversion_errors_name_file_line_column_and_value(
    tmp_path: Path, column: str, value: str, why: str
) -> None:
    path = _csv(tmp_path, column, value)
    with pytest.raises(BadInput) as err:
        input_files.read(input_files.InputFile(path, "predictions", CONFIG))
    message = str(err.value)
    assert message.startswith(f"{path}: line 3, column {column!r}: {why}"), message
    assert "CSV conversion error" not in message
    assert "\n" not in message


def test_csv_integers_written_as_whole_decimals_are_integers(tmp_path: Path) -> None:
    """pandas writes an integer column with missing values as 2.0: that is an integer."""
    path = _csv(tmp_path, "items", "2.0")
    table = input_files.read(input_files.InputFile(path, "predictions", CONFIG))
    assert table.column("items").type == pa.int64()
    assert table.column("items").to_pylist() == [1, 2, 3]
    path = _csv(tmp_path, "flag", "1.0")
    assert input_files.read(input_files.InputFile(path, "predictions", CONFIG))["flag"][1].as_py()


def _parquet(tmp: Path, column: str, values: list[Any], kind: pa.DataType | None) -> Path:
    data: dict[str, Any] = {k: list(v) for k, v in GOOD.items()}
    data["basket"] = [10.5, 20.25, 7.0]
    data["items"] = [1, 2, 3]
    data["p"] = [0.1, 0.9, 0.2]
    data["flag"] = [0, 1, 0]
    data[column] = values
    arrays = {k: pa.array(v, type=kind if k == column else None) for k, v in data.items()}
    path = tmp / "predictions.parquet"
    pq.write_table(pa.table(arrays), path)
    return path


PARQUET_CASES = [
    ("items", [1.0, 2.5, 3.0], pa.float64(), "2.5 is not an integer (it has a fractional part)"),
    ("items", [1.0, 1e20, 3.0], pa.float64(), "1e+20 is outside the 64-bit integer range"),
    ("items", [1, 2**64 - 1, 3], pa.uint64(), "18446744073709551615 is outside the 64-bit"),
    ("items", [1.0, float("inf"), 3.0], pa.float64(), "inf is not an integer"),
    ("items", ["1", "two", "3"], pa.string(), "'two' is not an integer"),
    ("basket", ["1.5", "abc", "3"], pa.string(), "'abc' is not a number"),
    ("created", ["2026-03-01T10:00:00Z", "soon", "2026-03-01T12:00:00Z"], pa.string(),
     "'soon' is not an ISO-8601 timestamp"),
]  # fmt: skip


@pytest.mark.parametrize(("column", "values", "kind", "why"), PARQUET_CASES)
def test_parquet_conversion_errors_name_file_row_column_and_value(
    tmp_path: Path, column: str, values: list[Any], kind: pa.DataType, why: str
) -> None:
    path = _parquet(tmp_path, column, values, kind)
    with pytest.raises(BadInput) as err:
        input_files.read(input_files.InputFile(path, "predictions", CONFIG))
    message = str(err.value)
    assert message.startswith(f"{path}: row 2, column {column!r}: {why}"), message


@pytest.mark.parametrize(
    ("column", "values", "kind", "expected"),
    [
        ("items", [1.0, 2.0, None], pa.float64(), [1, 2, None]),
        ("items", ["1", " 2", ""], pa.string(), [1, 2, None]),
        ("basket", ["1.5", "2", None], pa.string(), [1.5, 2.0, None]),
        ("shop", [7, 12, 7], pa.int64(), ["7", "12", "7"]),
    ],
)
def test_parquet_values_that_convert_without_loss_are_taken(
    tmp_path: Path, column: str, values: list[Any], kind: pa.DataType, expected: list[Any]
) -> None:
    path = _parquet(tmp_path, column, values, kind)
    table = input_files.read(input_files.InputFile(path, "predictions", CONFIG))
    assert table.column(column).to_pylist() == expected
