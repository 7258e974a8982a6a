"""The canonical text of validated tables and its SHA-256: the input's fingerprint."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from json.encoder import encode_basestring
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .schema import TABLES

__all__ = ["HASH_SCHEME", "canonical_fingerprint", "canonical_hash", "canonical_text"]

#: First line of the text :func:`canonical_hash` hashes; a new scheme gets a new line.
HASH_SCHEME: Final[str] = "asn-balance canonical tables v1"


def _json_cells(values: pd.Series, kind: str) -> npt.NDArray[np.object_]:
    """Each cell of a canonical column as compact JSON (one call per distinct value)."""
    if kind == "date":
        stamps = pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")
        text = stamps.dt.strftime("%Y-%m-%d")
        out = np.full(len(text), "null", dtype=object)
        ok = text.notna().to_numpy()
        out[ok] = '"' + text[ok].to_numpy(dtype=object) + '"'
        return out
    if kind == "bool":
        if pd.api.types.is_bool_dtype(values.dtype) and not values.hasnans:
            return np.where(values.to_numpy(dtype=bool), "true", "false").astype(object)
        return np.array(["true" if bool(v) else "false" for v in values.tolist()], dtype=object)
    if kind in ("float", "int"):
        x = values.to_numpy(dtype=float, na_value=np.nan)
        out = np.full(len(x), "null", dtype=object)
        fin = np.isfinite(x)
        whole = fin & (x == np.round(x)) & (np.abs(x) < 2.0**53)
        uniq, inverse = np.unique(x[whole], return_inverse=True)
        out[whole] = np.array([str(int(v)) for v in uniq.tolist()], dtype=object)[inverse.ravel()]
        other = fin & ~whole
        uniq, inverse = np.unique(x[other], return_inverse=True)
        out[other] = np.array([repr(float(v)) for v in uniq.tolist()], dtype=object)[inverse.ravel()]
        return out
    codes, uniques = pd.factorize(values.astype(object), sort=False)
    # json.dumps(text, ensure_ascii=False) is encode_basestring(text), without its overhead
    encoded = np.array([*map(encode_basestring, map(str, uniques)), "null"], dtype=object)
    return encoded[codes]  # a missing value (-1) takes the last entry, null


def _table_text(name: str, frame: pd.DataFrame | None) -> str:
    """A table's lines of the canonical text (header and rows, each ending with ``\\n``)."""
    spec = TABLES[name]
    n = 0 if frame is None else len(frame)
    head = json.dumps([name, list(spec.names), n], ensure_ascii=False, separators=(",", ":"))
    if frame is None or not n:
        return head + "\n"
    cols = [_json_cells(frame[c.name], c.kind).tolist() for c in spec.columns]
    return head + "\n[" + "]\n[".join(map(",".join, zip(*cols, strict=True))) + "]\n"


#: Rows assembled at a time by :func:`_table_bytes` (bounds its index arrays).
_ROWS_PER_CHUNK: Final[int] = 50_000
_VALUE_KINDS: Final[frozenset[str]] = frozenset({"float", "int", "bool", "date"})


def _json_codes(values: pd.Series, kind: str) -> tuple[npt.NDArray[np.int32], list[str]]:
    """A canonical column as codes into its distinct JSON cells (as :func:`_json_cells`)."""
    if kind not in _VALUE_KINDS:  # text: each distinct value encoded once
        codes, uniques = pd.factorize(values.astype(object), sort=False)
        table = [*map(encode_basestring, map(str, uniques)), "null"]
        return np.where(codes < 0, len(table) - 1, codes).astype(np.int32), table
    if kind == "bool" and pd.api.types.is_bool_dtype(values.dtype) and not values.hasnans:
        return values.to_numpy(dtype=bool).astype(np.int32), ["false", "true"]
    cells = _json_cells(values, kind)
    codes, uniques = pd.factorize(pd.Series(cells, dtype=object), sort=False)
    return codes.astype(np.int32), [str(u) for u in uniques]


def _table_bytes(name: str, frame: pd.DataFrame | None) -> Iterator[bytes]:
    """:func:`_table_text` encoded as UTF-8, in pieces: each distinct cell is encoded once
    and the rows are gathered from those bytes with numpy, a chunk of rows at a time (no
    Python object per cell, so the memory stays small on large tables)."""
    spec = TABLES[name]
    n = 0 if frame is None else len(frame)
    head = json.dumps([name, list(spec.names), n], ensure_ascii=False, separators=(",", ":"))
    yield (head + "\n").encode("utf-8")
    if frame is None or not n:
        return
    # one byte table: "[", ",", "]\n", then each column's distinct cells
    parts: list[bytes] = [b"[", b",", b"]\n"]
    base = 4
    codes: list[npt.NDArray[np.int32]] = []
    starts: list[npt.NDArray[np.int64]] = []
    lengths: list[npt.NDArray[np.int64]] = []
    for c in spec.columns:
        col_codes, table = _json_codes(frame[c.name], c.kind)
        encoded = [t.encode("utf-8") for t in table]
        del table
        size = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        codes.append(col_codes)
        starts.append(base + np.cumsum(size) - size)
        lengths.append(size)
        parts += encoded
        base += int(size.sum())
    glyphs = np.frombuffer(b"".join(parts), dtype=np.uint8)
    del parts
    k = len(spec.columns)
    index = np.int32 if len(glyphs) < 2**31 else np.int64  # narrow indexes gather faster
    for r0 in range(0, n, _ROWS_PER_CHUNK):
        r1 = min(n, r0 + _ROWS_PER_CHUNK)
        seg_start = np.empty((r1 - r0, 2 * k + 1), dtype=np.int64)
        seg_len = np.ones((r1 - r0, 2 * k + 1), dtype=np.int64)
        seg_start[:, 0] = 0  # "["
        seg_start[:, 2 : 2 * k : 2] = 1  # ","
        seg_start[:, 2 * k], seg_len[:, 2 * k] = 2, 2  # "]\n"
        for j in range(k):
            cj = codes[j][r0:r1]
            seg_start[:, 2 * j + 1] = starts[j][cj]
            seg_len[:, 2 * j + 1] = lengths[j][cj]
        flat_start, flat_len = seg_start.ravel(), seg_len.ravel()
        del seg_start, seg_len
        ends = np.cumsum(flat_len)
        src = np.repeat((flat_start - (ends - flat_len)).astype(index), flat_len)
        src += np.arange(int(ends[-1]), dtype=index)
        yield glyphs[src].tobytes()


def canonical_text(
    employees: pd.DataFrame,
    positions: pd.DataFrame,
    tasks: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
) -> str:
    """The canonical text of validated tables, as :func:`canonical_hash` hashes it.

    Line 1 is :data:`HASH_SCHEME`. Then, for each table in the order employees,
    positions, tasks, units: a header line ``["<table>",[<canonical column names>],<rows>]``
    and one line per row, in the order of the input, holding the JSON array of the row's
    canonical values in the column order of :data:`~asn_balance.model.schema.TABLES`: text
    as JSON strings (after validation: stripped, canonical spelling), whole numbers as
    integers, other numbers as the shortest text that reads back the same float, blank
    numbers and dates ``null``, booleans ``true``/``false``, dates ``"YYYY-MM-DD"``. JSON
    is compact (no spaces) and keeps non-ASCII characters; lines end with ``\n``.
    ``source_row`` and extra columns are left out.
    """
    frames = {"employees": employees, "positions": positions, "tasks": tasks, "units": units}
    return HASH_SCHEME + "\n" + "".join(_table_text(name, frames[name]) for name in TABLES)


def canonical_hash(
    employees: pd.DataFrame,
    positions: pd.DataFrame,
    tasks: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
) -> str:
    """SHA-256 (hex) of the canonical validated tables: the input's fingerprint.

    The hash is taken over :func:`canonical_text` encoded as UTF-8. It does not depend on
    the file format, encoding, separators, header spellings, column order, blank rows or
    extra columns of the source, only on the validated values and the order of the rows
    (which can break ties between equally good plans). Plans record it as
    ``summary.input_sha256``.

    Parameters
    ----------
    employees, positions, tasks, units : DataFrame
        Canonical frames, as in :class:`~asn_balance.model.validate.Tables` or
        :class:`~asn_balance.model.problem.Problem`.
    """
    text = canonical_text(employees, positions, tasks, units)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_fingerprint(
    employees: pd.DataFrame,
    positions: pd.DataFrame,
    tasks: pd.DataFrame | None = None,
    units: pd.DataFrame | None = None,
) -> tuple[str, dict[str, dict[str, int | str]]]:
    """The input's fingerprint and each table's, from one :func:`canonical_text`.

    Returns
    -------
    tuple of str and dict
        :func:`canonical_hash` of the tables, and per table (employees, positions, tasks,
        units, in that order) ``{"rows": n, "sha256": h}``: ``h`` is the SHA-256 (hex) of
        the table's lines of :func:`canonical_text` (its header line and its rows, each
        ending with ``\\n``), so a plan can say which table changed. Plans record them as
        ``summary.input_sha256`` and ``summary.input_tables``.
    """
    frames = {"employees": employees, "positions": positions, "tasks": tasks, "units": units}
    whole = hashlib.sha256((HASH_SCHEME + "\n").encode("utf-8"))
    tables: dict[str, dict[str, int | str]] = {}
    for name in TABLES:
        frame = frames[name]
        own = hashlib.sha256()
        for part in _table_bytes(name, frame):
            whole.update(part)
            own.update(part)
        tables[name] = {"rows": 0 if frame is None else len(frame), "sha256": own.hexdigest()}
    return whole.hexdigest(), tables
