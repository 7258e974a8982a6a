"""Input tables of a request: the validated :class:`Problem`, the tables as stored by hash,
and the body of a check report."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from ...model.policy import Policy
from ...model.problem import Problem
from ...model.readers import _json_frame
from .models import TablesIn

__all__ = ["TABLES", "ProblemCache", "build_problem", "check_body", "stored_tables"]

#: The input tables of a request, in order.
TABLES = ("employees", "positions", "tasks", "units", "grade_codes")
_SOURCE = Path("request")


def build_problem(body: TablesIn) -> Problem:
    """The validated :class:`Problem` of a request (raises :class:`InputError`)."""
    raw = {
        name: _json_frame(getattr(body, name), name, _SOURCE)
        for name in TABLES
        if getattr(body, name) is not None
    }
    return Problem.read(raw, body.policy)


def stored_tables(body: TablesIn) -> dict[str, Any]:
    """The tables of a request as the store keeps them (as sent, without the policy)."""
    return {name: getattr(body, name) for name in TABLES if getattr(body, name) is not None}


def moves_frame(moves: Any) -> pd.DataFrame:
    """A plan's moves (records) as the frame :func:`asn_balance.check` takes."""
    from ...io.plans import read_plan

    if not moves:
        return pd.DataFrame({"employee_id": [], "to_position": []}, dtype=object)
    return read_plan(_json_frame(list(moves), "moves", _SOURCE))


def check_body(report: Any) -> dict[str, Any]:
    """A :class:`~asn_balance.check.CheckReport` as the body of ``CheckOut``."""
    staff = pd.DataFrame(
        {"need": report.need, "staff_before": report.staff_before, "staff_after": report.staff_after}
    )
    return {
        "ok": report.ok,
        "moves": report.moves,
        "balance_before": report.balance_before,
        "balance": report.balance,
        "objective": report.objective,
        "terms": report.terms,
        "violations": [
            {"rule": v.rule, "subject": v.subject, "message": v.message} for v in report.violations
        ],
        "policy_differences": [d.describe("given") for d in report.policy_differences],
        "input_changes": list(report.input_changes),
        "notes": list(report.notes),
        "positions": [
            {
                "position_id": str(pid),
                "need": float(r.need),
                "staff_before": float(r.staff_before),
                "staff_after": float(r.staff_after),
            }
            for pid, r in zip(staff.index, staff.itertuples(index=False), strict=True)
        ],
    }


class ProblemCache:
    """The last few problems built from stored inputs, by input hash and policy."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], Problem] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha256: str, load: Callable[[], dict[str, Any] | None], policy: Policy) -> Problem:
        """The problem of the tables stored under ``sha256`` (``load()`` reads them) with
        ``policy``, built once (``KeyError`` when nothing is stored under ``sha256``)."""
        key = (sha256, policy.model_dump_json())
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        tables = load()
        if tables is None:
            raise KeyError(sha256)
        problem = build_problem(TablesIn.model_validate({**tables, "policy": policy}))
        with self._lock:
            self._items[key] = problem
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return problem
