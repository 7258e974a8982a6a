"""Writing files atomically: a temporary file in the same folder, then :func:`os.replace`,
so a crash never leaves half a file. Plain JSON values and CSV/Excel tables of frames."""

from __future__ import annotations

import contextlib
import datetime as _dt
import io as _io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["atomic_write_bytes", "atomic_write_pieces", "atomic_write_text", "write_frames", "write_result"]


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then replace).

    Parameters
    ----------
    path : path
        Target file; its folder is created if needed.
    data : bytes
        Content.

    Returns
    -------
    Path
        The path written.
    """
    return atomic_write_pieces(path, (data,))


def atomic_write_pieces(path: str | os.PathLike[str], pieces: Iterable[bytes]) -> Path:
    """Write the ``pieces`` one after the other to ``path`` atomically (see
    :func:`atomic_write_bytes`): a large file is written without holding it whole.

    Parameters
    ----------
    path : path
        Target file; its folder is created if needed.
    pieces : iterable of bytes
        Content, in order.

    Returns
    -------
    Path
        The path written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            for data in pieces:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_write_bytes`).

    Parameters
    ----------
    path : path
        Target file.
    text : str
        Content, written as is (no newline translation).
    encoding : str
        Text encoding, UTF-8 by default.

    Returns
    -------
    Path
        The path written.
    """
    return atomic_write_bytes(path, text.encode(encoding))


def _plain(v: Any) -> Any:
    """A JSON-ready value: numpy scalars unwrapped, NaN/inf -> ``None``, dates as ISO text.

    A datetime at midnight is written as its date (``1985-03-17``), as Excel cells are read.
    """
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, np.ndarray, pd.Series)):
        return [_plain(x) for x in v]
    if v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, _dt.datetime) and v.time() == _dt.time(0, 0) and v.tzinfo is None:
        return v.date().isoformat()
    if isinstance(v, (_dt.datetime, _dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, pd.Timedelta):
        return v.isoformat()
    return str(v)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    obj = df.astype(object)
    obj = obj.where(df.notna(), None)
    for j in range(df.shape[1]):
        if pd.api.types.is_float_dtype(df.dtypes.iloc[j]):
            fin = np.isfinite(df.iloc[:, j].to_numpy(dtype=float, na_value=np.nan))
            obj.iloc[:, j] = obj.iloc[:, j].where(fin, None)
    names = [str(c) for c in df.columns]
    return [dict(zip(names, row, strict=True)) for row in obj.itertuples(index=False, name=None)]


def _json_default(v: Any) -> Any:
    out = _plain(v)
    if out is v:
        return str(v)
    return out


def _sheet_title(name: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    base, k = title, 2
    while title.lower() in used:
        suffix = f"_{k}"
        title = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(title.lower())
    return title


def _xlsx_bytes(frames: Mapping[str, pd.DataFrame]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    used: set[str] = set()
    for name, df in frames.items():
        ws = wb.create_sheet(_sheet_title(str(name), used))
        ws.freeze_panes = "A2"
        sample = df.head(1000)
        for j, col in enumerate(df.columns):
            lens = sample.iloc[:, j].astype(str).str.len().fillna(0) if len(sample) else pd.Series([0])
            width = max(len(str(col)), int(lens.quantile(0.95)))
            ws.column_dimensions[get_column_letter(j + 1)].width = float(min(max(width + 2, 6), 60))
        ws.append([str(c) for c in df.columns])
        obj = df.astype(object).where(df.notna(), None)
        text_cols = [j for j in range(df.shape[1]) if not pd.api.types.is_numeric_dtype(df.dtypes.iloc[j])]
        for row in obj.itertuples(index=False, name=None):
            out: list[Any] = list(row)
            for j, v in enumerate(out):
                if isinstance(v, np.generic):
                    v = v.item()
                if isinstance(v, float) and not math.isfinite(v):
                    v = None
                out[j] = v
            for j in text_cols:
                v = out[j]
                if isinstance(v, str):
                    v = ILLEGAL_CHARACTERS_RE.sub("", v)
                    if v.startswith("="):
                        cell = WriteOnlyCell(ws, value=v)
                        cell.data_type = "s"
                        v = cell
                    out[j] = v
                elif v is not None and not isinstance(v, (int, float, bool, _dt.date, _dt.time)):
                    out[j] = str(v)
            ws.append(out)
    buf = _io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_frames(
    frames: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    json_extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write named frames to one file or folder, by the suffix of ``path``, atomically.

    Parameters
    ----------
    frames : mapping of str to DataFrame
        Tables in the order wanted.
    path : path
        ``.json``: one document ``{name: [records]}`` (UTF-8, NaN as ``null``, indent 2);
        ``.xlsx``: one sheet per frame, header frozen, column widths fitted;
        ``.csv``: that single file (exactly one frame); anything else: a folder of
        ``<name>.csv`` files (UTF-8).
    json_extra : mapping, optional
        Extra top-level JSON members (e.g. ``{"summary": {...}}``), written before the
        tables; ignored for other formats.

    Returns
    -------
    Path
        The file or folder written.

    Raises
    ------
    ValueError
        If a ``json_extra`` key is also a frame name, or several frames go to one ``.csv``.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".json":
        extra = dict(json_extra or {})
        clash = sorted(set(extra) & set(frames))
        if clash:
            raise ValueError(f"json_extra keys {clash} are also table names")
        doc: dict[str, Any] = {str(k): _plain(v) for k, v in extra.items()}
        doc.update({str(name): _records(df) for name, df in frames.items()})
        text = json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False, default=_json_default)
        return atomic_write_text(target, text + "\n")
    if suffix == ".xlsx":
        return atomic_write_bytes(target, _xlsx_bytes(frames))
    if suffix == ".csv":
        if len(frames) != 1:
            raise ValueError(f"a .csv file holds one table, got {len(frames)}: write to a folder instead")
        (df,) = frames.values()
        return atomic_write_text(target, df.to_csv(index=False, lineterminator="\n"))
    target.mkdir(parents=True, exist_ok=True)
    for name, df in frames.items():
        atomic_write_text(target / f"{name}.csv", df.to_csv(index=False, lineterminator="\n"))
    return target


def write_result(result: Any, path: str | os.PathLike[str]) -> Path:
    """Write a plan (:class:`~asn_balance.evaluate.result.Result`) by suffix: ``.json``,
    ``.xlsx`` (the formatted workbook), or else a folder of CSV files (``plan.csv`` is
    written as the folder ``plan/``: a plan holds several tables). Returns the path written."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        p = p.with_suffix("")
    if p.suffix.lower() == ".json":
        # piece by piece: the text of a national plan is large
        atomic_write_pieces(p, (piece.encode("utf-8") for piece in result.json_pieces()))
        return p
    if p.suffix.lower() == ".xlsx":
        from .excel import write_excel

        return write_excel(result, p)
    return Path(write_frames(result.to_frames(), p))
