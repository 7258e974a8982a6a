"""Small column helpers of the verifier: typed views of the canonical tables' columns,
ids, unique indexes, code ranks and competency texts (parsed with the model's parsers)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..model.domain import parse_competencies
from ..model.errors import InputError, InputProblem

_Bool: TypeAlias = npt.NDArray[np.bool_]
_Float: TypeAlias = npt.NDArray[np.float64]
_Int: TypeAlias = npt.NDArray[np.intp]


# -------------------------------------------------------------------- columns


def _stripped(s: pd.Series) -> npt.NDArray[np.object_]:
    """A text series (no missing values) as stripped python ``str``: one C call per cell."""
    cells = s.to_numpy(dtype=object)
    return np.fromiter(map(str.strip, cells), dtype=object, count=len(cells))


def _only_str(s: pd.Series) -> npt.NDArray[np.object_] | None:
    """The cells of an object column holding python ``str`` only (nothing missing, nothing to
    convert: what ``astype(str)`` would give), else ``None``."""
    if s.dtype != object:
        return None
    cells = s.to_numpy(dtype=object)
    return cells if pd.api.types.infer_dtype(cells, skipna=False) == "string" else None


def _text(s: pd.Series) -> npt.NDArray[np.object_]:
    """Values as stripped python ``str``, missing ones as ``""``."""
    cells = _only_str(s)
    if cells is not None:
        return np.fromiter(map(str.strip, cells), dtype=object, count=len(cells))
    return _stripped(s.astype(str).fillna(""))


def _text_at(s: pd.Series, at: _Int) -> npt.NDArray[np.object_]:
    """``_text(s)[at]``, converting only the cells at ``at`` (the movers of a large table)."""
    return _text(s.iloc[at])


def _ids(s: pd.Series) -> npt.NDArray[np.object_]:
    """Ids as python ``str``, missing ones as ``""`` (ids are not stripped)."""
    cells = _only_str(s)
    if cells is not None:
        return cells.copy()
    return s.astype(str).fillna("").to_numpy(dtype=object)


def _num(s: pd.Series) -> _Float:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _rows(frame: pd.DataFrame) -> list[int | None]:
    if "source_row" in frame.columns:
        rows = frame["source_row"]
        if pd.api.types.is_integer_dtype(rows.dtype) and not rows.hasnans:
            return list(rows.to_numpy(dtype=np.int64).tolist())
        return [None if pd.isna(r) else int(r) for r in rows]
    return [None] * len(frame)


def _fmt(x: float) -> str:
    return f"{x:g}"


def _opt_text(frame: pd.DataFrame, name: str) -> npt.NDArray[np.object_]:
    """An optional text column as stripped ``str`` (blank and missing: ``""``; absent: all ``""``)."""
    if name not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    cells = _only_str(frame[name])
    if cells is not None:
        return np.fromiter(map(str.strip, cells), dtype=object, count=len(cells))
    return _stripped(frame[name].fillna("").astype(str))


def _opt_ids(frame: pd.DataFrame, name: str) -> npt.NDArray[np.object_]:
    """An optional id column as ``str``, not stripped (missing and absent: ``""``)."""
    if name not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    cells = _only_str(frame[name])
    if cells is not None:
        return cells.copy()
    return frame[name].fillna("").astype(str).to_numpy(dtype=object)


def _opt_bool(frame: pd.DataFrame, name: str) -> _Bool:
    """An optional boolean column (missing and absent: ``False``)."""
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[name].fillna(False).astype(bool).to_numpy(dtype=bool)


def _opt_num(frame: pd.DataFrame, name: str) -> _Float:
    """An optional number column (missing and absent: NaN)."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return _num(frame[name])


def _few(ids: Iterable[str], limit: int = 3) -> str:
    """``"A, B, C and 2 more"``."""
    items = list(ids)
    head = ", ".join(items[:limit])
    return head if len(items) <= limit else f"{head} and {len(items) - limit} more"


def _unique_index(ids: npt.NDArray[np.object_], table: str, rows: list[int | None]) -> pd.Index:
    index = pd.Index(ids, dtype=object)
    if not index.is_unique:
        dup = index.duplicated(keep="first")
        col = "employee_id" if table == "employees" else "position_id"
        raise InputError(
            InputProblem(table, rows[i], col, ids[i], "duplicate_id", f"{col} {ids[i]!r} occurs twice")
            for i in np.flatnonzero(dup)
        )
    return index


# ----------------------------------------------------- codes and competencies


def _ranks(values: npt.NDArray[np.object_], fn: Callable[[str], int]) -> tuple[_Float, _Bool]:
    """Rank per value (NaN for blank or unrecognised) and a mask of unrecognised values."""
    table: dict[str, float] = {}
    for u in pd.unique(values):
        try:
            table[u] = float(fn(u)) if u != "" else np.nan
        except KeyError:
            table[u] = np.nan
    rank = pd.Series(values, dtype=object).map(table).to_numpy(dtype=float, na_value=np.nan)
    return rank, np.isnan(rank) & (values != "")


def _competencies(
    texts: npt.NDArray[np.object_], table: str, column: str, problems: list[InputProblem]
) -> pd.DataFrame:
    """Long table ``text, comp, level`` of the distinct competency texts; bad ones to ``problems``."""
    parts: list[tuple[str, str, float]] = []
    for text in pd.unique(texts):
        parsed = parse_competencies(text)
        if isinstance(parsed, str):
            problems.append(InputProblem(table, None, column, text, "bad_competencies", parsed))
            continue
        parts.extend((text, comp, float(level)) for comp, level in parsed.items())
    out: pd.DataFrame = pd.DataFrame(parts, columns=["text", "comp", "level"])
    out = out.astype({"text": object, "comp": object, "level": float})
    return out


def _competency_gaps(
    have_text: npt.NDArray[np.object_],
    want_text: npt.NDArray[np.object_],
    want_column: str,
    problems: list[InputProblem],
) -> pd.DataFrame:
    """Pair ``m`` has ``have_text[m]`` (employees) and is asked for ``want_text[m]`` (positions).

    Returns one row per pair and competency of ``want_text[m]``: ``m, comp, level_req,
    level_have`` (a missing competency is level 0). Raises :class:`InputError` with
    ``problems`` and every unparsable text.
    """
    want_long = _competencies(want_text, "positions", want_column, problems)
    have_long = _competencies(have_text, "employees", "competencies", problems)
    if problems:
        raise InputError(problems)
    pairs = pd.DataFrame({"m": np.arange(len(want_text)), "req": want_text, "have": have_text})
    cols = ["m", "comp", "level"]
    req = pairs.merge(want_long, left_on="req", right_on="text")[cols]
    have = pairs.merge(have_long, left_on="have", right_on="text")[cols]
    both = req.merge(have, on=["m", "comp"], how="left", suffixes=("_req", "_have"))
    both["level_have"] = both["level_have"].fillna(0.0)
    return both


def _levels(emp: pd.DataFrame, e: _Int, comp: npt.NDArray[np.object_]) -> _Float:
    """Level of competency ``comp[i]`` of employee ``e[i]`` (0 when not listed)."""
    have = _text_at(emp["competencies"], e)
    problems: list[InputProblem] = []
    long = _competencies(have, "employees", "competencies", problems)
    if problems:
        raise InputError(problems)
    query = pd.DataFrame({"q": np.arange(len(e)), "text": have, "comp": comp})
    hit = query.merge(long, on=["text", "comp"])
    out = np.zeros(len(e))
    out[hit["q"].to_numpy(dtype=np.intp)] = hit["level"].to_numpy(dtype=float)
    return out
