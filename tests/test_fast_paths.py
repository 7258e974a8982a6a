"""The vectorised paths of reading, validation, the fingerprint and the compile against
plain one-cell-at-a-time references: the same text, the same numbers, the same groups.

They exist for the national scale (issue 13); here they are checked on small and
hypothesis-made inputs, including the cases each fast path hands back to the slow one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asn_balance.compile.eligibility import group_numbers
from asn_balance.model import canonical
from asn_balance.model.canonical import HASH_SCHEME, canonical_fingerprint, canonical_hash, canonical_text
from asn_balance.model.cells import _SAMPLE, _Cells, _fullmatch, cells_of
from asn_balance.model.domain import nip_problems
from asn_balance.model.readers import read_tables
from asn_balance.model.schema import TABLES

# --------------------------------------------------------------------------- the canonical text


def _reference_cell(value: Any, kind: str) -> Any:
    """One cell as docs say the canonical text holds it (a JSON value)."""
    if kind == "date":
        return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")
    if kind == "bool":
        return bool(value)
    if kind in ("float", "int"):
        x = float("nan") if pd.isna(value) else float(value)
        if not math.isfinite(x):
            return None
        return int(x) if x.is_integer() and abs(x) < 2.0**53 else x
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _reference_text(frames: dict[str, pd.DataFrame | None]) -> str:
    """The canonical text built row by row with ``json.dumps``."""
    out = [HASH_SCHEME + "\n"]
    for name, spec in TABLES.items():
        frame = frames.get(name)
        n = 0 if frame is None else len(frame)
        out.append(json.dumps([name, list(spec.names), n], ensure_ascii=False, separators=(",", ":")) + "\n")
        if frame is None:
            continue
        for i in range(n):
            row = [_reference_cell(frame[c.name].iloc[i], c.kind) for c in spec.columns]
            out.append(json.dumps(row, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n")
    return "".join(out)


_TEXT = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
    st.sampled_from(["PNS", "III/b", 'say "hi"', "a\\b", "tab\there", "line\nbreak", "Ñoño", ""]),
    st.none(),
)
_NUMBER = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 2.0**53, 2.0**53 + 2, -(2.0**60), 0.1, 1e-300, 12.5, 3.0]),
)
_DATE = st.one_of(st.none(), st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2030, 12, 31)))


def _employees(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    spec = TABLES["employees"]
    data: dict[str, Any] = {}
    for c in spec.columns:
        if c.kind in ("float", "int"):
            data[c.name] = pd.Series([r[1] for r in rows], dtype=float)
        elif c.kind == "bool":
            data[c.name] = pd.Series([r[2] for r in rows], dtype=bool)
        elif c.kind == "date":
            data[c.name] = pd.Series(pd.to_datetime([r[3] for r in rows]), dtype="datetime64[ns]")
        else:
            data[c.name] = pd.Series([r[0] for r in rows], dtype=object)
    return pd.DataFrame(data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_TEXT, _NUMBER, st.booleans(), _DATE), min_size=0, max_size=25))
def test_canonical_text_matches_json_dumps_row_by_row(rows: list[tuple[Any, ...]]) -> None:
    emp = _employees(rows)
    frames: dict[str, pd.DataFrame | None] = {
        "employees": emp,
        "positions": None,
        "tasks": None,
        "units": None,
    }
    expected = _reference_text(frames)
    assert canonical_text(emp, None) == expected  # type: ignore[arg-type]
    whole, tables = canonical_fingerprint(emp, None)  # type: ignore[arg-type]
    assert whole == hashlib.sha256(expected.encode("utf-8")).hexdigest()
    assert tables["employees"]["rows"] == len(rows)


def _big_frame(n: int, seed: int) -> pd.DataFrame:
    """Employees of many rows: distinct ids (joined as they are), repeated codes (combined),
    a text column with a quote somewhere (encoded), numbers, blanks and dates."""
    rng = np.random.default_rng(seed)
    spec = TABLES["employees"]
    data: dict[str, Any] = {}
    for c in spec.columns:
        if c.kind in ("float", "int"):
            x = rng.integers(0, 400, n).astype(float) / rng.choice([1.0, 4.0], n)
            x[rng.random(n) < 0.05] = np.nan
            data[c.name] = x
        elif c.kind == "bool":
            data[c.name] = rng.random(n) < 0.3
        elif c.kind == "date":
            days = rng.integers(0, 20000, n).astype("timedelta64[D]") + np.datetime64("1950-01-01")
            stamps = pd.Series(days.astype("datetime64[ns]"))
            stamps[rng.random(n) < 0.1] = pd.NaT
            data[c.name] = stamps
        elif c.name == "employee_id":
            data[c.name] = np.array([f"1985{k:014d}" for k in range(n)], dtype=object)
        elif c.name == "name":
            names = np.array([f"Nama {k} Ñ" for k in range(n)], dtype=object)
            names[n // 2] = 'Si "Kancil"'
            data[c.name] = names
        else:
            data[c.name] = rng.choice(np.array(["", "PNS", "III/b", "S1", "hukum:3", "a;b"], dtype=object), n)
    return pd.DataFrame(data)


@pytest.mark.parametrize("n", [_SAMPLE + 10, 3 * _SAMPLE])
def test_canonical_text_of_a_large_table_matches_json_dumps(n: int) -> None:
    emp = _big_frame(n, seed=n)
    frames: dict[str, pd.DataFrame | None] = {
        "employees": emp,
        "positions": None,
        "tasks": None,
        "units": None,
    }
    expected = _reference_text(frames)
    assert canonical_text(emp, None) == expected  # type: ignore[arg-type]
    assert canonical_hash(emp, None) == hashlib.sha256(expected.encode("utf-8")).hexdigest()  # type: ignore[arg-type]
    pieces = canonical._row_pieces(TABLES["employees"], emp)
    kinds = [k for k, _ in pieces]
    assert "plain" in kinds  # the distinct ids were joined as they are
    assert len(pieces) < len(TABLES["employees"].columns)  # columns of few values were combined


def test_canonical_text_is_the_same_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    emp = _big_frame(1000, seed=3)
    whole = canonical_text(emp, None)  # type: ignore[arg-type]
    monkeypatch.setattr(canonical, "_ROWS_PER_CHUNK", 7)
    assert canonical_text(emp, None) == whole  # type: ignore[arg-type]


# --------------------------------------------------------------------------- cells


def _slow_cells(values: list[Any]) -> tuple[list[str], list[bool]]:
    text = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip() for v in values]
    return text, [t == "" for t in text]


@pytest.mark.parametrize("dtype", [object, str])
def test_text_cells_of_a_column_of_repeats_are_the_cells_one_by_one(dtype: Any) -> None:
    rng = np.random.default_rng(1)
    pool = np.array([" PNS", "PNS", "", "  ", "III/b ", "x"], dtype=object)
    values = rng.choice(pool, 3 * _SAMPLE).tolist()
    values[5] = None
    cells = cells_of(pd.Series(values, dtype=dtype))
    assert cells.codes is not None and cells.distinct is not None  # the coded path
    text, blank = _slow_cells(values)
    assert cells.text.tolist() == text
    assert cells.blank.tolist() == blank
    assert (cells.distinct[cells.codes] == cells.text).all()
    part = cells.take(np.array([0, 5, 7], dtype=np.intp))
    assert part.text.tolist() == [text[0], text[5], text[7]]
    assert part.map(str.upper).tolist() == [t.upper() for t in part.text.tolist()]


_SCI = re.compile(r"^[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]+$")


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["1e5", "1,5E+17", "x1e5", "1e5\n", "", "12", "1.9e+17", "a\nb"]), st.text()
        ),
        max_size=30,
    )
)
def test_fullmatch_by_one_search_is_the_match_of_each_cell(texts: list[str]) -> None:
    arr = np.array(texts, dtype=object)
    expected = [_SCI.fullmatch(t) is not None for t in texts]
    cells = _Cells(arr, arr, np.array([t == "" for t in texts], dtype=bool))
    assert _fullmatch(cells, _SCI).tolist() == expected
    if texts:
        codes, uniques = pd.factorize(pd.Series(arr, dtype=object))
        coded = _Cells(
            arr, arr, cells.blank, codes=codes.astype(np.intp), distinct=np.asarray(uniques, object)
        )
        assert _fullmatch(coded, _SCI).tolist() == expected


def test_nip_check_reads_non_ascii_values_one_by_one() -> None:
    wide = "１９８５０３１７２０１００１１００１"  # 18 full-width digits: not a NIP
    assert len(wide) == 18
    why = nip_problems([wide, "198503172010011001", "198513172010011001"])
    assert why[0] == "a NIP has 18 digits"
    assert why[1] is None
    assert "birth date" in str(why[2])
    assert nip_problems([wide], only_18_digits=True)[0] is None


# --------------------------------------------------------------------------- the CSV reader


def test_trailing_blank_rows_are_dropped_however_many(tmp_path: Path) -> None:
    lines = ["position_id,unit_id,,workload_hours", "P1,U1,,100", ",,,", "P2,U1,,", *([",,,"] * 700)]
    (tmp_path / "positions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "employees.csv").write_text("\ufeffemployee_id,position_id\nE1,P1\n", encoding="utf-8")
    raw = read_tables(tmp_path)
    assert raw["positions"]["position_id"].tolist() == ["P1", "", "P2"]
    assert list(raw["positions"].columns) == ["position_id", "unit_id", "workload_hours"]
    assert list(raw["employees"].columns) == ["employee_id", "position_id"]  # the BOM dropped


def test_windows_1252_files_are_read_as_text(tmp_path: Path) -> None:
    (tmp_path / "positions.csv").write_bytes(
        "position_id;unit_name\nP1;Dinas Pendidikan é\n".encode("cp1252")
    )
    (tmp_path / "employees.csv").write_text("employee_id,position_id\nE1,P1\n", encoding="utf-8")
    raw = read_tables(tmp_path)
    assert raw["positions"]["unit_name"].tolist() == ["Dinas Pendidikan é"]


# --------------------------------------------------------------------------- compile


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["b", "a", "", "c c", "Ä"]), st.integers(-3, 3), st.sampled_from(["x", "y"])
        ),
        max_size=40,
    )
)
def test_group_numbers_are_the_groupby_numbers(rows: list[tuple[str, int, str]]) -> None:
    frame = pd.DataFrame(rows, columns=["a", "b", "c"]).astype({"a": object, "c": object})
    expected = frame.groupby(["a", "b", "c"], sort=True).ngroup().to_numpy(np.int64)
    assert group_numbers(frame).tolist() == expected.tolist()


def test_group_numbers_of_other_columns_go_through_the_groupby() -> None:
    frame = pd.DataFrame({"a": ["x", "z", "y", "x"], "b": [1.5, 2.0, 1.5, 1.5]})
    expected = frame.groupby(["a", "b"], sort=True).ngroup().to_numpy(np.int64)
    assert group_numbers(frame).tolist() == expected.tolist()


# --------------------------------------------------------------------------- the plan's JSON


_CELL_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.1, 1e300, -2.5, 3.0]),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-(2**62), 2**62),
            _CELL_FLOATS,
            st.booleans(),
            st.one_of(st.none(), st.sampled_from(["a", 'q"uote', "Ñ", "x\ny", ""])),
        ),
        max_size=12,
    ),
    st.sampled_from([1, 2, 4]),
    st.sampled_from([1, 3, 50_000]),
)
def test_plan_tables_are_the_json_dumps_text(rows: list[tuple[Any, ...]], indent: int, chunk: int) -> None:
    from asn_balance.evaluate import result as res

    x = pd.Series([r[1] for r in rows], dtype=np.float64)
    with np.errstate(over="ignore"):
        x32 = x.astype(np.float32)  # 1e300 as float32 is inf
    frame = pd.DataFrame(
        {
            "n": pd.Series([r[0] for r in rows], dtype=np.int64),
            "x": x,
            "x32": x32,
            "ok": pd.Series([r[2] for r in rows], dtype=bool),
            "text {key}": pd.Series([r[3] for r in rows], dtype=object),
        }
    )
    expected = json.dumps(res._records(frame), ensure_ascii=False, indent=indent, allow_nan=False)
    expected = expected.replace("\n", "\n" + " " * indent)
    rows_at_a_time = res._JSON_ROWS
    res._JSON_ROWS = chunk
    try:
        assert "".join(res._json_table_pieces(frame, indent)) == expected
    finally:
        res._JSON_ROWS = rows_at_a_time
