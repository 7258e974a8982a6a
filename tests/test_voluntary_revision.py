"""``voluntary_first`` on a revised plan: the checker judges the rule as the consultation
round left it open (``check/voluntary.py``).

A revised plan records its round (``info["revision"]``: the answers' outcomes, the silent
employees changed, ``change_cost``, ``draft_sha256``). The employees who answered are left
out of the rule (their answers settle their outcomes), and a swap between two silent
employees is priced with the revision's change costs. These tests build the records by
hand (the hash with their own code), so that they test the checker, not the revision.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import pytest

from asn_balance import check
from asn_balance.analysis.revise import revise
from conftest import make_problem


def moves_sha(moves: dict[str, str]) -> str:
    """The draft's hash as the round records it, written out here on purpose."""
    text = "asn-balance moves v1\n" + "".join(f"{e}\t{t}\n" for e, t in sorted(moves.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row(e: str, frm: str, draft: str, revised: str, response: str = "") -> dict[str, Any]:
    out = {"employee_id": e, "from_position": frm, "draft_position": draft, "revised_position": revised}
    return {**out, "response": response} if response else out


def record(
    outcomes: list[dict[str, Any]], changed: list[dict[str, Any]], draft: dict[str, str], cc: float
) -> dict:
    return {
        "revision": {
            "outcomes": outcomes,
            "changed": changed,
            "change_cost": cc,
            "draft_sha256": moves_sha(draft),
        }
    }


@pytest.fixture
def three() -> Any:
    # P1 holds N (not a volunteer), V (a volunteer) and W and needs one; P2, P3 need one each.
    return make_problem(
        [
            {"employee_id": "N"},
            {"employee_id": "V", "volunteer": True},
            {"employee_id": "W"},
        ],
        [{"position_id": "P1"}, {"position_id": "P2"}, {"position_id": "P3"}],
    )


def rules(report: Any) -> set[str]:
    return {v.rule for v in report.violations}


def test_an_objecting_volunteer_is_held_by_the_answer(three: Any) -> None:
    draft = pd.DataFrame({"employee_id": ["V", "W"], "to_position": ["P2", "P3"]})
    assert check(three, draft).ok
    rv = revise(three, draft, pd.DataFrame({"employee_id": ["V"], "response": ["keberatan"]}))
    moves = dict(zip(rv.result.moves["employee_id"], rv.result.moves["to_position"], strict=True))
    assert moves == {"N": "P2", "W": "P3"}  # V stays: N takes P2 (it pays: B 2 -> 0)
    assert check(three, rv.result).ok and rv.result.info["check"]["ok"]
    # the same moves without the record: the plain rule sees V, who stays, and flags N
    bare = check(three, rv.result.moves)
    assert rules(bare) == {"voluntary_first"}
    assert "N moved to P2" in str(bare)
    # as the plan's JSON (summary and moves), the record travels with the plan
    doc = rv.result.to_dict()
    assert check(three, {"summary": doc["summary"], "moves": doc["moves"]}).ok


def test_a_tampered_record_is_not_used(three: Any) -> None:
    draft = pd.DataFrame({"employee_id": ["V", "W"], "to_position": ["P2", "P3"]})
    rv = revise(three, draft, pd.DataFrame({"employee_id": ["V"], "response": ["keberatan"]}))
    rec = dict(rv.result.info["revision"])
    for broken in (
        {**rec, "outcomes": []},  # V's answer dropped: the draft implied is not the draft
        {**rec, "draft_sha256": "0" * 64},
        {**rec, "change_cost": -1},
        {**rec, "outcomes": [{**rec["outcomes"][0], "revised_position": "P3"}]},  # not V's position
    ):
        report = check(three, rv.result.moves, recorded={"revision": broken})
        assert rules(report) == {"voluntary_first"}, broken
        assert any("revision record does not describe it" in n for n in report.notes)


def test_silent_swap_at_no_higher_revision_cost_is_flagged(three: Any) -> None:
    # the draft moves nobody; N moves to P2 and V stays. Both silent and both drafted home:
    # the swap (V instead of N) changes one outcome for another, and V moving lowers the
    # preferences term: a real violation, which the record does not excuse.
    plan = pd.DataFrame({"employee_id": ["N"], "to_position": ["P2"]})
    rec = record([], [row("N", "P1", "P1", "P2")], {}, cc=1.0)
    report = check(three, plan, recorded=rec)
    assert rules(report) == {"voluntary_first"}
    assert "of the revision" in str(report)
    assert [n for n in report.notes if "revision record" in n] == []  # the record was used
    assert any("left it open" in n for n in report.notes)


def test_silent_volunteer_kept_by_the_change_cost(three: Any) -> None:
    # the draft moved N to P3; the revision sends N to P2 instead (one change) and keeps V
    # home. V taking P2 would be a second change: worth it only when the change cost is
    # below what V's moving saves (the preference weight 0.2 of a volunteer who stays).
    plan = pd.DataFrame({"employee_id": ["N"], "to_position": ["P2"]})
    draft = {"N": "P3"}
    dear = check(three, plan, recorded=record([], [row("N", "P1", "P3", "P2")], draft, cc=1.0))
    assert dear.ok, str(dear)
    cheap = check(three, plan, recorded=record([], [row("N", "P1", "P3", "P2")], draft, cc=0.1))
    assert rules(cheap) == {"voluntary_first"}
    # at exactly the saving it is a tie, and a tie is the volunteer's
    tie = check(three, plan, recorded=record([], [row("N", "P1", "P3", "P2")], draft, cc=0.2))
    assert rules(tie) == {"voluntary_first"}


def test_answered_mover_is_settled(three: Any) -> None:
    # N accepted the draft's move to P2; V (silent, drafted home) stays. The move is the
    # answer's: the round left no swap open.
    plan = pd.DataFrame({"employee_id": ["N"], "to_position": ["P2"]})
    rec = record([row("N", "P1", "P2", "P2", "accept")], [], {"N": "P2"}, cc=1.0)
    assert check(three, plan, recorded=rec).ok
    assert rules(check(three, plan)) == {"voluntary_first"}


def test_a_synthetic_round_that_the_plain_rule_would_fail() -> None:
    # 600 employees (synth seed 2): a volunteer objects to the draft's move to KEL05-01,
    # and a non-volunteer of the same position, refused the position they asked for, keeps
    # the draft's move there. The plain rule flags it; the round explains it.
    import numpy as np

    import asn_balance as ab
    from asn_balance.datasets import synth

    t = synth.generate(600, seed=2, policy_columns=True)
    t.pop("units")
    problem = ab.Problem.from_frames(
        t["employees"], t["positions"], t["tasks"], ab.Policy(plan_date="2026-01-15")
    )
    draft = ab.solve(problem)
    rng = np.random.default_rng(2)
    emp = problem.employees
    movers = list(draft.moves["employee_id"].astype(str))
    vol = [v for v in emp.loc[emp["volunteer"].astype(bool), "employee_id"].astype(str) if v not in movers]
    home = dict(
        zip(
            problem.employee_index.astype(str), problem.position_index[problem.employee_position], strict=True
        )
    )
    rows = []
    for e in movers + vol:
        r = rng.random()
        if r < 0.3:
            rows.append((e, "setuju", ""))
        elif r < 0.6:
            rows.append((e, "keberatan", ""))
        elif r < 0.75:
            rows.append((e, "usul", str(rng.choice(problem.position_index.astype(str)))))
    rows = [x for x in rows if not (x[1] == "usul" and x[2] == home[x[0]])]
    answers = pd.DataFrame(rows, columns=["employee_id", "response", "target_position"])
    rv = revise(problem, draft, answers)
    assert rules(check(problem, rv.result.moves)) == {"voluntary_first"}
    assert check(problem, rv.result).ok and rv.result.info["check"]["ok"]


def test_a_self_attested_round_is_said_and_a_given_draft_decides(three: Any) -> None:
    """A record that names its own plan as the draft excuses N unless the real draft is given.

    The checker cannot know the draft from the plan alone: it says so in a note, and given the
    draft it uses the round only when the draft hashes to ``draft_sha256``.
    """
    plan = pd.DataFrame({"employee_id": ["N"], "to_position": ["P2"]})
    forged = record([], [], {"N": "P2"}, cc=1.0)
    alone = check(three, plan, recorded=forged)
    assert any("not verified against a draft" in n for n in alone.notes)
    real_draft = pd.DataFrame({"employee_id": ["V"], "to_position": ["P2"]})
    given = check(three, plan, recorded=forged, draft=real_draft)
    assert rules(given) == {"voluntary_first"}  # the plain rule: V stays, N moves
    assert any("not the one this plan was revised from" in n for n in given.notes)
    # a genuine revision, checked with its own draft, is verified and passes
    draft = pd.DataFrame({"employee_id": ["V", "W"], "to_position": ["P2", "P3"]})
    rv = revise(three, draft, pd.DataFrame({"employee_id": ["V"], "response": ["keberatan"]}))
    ok = check(three, rv.result, draft=draft)
    assert ok.ok and any("verified against the draft given" in n for n in ok.notes)
