"""Notices of a draft plan (issue 15): one page per mover, an index, a responses template;
and the ``notices`` and ``revise`` commands end to end on the demo data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import asn_balance as ab
from asn_balance.apps.cli import app
from conftest import make_problem


@pytest.fixture
def draft() -> tuple[ab.Problem, ab.Result]:
    problem = make_problem(
        [
            {"employee_id": "E1", "name": "Ani", "competencies": "keuangan:1"},
            {"employee_id": "E2"},
            {"employee_id": "E3", "volunteer": True, "months_in_position": 6.0},
        ],
        [{"position_id": "P1"}, {"position_id": "P2", "competency_standard": "keuangan:3"}],
    )
    return problem, ab.solve(problem)


def test_one_notice_per_mover(draft: tuple[ab.Problem, ab.Result], tmp_path: Path) -> None:
    problem, result = draft
    made = ab.notices(problem, result, lang="en", volunteers=True, respond_by="2030-01-31")
    movers = set(result.moves["employee_id"])
    assert {f"{e}.html" for e in movers} <= set(made.pages)
    assert "E3.html" in made.pages  # the volunteer the plan does not move
    assert list(made.template.columns) == ["employee_id", "name", "response", "target_position", "note"]
    assert (made.template["response"] == "").all()
    page = made.pages[f"{sorted(movers)[0]}.html"]
    assert "2030-01-31" in page and "Proposed position" in page and "Why" in page
    written = made.write(tmp_path / "notices")
    names = {p.name for p in written.iterdir()}
    assert {"index.html", "responses.csv"} <= names and not any(n.startswith(".") for n in names)
    # the template comes back as a responses table: blank answers are no answers
    assert len(ab.revise(problem, result, written / "responses.csv").outcomes) == 0


def test_training_offered(draft: tuple[ab.Problem, ab.Result]) -> None:
    problem, result = draft
    made = ab.notices(problem, result)
    to_p2 = result.moves.loc[result.moves["to_position"] == "P2", "employee_id"]
    for e in to_p2:
        assert "keuangan" in made.pages[f"{e}.html"]


def test_notices_and_revise_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    demo = str(ab.datasets.demo_path())
    plan = tmp_path / "draft.json"
    assert runner.invoke(app, ["plan", demo, "--out", str(plan), "-q", "--date", "2026-01-15"]).exit_code == 0
    res = runner.invoke(app, ["notices", demo, str(plan), "--out", str(tmp_path / "n"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    template = pd.read_csv(tmp_path / "n" / "responses.csv", dtype=str).fillna("")
    template.loc[0, "response"] = "setuju"
    template.loc[1, "response"] = "keberatan"
    template.loc[2, "response"] = "keberatan"
    template.to_csv(tmp_path / "responses.csv", index=False)
    over = template.loc[2, "employee_id"]
    res = runner.invoke(
        app,
        [
            "revise",
            demo,
            str(plan),
            str(tmp_path / "responses.csv"),
            "--out",
            str(tmp_path / "revised.json"),
            "--overrule",
            over,
            "--lang",
            "en",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "1 kept, 1 stayed after objection, 1 overruled" in res.output
    assert runner.invoke(app, ["check", demo, str(tmp_path / "revised.json")]).exit_code == 0
    (tmp_path / "bad.csv").write_text("nip,tanggapan\nX1,mungkin\n", encoding="utf-8")
    res = runner.invoke(app, ["revise", demo, str(plan), str(tmp_path / "bad.csv")])
    assert res.exit_code == 2
    assert "unknown_employee" in res.output and "invalid_response" in res.output
