"""Parquet written in blocks of rows: a long metric table is converted to Arrow one block
at a time (a row group each), so writing it never holds a second full copy in memory."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

BLOCK_ROWS = 1_000_000


def write_parquet(df: pd.DataFrame, path: Path, block_rows: int = BLOCK_ROWS) -> None:
    """``df`` to ``path`` as ``to_parquet(index=False)`` would, one row group per block."""
    if len(df) <= block_rows:
        df.to_parquet(path, index=False)
        return
    first = pa.Table.from_pandas(df.iloc[:block_rows], preserve_index=False)
    with pq.ParquetWriter(path, first.schema) as writer:
        writer.write_table(first)
        for start in range(block_rows, len(df), block_rows):
            block = df.iloc[start : start + block_rows]
            writer.write_table(
                pa.Table.from_pandas(block, schema=first.schema, preserve_index=False)
            )
