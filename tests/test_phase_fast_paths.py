"""The national run's non-solver fast paths give exactly what the plain computations give.

Each fast path (issue 13) is compared with the computation it replaced, written out here:
the fingerprint of shared and separate text objects, the per-distinct-value reason
phrases, the cached competency parser, the SIASN position keys per distinct pair and the
checker's column views of all-``str`` columns.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from asn_balance.check.frames import _ids, _opt_ids, _opt_text, _text
from asn_balance.check.inputs import _workload
from asn_balance.evaluate.reasons import _states
from asn_balance.model.canonical import canonical_fingerprint
from asn_balance.model.domain import jabatan_keys, parse_competencies
from asn_balance.model.errors import InputError
from asn_balance.model.siasn import POSITION_ID_SEPARATOR, _unit_jabatan_keys
from conftest import make_problem

_WORDS = st.sampled_from(["", " a", "b ", "keuangan", "Ünit", "x\x00", "a b", '"q"', "nan"])


def _copies(cells: np.ndarray) -> np.ndarray:
    """The same values, each cell its own object (as a CSV reader gives them)."""
    return np.array([("".join(list(v)) if isinstance(v, str) else v) for v in cells.tolist()], dtype=object)


def test_fingerprint_does_not_depend_on_shared_cells() -> None:
    """Validated columns (few objects, each many times) and the same values as separate
    objects hash alike; one changed cell changes the hash."""
    n = 5000
    units = ["U1", "U2", "Unit \u00e9", 'U "4"']
    positions = [{"unit_id": units[i % 4], "jabatan": ["Analis", "Guru", "Kepala"][i % 3]} for i in range(60)]
    employees = [
        {"position_id": f"P{1 + (i * 7) % 60}", "grade": ["III/a", "III/b", "II/c"][i % 3]} for i in range(n)
    ]
    problem = make_problem(employees, positions)
    emp, pos = problem.employees, problem.positions
    shared = canonical_fingerprint(emp, pos, problem.tasks, problem.units)
    assert shared[0] == problem.input_sha256
    texts = [c for c in emp.columns if emp[c].dtype == object]
    copied = emp.assign(**{c: _copies(emp[c].to_numpy(dtype=object)) for c in texts})
    assert canonical_fingerprint(copied, pos, problem.tasks, problem.units) == shared
    grade = emp["grade"].to_numpy(dtype=object).copy()
    grade[n - 1] = "IV/a"
    changed = canonical_fingerprint(emp.assign(grade=grade), pos, problem.tasks, problem.units)
    assert changed[0] != shared[0] and changed[1]["positions"] == shared[1]["positions"]


def _gap(gap: float, lang: str) -> str:
    def num(x: float) -> str:
        s = f"{x:.2f}" if abs(x) < 0.095 else f"{x:.1f}"
        return s.replace(".", ",") if lang == "id" else s

    over, under, even = ("kelebihan {} pegawai", "kekurangan {} pegawai", "seimbang")
    if lang == "en":
        over, under, even = ("over-staffed by {}", "short of {} staff", "balanced")
    return over.format(num(gap)) if gap > 0.05 else under.format(num(-gap)) if gap < -0.05 else even


def _ej(ej: float, band: str, lang: str) -> str:
    v = "\u221e" if math.isinf(ej) else "-" if math.isnan(ej) else f"{ej:.2f}"
    return f"EJ {v.replace('.', ',') if lang == 'id' else v}, {band}"


_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0.05, -0.05, 0.0951, -0.095, 0.094999, 0.0, -0.0, 0.005, 0.015, 1.25, -1.25]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_FLOATS, _FLOATS, st.sampled_from("ABCDE-")), min_size=1, max_size=60))
def test_position_states_are_the_per_position_phrases(rows: list[tuple[float, float, str]]) -> None:
    rows = rows + rows[::2]  # repeats: each distinct value is formatted once
    gap = np.array([r[0] for r in rows], dtype=float)
    ej = np.array([r[1] for r in rows], dtype=float)
    band = np.array([r[2] for r in rows])
    for lang in ("id", "en"):
        want = [f"{_gap(g, lang)} ({_ej(e, b, lang)})" for g, e, b in rows]
        assert _states(gap, ej, band, lang).tolist() == want


def test_parse_competencies_cached_gives_fresh_results() -> None:
    first = parse_competencies("Keuangan: 4; kesehatan  umum:2")
    assert first == {"keuangan": 4, "kesehatan_umum": 2}
    assert list(first) == ["keuangan", "kesehatan_umum"]
    first["keuangan"] = 1  # a caller's change stays its own
    assert parse_competencies("Keuangan: 4; kesehatan  umum:2") == {"keuangan": 4, "kesehatan_umum": 2}
    assert parse_competencies("a:1;a:2") == "competency 'a' is given twice"
    assert parse_competencies("a:9") == "level 9 of 'a' is outside 1..5"
    assert parse_competencies("keuangan") == "item 'keuangan' is not of the form name:level"
    assert parse_competencies("   ") == {} and parse_competencies(None) == {}
    long = "x" * 400
    assert parse_competencies(f"{long}:3") == {long: 3}  # past the cached length: parsed all the same
    assert parse_competencies(np.str_("k:2")) == {"k": 2}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(_WORDS, _WORDS), min_size=0, max_size=50))
def test_unit_jabatan_keys_per_pair_are_the_text_array_keys(pairs: list[tuple[str, str]]) -> None:
    unit = np.array([p[0] for p in pairs], dtype=object)
    jab = np.array([p[1] for p in pairs], dtype=object)
    want = np.asarray(unit.astype(str) + POSITION_ID_SEPARATOR + jabatan_keys(jab).astype(str), dtype=object)
    got = _unit_jabatan_keys(unit, jab)
    assert got.dtype == object and got.tolist() == want.tolist()


def test_checker_text_views_of_str_columns() -> None:
    plain = pd.Series([" a", "b ", "", "c"], dtype=object)
    missing = pd.Series([" a", None, math.nan, "c"], dtype=object)
    typed = pd.Series([" a", None, "b", "c"], dtype="str")
    for s in (plain, missing, typed):
        assert _text(s).tolist() == [str(v).strip() for v in s.astype(str).fillna("").tolist()]
        assert _ids(s).tolist() == s.astype(str).fillna("").tolist()
        frame = pd.DataFrame({"c": s})
        assert _opt_text(frame, "c").tolist() == [v.strip() for v in s.fillna("").astype(str).tolist()]
        assert _opt_ids(frame, "c").tolist() == s.fillna("").astype(str).tolist()
    ids = _ids(plain)
    ids[0] = "changed"  # a copy: the table is not touched
    assert plain.iloc[0] == " a"


def test_checker_workload_reads_each_period_spelling() -> None:
    pos_ids = pd.Index(["P1", "P2"], dtype=object)
    positions = pd.DataFrame({"position_id": ["P1", "P2"], "workload_hours": [np.nan, 10.0]})
    tasks = pd.DataFrame(
        {"position_id": ["P1", "P1", "P2"], "period": ["Tahun", "minggu", "hari"], "volume": [2.0, 1.0, 1.0],
         "norm_minutes": [60.0, 60.0, 30.0]}
    )  # fmt: skip
    hours = _workload(positions, pos_ids, tasks, days_per_year=200, weeks_per_year=40)
    assert hours.tolist() == [2.0 + 40.0, 100.0]
    bad = tasks.assign(period=["tahun", "dekade", "dekade"])
    try:
        _workload(positions, pos_ids, bad)
    except InputError as exc:
        assert [p.rule for p in exc.problems] == ["unknown_period", "unknown_period"]
        assert [p.value for p in exc.problems] == ["dekade", "dekade"]
    else:
        raise AssertionError("an unknown period is an input problem")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(0, 40)), max_size=25))
def test_spread_arcs_as_repeats(groups: list[tuple[int, int]]) -> None:
    """The compile's in-place spread of profile arcs over groups equals the plain repeats."""
    from asn_balance.compile.compiler import _joined, _spread

    per = np.array([g[0] for g in groups], dtype=np.int64)
    first = np.array([g[1] for g in groups], dtype=np.int64)
    arc_g, src, buffer = _spread(per, first)
    assert np.array_equal(arc_g, np.repeat(np.arange(len(per)), per))
    offsets = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
    assert np.array_equal(src, np.repeat(first, per) + offsets)
    assert buffer.dtype == np.float64 and len(buffer) == len(src)
    lone = np.arange(3)
    assert _joined([lone, np.zeros(0, dtype=lone.dtype)]) is lone
    assert np.array_equal(_joined([lone, lone]), np.concatenate([lone, lone]))
