"""Request and response models of the durable service: inputs, rounds, responses, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .models import Cell, CheckOut, PlanOut, TablesIn

#: A round's state.
RoundState = Literal["draft", "in_consultation", "revised", "approved", "rejected"]
#: The name of an agency (instansi / OPD) whose data an upload is.
Agency = Field("default", min_length=1, max_length=200, description="The agency whose data this is.")


class NoteIn(BaseModel):
    """A note recorded with a change."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=10_000, description="Recorded with the change in the audit log.")


class InputIn(TablesIn):
    """An upload of an agency's data: its tables, stored by their canonical hash."""

    agency: str = Agency
    note: str = Field("", max_length=10_000)


class InputOut(BaseModel):
    """A stored upload."""

    sha256: str = Field(description="Canonical hash of the tables (as plans record input_sha256).")
    agency: str
    rows: int
    stale_rounds: list[str] = Field(description="Open rounds of the agency this upload made stale.")


class RoundIn(NoteIn):
    """A round from a finished plan (its draft)."""

    plan_id: str = Field(description="A planning job with status done and a plan.")


class NoticesIn(NoteIn):
    """Options of the notices."""

    lang: Literal["id", "en"] = "id"
    volunteers: bool = Field(False, description="Also a notice for each volunteer the plan does not move.")
    respond_by: dt.date | None = Field(None, description="Date to respond by (default plan date + 14 days).")


class ResponsesIn(NoteIn):
    """Employees' answers: rows of the responses table (docs/consultation.md)."""

    responses: list[dict[str, Cell]] = Field(
        description="One record per employee: employee_id (or nip), response (setuju/keberatan/usul or "
        "accept/object/request), target_position (with usul), note."
    )


class ReviseIn(NoteIn):
    """Options of the revision (:func:`asn_balance.revise`)."""

    change_cost: float = Field(
        1.0, ge=0, le=1e9, description="Price of changing a silent employee's outcome."
    )
    overrule: dict[str, str] | list[str] | None = Field(
        None, description="Employees whose objection is overruled: ids, or {id: reason}."
    )
    time_limit: float | None = Field(None, gt=0, le=86_400, description="Seconds for the search.")
    lang: Literal["id", "en"] = "id"


class TransitionOut(BaseModel):
    """A change of state."""

    from_state: RoundState | None
    to_state: RoundState
    who: str = Field(description="The API key's name.")
    at: dt.datetime
    note: str


class AuditOut(BaseModel):
    """A line of the audit log."""

    at: dt.datetime
    who: str
    action: str
    object_type: str
    object_id: str
    note: str
    detail: dict[str, Any] | None = None


class RevisionOut(BaseModel):
    """The revision: figures, the answer to each response, the silent changes, the diff."""

    revision: dict[str, Any]
    outcomes: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    comparison: dict[str, Any] | None = None


class RoundCheck(BaseModel):
    """The last check of a round, as approval reads it."""

    ok: bool
    at: dt.datetime
    who: str
    plan: Literal["draft", "revised"]
    plan_sha256: str = Field(description="The hash of the checked plan's moves.")
    document_sha256: str | None = Field(
        default=None,
        description="The hash of the whole checked plan document (summary and revision record "
        "included); approval needs it to match the revised plan.",
    )
    input_sha256: str = Field(description="The data checked on (the agency's newest upload then).")
    violations: int
    input_changed: bool = Field(description="The data differs from the data the plan was made on.")


class NoticesInfo(BaseModel):
    """What the notices were."""

    lang: str
    respond_by: str
    employees: list[str]


class RoundOut(BaseModel):
    """A consultation round."""

    id: str
    agency: str
    state: RoundState
    version: int = Field(description="Bumped by every change.")
    plan_id: str
    input_sha256: str = Field(description="The data of the draft.")
    latest_input_sha256: str | None = Field(description="The agency's newest upload.")
    stale: bool = Field(description="Newer data of the agency was uploaded after the draft.")
    stale_input_sha256: str | None = None
    created: dt.datetime
    updated: dt.datetime
    draft: PlanOut
    revised: PlanOut | None = None
    revision: RevisionOut | None = None
    notices: NoticesInfo | None = None
    last_check: RoundCheck | None = None
    responses: int = Field(description="Employees who answered.")
    transitions: list[TransitionOut]


class RoundBrief(BaseModel):
    """A round without its plans."""

    id: str
    agency: str
    state: RoundState
    stale: bool
    created: dt.datetime
    updated: dt.datetime


class NoticeOut(BaseModel):
    """One employee's notice."""

    employee_id: str
    file: str
    html: str


class NoticesOut(BaseModel):
    """The notices of a round's draft (:func:`asn_balance.notices`)."""

    round: RoundOut
    respond_by: str
    lang: str
    notices: list[NoticeOut]
    index_html: str
    template: list[dict[str, Any]] = Field(description="The responses template, response blank.")


class ResponseOut(BaseModel):
    """A stored answer."""

    employee_id: str
    response: Literal["accept", "object", "request"]
    target_position: str
    note: str
    response_given: str
    who: str
    created: dt.datetime


class ResponsesOut(BaseModel):
    """The answers after a POST."""

    round: RoundOut
    added: int
    replaced: int
    responses: list[ResponseOut]


class RoundCheckOut(CheckOut):
    """The check of the plan a round would approve, on the agency's newest data."""

    round: RoundOut
    approvable: bool = Field(description="The round is revised and this check passed: it can be approved.")
