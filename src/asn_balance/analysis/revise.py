"""Revise a draft plan after the employees' responses: :func:`revise`.

A consultation round (``docs/consultation.md``) sends notices for a draft plan and takes the
employees' answers back. :func:`revise` makes the revised plan that

* keeps every accepted outcome (pinned),
* keeps every employee who objects where they are, unless leadership overrules the
  objection (then the draft's move is pinned and the reason recorded),
* grants a request (``usul``) when the rules allow it and it does not make the plan worse
  by more than the policy's ``preference_weight``, and otherwise answers it with the
  why-not reason,
* changes the draft's outcome of an employee who did not answer only when that pays:
  each such change costs ``change_cost`` (in units of ``B``).

It is one optimisation (:func:`~asn_balance.compile.revision.compile_revision`): on the
flow path (no move budget, unit rules or spouses) exact, with the engine's bound
otherwise. Its objective is the plan's objective plus ``change_cost`` per silent employee
changed plus ``preference_weight`` per request refused; the plan itself is a
:class:`~asn_balance.evaluate.result.Result` like any other, checked by
:func:`asn_balance.check`, with the revision recorded in ``info["revision"]``.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..compile.compiler import compile_problem
from ..compile.revision import LOCK, PIN, REQUEST, SILENT, RevisionCompiled, compile_revision
from ..engine.dispatch import solve_model
from ..engine.model import EngineSolution
from ..evaluate.evaluation import evaluate_moves
from ..evaluate.result import Result
from ..evaluate.terms import plan_terms
from ..model.errors import InputError, InputProblem, InternalError
from ..model.problem import Problem
from ..model.responses import ResponseSource, read_responses, responses_sha256
from .compare import Comparison, compare, jsonable
from .why_not import PlanSource, _plan_moves, why_not

__all__ = ["OUTCOMES", "Revision", "revise"]

IntArray = npt.NDArray[np.int64]

#: What a response can come to, in :attr:`Revision.outcomes` ``outcome`` (``no_plan``: no
#: revised plan keeps the rules together with the answers, so no answer is carried out).
OUTCOMES = ("kept", "stayed_after_objection", "overruled", "granted", "refused", "no_plan")

#: At most this many refused requests are priced by a re-solve each.
MAX_PRICED = 20

_WORDS = {
    "id": {
        "kept": "disetujui; hasil rancangan tetap",
        "stayed": "keberatan diterima; tetap di posisi sekarang",
        "overruled": "keberatan tidak diterima oleh pimpinan: {why}",
        "granted": "usulan dikabulkan",
        "costly": "usulan ke {t} diizinkan aturan, tetapi membuat rencana memburuk {cost} "
        "(lebih dari bobot preferensi {pw}); memburuk: {worse}",
        "infeasible": "usulan ke {t} tidak dapat dikabulkan bersama jawaban lain tanpa melanggar aturan",
        "unpriced": "usulan ke {t} membuat rencana memburuk lebih dari bobot preferensi {pw}",
        "no_plan": "tidak ada rencana revisi yang memenuhi aturan",
        "none": "tidak ada",
        "no_reason": "tanpa alasan tercatat",
    },
    "en": {
        "kept": "accepted; the draft outcome stands",
        "stayed": "objection honoured; stays in the current position",
        "overruled": "objection overruled by leadership: {why}",
        "granted": "request granted",
        "costly": "the move to {t} is allowed, but makes the plan worse by {cost} (more than the "
        "preference weight {pw}); worse: {worse}",
        "infeasible": "the request for {t} cannot be granted together with the other answers without "
        "breaking a rule",
        "unpriced": "the move to {t} makes the plan worse by more than the preference weight {pw}",
        "no_plan": "no revised plan keeps the rules",
        "none": "none",
        "no_reason": "no reason recorded",
    },
}


@dataclass
class Revision:
    """The revised plan and how each response was answered.

    Attributes
    ----------
    result : Result
        The revised plan (status ``feasible``: it is optimal for the revision's objective,
        not for the plan's own; see ``info``), checked (``result.info["check"]``), with
        ``result.info["revision"]`` holding :attr:`info`.
    outcomes : DataFrame
        One row per response: ``employee_id, name, response, target_position,
        from_position, draft_position, revised_position, outcome, reason, note,
        overrule_reason``; ``outcome`` is one of :data:`OUTCOMES`.
    changed : DataFrame
        The employees who did not respond and whose outcome differs from the draft's:
        ``employee_id, name, from_position, draft_position, revised_position``.
    comparison : Comparison or None
        The revised plan against the draft (:func:`asn_balance.compare`).
    info : dict
        ``status``, ``objective`` (the revision's: plan objective + ``change_cost`` x
        changed + ``request_cost`` x refused), ``bound``, ``plan_objective``,
        ``draft_objective``, ``change_cost``, ``request_cost``, ``counts``,
        ``draft_sha256``, ``responses_sha256``, ``overrule``, ``solver``, ``notes``.
    """

    result: Result
    outcomes: pd.DataFrame
    changed: pd.DataFrame
    comparison: Comparison | None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        """Responses per outcome, ``silent_changed`` and ``silent``."""
        return dict(self.info.get("counts", {}))

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data (the plan as ``Result.to_dict()``)."""
        return {
            "revision": jsonable(self.info),
            "outcomes": jsonable(self.outcomes.to_dict(orient="records")),
            "changed": jsonable(self.changed.to_dict(orient="records")),
            "comparison": self.comparison.to_dict() if self.comparison is not None else None,
            "plan": self.result.to_dict(),
        }

    def write(self, path: str | PathLike[str]) -> list[Path]:
        """Write the revised plan by suffix (``.json``, ``.xlsx`` or a folder, as
        :meth:`Result.write`), and beside it the outcomes (``<stem>_outcomes.csv``, or
        ``outcomes.csv`` in the folder), the silent changes (``..._changed.csv``) and the
        diff against the draft (``..._diff.json``). Each file is written whole or not at all.

        Returns
        -------
        list of Path
            The files and folders written, the plan first.
        """
        from ..io.files import atomic_write_text

        p = Path(path)
        written = [self.result.write(p)]
        plan_path = written[0]
        if plan_path.is_dir():
            base, prefix = plan_path, ""
        else:
            base, prefix = plan_path.parent, plan_path.stem + "_"
        written.append(atomic_write_text(base / f"{prefix}outcomes.csv", self.outcomes.to_csv(index=False)))
        written.append(atomic_write_text(base / f"{prefix}changed.csv", self.changed.to_csv(index=False)))
        if self.comparison is not None:
            written.append(atomic_write_text(base / f"{prefix}diff.json", self.comparison.to_json() + "\n"))
        return written

    def text(self, lang: str = "id") -> str:
        """A few lines: the counts and the revision's figures."""
        c = self.counts
        i = self.info
        obj = i.get("objective")
        shown = "-" if obj is None or not math.isfinite(float(obj)) else f"{float(obj):.6g}"
        if lang == "en":
            return (
                f"revision {i.get('status')}: {c.get('kept', 0)} kept, "
                f"{c.get('stayed_after_objection', 0)} stayed after objection, "
                f"{c.get('overruled', 0)} overruled, {c.get('granted', 0)} granted, "
                f"{c.get('refused', 0)} refused; {c.get('silent_changed', 0)} of {c.get('silent', 0)} "
                "who did "
                f"not respond changed; objective {shown} (change cost {i.get('change_cost')})"
            )
        return (
            f"revisi {i.get('status')}: {c.get('kept', 0)} tetap, {c.get('stayed_after_objection', 0)} "
            f"tetap di tempat setelah keberatan, {c.get('overruled', 0)} keberatan ditolak, "
            f"{c.get('granted', 0)} usulan dikabulkan, {c.get('refused', 0)} usulan ditolak; "
            f"{c.get('silent_changed', 0)} dari {c.get('silent', 0)} yang tidak menjawab berubah; "
            f"objektif {shown} (biaya perubahan {i.get('change_cost')})"
        )

    def __repr__(self) -> str:
        return f"Revision({self.text('en')})"

    def _repr_html_(self) -> str:
        table = self.outcomes.head(50).to_html(index=False, na_rep="-")
        return f"<div><b>asn_balance Revision</b><p>{html.escape(self.text('en'))}</p>{table}</div>"


def _moves_sha256(frame: pd.DataFrame) -> str:
    rows = sorted(zip(frame["employee_id"].astype(str), frame["to_position"].astype(str), strict=True))
    text = "asn-balance moves v1\n" + "".join(f"{e}\t{t}\n" for e, t in rows)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _overrules(overrule: Mapping[str, str] | Iterable[str] | None) -> dict[str, str]:
    if overrule is None:
        return {}
    if isinstance(overrule, str):
        overrule = [x for x in overrule.split(",") if x.strip()]
    if isinstance(overrule, Mapping):
        return {str(k).strip(): str(v) for k, v in overrule.items()}
    return {str(k).strip(): "" for k in overrule}


def _draft_recorded(draft: Any) -> dict[str, Any]:
    from ..io.plans import read_plan_document

    if isinstance(draft, Result):
        return dict(draft.info)
    try:
        return dict(read_plan_document(draft).summary)
    except (InputError, TypeError, ValueError, OSError):
        return {}


def revise(
    problem: Problem,
    draft: PlanSource,
    responses: ResponseSource,
    *,
    change_cost: float = 1.0,
    overrule: Mapping[str, str] | Iterable[str] | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    lang: str = "id",
) -> Revision:
    """Revise a draft plan after the employees' responses.

    Parameters
    ----------
    problem : Problem
        The data and policy of the draft (the policy's ``preference_weight`` prices a
        refused request).
    draft : Result, path, mapping or DataFrame
        The draft plan (as :func:`asn_balance.why_not` reads plans). It must pass
        :func:`asn_balance.check` on ``problem``.
    responses : path, DataFrame or mapping
        The responses table (:func:`~asn_balance.model.responses.read_responses`).
    change_cost : float
        Price, in units of ``B``, of changing the draft's outcome of one employee who did
        not respond (default 1.0; 0 lets the revision re-plan them freely).
    overrule : mapping or iterable of str, optional
        Employees whose objection leadership overrules (their draft move is kept): ids,
        or ``{employee_id: reason}`` to record the reason.
    time_limit : float, optional
        Seconds for the search (the flow path needs none).
    seed : int
        Random seed (CP-SAT path).
    lang : {"id", "en"}
        Language of the reasons and answers.

    Returns
    -------
    Revision

    Raises
    ------
    InputError
        Bad responses (table ``responses``), an overrule of an employee who did not object
        (table ``overrule``, rule ``not_an_objection``), a negative ``change_cost``
        (``invalid_option``), or a draft that breaks a rule of ``problem`` (table
        ``draft``, the rule's name).
    InternalError
        The engine's objective and the one recomputed from the revised moves disagree.
    """
    t0 = time.perf_counter()
    lang = "en" if lang == "en" else "id"
    words = _WORDS[lang]
    cc = float(change_cost)
    if not (math.isfinite(cc) and cc >= 0):
        raise InputError(
            [
                InputProblem(
                    "options", None, "change_cost", change_cost, "invalid_option", "must be a number >= 0"
                )
            ]
        )
    resp = read_responses(responses, problem)
    over = _overrules(overrule)
    objecting = set(resp.loc[resp["response"] == "object", "employee_id"])
    bad = [
        InputProblem(
            "overrule",
            None,
            "employee_id",
            k,
            "not_an_objection",
            "only an objection (keberatan) can be overruled; this employee did not object",
        )
        for k in over
        if k not in objecting
    ]
    if bad:
        raise InputError(bad)

    pos_of = problem.employee_position
    pe, pt = _plan_moves(problem, draft)
    real = pos_of[pe] != pt
    pe, pt = pe[real].astype(np.int64), pt[real].astype(np.int64)
    draft_moves = pd.DataFrame(
        {
            "employee_id": problem.employee_index[pe].astype(str),
            "to_position": problem.position_index[pt].astype(str),
        }
    )
    from ..check.verifier import check

    report = check(problem, draft_moves)
    if not report.ok:
        raise InputError(
            [
                InputProblem("draft", None, None, v.subject, v.rule, f"the draft breaks a rule: {v.message}")
                for v in report.violations
            ]
        )
    n = problem.n_employees
    draft_to = pos_of.astype(np.int64).copy()
    draft_to[pe] = pt
    e_idx = problem.employee_index.get_indexer(pd.Index(resp["employee_id"])).astype(np.int64)
    kind = resp["response"].to_numpy(dtype=object)
    overruled = resp["employee_id"].isin(list(over)).to_numpy(bool)
    mode = np.full(n, SILENT, dtype=np.int64)
    req_to = np.full(n, -1, dtype=np.int64)
    mode[e_idx[kind == "accept"]] = PIN
    mode[e_idx[(kind == "object") & ~overruled]] = LOCK
    mode[e_idx[(kind == "object") & overruled]] = PIN
    is_req = kind == "request"
    mode[e_idx[is_req]] = REQUEST
    req_to[e_idx[is_req]] = problem.position_index.get_indexer(pd.Index(resp.loc[is_req, "target_position"]))
    pw = float(problem.policy.preference_weight)

    base = compile_problem(problem)

    def build(mode_: IntArray, draft_: IntArray) -> RevisionCompiled:
        try:
            return compile_revision(problem, base, draft_, mode_, req_to, change_cost=cc, request_cost=pw)
        except ValueError as exc:
            raise InputError(
                [InputProblem("draft", None, None, None, "draft_move_not_allowed", str(exc))]
            ) from exc

    rc = build(mode, draft_to)
    deadline = None if time_limit is None else t0 + float(time_limit)
    sol = solve_model(rc.compiled.model, time_limit=time_limit, seed=seed, deadline=deadline)
    silent = mode == SILENT
    notes: list[str] = []
    recorded = _draft_recorded(draft)
    drafted_on = recorded.get("input_sha256")
    if drafted_on and drafted_on != problem.input_sha256:
        notes.append("the draft records another input (input_sha256) than the data: the data changed since")
    if problem.policy.lexicographic:
        notes.append("lexicographic priorities are not applied to a revision: the weighted objective is used")
    info: dict[str, Any] = {
        "status": sol.status,
        "solver": sol.solver,
        "bound": float(sol.bound) if np.isfinite(sol.bound) else None,
        "tolerance": float(sol.tolerance),
        "change_cost": cc,
        "request_cost": pw,
        "draft_sha256": _moves_sha256(draft_moves),
        "draft_input_sha256": drafted_on,
        "responses_sha256": responses_sha256(resp),
        "overrule": dict(over),
        "notes": notes,
    }
    has_plan = sol.status in ("optimal", "feasible")
    if has_plan:
        final, ei, ti = _final(problem, rc, sol)
    else:
        final, ei, ti = draft_to.copy(), np.zeros(0, np.int64), np.zeros(0, np.int64)
    changed_mask = silent & (final != draft_to) if has_plan else np.zeros(n, dtype=bool)
    req_e = e_idx[is_req]
    refused_mask = np.zeros(n, dtype=bool)
    if has_plan:
        refused_mask[req_e] = final[req_e] != req_to[req_e]
    terms = plan_terms(problem, ei, ti, base.wishes)
    draft_terms = plan_terms(problem, pe, pt, base.wishes)
    objective = terms["objective"] + cc * int(changed_mask.sum()) + pw * int(refused_mask.sum())
    if has_plan:
        allowed = float(sol.tolerance) + 1e-9 * max(1.0, abs(objective))
        if not abs(sol.objective - objective) <= allowed:
            raise InternalError(
                "the revision's objective and the one recomputed from the moves disagree",
                sol.objective,
                objective,
                sol.solver,
                allowed,
            )
    info.update(
        objective=objective if has_plan else None,
        plan_objective=terms["objective"] if has_plan else None,
        draft_objective=draft_terms["objective"],
    )
    diagnosis: list[str] = []
    if not has_plan:
        diagnosis = [words["no_plan"] + " [revision]"]
        if sol.status == "infeasible":
            try:
                from ..compile.diagnosis import diagnosis as explain

                diagnosis += explain(problem, rc.compiled, sol)
            except Exception:  # the wording is a courtesy; the status says it all
                pass
    result = evaluate_moves(
        problem,
        ei,
        ti,
        status="feasible" if has_plan else sol.status,
        solver=f"revision: {sol.solver}",
        solver_seconds=sol.seconds,
        solver_stats=sol.stats,
        extra={"tolerance": float(sol.tolerance)},
        diagnosis=diagnosis,
        wishes_=base.wishes,
        lang=lang,
        started=t0,
    )

    # the answers
    ids = problem.employee_index.to_numpy(dtype=object)
    pid = problem.position_index.to_numpy(dtype=object)
    names = problem.employees["name"].to_numpy(dtype=object)
    outcome = np.empty(len(resp), dtype=object)
    reason = np.empty(len(resp), dtype=object)
    reason[:] = ""
    outcome[kind == "accept"] = "kept"
    reason[kind == "accept"] = words["kept"]
    stayed = (kind == "object") & ~overruled
    outcome[stayed] = "stayed_after_objection"
    reason[stayed] = words["stayed"]
    outcome[(kind == "object") & overruled] = "overruled"
    over_reason = np.array([over.get(str(x), "") for x in resp["employee_id"]], dtype=object)
    for k in np.flatnonzero((kind == "object") & overruled):
        reason[k] = words["overruled"].format(why=over_reason[k] or words["no_reason"])
    if not has_plan:  # nothing is carried out: every answer waits for a plan
        outcome[:], reason[:] = "no_plan", words["no_plan"]
    priced = 0
    base_obj = objective
    for k in np.flatnonzero(is_req & has_plan):
        e, t = int(e_idx[k]), int(req_to[e_idx[k]])
        if final[e] == t:
            outcome[k], reason[k] = "granted", words["granted"]
            continue
        outcome[k] = "refused"
        target = str(pid[t])
        if not rc.request_reachable[e]:
            reason[k] = why_not(problem, result, str(ids[e]), target, lang=lang).message
            continue
        if priced >= MAX_PRICED:
            reason[k] = words["unpriced"].format(t=target, pw=_num(pw, lang))
            continue
        priced += 1
        mode2, draft2 = mode.copy(), draft_to.copy()
        mode2[e], draft2[e] = (LOCK if t == pos_of[e] else PIN), t
        left = None if deadline is None else max(0.1, deadline - time.perf_counter())
        rc2 = build(mode2, draft2)
        s2 = solve_model(rc2.compiled.model, time_limit=left, seed=seed)
        if s2.status not in ("optimal", "feasible"):
            reason[k] = words["infeasible"].format(t=target)
            continue
        _, gi, gt = _final(problem, rc2, s2)
        worse_terms = plan_terms(problem, gi, gt, base.wishes)
        cost = float(s2.objective) - (base_obj - pw)
        worse = [name for name in terms if name != "objective" and worse_terms[name] > terms[name] + 1e-9]
        reason[k] = words["costly"].format(
            t=target, cost=_num(cost, lang), pw=_num(pw, lang), worse=", ".join(worse) or words["none"]
        )
    home = pos_of[e_idx]
    outcomes = pd.DataFrame(
        {
            "employee_id": resp["employee_id"].to_numpy(dtype=object),
            "name": names[e_idx],
            "response": kind,
            "target_position": resp["target_position"].to_numpy(dtype=object),
            "from_position": pid[home],
            "draft_position": pid[draft_to[e_idx]],
            "revised_position": pid[final[e_idx]] if has_plan else np.full(len(resp), None, dtype=object),
            "outcome": outcome,
            "reason": reason,
            "note": resp["note"].to_numpy(dtype=object),
            "overrule_reason": over_reason,
        }
    )
    ch = np.flatnonzero(changed_mask)
    changed = pd.DataFrame(
        {
            "employee_id": ids[ch],
            "name": names[ch],
            "from_position": pid[pos_of[ch]],
            "draft_position": pid[draft_to[ch]],
            "revised_position": pid[final[ch]],
        }
    )
    counts = {o: int((outcome == o).sum()) for o in OUTCOMES}
    counts.update(responses=len(resp), silent=int(silent.sum()), silent_changed=len(ch))
    info["counts"] = counts
    draft_result = evaluate_moves(problem, pe, pt, status="feasible", wishes_=base.wishes, lang=lang)
    comparison = compare(draft_result, result, labels=("draft", "revised")) if result.has_plan else None
    info["outcomes"] = jsonable(outcomes.to_dict(orient="records"))
    info["changed"] = jsonable(changed.to_dict(orient="records"))
    result.info["revision"] = info
    if result.has_plan:  # after the record: the checker reads the round from it
        try:
            result.info["check"] = check(problem, result).verdict()
        except InputError as exc:
            result.info["check"] = {
                "ok": False,
                "verified": False,
                "doubts": ["not_checked"],
                "error": str(exc),
            }
    return Revision(result, outcomes, changed, comparison, info)


def _final(
    problem: Problem, rc: RevisionCompiled, sol: EngineSolution
) -> tuple[IntArray, IntArray, IntArray]:
    """Per employee the position after the revised plan, and its moves (employee order)."""
    from ..planner import _pick_movers

    mv = _pick_movers(problem, rc.compiled, sol)
    ei = np.concatenate([mv["employee_idx"].to_numpy(np.int64), rc.pinned]).astype(np.int64)
    ti = np.concatenate([mv["to_idx"].to_numpy(np.int64), rc.pinned_to]).astype(np.int64)
    real = problem.employee_position[ei] != ti
    ei, ti = ei[real], ti[real]
    o = np.argsort(ei, kind="stable")
    ei, ti = ei[o], ti[o]
    final = problem.employee_position.astype(np.int64).copy()
    final[ei] = ti
    return final, ei, ti


def _num(x: float, lang: str) -> str:
    s = f"{x:.4f}"
    return s.replace(".", ",") if lang == "id" else s


def revision_json(revision: Revision) -> str:
    """:meth:`Revision.to_dict` as JSON text."""
    return json.dumps(revision.to_dict(), ensure_ascii=False, indent=2, allow_nan=False)
