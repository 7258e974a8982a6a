"""Batch planning: solve_many on local processes and on Dask, and ``asn-balance batch``."""

from __future__ import annotations

import concurrent.futures as cf
import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import asn_balance as ab
from asn_balance.apps.batch import SUMMARY_COLUMNS, WorkerError
from asn_balance.apps.cli import app
from asn_balance.datasets import synth
from json_helpers import strip_timing

N_AGENCIES = 20
POLICY = ab.Policy(plan_date="2026-01-01")


def _plan(result: ab.Result) -> Any:
    return strip_timing(json.loads(result.to_json()))


@pytest.fixture(scope="module")
def frames() -> list[dict[str, pd.DataFrame]]:
    return [synth.generate(120, seed=i) for i in range(N_AGENCIES)]


@pytest.fixture(scope="module")
def problems(frames: list[dict[str, pd.DataFrame]]) -> list[ab.Problem]:
    return [ab.Problem.read(f, POLICY) for f in frames]


@pytest.fixture(scope="module")
def expected(problems: list[ab.Problem]) -> list[Any]:
    """The plans of :func:`solve_many` on two local processes."""
    return [_plan(r) for r in ab.solve_many(problems, max_workers=2)]


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_problem_pickles(problems: list[ab.Problem], expected: list[Any]) -> None:
    problem = problems[0]
    _ = problem.need, problem.staff  # cached arrays travel too
    again = pickle.loads(pickle.dumps(problem))
    assert again.policy == problem.policy
    pd.testing.assert_frame_equal(again.employees, problem.employees)
    assert _plan(ab.solve(again)) == _plan(ab.solve(problem)) == expected[0]


def test_local_processes_and_dask_give_the_same_plans(
    problems: list[ab.Problem], expected: list[Any], dask_client: Any
) -> None:
    # expected: solve_many on local processes; in this process, solve() gives the same
    assert [_plan(ab.solve(p)) for p in problems[:3]] == expected[:3]
    assert len({json.dumps(e["moves"]) for e in expected}) == N_AGENCIES  # 20 different plans
    done: list[int] = []
    remote = ab.solve_many(problems, dask_client, on_result=lambda i, r: done.append(i))
    assert [_plan(r) for r in remote] == expected
    assert sorted(done) == list(range(N_AGENCIES))


def test_tables_and_paths_are_read_on_the_worker(
    frames: list[dict[str, pd.DataFrame]], expected: list[Any], tmp_path: Path
) -> None:
    folder = synth.write_csv_folder(frames[1], tmp_path / "b")
    with cf.ThreadPoolExecutor(2) as pool:
        got = ab.solve_many([frames[0], folder], pool, policy=POLICY, deterministic=True)
    assert [r.info["deterministic"] for r in got] == [True, True]
    assert [_plan(r) for r in got] == [
        {**e, "summary": {**e["summary"], "deterministic": True}} for e in expected[:2]
    ]


def test_bad_input_is_reported_per_item(frames: list[dict[str, pd.DataFrame]], expected: list[Any]) -> None:
    bad = {k: v.copy() for k, v in frames[1].items()}
    bad["employees"].loc[0, "position_id"] = "NOPE"
    with cf.ThreadPoolExecutor(2) as pool:
        got = ab.solve_many([frames[0], bad, frames[2]], pool, policy=POLICY, return_exceptions=True)
        assert _plan(got[0]) == expected[0] and _plan(got[2]) == expected[2]  # type: ignore[arg-type]
        assert isinstance(got[1], ab.InputError)
        assert [(p.table, p.row, p.column, p.rule) for p in got[1].problems] == [
            ("employees", 2, "position_id", "unknown_position")
        ]
        with pytest.raises(ab.InputError, match="unknown_position"):
            ab.solve_many([bad], pool, policy=POLICY)
        with pytest.raises(WorkerError, match="TypeError"):
            ab.solve_many([object()], pool)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="executor"):
        ab.solve_many([frames[0]], executor="nope")
    assert ab.solve_many([]) == []


# --------------------------------------------------------------------------- the command


def _agencies(root: Path, frames: list[dict[str, pd.DataFrame]]) -> Path:
    data = root / "in"
    for i, f in enumerate(frames):
        synth.write_csv_folder(f, data / f"kab{i:02d}")
    return data


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, [*args, "--date", "2026-01-01", "--quiet"])


def _plans(out: Path) -> dict[str, Any]:
    return {
        p.stem: strip_timing(json.loads(p.read_text()))
        for p in sorted(out.glob("*.json"))
        if p.stem != "summary"
    }


def test_batch_command_local_and_dask(
    tmp_path: Path, frames: list[dict[str, pd.DataFrame]], expected: list[Any], dask_client: Any
) -> None:
    data = _agencies(tmp_path, frames)
    emp = data / "kab07" / "employees.csv"  # bad input in one agency
    table = pd.read_csv(emp, dtype=str, keep_default_na=False)
    table.loc[2, "grade"] = "XX"
    table.to_csv(emp, index=False)

    local = _run("batch", str(data), "--out", str(tmp_path / "local"), "--workers", "2")
    assert local.exit_code == 2, local.output
    address = dask_client.scheduler.address
    remote = _run("batch", str(data), "--out", str(tmp_path / "dask"), "--scheduler", address)
    assert remote.exit_code == 2, remote.output

    plans = _plans(tmp_path / "local")
    assert sorted(plans) == [f"kab{i:02d}" for i in range(N_AGENCIES) if i != 7]
    for i in range(N_AGENCIES):
        if i != 7:
            # the file is Result.write's JSON: the plan of solve_many on the problem
            assert plans[f"kab{i:02d}"] == expected[i]
    assert _plans(tmp_path / "dask") == plans

    summary = pd.read_csv(tmp_path / "local" / "summary.csv", dtype={"error": str}, keep_default_na=False)
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    assert summary["agency"].tolist() == [f"kab{i:02d}" for i in range(N_AGENCIES)]
    row = summary.set_index("agency").loc["kab07"]
    assert row["status"] == "input_error" and "invalid_grade" in row["error"] and "row 4" in row["error"]
    ok = summary[summary["agency"] != "kab07"]
    assert set(ok["status"]) == {"optimal"} and (ok["error"] == "").all()
    assert ok["moves"].astype(int).tolist() == [
        e["summary"]["moves"] for i, e in enumerate(expected) if i != 7
    ]
    doc = json.loads((tmp_path / "local" / "summary.json").read_text())
    assert doc["counts"] == {"optimal": N_AGENCIES - 1, "input_error": 1}
    bad = doc["agencies"][7]
    (problem,) = bad["problems"]
    assert {k: problem[k] for k in ("table", "row", "column", "value", "rule")} == {
        "table": "employees",
        "row": 4,
        "column": "grade",
        "value": "XX",
        "rule": "invalid_grade",
    }
    assert strip_timing(doc["agencies"]) == strip_timing(
        json.loads((tmp_path / "dask" / "summary.json").read_text())["agencies"]
    )


def test_batch_exit_codes(tmp_path: Path, frames: list[dict[str, pd.DataFrame]], dask_client: Any) -> None:
    data = _agencies(tmp_path, frames[:2])
    out = tmp_path / "out"
    address = dask_client.scheduler.address
    assert _run("batch", str(data), "--out", str(out), "--scheduler", address).exit_code == 0
    assert (out / "kab01.json").is_file()

    pos = data / "kab01" / "positions.csv"  # a min_staff nobody can fill: infeasible
    table = pd.read_csv(pos, dtype=str, keep_default_na=False)
    table.loc[0, "min_staff"] = "1000"
    table.to_csv(pos, index=False)
    r = _run("batch", str(data), "--out", str(out), "--scheduler", address)
    assert r.exit_code == 1, r.output
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert summary["status"].tolist() == ["optimal", "infeasible"]
    assert "min_staff" in summary["error"].iloc[1]
    assert not (out / "kab01.json").exists()  # no stale plan of an earlier run

    (data / "empty").mkdir()
    r = _run("batch", str(data), "--out", str(out), "--scheduler", address)
    assert r.exit_code == 2
    assert "employees.csv is missing" in r.output

    r = _run("batch", str(tmp_path / "nowhere"), "--out", str(out))
    assert r.exit_code == 2 and "missing_table" in r.output
    r = _run("batch", str(data), "--out", str(out), "--scheduler", "nonsense://nowhere")
    assert r.exit_code == 2 and "Dask scheduler" in r.output


def test_imports_without_the_extras() -> None:
    """``import asn_balance`` needs neither FastAPI nor Dask; ``serve`` says what to install."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "for m in ('fastapi', 'uvicorn', 'distributed', 'dask'):\n"
        "    sys.modules[m] = None\n"
        "import asn_balance\n"
        "assert callable(asn_balance.solve_many)\n"
        "from asn_balance.apps.cli import main\n"
        "sys.argv = ['asn-balance', 'serve']\n"
        "main()\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "pip install 'asn-balance[server]'" in r.stderr
