"""Writing scenario tables as a folder of text CSV files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["write_csv_folder"]


def write_csv_folder(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write tables as ``employees.csv``, ``positions.csv``, ``tasks.csv`` and ``units.csv``.

    Ids and all other cells are written as text: booleans as ``true``/``false``, dates as
    ``YYYY-MM-DD``, blanks as empty cells, whole numbers without ``.0``. An empty or
    missing tasks or units table is not written. The folder is created if needed.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The tables, e.g. from :func:`generate`.
    path : str or pathlib.Path
        The folder.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("employees", "positions", "tasks", "units"):
        frame = tables.get(name)
        if frame is None or (name in ("tasks", "units") and frame.empty):
            continue
        out = pd.DataFrame(index=frame.index)
        for col in frame.columns:
            s = frame[col]
            if pd.api.types.is_bool_dtype(s.dtype):
                out[col] = s.map({True: "true", False: "false"}).fillna("").astype(str)
            elif pd.api.types.is_datetime64_any_dtype(s.dtype):
                out[col] = s.dt.strftime("%Y-%m-%d").fillna("").astype(str)
            elif pd.api.types.is_float_dtype(s.dtype):
                x = s.to_numpy(dtype=float, na_value=np.nan)
                whole = np.isfinite(x) & (x == np.round(x))
                text = s.astype(str).to_numpy(dtype=object)
                text[whole] = x[whole].astype(np.int64).astype(str)
                text[np.isnan(x)] = ""
                out[col] = text
            elif pd.api.types.is_string_dtype(s.dtype) and not s.hasnans:
                out[col] = s  # text already: written as it is
            else:
                out[col] = s.astype("string").fillna("").astype(str)
        out.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
    return folder
