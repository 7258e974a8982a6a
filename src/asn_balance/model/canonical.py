"""The canonical text of validated tables and its SHA-256: the input's fingerprint."""

from __future__ import annotations

import hashlib
import json
from typing import Final

import numpy as np
import pandas as pd

from .schema import TABLES

__all__ = ["HASH_SCHEME", "canonical_fingerprint", "canonical_hash", "canonical_text"]

#: First line of the text :func:`canonical_hash` hashes; a new scheme gets a new line.
HASH_SCHEME: Final[str] = "asn-balance canonical tables v1"


def _json_cells(values: pd.Series, kind: str) -> list[str]:
    """Each cell of a canonical column as compact JSON (one call per distinct value)."""
    if kind == "date":
        stamps = pd.Series(pd.to_datetime(values), dtype="datetime64[ns]")
        text = stamps.dt.strftime("%Y-%m-%d")
        return ['"' + t + '"' if isinstance(t, str) else "null" for t in text.tolist()]
    if kind == "bool":
        return ["true" if bool(v) else "false" for v in values.tolist()]
    if kind in ("float", "int"):
        x = values.to_numpy(dtype=float, na_value=np.nan)
        out = np.full(len(x), "null", dtype=object)
        fin = np.isfinite(x)
        whole = fin & (x == np.round(x)) & (np.abs(x) < 2.0**53)
        out[whole] = [str(int(v)) for v in x[whole].tolist()]
        other = fin & ~whole
        out[other] = [repr(float(v)) for v in x[other].tolist()]
        return [str(v) for v in out.tolist()]
    codes, uniques = pd.factorize(values.astype(object), sort=False)
    encoded = [json.dumps(str(u), ensure_ascii=False) for u in uniques]
    return [encoded[c] if c >= 0 else "null" for c in codes.tolist()]


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
    lines = [HASH_SCHEME]
    for name, spec in TABLES.items():
        frame = frames[name]
        n = 0 if frame is None else len(frame)
        head = json.dumps([name, list(spec.names), n], ensure_ascii=False, separators=(",", ":"))
        lines.append(head)
        if frame is None or not n:
            continue
        cols = [_json_cells(frame[c.name], c.kind) for c in spec.columns]
        lines.extend("[" + ",".join(cells) + "]" for cells in zip(*cols, strict=True))
    return "\n".join(lines) + "\n"


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
    text = canonical_text(employees, positions, tasks, units)
    lines = text.split("\n")
    tables: dict[str, dict[str, int | str]] = {}
    at = 1  # line 0 is HASH_SCHEME
    for name in TABLES:
        frame = frames[name]
        n = 0 if frame is None else len(frame)
        part = "".join(line + "\n" for line in lines[at : at + 1 + n])
        tables[name] = {"rows": n, "sha256": hashlib.sha256(part.encode("utf-8")).hexdigest()}
        at += 1 + n
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), tables
