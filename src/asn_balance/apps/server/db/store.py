"""The service's store: one SQLAlchemy engine, the migrations, and each unit of work in a
session of its own.

SQLite (the embedded default) runs in WAL mode with a busy timeout and ``synchronous=FULL``;
its writes are serialised by a lock of the process (a write transaction that began as a read
can otherwise fail at once with ``SQLITE_BUSY``), reads run side by side. PostgreSQL (through
psycopg 3) runs the same code; the round's state changes lock its row (``FOR UPDATE``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from ..models import job_view
from .schema import AuditRow, InputRow, JobRow, RoundRow, UploadRow

__all__ = ["ACTIVE", "FINAL_STATES", "Store", "latest_upload", "normalise_url", "now"]

log = logging.getLogger(__name__)

#: Job statuses of a job that has not ended.
ACTIVE = ("queued", "running")
#: Round states after which nothing changes.
FINAL_STATES = ("approved", "rejected")
#: Every job status.
JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled", "interrupted")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def now() -> dt.datetime:
    """The current UTC instant."""
    return dt.datetime.now(dt.timezone.utc)


def _clean(x: Any) -> Any:
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def _dumps(obj: Any) -> str:
    """JSON for the database: strict (no NaN, which PostgreSQL refuses), non-finite -> null."""
    try:
        return json.dumps(obj, allow_nan=False, ensure_ascii=False, default=str)
    except ValueError:
        return json.dumps(_clean(obj), allow_nan=False, ensure_ascii=False, default=str)


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 (``postgresql+psycopg://``)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Store:
    """The service's database.

    Parameters
    ----------
    url : str
        A SQLAlchemy URL: ``sqlite:///asn-balance.db`` (a file, created on first use),
        ``sqlite://`` (in memory: nothing survives the process) or
        ``postgresql://user:password@host/db`` (psycopg 3).
    migrate : bool
        Bring the schema to the newest migration at once (:meth:`migrate`).
    """

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = normalise_url(url)
        parsed = sa.engine.make_url(self.url)
        self.dialect = parsed.get_backend_name()
        self.memory = self.dialect == "sqlite" and parsed.database in (None, "", ":memory:")
        kw: dict[str, Any] = {"json_serializer": _dumps}
        if self.dialect == "sqlite":
            kw["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if self.memory:
                kw["poolclass"] = StaticPool
        else:
            kw["pool_pre_ping"] = True
        self.engine = sa.create_engine(self.url, **kw)
        if self.dialect == "sqlite":
            memory = self.memory

            @sa.event.listens_for(self.engine, "connect")
            def _pragmas(conn: Any, _: Any) -> None:
                cur = conn.cursor()
                if not memory:
                    cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.execute("PRAGMA synchronous=FULL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.close()

        self._write_lock = threading.RLock()
        if migrate:
            self.migrate()

    # ------------------------------------------------------------------ plumbing
    def migrate(self) -> None:
        """Run the Alembic migrations shipped in the package up to ``head``."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self._write_lock, self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        """The migration the database is at."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @contextlib.contextmanager
    def unit(self, write: bool = True) -> Iterator[Session]:
        """One unit of work: a session in a transaction, committed at the end (rolled back on
        an exception). Writes on SQLite (every unit in memory) hold the store's lock."""
        lock = self._write_lock if self.dialect == "sqlite" and (write or self.memory) else None
        with (
            lock if lock is not None else contextlib.nullcontext(),
            Session(self.engine, expire_on_commit=False) as s,
            s.begin(),
        ):
            yield s

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    @staticmethod
    def audit(
        s: Session,
        who: str,
        action: str,
        object_type: str,
        object_id: str,
        note: str = "",
        detail: dict[str, Any] | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """Add a line to the audit log (inside the caller's unit of work)."""
        s.add(
            AuditRow(
                at=at or now(),
                who=who,
                action=action,
                object_type=object_type,
                object_id=object_id,
                note=note or "",
                detail=detail,
            )
        )

    def audit_log(self, object_type: str | None = None, object_id: str | None = None) -> list[dict[str, Any]]:
        """Audit lines, oldest first (of one object when given)."""
        q = sa.select(AuditRow).order_by(AuditRow.id)
        if object_type is not None:
            q = q.where(AuditRow.object_type == object_type)
        if object_id is not None:
            q = q.where(AuditRow.object_id == object_id)
        with self.unit(write=False) as s:
            return [
                {
                    "at": a.at,
                    "who": a.who,
                    "action": a.action,
                    "object_type": a.object_type,
                    "object_id": a.object_id,
                    "note": a.note,
                    "detail": a.detail,
                }
                for a in s.scalars(q)
            ]

    # ------------------------------------------------------------------ inputs
    def save_input(
        self, sha256: str, tables: dict[str, Any], rows: int, agency: str, who: str, note: str = ""
    ) -> list[str]:
        """Store input tables by hash (once) and record an upload of ``agency``'s data.

        Every open round of the agency on another input becomes stale. Returns their ids.
        """
        at = now()
        with self.unit() as s:
            if s.get(InputRow, sha256) is None:
                try:  # a savepoint: a concurrent upload of the same tables may store it first
                    with s.begin_nested():
                        s.add(InputRow(sha256=sha256, tables=tables, rows=rows, created=at))
                except sa.exc.IntegrityError:
                    pass  # stored meanwhile (PostgreSQL; SQLite's writes are serialised here)
            s.add(UploadRow(agency=agency, input_sha256=sha256, who=who, created=at))
            stale = list(
                s.scalars(
                    sa.select(RoundRow)
                    .where(
                        RoundRow.agency == agency,
                        RoundRow.state.not_in(FINAL_STATES),
                        RoundRow.input_sha256 != sha256,
                    )
                    # locked, and the state re-read after a concurrent approval commits, so a
                    # round approved or rejected meanwhile is never marked stale (PostgreSQL)
                    .with_for_update()
                )
            )
            for r in stale:
                r.stale = True
                r.stale_input_sha256 = sha256
                r.version += 1
                r.updated = at
                self.audit(
                    s,
                    who,
                    "round.stale",
                    "round",
                    r.id,
                    f"newer data of agency {agency!r} uploaded",
                    {"input_sha256": sha256},
                    at,
                )
            for r in s.scalars(
                sa.select(RoundRow).where(
                    RoundRow.agency == agency,
                    RoundRow.state.not_in(FINAL_STATES),
                    RoundRow.input_sha256 == sha256,
                    RoundRow.stale.is_(True),
                )
            ):  # the round's own data again: still stale (a check on it is the fresh check)
                r.stale_input_sha256 = sha256
                r.version += 1
                r.updated = at
            self.audit(s, who, "input.upload", "input", sha256, note, {"agency": agency, "rows": rows}, at)
            return [r.id for r in stale]

    def input_tables(self, sha256: str) -> dict[str, Any] | None:
        """The tables stored under ``sha256``, or ``None``."""
        with self.unit(write=False) as s:
            row = s.get(InputRow, sha256)
            return None if row is None else dict(row.tables)

    def latest_input(self, agency: str) -> str | None:
        """The hash of the agency's newest upload."""
        with self.unit(write=False) as s:
            return latest_upload(s, agency)

    # ------------------------------------------------------------------ jobs
    def add_job(
        self,
        view: dict[str, Any],
        *,
        agency: str,
        input_sha256: str | None,
        who: str,
        options: dict[str, Any],
        policy: dict[str, Any] | None,
    ) -> None:
        """Record a new (queued) job."""
        with self.unit() as s:
            s.add(
                JobRow(
                    id=view["id"],
                    status=view["status"],
                    agency=agency,
                    input_sha256=input_sha256,
                    who=who,
                    options=options,
                    policy=policy,
                    created=view["created"],
                )
            )
            self.audit(
                s,
                who,
                "plan.create",
                "plan",
                view["id"],
                "",
                {"agency": agency, "input_sha256": input_sha256, "options": options},
            )

    def update_job(self, job_id: str, *, audit: tuple[str, str, str] | None = None, **fields: Any) -> None:
        """Set fields of a job (``audit``: ``(who, action, note)`` logged with it).

        A job that has ended never becomes active again: a write that would set an ended job
        back to ``queued`` or ``running`` (a job's start recorded just after it was cancelled)
        is dropped whole.
        """
        with self.unit() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                return
            if row.status not in ACTIVE and fields.get("status") in ACTIVE:
                log.info("job %s: already %s, not set back to %s", job_id, row.status, fields["status"])
                return
            for k, v in fields.items():
                setattr(row, k, v)
            if audit is not None:
                self.audit(s, audit[0], audit[1], "plan", job_id, audit[2], {"status": row.status})

    def job(self, job_id: str) -> dict[str, Any] | None:
        """The view of a stored job, or ``None``."""
        with self.unit(write=False) as s:
            row = s.get(JobRow, job_id)
            return None if row is None else _job_view(row)

    def job_row(self, job_id: str) -> JobRow | None:
        """The stored job itself (detached), or ``None``."""
        with self.unit(write=False) as s:
            return s.get(JobRow, job_id)

    def jobs(self) -> list[dict[str, Any]]:
        """Id, status and creation time of every stored job, oldest first."""
        q = sa.select(JobRow.id, JobRow.status, JobRow.created).order_by(JobRow.created, JobRow.id)
        with self.unit(write=False) as s:
            return [{"id": i, "status": st, "created": c} for i, st, c in s.execute(q)]

    def job_counts(self) -> dict[str, int]:
        """Stored jobs per status."""
        out = dict.fromkeys(JOB_STATUSES, 0)
        with self.unit(write=False) as s:
            for status, n in s.execute(sa.select(JobRow.status, sa.func.count()).group_by(JobRow.status)):
                out[status] = int(n)
        return out

    def delete_job(self, job_id: str, who: str) -> dict[str, Any] | None:
        """Forget a finished job (``ValueError`` when a round uses it); its view, or ``None``."""
        with self.unit() as s:
            row = s.get(JobRow, job_id)
            if row is None:
                return None
            used = s.scalar(sa.select(RoundRow.id).where(RoundRow.plan_id == job_id).limit(1))
            if used is not None:
                raise ValueError(f"plan {job_id!r} is the draft of round {used!r}; it is kept")
            view = _job_view(row)
            s.delete(row)
            self.audit(s, who, "plan.delete", "plan", job_id)
            return view

    def recover(self) -> list[str]:
        """Mark every job a dead process left queued or running as ``interrupted`` (at start)."""
        at = now()
        with self.unit() as s:
            rows = list(s.scalars(sa.select(JobRow).where(JobRow.status.in_(ACTIVE))))
            for row in rows:
                was = row.status
                row.status = "interrupted"
                row.finished = at
                saved = " (the best plan saved so far is kept in best)" if row.best is not None else ""
                row.error = {
                    "detail": f"the service stopped while the job was {was}; it was not finished{saved}",
                    "problems": [],
                }
                self.audit(
                    s,
                    "system",
                    "plan.interrupted",
                    "plan",
                    row.id,
                    f"found {was} at start",
                    {"best": row.best is not None},
                )
            return [r.id for r in rows]


def latest_upload(s: Session, agency: str) -> str | None:
    """The input hash of the agency's newest upload (inside a unit of work)."""
    q = sa.select(UploadRow.input_sha256).where(UploadRow.agency == agency)
    return s.scalar(q.order_by(UploadRow.id.desc()).limit(1))


def _job_view(row: JobRow) -> dict[str, Any]:
    return job_view(row, row.elapsed or 0.0)
