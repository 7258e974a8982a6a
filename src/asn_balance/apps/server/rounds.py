"""The routes of uploads and consultation rounds (``POST /inputs``, ``/rounds/...``).

A round's work uses the library: :func:`asn_balance.notices` on the draft re-evaluated
(:func:`~asn_balance.analysis.given_plan.plan_result`), :func:`~asn_balance.model.responses.read_responses`
for the answers (``422`` with every problem), :func:`asn_balance.revise` and
:func:`asn_balance.check`. The state machine and its records live in
:mod:`asn_balance.apps.server.db.rounds`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Response

from ...model.policy import Policy
from ...model.problem import Problem
from .db import FINAL_STATES, RoundConflict, Rounds, Store
from .db.store import now
from .inputs import ProblemCache, build_problem, check_body, moves_frame, stored_tables
from .models import ErrorOut
from .round_models import (
    AuditOut,
    InputIn,
    InputOut,
    NoteIn,
    NoticesIn,
    NoticesOut,
    ResponseOut,
    ResponsesIn,
    ResponsesOut,
    ReviseIn,
    RoundBrief,
    RoundCheckOut,
    RoundIn,
    RoundOut,
)

__all__ = ["document_sha256", "plan_sha256", "rounds_router", "save_upload"]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such round."}}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorOut,
        "description": "The round's state does not allow this (an approved or rejected "
        "round never changes; approval needs a passing check on the newest data).",
    },
}
#: Seconds a revision gets when the request and the service set none.
REVISE_TIME_LIMIT = 60.0


def plan_sha256(plan: dict[str, Any]) -> str:
    """The hash of a plan's moves (as a revision records its draft's, ``draft_sha256``)."""
    from ...analysis.revise import _moves_sha256

    return _moves_sha256(moves_frame(plan.get("moves") or []))


def document_sha256(plan: dict[str, Any]) -> str:
    """The hash of a whole stored plan (moves, summary, revision record, everything
    ``check`` reads): approval needs the last check to be of exactly this document, so a
    re-revision that keeps the moves but changes the record (other answers settled, another
    change cost) needs a new check."""
    text = json.dumps(plan, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def plan_document(plan: dict[str, Any]) -> dict[str, Any]:
    """A stored plan (``Result.to_dict()``) with its moves as a table, as the library reads plans."""
    return {**plan, "moves": moves_frame(plan.get("moves") or [])}


def save_upload(
    store: Store, body: Any, problem: Problem, who: str, agency: str, note: str = ""
) -> list[str]:
    """Store a request's tables under their canonical hash as an upload of ``agency``; the
    ids of the rounds it made stale."""
    rows = problem.n_employees + len(problem.positions)
    return store.save_input(problem.input_sha256, stored_tables(body), rows, agency, who, note)


def rounds_router(
    store: Store, caller: Callable[..., str], *, max_time_limit: float | None, responses: dict[int | str, Any]
) -> APIRouter:
    """The routes of uploads and rounds over ``store``; ``caller`` is the dependency giving
    the API key's name."""
    rounds = Rounds(store)
    problems = ProblemCache()
    router = APIRouter(responses=responses)

    def found(round_id: str) -> dict[str, Any]:
        view = rounds.get(round_id)
        if view is None:
            raise HTTPException(404, f"no round {round_id!r}")
        return view

    def open_round(round_id: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        """The round, refused at once (before any work) when its state does not allow the step."""
        view = found(round_id)
        if view["state"] in FINAL_STATES:
            raise HTTPException(409, f"round {round_id!r} is {view['state']}: it can no longer change")
        if view["state"] not in allowed:
            raise HTTPException(
                409,
                f"round {round_id!r} is {view['state']}; this step needs a round that "
                f"is {' or '.join(allowed)}",
            )
        return view

    def problem_of(view: dict[str, Any], sha256: str, plan: dict[str, Any]) -> Problem:
        """The data stored under ``sha256`` with the policy ``plan`` records."""
        recorded = (plan.get("summary") or {}).get("policy")
        policy = Policy.model_validate(recorded) if isinstance(recorded, dict) and recorded else Policy()
        return problems.get(sha256, lambda: store.input_tables(sha256), policy)

    def conflict(call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        try:
            return call()
        except RoundConflict as e:
            raise HTTPException(409, str(e)) from None
        except KeyError as e:
            raise HTTPException(404, f"no round or plan {e.args[0]!r}") from None

    @router.post("/inputs", status_code=201, response_model=InputOut, tags=["rounds"])
    def upload(body: InputIn, who: str = Depends(caller)) -> dict[str, Any]:
        """Store an agency's data by its canonical hash (validated: ``422`` with every problem).

        The agency's newest upload is its current data: every open round of the agency made
        on other data becomes stale, and needs a passing check on this data to be approved.
        """
        problem = build_problem(body)
        stale = save_upload(store, body, problem, who, body.agency, body.note)
        return {
            "sha256": problem.input_sha256,
            "agency": body.agency,
            "rows": problem.n_employees + len(problem.positions),
            "stale_rounds": stale,
        }

    @router.post(
        "/rounds",
        status_code=201,
        response_model=RoundOut,
        tags=["rounds"],
        responses={**_CONFLICT, 404: {"model": ErrorOut, "description": "No such plan."}},
    )
    def create_round(body: RoundIn, response: Response, who: str = Depends(caller)) -> dict[str, Any]:
        """Open a round (state ``draft``) on a finished plan: the plan is copied as its draft."""
        view = conflict(lambda: rounds.create(body.plan_id, who, body.note))
        response.headers["Location"] = f"/rounds/{view['id']}"
        return view

    @router.get("/rounds", response_model=list[RoundBrief], tags=["rounds"])
    def list_rounds() -> list[dict[str, Any]]:
        """Every round, oldest first."""
        return rounds.brief()

    @router.get("/rounds/{round_id}", response_model=RoundOut, tags=["rounds"], responses=_NOT_FOUND)
    def get_round(round_id: str) -> dict[str, Any]:
        """A round: state, draft and revised plans, the revision, the last check, its transitions."""
        return found(round_id)

    @router.post(
        "/rounds/{round_id}/notices",
        response_model=NoticesOut,
        tags=["rounds"],
        responses={**_NOT_FOUND, **_CONFLICT},
    )
    def make_notices(round_id: str, body: NoticesIn, who: str = Depends(caller)) -> dict[str, Any]:
        """The notices of the draft, one per employee it moves (HTML); the round goes
        ``draft -> in_consultation`` (asking again in consultation gives them again)."""
        from ...analysis.given_plan import plan_result
        from ...reports.notices import notices

        view = open_round(round_id, ("draft", "in_consultation"))
        problem = problem_of(view, view["input_sha256"], view["draft"])
        result = plan_result(problem, plan_document(view["draft"]), lang=body.lang)
        made = notices(
            problem, result, lang=body.lang, volunteers=body.volunteers, respond_by=body.respond_by
        )
        ids = made.template["employee_id"].astype(str).tolist()
        info = {"lang": made.lang, "respond_by": made.respond_by, "employees": ids}
        after = conflict(
            lambda: rounds.change(
                round_id,
                view["version"],
                who,
                "round.notices",
                body.note,
                allowed=("draft", "in_consultation"),
                to_state="in_consultation",
                fields={"notices": info},
                detail={"notices": len(ids), "respond_by": made.respond_by, "lang": made.lang},
            )
        )
        return {
            "round": after,
            "respond_by": made.respond_by,
            "lang": made.lang,
            "index_html": made.index,
            "notices": [
                {"employee_id": e, "file": f, "html": h}
                for e, (f, h) in zip(ids, made.pages.items(), strict=True)
            ],
            "template": made.template.astype(str).to_dict(orient="records"),
        }

    @router.post(
        "/rounds/{round_id}/responses",
        response_model=ResponsesOut,
        tags=["rounds"],
        responses={**_NOT_FOUND, **_CONFLICT},
    )
    def add_responses(round_id: str, body: ResponsesIn, who: str = Depends(caller)) -> dict[str, Any]:
        """Record answers (validated as ``asn-balance revise`` reads them: ``422`` with every
        problem, table ``responses``); an employee's later answer replaces the earlier one."""
        from ...model.responses import read_responses

        view = open_round(round_id, ("in_consultation",))
        problem = problem_of(view, view["input_sha256"], view["draft"])
        frame = read_responses({"responses": body.responses}, problem)
        cols = ["employee_id", "response", "target_position", "note", "response_given"]
        rows = frame[cols].astype(str).to_dict(orient="records")
        try:
            after, added, replaced = rounds.add_responses(round_id, view["version"], rows, who, body.note)
        except RoundConflict as e:
            raise HTTPException(409, str(e)) from None
        return {"round": after, "added": added, "replaced": replaced, "responses": rounds.responses(round_id)}

    @router.get(
        "/rounds/{round_id}/responses",
        response_model=list[ResponseOut],
        tags=["rounds"],
        responses=_NOT_FOUND,
    )
    def get_responses(round_id: str) -> list[dict[str, Any]]:
        """The answers recorded, by employee."""
        found(round_id)
        return rounds.responses(round_id)

    @router.post(
        "/rounds/{round_id}/revise",
        response_model=RoundOut,
        tags=["rounds"],
        responses={**_NOT_FOUND, **_CONFLICT},
    )
    def revise_round(round_id: str, body: ReviseIn, who: str = Depends(caller)) -> dict[str, Any]:
        """Revise the draft after the answers (:func:`asn_balance.revise`, on the draft's data,
        in the server's thread pool within the time limit): ``-> revised``. Revising again
        (other overrules or change cost) replaces the revised plan."""
        from ...analysis.revise import revise

        view = open_round(round_id, ("in_consultation", "revised"))
        problem = problem_of(view, view["input_sha256"], view["draft"])
        answers = pd.DataFrame(
            rounds.responses(round_id), columns=["employee_id", "response", "target_position", "note"]
        )
        wanted = body.time_limit or REVISE_TIME_LIMIT
        limit = wanted if max_time_limit is None else min(wanted, max_time_limit)
        rv = revise(
            problem,
            plan_document(view["draft"]),
            answers[["employee_id", "response", "target_position", "note"]],
            change_cost=body.change_cost,
            overrule=body.overrule,
            time_limit=limit,
            lang=body.lang,
        )
        if not rv.result.has_plan:
            why = "; ".join(rv.result.diagnosis) or rv.result.status
            raise HTTPException(409, f"no revised plan keeps the rules with these answers: {why}")
        doc = rv.to_dict()
        revised = doc.pop("plan")
        detail = {
            "counts": rv.counts,
            "change_cost": body.change_cost,
            "overrule": body.overrule,
            "objective": revised["summary"].get("objective"),
        }
        return conflict(
            lambda: rounds.change(
                round_id,
                view["version"],
                who,
                "round.revise",
                body.note,
                allowed=("in_consultation", "revised"),
                to_state="revised",
                fields={"revised": revised, "revision": doc},
                detail=detail,
            )
        )

    @router.post(
        "/rounds/{round_id}/check",
        response_model=RoundCheckOut,
        tags=["rounds"],
        responses={**_NOT_FOUND, **_CONFLICT},
    )
    def check_round(round_id: str, body: NoteIn, who: str = Depends(caller)) -> dict[str, Any]:
        """Check the plan the round would approve (the revised plan, else the draft) on the
        agency's newest data under the plan's policy (:func:`asn_balance.check`). On newer
        data than the plan's, a changed input is reported (``input_changes``) but every hard
        rule is checked on the new data: that is the fresh check a stale round needs."""
        from ...check.verifier import check

        view = open_round(round_id, ("draft", "in_consultation", "revised"))
        which = "revised" if view["revised"] is not None else "draft"
        plan = view[which]
        latest = view["latest_input_sha256"] or view["input_sha256"]
        problem = problem_of(view, latest, plan)
        summary = plan.get("summary") or {}
        changed = latest != summary.get("input_sha256", view["input_sha256"])
        report = check(
            problem,
            moves_frame(plan.get("moves")),
            recorded=summary or None,
            policy="problem",
            allow_changed_input=changed,
        )
        record = {
            "ok": bool(report.ok),
            "at": now().isoformat(),
            "who": who,
            "plan": which,
            "plan_sha256": plan_sha256(plan),
            "document_sha256": document_sha256(plan),
            "input_sha256": latest,
            "violations": len(report.violations),
            "input_changed": changed,
        }
        after = conflict(
            lambda: rounds.change(
                round_id,
                view["version"],
                who,
                "round.check",
                body.note,
                allowed=("draft", "in_consultation", "revised"),
                fields={"last_check": record},
                detail=record,
            )
        )
        return {
            **check_body(report),
            "round": after,
            "approvable": after["state"] == "revised" and record["ok"],
        }

    @router.post(
        "/rounds/{round_id}/approve",
        response_model=RoundOut,
        tags=["rounds"],
        responses={**_NOT_FOUND, **_CONFLICT},
    )
    def approve_round(round_id: str, body: NoteIn, who: str = Depends(caller)) -> dict[str, Any]:
        """Approve the revised plan: ``revised -> approved``, only when the round's last check
        is of this plan, on the agency's newest data, and passed (``409`` otherwise). An
        approved round never changes again."""
        open_round(round_id, ("revised",))
        return conflict(lambda: rounds.approve(round_id, who, body.note, plan_sha256, document_sha256))

    @router.post(
        "/rounds/{round_id}/reject",
        response_model=RoundOut,
        tags=["rounds"],
        responses={**_NOT_FOUND, **_CONFLICT},
    )
    def reject_round(round_id: str, body: NoteIn, who: str = Depends(caller)) -> dict[str, Any]:
        """Reject the round (from any open state) with a note: ``-> rejected``, final."""
        return conflict(
            lambda: rounds.change(
                round_id,
                None,
                who,
                "round.reject",
                body.note,
                allowed=("draft", "in_consultation", "revised"),
                to_state="rejected",
            )
        )

    @router.get(
        "/rounds/{round_id}/audit", response_model=list[AuditOut], tags=["rounds"], responses=_NOT_FOUND
    )
    def round_audit(round_id: str) -> list[dict[str, Any]]:
        """The round's audit trail, oldest first: every step, who (the API key's name), when, note."""
        found(round_id)
        return rounds.audit(round_id)

    return router
