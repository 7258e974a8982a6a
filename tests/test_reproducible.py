"""Reproducible plans: the same input, policy and seed give a byte-identical plan.

Byte-identical once the timing keys are dropped: :data:`TIMING_KEYS` of the summary
(wall-clock seconds of the run, of the solver and of the compilation). Always on the flow
path; on the CP-SAT path with ``--deterministic`` (one worker, deterministic time, no
wall-clock deadline). Every plan records what an auditor needs to rerun it: the input's
hash, the versions, the seed and every parameter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import asn_balance as ab
from asn_balance import datasets
from asn_balance.datasets import synth
from asn_balance.io import write_frames
from asn_balance.io.jsonschema import canonical_input
from asn_balance.model.problem import Problem
from asn_balance.model.tables import HASH_SCHEME, TABLES, canonical_hash, canonical_text

#: Summary keys that measure time: the only ones that may differ between identical runs.
TIMING_KEYS = ("seconds", "solver_seconds", "compile_seconds")
DATE = "2025-01-01"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from asn_balance.apps.cli import main; sys.argv = ['asn-balance', *sys.argv[1:]]; main()"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600, check=False
    )


def without_timing(path: Path) -> bytes:
    """The plan file's JSON with the timing keys dropped, re-serialised byte for byte."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    for key in TIMING_KEYS:
        assert key in doc["summary"], key
        del doc["summary"][key]
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def lines_without_timing(path: Path) -> list[str]:
    """The file's own lines minus those of the timing keys (the rest must match byte for byte)."""
    keys = tuple(f'    "{k}": ' for k in TIMING_KEYS)
    return [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith(keys)]


def plan_twice(tmp_path: Path, data: Path, *options: str) -> tuple[Path, Path]:
    out = []
    for k in (1, 2):
        path = tmp_path / f"plan{k}.json"
        res = run_cli("plan", str(data), "--out", str(path), "-q", "--date", DATE, *options)
        assert res.returncode == 0, res.stderr
        out.append(path)
    return out[0], out[1]


# --------------------------------------------------------------------------- the CLI, twice


def test_flow_path_plans_are_identical(tmp_path: Path) -> None:
    a, b = plan_twice(tmp_path, datasets.demo_path())
    assert without_timing(a) == without_timing(b)
    assert lines_without_timing(a) == lines_without_timing(b)
    summary = json.loads(a.read_text())["summary"]
    assert summary["solver"].startswith("flow") and summary["moves"] > 0


def cpsat_data(tmp_path: Path) -> Path:
    """Synthetic data with unit caps and coverage: planned by CP-SAT over the flow relaxation."""
    tables = synth.generate(200, seed=1, policy_columns=True)
    folder = tmp_path / "synth"
    write_frames({k: v for k, v in tables.items() if v is not None}, folder)
    return folder


@pytest.mark.parametrize("side_solver", ["cpsat", "highs"])
def test_cpsat_path_plans_are_identical_when_deterministic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, side_solver: str
) -> None:
    """The side-row search is deterministic on both of its paths (CP-SAT: deterministic time;
    HiGHS: a node limit)."""
    monkeypatch.setenv("ASN_BALANCE_SIDE_SOLVER", side_solver)
    data = cpsat_data(tmp_path)
    a, b = plan_twice(tmp_path, data, "--deterministic", "--time-limit", "5", "--seed", "3")
    assert without_timing(a) == without_timing(b)
    assert lines_without_timing(a) == lines_without_timing(b)
    summary = json.loads(a.read_text())["summary"]
    assert side_solver in summary["solver"], summary["solver"]
    assert summary["deterministic"] is True and summary["workers"] == 1 and summary["seed"] == 3


def test_budget_path_plans_are_identical_when_deterministic(tmp_path: Path) -> None:
    a, b = plan_twice(tmp_path, datasets.demo_path(), "--deterministic", "--max-moves", "7")
    assert without_timing(a) == without_timing(b)
    assert json.loads(a.read_text())["summary"]["moves"] == 7


# --------------------------------------------------------------------------- the API


def test_deterministic_search_stops_on_deterministic_time_not_the_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A large side-constrained search cut by its budget still gives the same plan every time.

    3,000 employees with unit caps and coverage, on the CP-SAT path: Lagrangian multipliers,
    repaired plans and CP-SAT neighbourhoods, all stopped by the deterministic budget of 1
    (not proven optimal). (HiGHS, the default path for a model this size, proves it.)
    """
    monkeypatch.setenv("ASN_BALANCE_SIDE_SOLVER", "cpsat")
    t = synth.generate(3000, seed=5, policy_columns=True)
    problem = Problem.from_frames(t["employees"], t["positions"], t["tasks"], units=t["units"],
                                  policy=ab.Policy(plan_date=dt.date(2025, 1, 1)))  # fmt: skip
    runs = [ab.solve(problem, time_limit=1, deterministic=True, seed=11).to_dict() for _ in range(2)]
    for d in runs:
        for k in TIMING_KEYS:
            del d["summary"][k]
    assert runs[0] == runs[1]
    assert runs[0]["summary"]["status"] == "feasible"
    assert "cpsat" in runs[0]["summary"]["solver"]


def test_the_plan_records_what_a_rerun_needs() -> None:
    problem = Problem.read(datasets.demo_path(), ab.Policy(max_moves=9))
    result = ab.solve(problem, time_limit=7, seed=4, deterministic=True, lang="en")
    s = result.summary()
    assert s["input_sha256"] == canonical_hash(
        problem.employees, problem.positions, problem.tasks, problem.units
    )
    assert len(s["input_sha256"]) == 64
    assert s["versions"]["asn-balance"] == ab.__version__
    assert {"ortools", "python", "numpy", "pandas", "pydantic"} <= set(s["versions"])
    assert (s["seed"], s["time_limit"], s["workers"], s["deterministic"], s["lang"]) == (4, 7, 1, True, "en")
    assert s["plan_date"] == dt.date.today().isoformat()
    assert s["policy"]["plan_date"] == s["plan_date"]  # resolved: rerunnable as is
    assert s["policy"]["max_moves"] == 9
    assert ab.Policy.model_validate(s["policy"]) == problem.policy.model_copy(
        update={"plan_date": dt.date.today()}
    )
    for key in TIMING_KEYS:
        assert isinstance(s[key], float)


def test_rerun_from_the_recorded_policy_gives_the_same_plan(tmp_path: Path) -> None:
    first = ab.solve(Problem.read(datasets.demo_path(), ab.Policy(move_cost=0.2)))
    s = first.summary()
    again = ab.solve(
        Problem.read(datasets.demo_path(), ab.Policy.model_validate(s["policy"])), seed=s["seed"]
    )
    assert again.summary()["input_sha256"] == s["input_sha256"]
    pd.testing.assert_frame_equal(first.moves, again.moves)


# --------------------------------------------------------------------------- the input hash


def demo() -> Problem:
    return Problem.read(datasets.demo_path())


def test_canonical_text_is_as_documented() -> None:
    p = demo()
    text = canonical_text(p.employees, p.positions, p.tasks, p.units)
    lines = text.split("\n")
    assert lines[0] == HASH_SCHEME and text.endswith("\n")
    assert json.loads(lines[1]) == ["employees", list(TABLES["employees"].names), p.n_employees]
    first = json.loads(lines[2])
    assert first[0] == p.employees["employee_id"].iloc[0]
    assert len(first) == len(TABLES["employees"].names)
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == canonical_hash(
        p.employees, p.positions, p.tasks, p.units
    )
    heads = [json.loads(line) for line in lines if line.startswith('["') and line.count('",[') == 1]
    assert [h[0] for h in heads][-4:] == ["employees", "positions", "tasks", "units"]


def hash_of(source: Any) -> str:
    p = Problem.read(source)
    return canonical_hash(p.employees, p.positions, p.tasks, p.units)


def test_hash_ignores_format_encoding_headers_and_blank_rows(tmp_path: Path) -> None:
    base = hash_of(datasets.demo_path())
    raw = datasets.load_demo()
    # the same tables as an Excel workbook and as a canonical JSON document
    assert hash_of(write_frames(raw, tmp_path / "demo.xlsx")) == base
    p = demo()
    doc = canonical_input(p.employees, p.positions, p.tasks, p.units)
    (tmp_path / "demo.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert hash_of(tmp_path / "demo.json") == base
    # ; separators, a BOM, Indonesian headers in another order, blank rows, an extra column
    folder = tmp_path / "id"
    folder.mkdir()
    emp = raw["employees"].rename(columns={"employee_id": "NIP", "name": "Nama", "position_id": "Posisi"})
    emp = emp[list(reversed(emp.columns))].assign(catatan="x")
    blank = pd.DataFrame([[""] * emp.shape[1]], columns=emp.columns)
    emp = pd.concat([emp.iloc[:3], blank, emp.iloc[3:]], ignore_index=True)
    (folder / "employees.csv").write_bytes(b"\xef\xbb\xbf" + emp.to_csv(index=False, sep=";").encode())
    for name in ("positions", "tasks"):
        (folder / f"{name}.csv").write_text(raw[name].to_csv(index=False), encoding="utf-8")
    assert hash_of(folder) == base


def test_hash_sees_values_and_row_order() -> None:
    raw = datasets.load_demo()
    base = hash_of(raw)
    changed = {**raw, "employees": raw["employees"].assign(months_in_position="25")}
    assert hash_of(changed) != base
    swapped = raw["employees"].iloc[[1, 0, *range(2, len(raw["employees"]))]]
    assert hash_of({**raw, "employees": swapped}) != base
    assert hash_of({**raw, "units": None}) == base  # an absent table is an empty one


@pytest.mark.parametrize("dates", [["1980-01-01", ""], [dt.date(1980, 1, 1), None]])
def test_hash_of_dates_and_blanks_is_stable(dates: list[Any]) -> None:
    emp = pd.DataFrame({"employee_id": ["E1", "E2"], "position_id": ["P1", "P1"], "status": ["PNS", "PNS"],
                        "months_in_position": [1, 2.5], "birth_date": dates})  # fmt: skip
    pos = pd.DataFrame({"position_id": ["P1"], "unit_id": ["U"], "jabatan": ["J"], "workload_hours": [1250]})
    p = Problem.from_frames(emp, pos)
    text = canonical_text(p.employees, p.positions, p.tasks, p.units)
    assert '"1980-01-01"' in text and ",null," in text and ",2.5," in text and ",1," in text
