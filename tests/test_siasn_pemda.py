"""A SIASN-style export of a whole pemda as offices have it (docs/siasn_sample_pemda): PNS, CPNS,
PPPK with golongan I..XVII, PPPK Paruh Waktu, D-IV holders on S-1 positions, jabatan written
in mixed case (matched by SIASN ``jabatanId``), ``jenisJabatan``/``jenjang`` and no
``retirement_age``. It reads, plans and passes ``check``, from Python and from the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import asn_balance as ab
from asn_balance.compile.eligibility import mover_rules_all, position_retirement_age, target_rules
from asn_balance.model.domain import PART_TIME, PPPK_GRADES

SAMPLE = Path(__file__).resolve().parents[1] / "docs" / "siasn_sample_pemda"
POLICY = ab.Policy(plan_date=dt.date(2026, 1, 1))


@pytest.fixture(scope="module")
def problem() -> ab.Problem:
    return ab.Problem.read(SAMPLE, POLICY)


def test_the_roster_mixes_every_status_and_both_grade_scales(problem: ab.Problem) -> None:
    emp = problem.employees
    assert set(emp["status"]) == {"PNS", "CPNS", "PPPK", PART_TIME}
    pppk = emp[emp["status"].isin(["PPPK", PART_TIME])]
    assert len(pppk) and set(pppk["grade"]) <= set(PPPK_GRADES)
    assert all(len(n) == 18 for n in emp["employee_id"])
    # every employee found its position although the export spells the jabatan otherwise
    assert set(emp["position_id"]) <= set(problem.positions["position_id"])
    assert any("more than one way" in w for w in problem.warnings)


def test_part_timers_count_half_and_never_move(problem: ab.Problem) -> None:
    part = np.flatnonzero((problem.employees["status"] == PART_TIME).to_numpy())
    assert len(part) and (problem.fte[part] == POLICY.part_time_fte).all()
    assert problem.staff.sum() == pytest.approx(len(problem.employees) - 0.5 * len(part))
    assert all("part_time" in mover_rules_all(problem, int(i)) for i in part)


def test_d4_holders_meet_s1_positions_unless_the_policy_is_strict(problem: ab.Problem) -> None:
    emp, pos = problem.employees, problem.positions
    d4 = np.flatnonzero((emp["education"] == "D4").to_numpy())
    s1 = np.flatnonzero((pos["min_education"] == "S1").to_numpy())
    assert len(d4) and len(s1)
    rules = {r for i in d4 for j in s1 for r, _ in target_rules(problem, int(i), int(j))}
    assert "min_education" not in rules
    strict = problem.with_policy(d4_equals_s1=False)
    rules = {r for i in d4 for j in s1 for r, _ in target_rules(strict, int(i), int(j))}
    assert "min_education" in rules


def test_bup_follows_the_jabatan_without_a_retirement_age_column(problem: ab.Problem) -> None:
    pos = problem.positions
    header = (SAMPLE / "positions.csv").read_text(encoding="utf-8-sig").splitlines()[0].lower()
    assert "bup" not in header and "retirement" not in header and "pensiun" not in header
    bup = dict(zip(pos["jabatan"], position_retirement_age(problem), strict=True))
    assert bup["Perawat Ahli Utama"] == 65
    assert bup["Analis Keuangan Pusat dan Daerah Ahli Madya"] == 60
    assert bup["Analis Sumber Daya Manusia Aparatur Ahli Pertama"] == 58
    assert bup["Pengadministrasi Perkantoran"] == 58
    assert bup["Kepala Bagian Organisasi"] == 58


def test_it_plans_and_passes_check(problem: ab.Problem) -> None:
    result = ab.solve(problem)
    assert result.status == "optimal"
    report = ab.check(problem, result)
    assert report.ok, report.violations
    assert report.objective == pytest.approx(result.objective, rel=1e-12)
    moved = set(result.moves["employee_id"])
    statuses = problem.employees.set_index("employee_id")["status"]
    assert not {statuses[e] for e in moved} & {"CPNS", PART_TIME}


def test_through_the_cli(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    run = [sys.executable, "-m", "asn_balance"]
    done = subprocess.run(
        [*run, "plan", str(SAMPLE), "--out", str(plan), "--date", "2026-01-01", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(plan.read_text(encoding="utf-8"))
    assert doc["summary"]["status"] == "optimal"
    checked = subprocess.run(
        [*run, "check", str(SAMPLE), str(plan)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("OK") or "OK:" in checked.stdout
