"""The checker checks the plan it was given (issue 12).

A plan records the policy it was made under (``summary.policy``, plan date resolved), the
fingerprint of its input (``input_sha256``, per table ``input_tables``) and its claim
(status, objective, bound). ``asn-balance check`` and ``ab.check`` check it under that
policy, print or report every difference from the policy given, fail it with
``[input_changed]`` when the input is not the one it was made from (unless allowed), and the
card, the HTML report and the CLI call a plan "proven optimal" only when the check verifies
its claim.

A 300-employee synthetic scenario is planned once per module through the CLI, with
``--effective-hours 1200 --max-moves 20`` (the issue's example) and without options.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import asn_balance as ab
from asn_balance.analysis.given_plan import plan_result
from asn_balance.apps.cli import app
from asn_balance.apps.cli.common import _print_summary
from asn_balance.check import DOUBTS, PLAN_RULES, PolicyDifference
from asn_balance.datasets import synth
from asn_balance.io.plans import read_plan_document
from asn_balance.model.errors import InputError
from asn_balance.reports.cards import result_card
from asn_balance.reports.html import html_report

runner = CliRunner()
PROVEN = "The plan is proven optimal under the policy used."


def invoke(*args: object) -> Any:
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "250"})


def ok_exit(result: Any, code: int) -> None:
    shown = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\nexception: {result.exception!r}"
    assert result.exit_code == code, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), shown


def balance_shown(stdout: str) -> float:
    """The balance after the plan printed by ``check`` (``balance X -> Y``)."""
    m = re.search(r"balance [0-9.]+ -> ([0-9.]+)", stdout)
    assert m, stdout
    return float(m.group(1))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("verdicts") / "data"
    synth.write_csv_folder(synth.generate(300, seed=4), folder)
    return folder


@pytest.fixture(scope="module")
def budget_plan(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue's plan: 1,200 effective hours and at most 20 moves."""
    out = tmp_path_factory.mktemp("plans") / "p.json"
    res = invoke("plan", data, "--out", out, "--effective-hours", "1200", "--max-moves", "20",
                 "--time-limit", "10", "--quiet")  # fmt: skip
    ok_exit(res, 0)
    return out


@pytest.fixture(scope="module")
def flow_plan(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan of the exact flow path: status optimal."""
    out = tmp_path_factory.mktemp("plans") / "flow.json"
    ok_exit(invoke("plan", data, "--out", out, "--quiet"), 0)
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["status"] == "optimal"
    return out


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def write(doc: dict[str, Any], path: Path) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def changed_data(data: Path, folder: Path, *, add_row: bool = False) -> tuple[Path, str]:
    """A copy of ``data`` with one employee who stays put placed elsewhere (same jabatan, so
    that no rule breaks), or with one more employee; returns the folder and the employee."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in data.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    emp = pd.read_csv(folder / "employees.csv", dtype=str, keep_default_na=False)
    pos = pd.read_csv(folder / "positions.csv", dtype=str, keep_default_na=False)
    jab = pos.set_index("position_id")["jabatan"]

    def elsewhere(here: object) -> list[str]:
        return [str(p) for p in pos["position_id"] if jab[p] == jab[here] and p != here]

    i = next(k for k in range(len(emp)) if elsewhere(emp.loc[k, "position_id"]))
    same = elsewhere(emp.loc[i, "position_id"])
    who = str(emp.loc[i, "employee_id"])
    if add_row:
        extra = emp.loc[[i]].copy()
        extra["employee_id"] = "199901012020011999"
        emp = pd.concat([emp, extra], ignore_index=True)
    else:
        emp.loc[i, "position_id"] = same[0]
    emp.to_csv(folder / "employees.csv", index=False, lineterminator="\n")
    return folder, who


# --------------------------------------------------------------------------- the CLI


def test_check_prints_the_plans_own_balance(data: Path, budget_plan: Path) -> None:
    """The issue's "done when": checked under 1,200 hours and the budget, as recorded."""
    doc = load(budget_plan)
    s = doc["summary"]
    assert s["policy"]["effective_hours"] == 1200 and s["policy"]["max_moves"] == 20
    res = invoke("check", data, budget_plan)
    ok_exit(res, 0)
    assert res.stdout.startswith("OK: ")  # nothing differs: nothing is printed before
    assert "policy differs" not in res.stdout
    assert balance_shown(res.stdout) == pytest.approx(s["balance_after"], abs=5e-6)
    assert f"claim verified: {s['status']}" in res.stdout


def test_an_option_given_overrides_and_the_difference_is_printed(data: Path, budget_plan: Path) -> None:
    s = load(budget_plan)["summary"]
    res = invoke("check", data, budget_plan, "--effective-hours", "1250")
    ok_exit(res, 0)
    first = res.stdout.splitlines()[0]
    assert first == "policy differs from the plan's: effective_hours 1200 (plan) -> 1250 (given)"
    assert balance_shown(res.stdout) != pytest.approx(s["balance_after"], abs=1e-3)
    assert "claim not verified" in res.stdout and DOUBTS["policy_differs"] in res.stdout
    # an option given that equals the recorded value is no difference
    same = invoke("check", data, budget_plan, "--effective-hours", "1200", "--max-moves", "20")
    ok_exit(same, 0)
    assert same.stdout.startswith("OK: ") and "claim verified" in same.stdout
    # a tighter budget given breaks the plan, and says why
    tight = invoke("check", data, budget_plan, "--max-moves", "5")
    ok_exit(tight, 1)
    assert "policy differs from the plan's: max_moves 20 (plan) -> 5 (given)" in tight.stdout
    assert "[max_moves]" in tight.stdout


def test_a_policy_file_overrides_too(data: Path, budget_plan: Path, tmp_path: Path) -> None:
    toml = tmp_path / "policy.toml"
    toml.write_text("[policy]\nmove_cost = 0.5\n", encoding="utf-8")
    res = invoke("check", data, budget_plan, "--policy", toml)
    ok_exit(res, 0)
    assert res.stdout.splitlines()[0] == "policy differs from the plan's: move_cost 0.1 (plan) -> 0.5 (given)"


def test_a_changed_input_fails_naming_the_table(data: Path, budget_plan: Path, tmp_path: Path) -> None:
    folder, _ = changed_data(data, tmp_path / "changed")
    res = invoke("check", folder, budget_plan)
    ok_exit(res, 1)
    assert res.stdout.startswith("FAILED")
    line = next(x for x in res.stdout.splitlines() if "[input_changed]" in x)
    assert "table employees changed: 300 rows now, 300 rows in the plan's input" in line
    assert "unchanged: positions, tasks" in line
    # --allow-changed-input checks all the same, and says so
    res = invoke("check", folder, budget_plan, "--allow-changed-input")
    ok_exit(res, 0)
    assert res.stdout.startswith("input changed since the plan was made; checked all the same "
                                 "(--allow-changed-input): table employees changed")  # fmt: skip
    assert "[input_changed]" not in res.stdout
    assert "claim not verified" in res.stdout and DOUBTS["input_changed"] in res.stdout


def test_a_row_more_and_an_older_plan(data: Path, budget_plan: Path, tmp_path: Path) -> None:
    folder, _ = changed_data(data, tmp_path / "more", add_row=True)
    res = invoke("check", folder, budget_plan)
    ok_exit(res, 1)
    assert "table employees changed: 301 rows now, 300 rows in the plan's input" in res.stdout
    # a plan of an older version records the hash only
    doc = load(budget_plan)
    del doc["summary"]["input_tables"]
    old = write(doc, tmp_path / "old.json")
    res = invoke("check", folder, old)
    ok_exit(res, 1)
    assert "[input_changed]" in res.stdout
    assert "the plan records no per-table detail (input_tables)" in res.stdout
    # the same data: the hash alone is enough
    ok_exit(invoke("check", data, old), 0)


def test_a_bare_moves_file_records_nothing(data: Path, budget_plan: Path, tmp_path: Path) -> None:
    moves = pd.DataFrame(load(budget_plan)["moves"])[["employee_id", "to_position"]]
    path = tmp_path / "moves.csv"
    moves.to_csv(path, index=False)
    res = invoke("check", data, path)  # under the options given (here the defaults)
    ok_exit(res, 0)
    assert res.stdout.startswith("OK: ") and "claim" not in res.stdout
    res = invoke("check", data, path, "--effective-hours", "1200", "--max-moves", "20")
    assert balance_shown(res.stdout) == pytest.approx(load(budget_plan)["summary"]["balance_after"], abs=5e-6)


def test_a_tampered_claim_is_not_verified(data: Path, flow_plan: Path, tmp_path: Path) -> None:
    doc = load(flow_plan)
    doc["summary"]["objective"] = doc["summary"]["objective"] / 2
    res = invoke("check", data, write(doc, tmp_path / "objective.json"))
    ok_exit(res, 0)  # the moves keep the rules
    assert "claim not verified: the plan claims optimal" in res.stdout
    assert DOUBTS["objective_differs"] in res.stdout
    doc = load(flow_plan)
    doc["summary"]["policy"]["move_cost"] = 0.5
    res = invoke("check", data, write(doc, tmp_path / "policy.json"))
    assert "claim not verified" in res.stdout and DOUBTS["objective_differs"] in res.stdout
    doc["summary"]["policy"]["no_such_option"] = 1
    res = invoke("check", data, write(doc, tmp_path / "unknown.json"))
    ok_exit(res, 2)
    assert "no_such_option" in res.stderr


def test_report_cli_uses_the_recorded_policy(data: Path, budget_plan: Path, tmp_path: Path) -> None:
    s = load(budget_plan)["summary"]
    out = tmp_path / "r.html"
    res = invoke("report", data, budget_plan, "--out", out, "--lang", "en", "--quiet")
    ok_exit(res, 0)
    res = invoke("report", data, budget_plan, "--out", out, "--lang", "en")
    ok_exit(res, 0)
    assert f"balance {s['balance_before']:.4f} -> {s['balance_after']:.4f}" in res.stdout
    res = invoke("report", data, budget_plan, "--out", out, "--lang", "en", "--effective-hours", "1250")
    ok_exit(res, 0)
    assert "policy differs from the plan's: effective_hours 1200 (plan) -> 1250 (given)" in res.stdout


# --------------------------------------------------------------------------- the API


@pytest.fixture(scope="module")
def problem(data: Path) -> ab.Problem:
    return ab.Problem.read(data, ab.Policy(effective_hours=1200, max_moves=20))


@pytest.fixture(scope="module")
def solved(problem: ab.Problem) -> ab.Result:
    result = ab.solve(problem, time_limit=10)
    assert result.has_plan and result.n_moves <= 20
    return result


def test_solve_records_the_check(problem: ab.Problem, solved: ab.Result) -> None:
    verdict = solved.info["check"]
    assert verdict == {"ok": True, "violations": 0, "verified": True, "input_same": True,
                       "policy_same": True, "objective_same": True, "doubts": []}  # fmt: skip
    assert solved.info["input_sha256"] == problem.input_sha256
    tables = solved.info["input_tables"]
    assert list(tables) == ["employees", "positions", "tasks", "units"]
    assert tables["employees"]["rows"] == 300 and re.fullmatch(r"[0-9a-f]{64}", tables["employees"]["sha256"])


def test_check_uses_the_results_policy(problem: ab.Problem, solved: ab.Result) -> None:
    other = problem.with_policy(effective_hours=1250, max_moves=None)
    report = ab.check(other, solved)
    assert report.ok and report.verified and report.policy_source == "plan"
    assert report.policy == problem.policy.model_copy(update={"plan_date": problem.policy.date()})
    assert report.balance == pytest.approx(solved.balance_after, rel=1e-9)
    assert report.objective == pytest.approx(solved.objective, rel=1e-9)
    assert report.policy_differences == [
        PolicyDifference("effective_hours", 1200.0, 1250.0),
        PolicyDifference("max_moves", 20, None),
    ]
    assert "effective_hours 1200 (plan) -> 1250 (problem)" in str(report)
    # the old behaviour on request: the problem's policy, the differences listed all the same
    old = ab.check(other, solved, policy="problem")
    assert old.policy_source == "problem" and old.policy == other.policy
    assert old.balance != pytest.approx(solved.balance_after, rel=1e-6)
    assert not old.verified and {"policy_differs", "objective_differs"} <= set(old.doubts)
    assert old.policy_differences == report.policy_differences
    # a bare table records nothing: the problem's policy, nothing to verify
    bare = ab.check(other, solved.moves[["employee_id", "to_position"]])
    assert bare.policy_source == "problem" and not bare.policy_recorded and not bare.policy_differences
    assert bare.claim == {} and bare.input_same is None and not bare.verified
    with pytest.raises(ValueError, match="policy must be"):
        ab.check(other, solved, policy="given")  # type: ignore[arg-type]


def test_plan_documents_and_plan_json(problem: ab.Problem, solved: ab.Result, tmp_path: Path) -> None:
    path = solved.write(tmp_path / "plan.json")
    other = problem.with_policy(effective_hours=1250)
    for plan in (read_plan_document(path), load(path)):
        report = ab.check(other, plan)
        assert report.policy_source == "plan" and report.verified, report.doubts
        assert report.balance == pytest.approx(solved.balance_after, rel=1e-9)
        assert report.claim["status"] == solved.status
    # recorded= replaces what the plan carries
    report = ab.check(other, solved.moves, recorded=load(path)["summary"])
    assert report.policy_source == "plan" and report.verified
    bad = {**load(path)["summary"], "policy": {"effective_hours": -1}}
    with pytest.raises(InputError) as info:
        ab.check(other, solved.moves, recorded=bad)
    assert {(p.table, p.column, p.rule) for p in info.value.problems} == {
        ("plan", "policy.effective_hours", "invalid_plan")
    }


def test_check_fails_a_changed_input(
    problem: ab.Problem, solved: ab.Result, data: Path, tmp_path: Path
) -> None:
    folder, who = changed_data(data, tmp_path / "changed")
    changed = ab.Problem.read(folder, problem.policy)
    assert changed.input_sha256 != problem.input_sha256
    report = ab.check(changed, solved)
    assert not report.ok and report.violations[0].rule == "input_changed"
    assert "input_changed" in PLAN_RULES and report.input_same is False
    assert report.input_changes == ["table employees changed: 300 rows now, 300 rows in the plan's input",
                                    "unchanged: positions, tasks, units"]  # fmt: skip
    allowed = ab.check(changed, solved, allow_changed_input=True)
    assert "input_changed" not in allowed.rules and allowed.notes
    assert "checked all the same (allow_changed_input)" in str(allowed)
    assert "input_changed" in allowed.doubts and not allowed.verified
    assert who  # an employee who stays was placed elsewhere


# --------------------------------------------------------------------------- the wording


@pytest.fixture(scope="module")
def flow_problem(data: Path) -> ab.Problem:
    return ab.Problem.read(data)


@pytest.fixture(scope="module")
def flow_solved(flow_problem: ab.Problem) -> ab.Result:
    result = ab.solve(flow_problem)
    assert result.status == "optimal" and result.info["check"]["verified"] is True
    return result


def unverified(result: ab.Result) -> ab.Result:
    """The same result, its objective tampered with."""
    return dataclasses.replace(result, objective=result.objective / 2, info=dict(result.info))


def test_card_says_optimal_only_when_verified(flow_solved: ab.Result) -> None:
    card = result_card(flow_solved, lang="en")
    assert "<b>optimal</b>" in card and "not verified" not in card
    info = {k: v for k, v in flow_solved.info.items() if k != "check"}  # never checked
    card = result_card(dataclasses.replace(flow_solved, info=info), lang="en")
    assert "<b>optimal</b>" not in card and "<i>optimal</i>" in card
    assert "The plan claims to be optimal" in card and "not checked independently" in card
    failed = dict(flow_solved.info, check={"ok": True, "verified": False, "doubts": ["objective_differs"]})
    card = result_card(dataclasses.replace(flow_solved, info=failed), lang="id")
    assert "<b>optimal</b>" not in card and "belum terverifikasi" in card


def test_cli_summary_says_optimal_only_when_verified(
    flow_solved: ab.Result, capsys: pytest.CaptureFixture[str]
) -> None:
    _print_summary(flow_solved, "t")
    text = capsys.readouterr().out
    assert re.search(r"status optimal  moves", text) and "not verified" not in text
    info = {k: v for k, v in flow_solved.info.items() if k != "check"}
    _print_summary(dataclasses.replace(flow_solved, info=info), "t")
    text = capsys.readouterr().out
    assert "status optimal (claimed, not verified: the plan could not be checked)" in " ".join(text.split())


def test_html_report_says_optimal_only_when_verified(
    flow_problem: ab.Problem, flow_solved: ab.Result
) -> None:
    text = html_report(flow_problem, flow_solved, "en", plots=False)
    assert PROVEN in text and "The plan claims" not in text
    text = html_report(flow_problem, unverified(flow_solved), "en", plots=False)
    assert PROVEN not in text
    assert "The plan claims to be optimal" in text
    assert "the objective recomputed is not the plan&#x27;s" in text
    # under another policy than the plan's: checked under the plan's, the difference noted
    text = html_report(flow_problem.with_policy(effective_hours=1200), flow_solved, "en", plots=False)
    assert PROVEN in text and "effective_hours 1250 (plan) -&gt; 1200 (problem)" in text


def test_plan_file_claims_are_verified_or_shown_as_claims(
    flow_problem: ab.Problem, flow_plan: Path, tmp_path: Path
) -> None:
    res = plan_result(flow_problem, flow_plan)
    assert res.status == "optimal" and res.info["check"]["verified"] is True
    assert PROVEN in html_report(flow_problem, res, "en", plots=False)
    doc = load(flow_plan)
    doc["summary"]["objective"] = doc["summary"]["objective"] + 1.0
    res = plan_result(flow_problem, write(doc, tmp_path / "tampered.json"))
    assert res.status == "feasible" and math.isnan(res.bound)
    assert res.info["planned"]["status"] == "optimal"
    assert res.info["check"]["doubts"] == ["objective_differs"]
    text = html_report(flow_problem, res, "en", plots=False)
    assert PROVEN not in text and "The plan claims to be optimal" in text
    assert "The plan claims to be optimal" in result_card(res, lang="en")
    doc = load(flow_plan)
    doc["summary"]["policy"]["effective_hours"] = 1200
    res = plan_result(flow_problem, write(doc, tmp_path / "policy.json"))
    assert res.status == "feasible" and "policy_differs" in res.info["check"]["doubts"]
    assert res.info["policy_differences"] == [{"name": "effective_hours", "plan": 1200.0, "other": 1250.0}]
    assert "The plan claims to be optimal" in html_report(flow_problem, res, "en", plots=False)


def test_report_cli_shows_a_tampered_claim_as_a_claim(data: Path, flow_plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    ok_exit(invoke("report", data, flow_plan, "--out", out, "--lang", "en", "--quiet"), 0)
    assert PROVEN in out.read_text(encoding="utf-8")
    doc = load(flow_plan)
    doc["summary"]["objective"] = doc["summary"]["objective"] * 2
    tampered = write(doc, tmp_path / "t.json")
    ok_exit(invoke("report", data, tampered, "--out", out, "--lang", "en", "--quiet"), 0)
    text = out.read_text(encoding="utf-8")
    assert PROVEN not in text and "The plan claims to be optimal" in text


def test_why_not_asks_under_the_plans_recorded_policy(data: Path, budget_plan: Path) -> None:
    """A plan made at 1200 h: why-not without options answers under 1200 h, not the default."""
    doc = load(budget_plan)
    employee = str(doc["moves"][0]["employee_id"])
    target = str(doc["moves"][0]["from_position"])  # back home: costly or forbidden, never in plan
    result = invoke("why-not", data, budget_plan, employee, target, "--json")
    ok_exit(result, 0)
    answer = json.loads(result.stdout)
    assert answer["objective_plan"] == pytest.approx(doc["summary"]["objective"], rel=1e-9)
    assert "policy differs" not in result.stderr
    result = invoke("why-not", data, budget_plan, employee, target, "--json", "--effective-hours", "1250")
    ok_exit(result, 0)
    assert "policy differs from the plan's: effective_hours 1200.0 (plan) -> 1250.0 (given)" in result.stderr
    assert json.loads(result.stdout)["objective_plan"] != pytest.approx(doc["summary"]["objective"], rel=1e-9)


def test_the_service_checks_a_plan_under_its_recorded_policy(data: Path, budget_plan: Path) -> None:
    """POST /check with the plan's summary: the plan's own policy and input, as the CLI does."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from asn_balance.apps.server import create_app

    doc = load(budget_plan)
    tables = {
        name: pd.read_csv(data / f"{name}.csv", dtype=str, keep_default_na=False).to_dict(orient="records")
        for name in ("employees", "positions", "tasks", "units")
        if (data / f"{name}.csv").exists()
    }
    moves = [{"employee_id": m["employee_id"], "to_position": m["to_position"]} for m in doc["moves"]]
    with TestClient(create_app(api_key="")) as client:
        plain = client.post("/check", json={**tables, "moves": moves}).json()
        assert plain["balance"] != pytest.approx(doc["summary"]["balance_after"], rel=1e-9)  # 1250 h
        got = client.post("/check", json={**tables, "moves": moves, "summary": doc["summary"]}).json()
        assert got["ok"] is True, got["violations"]
        assert got["balance"] == pytest.approx(doc["summary"]["balance_after"], rel=1e-9)
        assert got["policy_differences"] == []
        given = client.post(
            "/check",
            json={**tables, "moves": moves, "summary": doc["summary"], "policy": {"effective_hours": 1250}},
        ).json()
        assert any(d.startswith("effective_hours 1200") for d in given["policy_differences"])
        changed = dict(tables)
        changed["employees"] = [dict(r) for r in tables["employees"]]
        changed["employees"][0]["months_in_position"] = "999"
        stale = client.post("/check", json={**changed, "moves": moves, "summary": doc["summary"]}).json()
        assert stale["ok"] is False and "input_changed" in {v["rule"] for v in stale["violations"]}
        assert stale["input_changes"]
        allowed = client.post(
            "/check",
            json={**changed, "moves": moves, "summary": doc["summary"], "allow_changed_input": True},
        ).json()
        assert "input_changed" not in {v["rule"] for v in allowed["violations"]}
