"""The canonical text of validated tables and its SHA-256: the input's fingerprint."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from json.encoder import encode_basestring
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .cells import _factorized_objects
from .schema import TABLES, TableSpec

__all__ = ["HASH_SCHEME", "canonical_fingerprint", "canonical_hash", "canonical_text"]

#: First line of the text :func:`canonical_hash` hashes; a new scheme gets a new line.
HASH_SCHEME: Final[str] = "asn-balance canonical tables v1"
_VALUE_KINDS: Final[frozenset[str]] = frozenset({"float", "int", "bool", "date"})


def _number(v: float) -> str:
    """A number as compact JSON: whole ones as integers, others as the shortest text that
    reads back the same float, non-finite ones ``null``."""
    if not math.isfinite(v):
        return "null"
    if v.is_integer() and abs(v) < 2.0**53:
        return str(int(v))
    return repr(float(v))


def _json_codes(values: pd.Series, kind: str) -> tuple[npt.NDArray[np.intp], list[str]]:
    """A canonical column as codes into the compact JSON of its distinct cells (each distinct
    value encoded once; a missing value is ``null``)."""
    if kind == "bool":
        if pd.api.types.is_bool_dtype(values.dtype) and not values.hasnans:
            return values.to_numpy(dtype=bool).astype(np.intp), ["false", "true"]
        truth = [1 if bool(v) else 0 for v in values.tolist()]
        return np.array(truth, dtype=np.intp), ["false", "true"]
    if kind == "date":
        stamps = pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")
        codes, uniques = pd.factorize(stamps, sort=False)
        days = pd.Series(uniques, dtype="datetime64[ns]").dt.strftime("%Y-%m-%d").tolist()
        table = [f'"{d}"' for d in days]
    elif kind in ("float", "int"):
        x = values.to_numpy(dtype=float, na_value=np.nan)
        codes, uniques = pd.factorize(x, sort=False)
        table = [_number(v) for v in uniques.tolist()]
    else:  # json.dumps(text, ensure_ascii=False) is encode_basestring(text), without its overhead
        codes, uniques = _factorized_objects(values.to_numpy(dtype=object))
        table = [*map(encode_basestring, map(str, uniques))]
    table.append("null")
    out = np.asarray(codes, dtype=np.intp)
    out[out < 0] = len(table) - 1
    return out, table


#: Characters :func:`json.encoder.encode_basestring` escapes.
_ESCAPED: Final = re.compile(r'[\x00-\x1f"\\]')
#: Cells of a text column looked at to tell a column of repeats from one of distinct values.
_SAMPLE: Final[int] = 4096


def _plain_text(values: pd.Series) -> npt.NDArray[np.object_] | None:
    """The cells of a text column of mostly distinct values (ids, names) when each is a string
    that JSON writes as itself in quotes, else ``None`` (such a column is joined as it is,
    without a table of distinct cells)."""
    if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
        return None
    cells = values.to_numpy(dtype=object)
    head = cells[:_SAMPLE].tolist()
    if 2 * len(set(head)) < len(head) or pd.api.types.infer_dtype(cells, skipna=False) != "string":
        return None
    if _ESCAPED.search("".join(cells.tolist())) is not None:
        return None
    return cells


#: Rows assembled at a time by :func:`_table_bytes` (bounds its arrays).
_ROWS_PER_CHUNK: Final[int] = 100_000
#: Neighbouring columns of few values are written as one, up to this many distinct combinations.
_COMBINED: Final[int] = 1024


def _row_pieces(spec: TableSpec, frame: pd.DataFrame) -> list[tuple[str, Any]]:
    """The pieces of a table's rows: constant text, a text column joined as it is, or codes into a
    table of texts (the JSON of neighbouring columns of few distinct values, with the separators
    and brackets between them, combined into one)."""
    n = len(frame)
    pieces: list[tuple[str, Any]] = []
    pending = "["  # constant text before the next piece
    group: tuple[npt.NDArray[np.intp], list[str]] | None = None  # the columns being combined
    limit = max(_COMBINED, n // 16)
    for j, c in enumerate(spec.columns):
        sep = "," if j else ""
        plain = None if c.kind in _VALUE_KINDS else _plain_text(frame[c.name])
        if plain is not None:
            if group is not None:
                pieces.append(("codes", group))
                group = None
            pieces += [("const", pending + sep + '"'), ("plain", plain)]
            pending = '"'
            continue
        codes, table = _json_codes(frame[c.name], c.kind)
        table = [pending + sep + t for t in table]
        pending = ""
        if group is not None:
            both, combos = pd.factorize(group[0].astype(np.int64) * len(table) + codes, sort=False)
            if len(combos) <= limit:
                first, second = np.divmod(combos, len(table))
                text = [group[1][a] + table[b] for a, b in zip(first.tolist(), second.tolist(), strict=True)]
                group = (np.asarray(both, dtype=np.intp), text)
                continue
            pieces.append(("codes", group))
        group = (codes, table)
    if group is not None:
        pieces.append(("codes", (group[0], [t + pending + "]\n" for t in group[1]])))
    else:
        pieces.append(("const", pending + "]\n"))
    return pieces


def _table_bytes(name: str, frame: pd.DataFrame | None) -> Iterator[bytes]:
    """A table's lines of the canonical text (header and rows, each ending with ``\\n``) as
    UTF-8, in pieces. Each distinct cell is written once; a chunk of rows is gathered from
    those texts (and the columns of distinct values as they are) by one join, so no Python
    code runs per cell."""
    spec = TABLES[name]
    n = 0 if frame is None else len(frame)
    head = json.dumps([name, list(spec.names), n], ensure_ascii=False, separators=(",", ":"))
    yield (head + "\n").encode("utf-8")
    if frame is None or not n:
        return
    pieces = _row_pieces(spec, frame)
    texts: list[npt.NDArray[np.object_] | None] = []
    for kind, value in pieces:
        if kind == "codes":
            cells = np.empty(len(value[1]), dtype=object)
            cells[:] = value[1]
            texts.append(cells)
        else:
            texts.append(None)
    for r0 in range(0, n, _ROWS_PER_CHUNK):
        r1 = min(n, r0 + _ROWS_PER_CHUNK)
        grid = np.empty((r1 - r0, len(pieces)), dtype=object)
        for j, (kind, value) in enumerate(pieces):
            looked_up = texts[j]
            if kind == "const":
                grid[:, j] = value
            elif looked_up is None:
                grid[:, j] = value[r0:r1]
            else:
                grid[:, j] = looked_up[value[0][r0:r1]]
        yield "".join(grid.ravel().tolist()).encode("utf-8")
        del grid


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
    body = b"".join(part for name in TABLES for part in _table_bytes(name, frames[name]))
    return HASH_SCHEME + "\n" + body.decode("utf-8")


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
