"""The service's tables (SQLAlchemy 2, typed ORM): inputs, uploads, jobs, rounds, responses,
transitions and the audit log.

The Alembic migrations in ``migrations/versions`` create exactly these tables; a test
compares the two (``alembic check`` style), so a change here needs a new migration.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "AuditRow",
    "Base",
    "InputRow",
    "JobRow",
    "ResponseRow",
    "RoundRow",
    "TransitionRow",
    "UploadRow",
    "UtcDateTime",
]


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A UTC instant: stored as a naive UTC timestamp, read back timezone-aware (UTC)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of the service's tables."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UtcDateTime,
        dict[str, Any]: sa.JSON,
        list[Any]: sa.JSON,
    }


class InputRow(Base):
    """Input tables by their canonical hash (``Problem.input_sha256``), as the request gave them."""

    __tablename__ = "inputs"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    tables: Mapped[dict[str, Any]] = mapped_column()
    rows: Mapped[int]
    created: Mapped[dt.datetime]


class UploadRow(Base):
    """One upload of an agency's data (``POST /inputs`` or ``POST /plans``): the newest upload
    of an agency is its current data."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    agency: Mapped[str] = mapped_column(sa.String(200), index=True)
    input_sha256: Mapped[str] = mapped_column(sa.ForeignKey("inputs.sha256"))
    who: Mapped[str] = mapped_column(sa.String(200))
    created: Mapped[dt.datetime]


class JobRow(Base):
    """A planning job: its status, options, the best plan saved so far and the final plan."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    agency: Mapped[str] = mapped_column(sa.String(200))
    input_sha256: Mapped[str | None] = mapped_column(sa.ForeignKey("inputs.sha256"))
    who: Mapped[str] = mapped_column(sa.String(200))
    options: Mapped[dict[str, Any]]
    policy: Mapped[dict[str, Any] | None]
    created: Mapped[dt.datetime]
    started: Mapped[dt.datetime | None]
    finished: Mapped[dt.datetime | None]
    elapsed: Mapped[float | None]
    objective: Mapped[float | None]
    bound: Mapped[float | None]
    result: Mapped[dict[str, Any] | None]
    best: Mapped[dict[str, Any] | None] = mapped_column()
    best_saved: Mapped[dt.datetime | None]
    error: Mapped[dict[str, Any] | None]


class RoundRow(Base):
    """A consultation round: draft -> in_consultation -> revised -> approved | rejected."""

    __tablename__ = "rounds"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    agency: Mapped[str] = mapped_column(sa.String(200), index=True)
    state: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column()
    plan_id: Mapped[str] = mapped_column(sa.String(32))
    input_sha256: Mapped[str] = mapped_column(sa.ForeignKey("inputs.sha256"))
    draft: Mapped[dict[str, Any]]
    notices: Mapped[dict[str, Any] | None]
    revised: Mapped[dict[str, Any] | None]
    revision: Mapped[dict[str, Any] | None]
    stale: Mapped[bool]
    stale_input_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    last_check: Mapped[dict[str, Any] | None]
    created: Mapped[dt.datetime]
    updated: Mapped[dt.datetime]


class ResponseRow(Base):
    """One employee's answer in a round (a later answer of the same employee replaces it)."""

    __tablename__ = "responses"
    __table_args__ = (sa.UniqueConstraint("round_id", "employee_id", name="uq_responses_round_employee"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    round_id: Mapped[str] = mapped_column(sa.ForeignKey("rounds.id"), index=True)
    employee_id: Mapped[str] = mapped_column(sa.String(200))
    response: Mapped[str] = mapped_column(sa.String(20))
    target_position: Mapped[str] = mapped_column(sa.String(200))
    note: Mapped[str] = mapped_column(sa.Text)
    response_given: Mapped[str] = mapped_column(sa.String(200))
    who: Mapped[str] = mapped_column(sa.String(200))
    created: Mapped[dt.datetime]


class TransitionRow(Base):
    """A change of a round's state: who, when, from, to and the note given."""

    __tablename__ = "transitions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    round_id: Mapped[str] = mapped_column(sa.ForeignKey("rounds.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    who: Mapped[str] = mapped_column(sa.String(200))
    at: Mapped[dt.datetime]
    note: Mapped[str] = mapped_column(sa.Text)


class AuditRow(Base):
    """The audit log: every change the service makes, who (the API key's name), when, what."""

    __tablename__ = "audit"
    __table_args__ = (sa.Index("ix_audit_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    who: Mapped[str] = mapped_column(sa.String(200))
    action: Mapped[str] = mapped_column(sa.String(40))
    object_type: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[str] = mapped_column(sa.String(64))
    note: Mapped[str] = mapped_column(sa.Text)
    detail: Mapped[dict[str, Any] | None]
