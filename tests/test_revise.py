"""The revision of a draft after the employees' responses (issue 15), against brute force.

On random tiny problems a random feasible draft and random responses (accepts, objections,
some overruled, requests, silences) are revised; the revision's objective must equal the
least, over every assignment the rules allow (each single move judged by the independent
``check``, staffing and unit caps applied in numpy), of the plan's objective plus
``change_cost`` per silent employee whose outcome differs from the draft plus the
preference weight per request refused, under the pins (accepted and overruled moves) and
locks (objections). Every revised plan passes ``check``.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asn_balance import InputError, check
from asn_balance.analysis.revise import revise
from asn_balance.evaluate.terms import plan_terms
from asn_balance.model.responses import read_responses, responses_sha256
from conftest import make_problem

STAFF_RULES = {"min_staff", "max_staff", "max_moves", "max_moves_out", "max_moves_in"}
#: Rules of the whole plan, not of one move: ``voluntary_first`` compares movers with the
#: volunteers who stay, so a single move cannot be judged by it.
PLAN_RULES = STAFF_RULES | {"voluntary_first"}


def random_case(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    n_pos = int(rng.integers(2, 4))
    n_emp = int(rng.integers(2, 6))
    positions = []
    for j in range(n_pos):
        row: dict[str, Any] = {
            "position_id": f"P{j + 1}",
            "unit_id": f"U{1 + int(rng.integers(2))}",
            "jabatan": "A" if rng.random() < 0.8 else "B",
            "workload_hours": float(rng.choice([0.0, 625.0, 1250.0, 2500.0, 3125.0])),
        }
        if rng.random() < 0.15:
            row["min_staff"] = 1
        if rng.random() < 0.15:
            row["max_staff"] = 2.0
        positions.append(row)
    employees = []
    for i in range(n_emp):
        row = {
            "employee_id": f"E{i + 1}",
            "position_id": "P1" if rng.random() < 0.5 else f"P{1 + int(rng.integers(n_pos))}",
            "months_in_position": float(rng.choice([6.0, 36.0, 36.0, 72.0])),
        }
        if rng.random() < 0.25:
            row["volunteer"] = True
            if rng.random() < 0.5:
                row["preferences"] = f"P{1 + int(rng.integers(n_pos))}"
        employees.append(row)
    units = None
    if rng.random() < 0.3 and {p["unit_id"] for p in positions} == {"U1", "U2"}:
        units = [{"unit_id": "U1", "max_moves_out": int(rng.integers(0, 3))}, {"unit_id": "U2"}]
    policy = {
        "move_cost": float(rng.choice([0.0, 0.1, 0.5])),
        "preference_weight": float(rng.choice([0.0, 0.2, 1.0])),
        "rotation_weight": float(rng.choice([0.0, 0.0, 0.3])),
        "max_moves": None if rng.random() < 0.8 else int(rng.integers(1, 4)),
    }
    return {"employees": employees, "positions": positions, "units": units, "policy": policy, "rng": rng}


def enumerate_plans(problem: Any, units: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every assignment (position per employee) the rules allow, and its plan objective."""
    n, m = problem.n_employees, problem.n_positions
    home = problem.employee_position
    ids = problem.employee_index.astype(str)
    pids = problem.position_index.astype(str)
    allowed = np.zeros((n, m), dtype=bool)
    allowed[np.arange(n), home] = True
    for e in range(n):
        for j in range(m):
            if j == home[e]:
                continue
            rep = check(problem, pd.DataFrame({"employee_id": [ids[e]], "to_position": [pids[j]]}))
            allowed[e, j] = not [v for v in rep.violations if v.rule not in PLAN_RULES]
    pos = problem.positions
    lo = pos["min_staff"].to_numpy(float)
    hi = pos["max_staff"].to_numpy(float)
    unit = pos["unit_id"].to_numpy(dtype=object)
    caps = {}
    if units:
        caps = {u["unit_id"]: u["max_moves_out"] for u in units if "max_moves_out" in u}
    budget = problem.policy.max_moves
    plans, objs = [], []
    for combo in itertools.product(*[np.flatnonzero(allowed[e]).tolist() for e in range(n)]):
        a = np.array(combo, dtype=np.int64)
        moved = a != home
        staff = np.bincount(a, minlength=m)
        if np.any(staff < lo) or np.any(~np.isnan(hi) & (staff > hi)):
            continue
        if budget is not None and moved.sum() > budget:
            continue
        if any(int((moved & (unit[home] == u)).sum()) > cap for u, cap in caps.items()):
            continue
        ei = np.flatnonzero(moved)
        plans.append(a)
        objs.append(plan_terms(problem, ei, a[ei])["objective"])
    return np.array(plans, dtype=np.int64).reshape(-1, n), np.array(objs), allowed


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_revision_is_the_brute_force_optimum(seed: int) -> None:
    case = random_case(seed)
    rng = case.pop("rng")
    problem = make_problem(case["employees"], case["positions"], units=case["units"], **case["policy"])
    plans, objs, _ = enumerate_plans(problem, case["units"])
    if not len(plans):
        return
    n = problem.n_employees
    home = problem.employee_position
    ids = problem.employee_index.astype(str)
    pids = problem.position_index.astype(str)
    draft = plans[int(rng.integers(len(plans)))]
    d_e = np.flatnonzero(draft != home)
    draft_moves = pd.DataFrame({"employee_id": ids[d_e], "to_position": pids[draft[d_e]]})
    if not check(problem, draft_moves).ok:  # voluntary_first: not every assignment is a draft
        assert {v.rule for v in check(problem, draft_moves).violations} == {"voluntary_first"}
        return
    rows, over = [], []
    kind = np.array(["silent"] * n, dtype=object)
    target = np.full(n, -1)
    for e in range(n):
        r = rng.random()
        if r < 0.4:
            continue
        if r < 0.6:
            kind[e] = "accept"
            rows.append({"employee_id": ids[e], "response": "setuju"})
        elif r < 0.8:
            kind[e] = "object"
            rows.append({"employee_id": ids[e], "response": "keberatan", "note": "keluarga"})
            if rng.random() < 0.4:
                over.append(ids[e])
        else:
            others = [j for j in range(problem.n_positions) if j != home[e]]
            target[e] = int(rng.choice(others))
            kind[e] = "request"
            rows.append({"employee_id": ids[e], "response": "usul", "target_position": pids[target[e]]})
    responses = pd.DataFrame(rows, columns=["employee_id", "response", "target_position", "note"])
    cc = float(rng.choice([0.0, 0.3, 1.0, 5.0]))
    pw = float(problem.policy.preference_weight)
    rv = revise(problem, draft_moves, responses, change_cost=cc, overrule=over, time_limit=20)

    # brute force under the pins and locks
    ok = np.ones(len(plans), dtype=bool)
    cost = objs.copy()
    for e in range(n):
        if kind[e] == "accept" or (kind[e] == "object" and ids[e] in over):
            ok &= plans[:, e] == draft[e]
        elif kind[e] == "object":
            ok &= plans[:, e] == home[e]
        elif kind[e] == "request":
            ok &= (plans[:, e] == target[e]) | (plans[:, e] == draft[e])
            cost = cost + pw * (plans[:, e] != target[e])
        else:
            cost = cost + cc * (plans[:, e] != draft[e])
    if not ok.any():
        assert not rv.result.has_plan, rv
        return
    best = float(cost[ok].min())
    assert rv.result.has_plan, (rv, best)
    assert rv.info["objective"] == pytest.approx(best, abs=1e-6), (rv.info, best)
    if rv.info["status"] == "optimal":
        assert rv.info["bound"] <= best + 1e-6
    # the revised plan: checked, accepts kept, objections honoured, requests answered
    report = check(problem, rv.result)
    assert report.ok, str(report)  # voluntary_first judged as the round left it open
    assert rv.result.info["check"]["ok"]
    final = home.copy()
    moved = problem.employee_index.get_indexer(rv.result.moves["employee_id"])
    final[moved] = problem.position_index.get_indexer(rv.result.moves["to_position"])
    out = rv.outcomes.set_index("employee_id")
    for e in range(n):
        if kind[e] == "accept":
            assert final[e] == draft[e]
            assert out.loc[ids[e], "outcome"] == "kept"
        elif kind[e] == "object":
            assert final[e] == (draft[e] if ids[e] in over else home[e])
            assert out.loc[ids[e], "outcome"] == ("overruled" if ids[e] in over else "stayed_after_objection")
        elif kind[e] == "request":
            assert final[e] in (target[e], draft[e])
            assert out.loc[ids[e], "outcome"] == ("granted" if final[e] == target[e] else "refused")
            if final[e] != target[e]:
                assert out.loc[ids[e], "reason"]
    silent = kind == "silent"
    assert rv.counts["silent_changed"] == int((silent & (final != draft)).sum()) == len(rv.changed)
    # a silent change pays: with every silent outcome of the revision set back to the draft's
    # (where that is a plan), the revision's cost is no lower
    back = final.copy()
    back[silent] = draft[silent]
    same = ok & (plans == back).all(axis=1)
    if same.any():
        assert best <= float(cost[same].min()) + 1e-9


def test_a_silent_employee_changes_only_when_it_pays() -> None:
    # P1 holds E1 and E2 and needs 1; P2 needs 1 and is empty. The draft moves nobody (B = 2);
    # moving one of them gives B = 0 at the price of one move (0.1): a gain of 1.9.
    problem = make_problem(
        [{"employee_id": "E1"}, {"employee_id": "E2"}], [{"position_id": "P1"}, {"position_id": "P2"}]
    )
    draft = pd.DataFrame({"employee_id": [], "to_position": []})
    none = pd.DataFrame({"employee_id": [], "response": []})
    cheap = revise(problem, draft, none, change_cost=1.0)
    assert cheap.counts["silent_changed"] == 1
    assert cheap.info["objective"] == pytest.approx(0.1 + 1.0)
    dear = revise(problem, draft, none, change_cost=2.0)
    assert dear.counts["silent_changed"] == 0
    assert dear.info["objective"] == pytest.approx(2.0)
    # an objection of one keeps them; the other one moves
    one = revise(
        problem, draft, pd.DataFrame({"employee_id": ["E1"], "response": ["object"]}), change_cost=1.0
    )
    assert list(one.result.moves["employee_id"]) == ["E2"]


def test_request_granted_within_the_preference_weight() -> None:
    # E1 in P1 (needs 1, holds E1 and E2); P2 and P3 each need 1, P2 holds E3. The draft
    # moves E2 to P3. E1 asks for P2: granting it costs B 1 + 1 move more.
    problem = make_problem(
        [{"employee_id": "E1"}, {"employee_id": "E2"}, {"employee_id": "E3", "position_id": "P2"}],
        [{"position_id": "P1"}, {"position_id": "P2"}, {"position_id": "P3"}],
        preference_weight=0.5,
    )
    draft = pd.DataFrame({"employee_id": ["E2"], "to_position": ["P3"]})
    ask = pd.DataFrame({"employee_id": ["E1"], "response": ["usul"], "target_position": ["P2"]})
    low = revise(problem, draft, ask, lang="en")
    row = low.outcomes.iloc[0]
    assert row["outcome"] == "refused"
    # granted, E1 leaves P1 empty and crowds P2: the best answer is to send E3 back to P1
    # (two more moves, 0.2, and one silent outcome changed, 1.0): worse by 1.2 > 0.5
    assert "worse by 1.2000" in row["reason"] and "moves" in row["reason"]
    generous = make_problem(
        [{"employee_id": "E1"}, {"employee_id": "E2"}, {"employee_id": "E3", "position_id": "P2"}],
        [{"position_id": "P1"}, {"position_id": "P2"}, {"position_id": "P3"}],
        preference_weight=5.0,
    )
    high = revise(generous, draft, ask)
    assert high.outcomes.iloc[0]["outcome"] == "granted"
    assert check(generous, high.result).ok


def test_forbidden_request_answered_with_the_rule() -> None:
    problem = make_problem(
        [{"employee_id": "E1"}, {"employee_id": "E2"}],
        [{"position_id": "P1"}, {"position_id": "P2", "jabatan": "Lain"}],
    )
    draft = pd.DataFrame({"employee_id": [], "to_position": []})
    ask = pd.DataFrame({"employee_id": ["E1"], "response": ["request"], "target_position": ["P2"]})
    rv = revise(problem, draft, ask, lang="en")
    assert rv.outcomes.iloc[0]["outcome"] == "refused"
    assert "same_jabatan" in rv.outcomes.iloc[0]["reason"]


def test_revision_records_hashes_and_writes(tmp_path: Path) -> None:
    problem = make_problem(
        [{"employee_id": "E1"}, {"employee_id": "E2"}], [{"position_id": "P1"}, {"position_id": "P2"}]
    )
    draft = pd.DataFrame({"employee_id": ["E1"], "to_position": ["P2"]})
    resp = pd.DataFrame({"employee_id": ["E1"], "response": ["Setuju"]})
    rv = revise(problem, draft, resp)
    info = rv.result.info["revision"]
    assert info["responses_sha256"] == responses_sha256(read_responses(resp))
    assert len(info["draft_sha256"]) == 64
    assert rv.counts["kept"] == 1
    written = rv.write(tmp_path / "revised.json")
    assert [p.name for p in written] == [
        "revised.json",
        "revised_outcomes.csv",
        "revised_changed.csv",
        "revised_diff.json",
    ]
    from asn_balance.io.plans import read_plan_document

    back = read_plan_document(tmp_path / "revised.json")
    assert check(problem, back).ok
    assert back.summary["revision"]["counts"]["kept"] == 1


def test_bad_responses_name_every_problem(tmp_path: Path) -> None:
    problem = make_problem(
        [{"employee_id": "E1"}, {"employee_id": "E2"}], [{"position_id": "P1"}, {"position_id": "P2"}]
    )
    path = tmp_path / "responses.csv"
    path.write_text(
        "NIP,Tanggapan,Posisi Tujuan,Catatan\n"
        "E1,mungkin,,\n"  # unknown word
        "E2,usul,,\n"  # request without a target
        "E9,setuju,,\n"  # unknown employee
        "E1,setuju,P2,\n"  # twice, and a target with an accept
        ",,,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        read_responses(path, problem)
    rules = sorted((p.row, p.rule) for p in info.value.problems)
    assert rules == [
        (2, "invalid_response"),
        (3, "missing_target"),
        (4, "unknown_employee"),
        (5, "duplicate_id"),
        (5, "unexpected_target"),
    ]
    assert all(p.table == "responses" for p in info.value.problems)


def test_responses_spellings_and_blank_rows() -> None:
    frame = pd.DataFrame(
        {
            "nip": ["E1", "E2", "E3", "E4"],
            "jawaban": ["SETUJU", "Keberatan", "usul", ""],
            "usulan_posisi": ["", "", "P2", ""],
        }
    )
    out = read_responses(frame)
    assert list(out["response"]) == ["accept", "object", "request"]  # E4 did not answer
    assert list(out["source_row"]) == [2, 3, 4]


def test_overrule_needs_an_objection() -> None:
    problem = make_problem(
        [{"employee_id": "E1"}, {"employee_id": "E2"}], [{"position_id": "P1"}, {"position_id": "P2"}]
    )
    draft = pd.DataFrame({"employee_id": ["E1"], "to_position": ["P2"]})
    with pytest.raises(InputError) as info:
        revise(problem, draft, pd.DataFrame({"employee_id": ["E1"], "response": ["accept"]}), overrule=["E1"])
    assert info.value.problems[0].rule == "not_an_objection"
