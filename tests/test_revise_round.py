"""Edges of the consultation round: answers no plan can keep together, and responses read
from Excel and JSON (bad rows named all at once, whatever the format)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from asn_balance import InputError, check
from asn_balance.analysis.revise import OUTCOMES, revise
from asn_balance.apps.cli import app
from asn_balance.model.responses import read_responses, responses_sha256
from conftest import make_problem


def clash() -> tuple[object, pd.DataFrame]:
    # P1 allows one: the draft sends A from P1 to P2 and B from P3 to P1.
    problem = make_problem(
        [{"employee_id": "A"}, {"employee_id": "B", "position_id": "P3"}],
        [{"position_id": "P1", "max_staff": 1.0}, {"position_id": "P2", "workload_hours": 2500.0},
         {"position_id": "P3", "workload_hours": 0.0}],
    )  # fmt: skip
    draft = pd.DataFrame({"employee_id": ["A", "B"], "to_position": ["P2", "P1"]})
    assert check(problem, draft).ok
    return problem, draft


def test_answers_no_plan_can_keep_are_not_reported_as_kept() -> None:
    problem, draft = clash()
    answers = pd.DataFrame({"employee_id": ["A", "B"], "response": ["keberatan", "setuju"]})
    rv = revise(problem, draft, answers, lang="en")
    # A stays (objection) and B comes (accept): P1 would hold two. No plan keeps both answers.
    assert not rv.result.has_plan and rv.info["status"] == "infeasible"
    assert set(rv.outcomes["outcome"]) == {"no_plan"} and "no_plan" in OUTCOMES
    assert rv.counts["no_plan"] == 2 and rv.counts["kept"] == 0
    assert any("max_staff" in line for line in rv.result.diagnosis)
    # overruling the objection gives a plan again
    ok = revise(problem, draft, answers, overrule={"A": "needed in P2"})
    assert ok.result.has_plan and check(problem, ok.result).ok
    assert list(ok.outcomes["outcome"]) == ["overruled", "kept"]
    assert ok.outcomes.loc[0, "overrule_reason"] == "needed in P2"


def test_excel_and_json_responses(tmp_path: Path) -> None:
    problem = make_problem(
        [{"employee_id": "E1"}, {"employee_id": "E2"}, {"employee_id": "E3"}],
        [{"position_id": "P1"}, {"position_id": "P2"}],
    )
    rows = pd.DataFrame(
        {
            "NIP Baru": ["E1", "E2", "E3"],
            "Jawaban": ["Terima", "TOLAK", "minta"],
            "Usulan Posisi": ["", "", "P2"],
            "Keterangan": ["", "dekat rumah", ""],
        }
    )
    xlsx = tmp_path / "tanggapan.xlsx"
    rows.to_excel(xlsx, sheet_name="Tanggapan", index=False)
    canon = pd.DataFrame(
        {
            "employee_id": ["E3", "E2", "E1"],
            "response": ["request", "object", "accept"],
            "target_position": ["P2", "", ""],
            "note": ["", "dekat rumah", ""],
        }
    )
    js = tmp_path / "responses.json"
    js.write_text(json.dumps(canon.to_dict(orient="records")), encoding="utf-8")
    a, b = read_responses(xlsx, problem), read_responses(js, problem)
    assert list(a["response"]) == ["accept", "object", "request"]
    assert responses_sha256(a) == responses_sha256(b)
    # bad rows of a workbook: every problem at once, by row and rule
    bad = pd.DataFrame(
        {
            "nip": ["E1", "E9", "E2", "E1"],
            "tanggapan": ["usul", "setuju", "barangkali", "setuju"],
            "posisi_tujuan": ["P1", "", "", "XX"],
        }
    )
    path = tmp_path / "bad.xlsx"
    bad.to_excel(path, sheet_name="responses", index=False)
    with pytest.raises(InputError) as info:
        read_responses(path, problem)
    got = sorted((p.row, p.rule) for p in info.value.problems)
    assert got == [
        (2, "same_position"),
        (3, "unknown_employee"),
        (4, "invalid_response"),
        (5, "duplicate_id"),
        (5, "unexpected_target"),
        (5, "unknown_position"),
    ]


def test_revise_command_without_a_plan_exits_1(tmp_path: Path) -> None:
    problem, draft = clash()
    data = tmp_path / "data"
    data.mkdir()
    problem.employees.drop(columns=["source_row"], errors="ignore").to_csv(
        data / "employees.csv", index=False
    )
    problem.positions.drop(columns=["source_row"], errors="ignore").to_csv(
        data / "positions.csv", index=False
    )
    draft.to_csv(tmp_path / "draft.csv", index=False)
    (tmp_path / "r.csv").write_text("nip,tanggapan\nA,keberatan\nB,setuju\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["revise", str(data), str(tmp_path / "draft.csv"), str(tmp_path / "r.csv")])
    assert res.exit_code == 1, res.output
    assert "no_plan" in res.output and "max_staff" in res.output
