"""Parquet in blocks reads back as the table written at once."""

import numpy as np
import pandas as pd

from simulator.report.parquet import write_parquet


def table(n):
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "time": np.arange(n, dtype=float) * 60.0,
            "metric": pd.Categorical.from_codes(rng.integers(0, 3, n), ["A", "B", "C"]),
            "service": pd.Categorical.from_codes(rng.integers(-1, 2, n), ["api", "web"]),
            "value": rng.random(n),
        }
    )


def test_blocks_read_back_equal_to_one_write(tmp_path):
    df = table(2_500)
    write_parquet(df, tmp_path / "blocks.parquet", block_rows=1_000)
    df.to_parquet(tmp_path / "once.parquet", index=False)
    back = pd.read_parquet(tmp_path / "blocks.parquet")
    pd.testing.assert_frame_equal(back, pd.read_parquet(tmp_path / "once.parquet"))
    pd.testing.assert_frame_equal(back, df)
    import pyarrow.parquet as pq

    assert pq.ParquetFile(tmp_path / "blocks.parquet").num_row_groups == 3
