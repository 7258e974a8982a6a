"""What a plan records of how it was made, read as plain data for :func:`~.verifier.check`.

A plan written by ``asn-balance plan``, like a :class:`~asn_balance.evaluate.result.Result`,
records the policy it was made under (``policy``, its plan date resolved), the fingerprint of
its input (``input_sha256`` and, per table, ``input_tables``: rows and SHA-256) and its claim
(``status``, ``objective``, ``bound``). The checker reads them here from a mapping, or from the
attributes of a Result or a plan document, without importing either. The fingerprint of the
input checked is the problem's (``problem.input_sha256``, ``problem.input_tables``): the
checker compares fingerprints, it does not compute them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..model.errors import InputError, InputProblem
from ..model.policy import Policy
from .inputs import PlanLike, ProblemLike
from .report import PolicyDifference

__all__: list[str] = []

#: The keys of a plan's record that make its claim.
_CLAIM = ("status", "objective", "bound")


def _moves_and_record(plan: Any, recorded: Mapping[str, Any] | None) -> tuple[PlanLike, dict[str, Any]]:
    """The moves to check and what the plan records of itself (``{}``: nothing).

    A Result gives its ``info`` and its status, objective and bound; an object with a
    ``summary`` mapping (a plan document read back) its summary; a mapping with ``summary``
    and ``moves`` (a plan's JSON) both. ``recorded``, when given, replaces what the plan
    records.
    """
    moves: Any = plan
    rec: dict[str, Any] = {}
    if isinstance(plan, Mapping):
        summary = plan.get("summary")
        if isinstance(summary, Mapping) and "moves" in plan and not isinstance(plan["moves"], str):
            rec = dict(summary)
            table = plan["moves"]
            moves = table if isinstance(table, pd.DataFrame) else pd.DataFrame(list(table or []))
    elif isinstance(getattr(plan, "info", None), Mapping):  # a Result: its run record and claim
        rec = dict(plan.info)
        for key in _CLAIM:
            value = getattr(plan, key, None)
            if key not in rec and isinstance(value, (str, int, float)):
                rec[key] = value
    elif isinstance(getattr(plan, "summary", None), Mapping):  # a plan document read back
        rec = dict(plan.summary)
    if recorded is not None:
        rec = dict(recorded)
    return moves, rec


def _recorded_policy(rec: Mapping[str, Any]) -> Policy | None:
    """The policy the plan records, validated; ``None`` if it records none.

    Raises
    ------
    InputError
        Table ``plan``, rule ``invalid_plan``: the recorded policy is no valid policy of this
        version (a field unknown here, a value out of range), one problem per field.
    """
    raw = rec.get("policy")
    if isinstance(raw, Policy):
        return raw
    if raw is None or (isinstance(raw, Mapping) and not raw):
        return None
    if not isinstance(raw, Mapping):
        message = "the plan's recorded policy is not a table of policy fields"
        raise InputError([InputProblem("plan", None, "policy", raw, "invalid_plan", message)])
    try:
        return Policy.model_validate(dict(raw))
    except ValueError as e:  # pydantic's ValidationError
        why = "the plan's recorded policy is not valid here"
        errors = getattr(e, "errors", None)
        details: list[dict[str, Any]] = list(errors()) if callable(errors) else []
        problems = [
            InputProblem(
                "plan",
                None,
                ".".join(["policy", *(str(x) for x in d.get("loc", ()))]),
                d.get("input") if d.get("loc") else None,
                "invalid_plan",
                f"{why}: {str(d.get('msg', '')).removeprefix('Value error, ')}",
            )
            for d in details
        ] or [InputProblem("plan", None, "policy", None, "invalid_plan", f"{why}: {e}")]
        raise InputError(problems) from None


def _resolved(policy: Policy) -> dict[str, Any]:
    """Every field of ``policy``, ``plan_date`` resolved (today where none is given)."""
    out: dict[str, Any] = policy.model_dump()
    out["plan_date"] = policy.date()
    return out


def _policy_differences(plan: Policy, other: Policy) -> list[PolicyDifference]:
    """Every field on which the plan's policy and ``other`` differ, in field order."""
    a, b = _resolved(plan), _resolved(other)
    return [PolicyDifference(k, a[k], b.get(k)) for k in a if a[k] != b.get(k)]


class _UnderPolicy:
    """A problem's tables under another policy: what :func:`check` reads of a problem.

    The tables stay as validated: ``months_in_position`` made from SIASN dates was counted
    at the problem's plan date, and a different count shows as a changed input.
    """

    def __init__(self, problem: ProblemLike, policy: Policy) -> None:
        self._problem = problem
        self.policy = policy

    @property
    def employees(self) -> pd.DataFrame:
        return self._problem.employees

    @property
    def positions(self) -> pd.DataFrame:
        return self._problem.positions

    @property
    def tasks(self) -> pd.DataFrame:
        return self._problem.tasks

    def __getattr__(self, name: str) -> Any:  # units and whatever else a problem carries
        return getattr(self._problem, name)


def _fingerprint(problem: Any) -> tuple[str | None, Mapping[str, Any] | None]:
    """The input fingerprint the problem gives (``input_sha256``, ``input_tables``), if any."""
    sha = getattr(problem, "input_sha256", None)
    tables = getattr(problem, "input_tables", None)
    return (sha if isinstance(sha, str) and sha else None, tables if isinstance(tables, Mapping) else None)


def _rows(n: Any) -> str:
    if isinstance(n, bool) or not isinstance(n, int):
        return "? rows"
    return f"{n} row{'s' if n != 1 else ''}"


def _input_changes(recorded: Any, now: Mapping[str, Any] | None) -> list[str]:
    """What changed between the plan's input and the one checked, table by table."""
    if not isinstance(recorded, Mapping) or not recorded:
        return ["the plan records no per-table detail (input_tables): which table changed is not known"]
    if now is None:
        return ["the problem gives no per-table detail (input_tables): which table changed is not known"]
    changed, same = [], []
    for name in [*now, *(k for k in recorded if k not in now)]:
        got_now, got_then = now.get(name), recorded.get(name)
        a: Mapping[str, Any] = got_now if isinstance(got_now, Mapping) else {}
        b: Mapping[str, Any] = got_then if isinstance(got_then, Mapping) else {}
        if a and b and a.get("sha256") == b.get("sha256"):
            same.append(str(name))
        else:
            changed.append(f"table {name} changed: {_rows(a.get('rows'))} now, "
                           f"{_rows(b.get('rows'))} in the plan's input")  # fmt: skip
    if not changed:
        changed.append("no table differs on its own: the fingerprints were made another way")
    return [*changed, *([f"unchanged: {', '.join(same)}"] if same else [])]


def _input_check(rec: Mapping[str, Any], problem: Any) -> tuple[str | None, str | None, list[str]]:
    """The plan's input fingerprint, the problem's, and what changed (empty when the same
    or unknown)."""
    plan_sha = rec.get("input_sha256")
    plan_sha = plan_sha if isinstance(plan_sha, str) and plan_sha else None
    sha, tables = _fingerprint(problem)
    if plan_sha is None or sha is None or plan_sha == sha:
        return plan_sha, sha, []
    return plan_sha, sha, _input_changes(rec.get("input_tables"), tables)


def _input_message(plan_sha: str, sha: str, changes: list[str]) -> str:
    return (
        f"the input is not the one the plan was made from (input_sha256 {sha[:12]}... here, "
        f"{plan_sha[:12]}... in the plan): " + "; ".join(changes)
    )


def _revision_record(rec: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """What a revised plan records of its consultation round (``revision``: the answers'
    ``outcomes``, the silent employees ``changed``, ``change_cost``, ``draft_sha256``), as
    plain data; ``None`` when the plan is no revision."""
    raw = rec.get("revision")
    return raw if isinstance(raw, Mapping) else None


def _draft_sha256(employees: pd.DataFrame, moves: Any) -> str:
    """SHA-256 of a draft's moves as a revision records it (``draft_sha256``): the rows whose
    target differs from the employee's position, sorted ``(employee_id, to_position)``."""
    if isinstance(moves, Mapping):
        frame = pd.DataFrame({"employee_id": list(moves.keys()), "to_position": list(moves.values())})
    else:
        frame = pd.DataFrame(getattr(moves, "moves", moves))
    if len(frame) == 0:
        frame = pd.DataFrame({"employee_id": [], "to_position": []})
    if not {"employee_id", "to_position"} <= set(frame.columns):
        return ""
    home = dict(zip(employees["employee_id"].astype(str), employees["position_id"].astype(str), strict=True))
    rows = sorted(
        (e, t)
        for e, t in zip(frame["employee_id"].astype(str), frame["to_position"].astype(str), strict=True)
        if home.get(e) != t
    )
    text = "asn-balance moves v1\n" + "".join(f"{e}\t{t}\n" for e, t in rows)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _claim(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {k: rec[k] for k in _CLAIM if k in rec}
