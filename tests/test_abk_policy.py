"""ABK settings that differ between worksheets are policy (days and weeks per year), positions the
objective would empty are named, and the summary says how far from balance the plan is in FTE."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import asn_balance as ab
from asn_balance.apps.cli import app
from asn_balance.model.domain import period_factors

POLICY = ab.Policy(plan_date=dt.date(2025, 1, 1))
N = ["198501012010011001", "198602022011012002", "198703032012011003", "198804042013012004"]


def _problem(policy: ab.Policy = POLICY, min_staff: int = 0) -> ab.Problem:
    positions = pd.DataFrame(
        {
            "position_id": ["P1", "P2", "P3"],
            "unit_id": ["U1", "U1", "U2"],
            "jabatan": ["Analis", "Analis", "Analis"],
            "workload_hours": [float("nan"), float("nan"), 500.0],
            "min_staff": [0, 0, min_staff],
        }
    )
    tasks = pd.DataFrame(
        {
            "position_id": ["P1", "P2", "P2"],
            "task": ["verifikasi", "rekap", "laporan"],
            "volume": [10.0, 2.0, 1.0],
            "period": ["hari", "minggu", "bulan"],
            "norm_minutes": [30.0, 600.0, 60.0],
        }
    )
    employees = pd.DataFrame(
        {"employee_id": N, "position_id": ["P1", "P1", "P2", "P3"], "status": "PNS", "months_in_position": 36}
    )
    return ab.Problem.from_frames(employees, positions, tasks, policy)


def test_period_factors_are_policy() -> None:
    assert period_factors() == {"tahun": 1, "bulan": 12, "minggu": 50, "hari": 250}
    default = _problem()
    # P1: 10 x 250 x 30 / 60; P2: 2 x 50 x 600 / 60 + 1 x 12 x 60 / 60
    assert default.workload[:2].tolist() == [1250.0, 1012.0]
    worksheet = _problem(POLICY.model_copy(update={"days_per_year": 235, "weeks_per_year": 47}))
    assert worksheet.workload[:2].tolist() == [10 * 235 * 30 / 60, 2 * 47 * 600 / 60 + 12.0]
    assert worksheet.workload[2] == 500.0  # given hours are not touched


def test_the_checker_uses_the_same_factors_independently() -> None:
    problem = _problem(POLICY.model_copy(update={"days_per_year": 235, "weeks_per_year": 47}))
    result = ab.solve(problem)
    report = ab.check(problem, result)
    assert report.ok
    assert report.balance == pytest.approx(result.balance_after, rel=1e-12)
    assert report.objective == pytest.approx(result.objective, rel=1e-12)


def test_positions_that_would_be_emptied_are_named_once() -> None:
    problem = _problem()  # P3: 500 h = 0.4 FTE, staffed, no min_staff
    notes = [w for w in problem.warnings if "less than half an FTE" in w]
    assert len(notes) == 1 and notes[0].endswith(": P3")
    assert not [w for w in _problem(min_staff=1).warnings if "less than half an FTE" in w]


def test_summary_in_fte_short_and_surplus() -> None:
    problem = _problem()
    result = ab.solve(problem)
    s = result.summary()
    gap_b = result.positions["staff_before"] - result.positions["need_fte"]
    gap_a = result.positions["staff_after"] - result.positions["need_fte"]
    assert s["fte_short_before"] == pytest.approx(float((-gap_b).clip(lower=0).sum()))
    assert s["fte_surplus_before"] == pytest.approx(float(gap_b.clip(lower=0).sum()))
    assert s["fte_short_after"] == pytest.approx(float((-gap_a).clip(lower=0).sum()))
    assert s["fte_surplus_after"] == pytest.approx(float(gap_a.clip(lower=0).sum()))
    assert s["fte_short_after"] + s["fte_surplus_after"] <= s["fte_short_before"] + s["fte_surplus_before"]


def test_cli_abk_and_plan_take_the_factors(tmp_path: Path) -> None:
    problem = _problem()
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("employees", "positions", "tasks"):
        getattr(problem, name).to_csv(folder / f"{name}.csv", index=False)
    runner = CliRunner()
    out = tmp_path / "abk.json"
    res = runner.invoke(app, ["abk", str(folder), "--days-per-year", "235", "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    rows = {r["position_id"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert rows["P1"]["workload_hours"] == 10 * 235 * 30 / 60
    plan = tmp_path / "plan.json"
    args = ["plan", str(folder), "--out", str(plan), "--weeks-per-year", "47", "--date", "2025-01-01"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "less than half an FTE" in res.stderr
    doc = json.loads(plan.read_text(encoding="utf-8"))
    assert doc["summary"]["policy"]["weeks_per_year"] == 47
    p2 = next(r for r in doc["positions"] if r["position_id"] == "P2")
    assert p2["workload_hours"] == 2 * 47 * 600 / 60 + 12.0
    assert "staff short (FTE)" in res.stdout
