"""Consultation rounds in the database: their states, responses, checks and transitions.

A round goes ``draft -> in_consultation -> revised -> approved | rejected``. Every change
runs in one unit of work that locks the round's row, checks its state (an approved or
rejected round is final: :class:`RoundConflict`), bumps its ``version`` and records the
transition (who, when, from, to, note) and a line of the audit log. The work between
reading a round and changing it (notices, revise, check) runs outside the transaction; the
change is refused when the round's version moved meanwhile.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .schema import JobRow, ResponseRow, RoundRow, TransitionRow
from .store import FINAL_STATES, Store, latest_upload, now

__all__ = ["STATES", "RoundConflict", "Rounds"]

#: The states of a round, in order.
STATES = ("draft", "in_consultation", "revised", "approved", "rejected")


class RoundConflict(Exception):
    """A change the round's state does not allow (answered ``409``)."""


class Rounds:
    """The rounds kept in a :class:`~asn_balance.apps.server.db.store.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ------------------------------------------------------------------ reading
    def create(self, plan_id: str, who: str, note: str = "") -> dict[str, Any]:
        """A round in state ``draft`` from a finished plan (``KeyError``: no such plan;
        :class:`RoundConflict`: the job has no plan)."""
        at = now()
        with self.store.unit() as s:
            job = s.get(JobRow, plan_id)
            if job is None:
                raise KeyError(plan_id)
            plan = job.result or {}
            has_plan = plan.get("summary", {}).get("status") in ("optimal", "feasible")
            if job.status != "done" or not has_plan or job.input_sha256 is None:
                raise RoundConflict(
                    f"plan {plan_id!r} is {job.status} without a plan to consult on; a round starts "
                    "from a finished plan (status done, plan status optimal or feasible)"
                )
            latest = latest_upload(s, job.agency)
            row = RoundRow(
                id=uuid.uuid4().hex,
                agency=job.agency,
                state="draft",
                version=1,
                plan_id=plan_id,
                input_sha256=job.input_sha256,
                draft=plan,
                notices=None,
                revised=None,
                revision=None,
                stale=latest not in (None, job.input_sha256),
                stale_input_sha256=latest if latest != job.input_sha256 else None,
                last_check=None,
                created=at,
                updated=at,
            )
            s.add(row)
            s.flush()
            s.add(
                TransitionRow(round_id=row.id, from_state=None, to_state="draft", who=who, at=at, note=note)
            )
            self.store.audit(s, who, "round.create", "round", row.id, note, {"plan_id": plan_id}, at)
            return self._view(s, row)

    def get(self, round_id: str) -> dict[str, Any] | None:
        """The view of a round, or ``None``."""
        with self.store.unit(write=False) as s:
            row = s.get(RoundRow, round_id)
            return None if row is None else self._view(s, row)

    def brief(self) -> list[dict[str, Any]]:
        """Every round: id, agency, state, stale, created, updated (oldest first)."""
        q = sa.select(RoundRow).order_by(RoundRow.created, RoundRow.id)
        with self.store.unit(write=False) as s:
            return [
                {
                    "id": r.id,
                    "agency": r.agency,
                    "state": r.state,
                    "stale": r.stale,
                    "created": r.created,
                    "updated": r.updated,
                }
                for r in s.scalars(q)
            ]

    def responses(self, round_id: str) -> list[dict[str, Any]]:
        """The answers of a round, by employee."""
        q = sa.select(ResponseRow).where(ResponseRow.round_id == round_id).order_by(ResponseRow.employee_id)
        with self.store.unit(write=False) as s:
            return [_response(r) for r in s.scalars(q)]

    def audit(self, round_id: str) -> list[dict[str, Any]]:
        """The audit lines of a round, oldest first."""
        return self.store.audit_log("round", round_id)

    # ------------------------------------------------------------------ changing
    def change(
        self,
        round_id: str,
        version: int | None,
        who: str,
        action: str,
        note: str,
        *,
        allowed: Iterable[str],
        to_state: str | None = None,
        fields: dict[str, Any] | None = None,
        detail: dict[str, Any] | None = None,
        guard: Callable[[Session, RoundRow], None] | None = None,
    ) -> dict[str, Any]:
        """Change a round in one unit of work (see the module's docstring).

        ``allowed``: the states the change starts from; ``version``: the version the work
        was done on (``None``: any); ``guard(session, row)`` may raise :class:`RoundConflict`
        after the state checks. ``KeyError`` when there is no such round.
        """
        allowed = tuple(allowed)
        at = now()
        with self.store.unit() as s:
            row = s.get(RoundRow, round_id, with_for_update=True)
            if row is None:
                raise KeyError(round_id)
            if row.state in FINAL_STATES:
                raise RoundConflict(f"round {round_id!r} is {row.state}: it can no longer change")
            if row.state not in allowed:
                raise RoundConflict(
                    f"round {round_id!r} is {row.state}; {action.removeprefix('round.')} needs a round "
                    f"that is {' or '.join(allowed)}"
                )
            if version is not None and row.version != version:
                raise RoundConflict(
                    f"round {round_id!r} changed meanwhile (version {version} -> {row.version}); try again"
                )
            if guard is not None:
                guard(s, row)
            for k, v in (fields or {}).items():
                setattr(row, k, v)
            row.version += 1
            row.updated = at
            if to_state is not None and to_state != row.state:
                s.add(
                    TransitionRow(
                        round_id=row.id, from_state=row.state, to_state=to_state, who=who, at=at, note=note
                    )
                )
                row.state = to_state
            self.store.audit(s, who, action, "round", row.id, note, detail, at)
            s.flush()
            return self._view(s, row)

    def add_responses(
        self, round_id: str, version: int | None, rows: list[dict[str, Any]], who: str, note: str = ""
    ) -> tuple[dict[str, Any], int, int]:
        """Store answers (a later answer of an employee replaces the earlier one) while the
        round is in consultation; returns the round's view, answers added and replaced."""
        counts = [0, 0]

        def put(s: Session, row: RoundRow) -> None:
            at = now()
            old = {
                r.employee_id: r
                for r in s.scalars(sa.select(ResponseRow).where(ResponseRow.round_id == row.id))
            }
            for r in rows:
                prev = old.get(r["employee_id"])
                values = {k: r[k] for k in ("response", "target_position", "note", "response_given")}
                if prev is None:
                    s.add(
                        ResponseRow(
                            round_id=row.id, employee_id=r["employee_id"], who=who, created=at, **values
                        )
                    )
                    counts[0] += 1
                else:
                    for k, v in values.items():
                        setattr(prev, k, v)
                    prev.who, prev.created = who, at
                    counts[1] += 1

        view = self.change(
            round_id,
            version,
            who,
            "round.responses",
            note,
            allowed=("in_consultation",),
            guard=put,
            detail={"rows": len(rows), "employees": [r["employee_id"] for r in rows]},
        )
        view["responses"] = len(self.responses(round_id))
        return view, counts[0], counts[1]

    def approve(
        self,
        round_id: str,
        who: str,
        note: str,
        plan_hash: Callable[[dict[str, Any]], str],
        document_hash: Callable[[dict[str, Any]], str] | None = None,
    ) -> dict[str, Any]:
        """Approve a revised round whose last check passed on the plan to approve (its
        revised plan: its moves hashed by ``plan_hash`` and, when given, the whole stored
        document by ``document_hash``) and on its agency's newest data
        (:class:`RoundConflict` otherwise)."""
        approved: dict[str, str] = {}

        def ready(s: Session, row: RoundRow) -> None:
            plan_sha256 = plan_hash(row.revised or {})
            approved["plan_sha256"] = plan_sha256
            document = document_hash(row.revised or {}) if document_hash is not None else None
            latest = latest_upload(s, row.agency) or row.input_sha256
            chk = row.last_check or {}
            why = (
                "no check of the round yet: POST /rounds/{id}/check first"
                if not chk
                else "the last check is of another plan than the one to approve: check again"
                if chk.get("plan_sha256") != plan_sha256
                else "the revised plan was revised again after the last check (same moves, another "
                "revision record): check again"
                if document is not None and chk.get("document_sha256") != document
                else f"newer data of agency {row.agency!r} was uploaded after the last check "
                f"(input {latest[:12]}): check again on it"
                if chk.get("input_sha256") != latest
                else f"the last check failed ({chk.get('violations')} violations)"
                if not chk.get("ok")
                else ""
            )
            if why:
                raise RoundConflict(f"round {round_id!r} cannot be approved: {why}")

        return self.change(
            round_id,
            None,
            who,
            "round.approve",
            note,
            allowed=("revised",),
            to_state="approved",
            guard=ready,
            detail=approved,
        )

    def _view(self, s: Session, row: RoundRow) -> dict[str, Any]:
        n = s.scalar(
            sa.select(sa.func.count()).select_from(ResponseRow).where(ResponseRow.round_id == row.id)
        )
        transitions = s.scalars(
            sa.select(TransitionRow).where(TransitionRow.round_id == row.id).order_by(TransitionRow.id)
        )
        return {
            "id": row.id,
            "agency": row.agency,
            "state": row.state,
            "version": row.version,
            "plan_id": row.plan_id,
            "input_sha256": row.input_sha256,
            "latest_input_sha256": latest_upload(s, row.agency),
            "stale": row.stale,
            "stale_input_sha256": row.stale_input_sha256,
            "created": row.created,
            "updated": row.updated,
            "draft": row.draft,
            "revised": row.revised,
            "revision": row.revision,
            "notices": row.notices,
            "last_check": row.last_check,
            "responses": int(n or 0),
            "transitions": [
                {"from_state": t.from_state, "to_state": t.to_state, "who": t.who, "at": t.at, "note": t.note}
                for t in transitions
            ],
        }


def _response(r: ResponseRow) -> dict[str, Any]:
    return {
        "employee_id": r.employee_id,
        "response": r.response,
        "target_position": r.target_position,
        "note": r.note,
        "response_given": r.response_given,
        "who": r.who,
        "created": r.created,
    }
