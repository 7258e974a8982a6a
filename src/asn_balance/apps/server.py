"""HTTP service: plan, check and report over JSON (optional extra ``server``).

``asn-balance serve`` (or :func:`create_app` under any ASGI server) offers

* ``POST /plans``: validate the input tables at once (``422`` with every problem), then solve
  in the background; ``202`` with the job's id;
* ``GET /plans/{id}``: status ``queued | running | done | failed | cancelled``, progress
  (elapsed seconds, best objective, bound), the plan (:meth:`Result.to_dict`) when done;
* ``DELETE /plans/{id}``: cancel a queued or running job (the solver process is killed), or
  forget a finished one;
* ``POST /check``: the independent check of a plan (:func:`asn_balance.check`);
* ``POST /abk``: the workload report (:meth:`Problem.abk`);
* ``GET /health``, and FastAPI's ``/docs`` and ``/openapi.json``.

Every solve runs in a Python process of its own (a plain subprocess), at most ``max_running``
at once, so that ``DELETE`` really stops the work: the process is terminated. Bodies over
``max_body_bytes`` are refused with ``413`` before they are read; with an API key configured
every endpoint but ``/health`` and the docs asks for the header ``X-API-Key`` (``401``
otherwise).

FastAPI and uvicorn are imported by this module only; ``import asn_balance`` never needs
them.
"""

from __future__ import annotations

try:
    import fastapi
    from fastapi import Depends, FastAPI, HTTPException, Request, Response, Security
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from fastapi.security import APIKeyHeader
    from starlette.exceptions import HTTPException as StarletteHTTPException
except ImportError as _exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "the asn_balance HTTP service needs FastAPI and uvicorn: pip install 'asn-balance[server]'"
    ) from _exc

import contextlib
import datetime as dt
import hmac
import logging
import math
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..io.files import _plain
from ..io.plans import read_plan
from ..model.errors import InputError, InputProblem
from ..model.policy import Policy
from ..model.problem import Problem
from ..model.readers import _json_frame

__all__ = [
    "API_KEY_ENV",
    "DEFAULT_MAX_BODY_MB",
    "JobManager",
    "create_app",
    "serve",
]

log = logging.getLogger(__name__)

#: Environment variable holding the API key (``serve --api-key`` overrides it).
API_KEY_ENV = "ASN_BALANCE_API_KEY"
#: Default limit on request bodies, in megabytes (10**6 bytes).
DEFAULT_MAX_BODY_MB = 32.0

_TABLES = ("employees", "positions", "tasks", "units")
_SOURCE = Path("request")

# --------------------------------------------------------------------------- request models

#: One JSON cell of an input table.
Cell = str | int | float | bool | None
#: A table: a list of records (one object per row), or an object of columns.
Table = list[dict[str, Cell]] | dict[str, list[Cell]]


class TablesIn(BaseModel):
    """The input tables, as in a ``.json`` document read by :meth:`Problem.read`, and a policy."""

    model_config = ConfigDict(extra="forbid")

    employees: Table = Field(description="The employees table (canonical or Indonesian column names).")
    positions: Table = Field(description="The positions table.")
    tasks: Table | None = Field(None, description="ABK task detail (optional).")
    units: Table | None = Field(None, description="Per-unit caps and coverage (optional).")
    policy: Policy | None = Field(None, description="Policy fields; omitted fields take their defaults.")


class PlanIn(TablesIn):
    """A planning job: the tables, the policy and solver options."""

    time_limit: float | None = Field(
        None, gt=0, le=86_400, description="Seconds for the side-constrained part (move budget path)."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Random seed of CP-SAT.")
    lang: Literal["id", "en"] = Field("id", description="Language of the move reasons.")
    deterministic: bool = Field(
        False, description="Search without wall-clock dependence: the same plan on any machine and load."
    )


class CheckIn(TablesIn):
    """A plan to check against the tables and the policy."""

    moves: list[dict[str, Cell]] = Field(
        description="One record per move with employee_id (or nip) and to_position (or posisi_tujuan)."
    )


class AbkIn(TablesIn):
    """Tables for the workload report (only the policy's effective_hours matters)."""


# --------------------------------------------------------------------------- response models


class ProblemOut(BaseModel):
    """One problem of the input: table, spreadsheet row (header = 1), column, value, rule."""

    table: str
    row: int | None = None
    column: str | None = None
    value: Any = None
    rule: str
    message: str


class ErrorOut(BaseModel):
    """An error: a sentence and, for bad input, every problem found."""

    detail: str
    problems: list[ProblemOut] = Field(default_factory=list)


class ProgressOut(BaseModel):
    """How far a solve has come."""

    elapsed: float = Field(description="Seconds since the solve started (0 while queued).")
    objective: float | None = Field(None, description="Best objective found so far.")
    bound: float | None = Field(None, description="Best proven lower bound so far.")
    gap: float | None = Field(None, description="(objective - bound) / max(|objective|, 1).")


class PlanOut(BaseModel):
    """A plan, as :meth:`asn_balance.Result.to_dict` gives it."""

    summary: dict[str, Any]
    moves: list[dict[str, Any]]
    positions: list[dict[str, Any]]
    units: list[dict[str, Any]]
    training: list[dict[str, Any]] | None = None
    training_totals: list[dict[str, Any]] | None = None


JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]


class JobOut(BaseModel):
    """A planning job."""

    id: str
    status: JobStatus
    created: dt.datetime
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    progress: ProgressOut
    result: PlanOut | None = Field(None, description="The plan, when status is done.")
    error: ErrorOut | None = Field(None, description="Why the job failed, when status is failed.")


class JobBrief(BaseModel):
    """A planning job without its plan."""

    id: str
    status: JobStatus
    created: dt.datetime


class ViolationOut(BaseModel):
    """One broken rule of a checked plan."""

    rule: str
    subject: str
    message: str


class StaffOut(BaseModel):
    """Need and staff of one position before and after a checked plan."""

    position_id: str
    need: float
    staff_before: int
    staff_after: int


class CheckOut(BaseModel):
    """The report of :func:`asn_balance.check`."""

    ok: bool
    moves: int
    balance_before: float
    balance: float
    objective: float
    terms: dict[str, float]
    violations: list[ViolationOut]
    positions: list[StaffOut]


class AbkRow(BaseModel):
    """One position of the workload report."""

    position_id: str
    unit_id: str
    unit_name: str
    jabatan: str
    workload_hours: float
    need_fte: float
    staff: int
    gap_fte: float
    ej: float | None = Field(None, description="Efisiensi jabatan; null for a position without staff.")
    band: str
    direction: str


class AbkOut(BaseModel):
    """The workload report of the current staffing."""

    effective_hours: float
    workload_hours: float
    need_fte: float
    staff: int
    balance: float
    positions: list[AbkRow]
    warnings: list[str]


class HealthOut(BaseModel):
    """Liveness and version."""

    status: Literal["ok"]
    version: str
    jobs: dict[str, int]


# --------------------------------------------------------------------------- helpers


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _problem_out(p: InputProblem) -> dict[str, Any]:
    d = asdict(p)
    value = _plain(d["value"])
    d["value"] = value if value is None or isinstance(value, (str, int, float, bool)) else str(value)
    return d


def _error(detail: str, problems: list[InputProblem] | None = None) -> dict[str, Any]:
    return {"detail": detail, "problems": [_problem_out(p) for p in problems or []]}


def _input_error_body(e: InputError) -> dict[str, Any]:
    n = len(e.problems)
    return _error(f"{n} problem{'s' if n != 1 else ''} in the input", e.problems)


def build_problem(body: TablesIn) -> Problem:
    """The validated :class:`Problem` of a request (raises :class:`InputError`)."""
    raw = {
        name: _json_frame(getattr(body, name), name, _SOURCE)
        for name in _TABLES
        if getattr(body, name) is not None
    }
    return Problem.read(raw, body.policy)


def _validation_problems(errors: Any) -> list[InputProblem]:
    """FastAPI's request validation errors as input problems (table ``policy`` or ``request``)."""
    out: list[InputProblem] = []
    for d in errors:
        loc = [x for x in d.get("loc", ()) if x != "body"]
        where = ".".join(str(x) for x in loc)
        raw = d.get("input")
        value = raw if raw is None or isinstance(raw, (str, int, float, bool)) else None
        msg = str(d.get("msg", "invalid value")).removeprefix("Value error, ")
        kind = str(d.get("type", ""))
        if loc and loc[0] == "policy" and len(loc) > 1:
            rule = "unknown_policy_option" if kind == "extra_forbidden" else "invalid_policy"
            out.append(InputProblem("policy", None, ".".join(str(x) for x in loc[1:]), value, rule, msg))
        elif kind == "json_invalid":
            ctx = d.get("ctx") or {}
            why = ctx.get("error", "") if isinstance(ctx, dict) else ""
            pos = f" at character {loc[0]}" if loc else ""
            text = f"the body is not valid JSON{pos}: {why}" if why else f"the body is not valid JSON{pos}"
            out.append(InputProblem("request", None, None, None, "invalid_json", text))
        else:
            table = str(loc[0]) if loc and isinstance(loc[0], str) else "request"
            text = f"{where}: {msg}" if where else msg
            out.append(InputProblem(table, None, None, value, "invalid_request", text))
    return out


# --------------------------------------------------------------------------- jobs


#: The program of a job's process: read the job from stdin, send framed messages to stdout.
#: The folder holding this package goes on the path if it is not there (a source checkout).
_CHILD = (
    "import sys\n"
    "here = {here!r}\n"
    "if here not in sys.path:\n"
    "    sys.path.insert(0, here)\n"
    "from asn_balance.apps.server import _job_process\n"
    "_job_process()\n"
)
_FRAME = struct.Struct("!Q")


def _job_process() -> None:  # pragma: no cover - runs in the job's process
    """Body of a job's process: solve, send progress and the plan (or the error) back.

    The job ``(problem, options of solve)`` arrives pickled on stdin; messages go back
    as length-prefixed pickles on the original stdout, while anything else the process
    prints is sent to stderr.
    """
    channel = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        with lock:
            channel.write(_FRAME.pack(len(data)) + data)

    try:
        from ..planner import solve

        problem, options = pickle.load(sys.stdin.buffer)

        def progress(elapsed: float, objective: float, bound: float) -> None:
            with contextlib.suppress(OSError):
                send(("progress", float(elapsed), float(objective), float(bound)))

        result = solve(problem, progress=progress, **options)
        send(("done", result.to_dict()))
    except InputError as e:
        send(("failed", _input_error_body(e)))
    except Exception as e:  # reported to the client as a failed job
        send(("failed", _error(f"{type(e).__name__}: {e}")))
    finally:
        channel.close()


def _start_process() -> subprocess.Popen[bytes]:
    """A fresh Python process running :func:`_job_process`.

    A plain subprocess (not :mod:`multiprocessing`): it never re-imports the server's main
    module, needs no ``if __name__ == "__main__"`` guard from embedders, and can be killed
    at any moment.
    """
    here = str(Path(__file__).resolve().parents[1])  # the folder holding asn_balance
    code = _CHILD.format(here=here)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    return proc


def _read_exact(stream: Any, n: int) -> bytes | None:
    chunks: list[bytes] = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(eq=False)
class _Job:
    id: str
    problem: Problem | None
    options: dict[str, Any]
    status: str = "queued"
    created: dt.datetime = field(default_factory=_now)
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    t_start: float | None = None
    t_end: float | None = None
    objective: float | None = None
    bound: float | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    process: Any = None

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    def view(self) -> dict[str, Any]:
        if self.t_start is None:
            elapsed = 0.0
        else:
            elapsed = (self.t_end if self.t_end is not None else time.monotonic()) - self.t_start
        obj, bnd = self.objective, self.bound
        gap = None if obj is None or bnd is None else max(0.0, (obj - bnd) / max(abs(obj), 1.0))
        return {
            "id": self.id,
            "status": self.status,
            "created": self.created,
            "started": self.started,
            "finished": self.finished,
            "progress": {"elapsed": round(elapsed, 3), "objective": obj, "bound": bnd, "gap": gap},
            "result": self.result,
            "error": self.error,
        }


class StoreFull(RuntimeError):
    """Raised by :meth:`JobManager.submit` when every stored job is still active."""


class JobManager:
    """Planning jobs, each solved in a process of its own, at most ``max_running`` at once.

    Parameters
    ----------
    max_running : int, optional
        Solves run at once (default: the number of CPUs); more jobs wait as ``queued``.
    max_jobs : int
        Jobs kept; when full, the oldest finished job is forgotten (:class:`StoreFull` if
        none is finished).
    """

    def __init__(self, max_running: int | None = None, max_jobs: int = 1000) -> None:
        self.max_running = max(1, max_running or os.cpu_count() or 1)
        self.max_jobs = max(1, max_jobs)
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._queue: deque[_Job] = deque()
        self._running = 0
        self._lock = threading.Lock()
        self._closed = False

    # public -----------------------------------------------------------------------
    def submit(self, problem: Problem, **options: Any) -> dict[str, Any]:
        """Queue a job solving ``problem`` with :func:`asn_balance.solve` ``options``; returns its view."""
        with self._lock:
            if self._closed:
                raise StoreFull("the service is shutting down")
            if len(self._jobs) >= self.max_jobs:
                old = next((j for j in self._jobs.values() if not j.active), None)
                if old is None:
                    raise StoreFull(f"{len(self._jobs)} jobs are queued or running; try again later")
                del self._jobs[old.id]
            job = _Job(uuid.uuid4().hex, problem, options)
            self._jobs[job.id] = job
            self._queue.append(job)
            view = job.view()
            self._dispatch()
        return view

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The view of a job, or ``None`` if unknown."""
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else job.view()

    def jobs(self) -> list[dict[str, Any]]:
        """Id, status and creation time of every stored job, oldest first."""
        with self._lock:
            return [{"id": j.id, "status": j.status, "created": j.created} for j in self._jobs.values()]

    def counts(self) -> dict[str, int]:
        """Stored jobs per status."""
        with self._lock:
            out = dict.fromkeys(("queued", "running", "done", "failed", "cancelled"), 0)
            for j in self._jobs.values():
                out[j.status] += 1
            return out

    def delete(self, job_id: str) -> dict[str, Any] | None:
        """Cancel a queued or running job (its process is killed), or forget a finished one."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if not job.active:
                del self._jobs[job_id]
                return job.view()
            proc = self._cancel(job)
            view = job.view()
        self._stop(proc)
        return view

    def close(self) -> None:
        """Cancel every job and stop every solver process."""
        with self._lock:
            self._closed = True
            procs = [self._cancel(j) for j in self._jobs.values() if j.active]
        for p in procs:
            self._stop(p)

    # internals --------------------------------------------------------------------
    def _cancel(self, job: _Job) -> Any:
        """Mark ``job`` cancelled (lock held); returns its process to stop, if any."""
        if job.status == "queued":
            with contextlib.suppress(ValueError):
                self._queue.remove(job)
        job.status = "cancelled"
        job.finished = _now()
        job.t_end = time.monotonic() if job.t_start is not None else None
        job.problem = None
        return job.process

    @staticmethod
    def _stop(proc: subprocess.Popen[bytes] | None) -> None:
        """Terminate a job's process (kill it if it does not end within 5 s) and reap it."""
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(OSError):
            proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)

    def _dispatch(self) -> None:
        """Start queued jobs while slots are free (lock held)."""
        while self._queue and self._running < self.max_running and not self._closed:
            job = self._queue.popleft()
            job.status = "running"
            job.started = _now()
            job.t_start = time.monotonic()
            self._running += 1
            threading.Thread(
                target=self._watch, args=(job,), name=f"asn-job-{job.id[:8]}", daemon=True
            ).start()

    def _watch(self, job: _Job) -> None:
        """Run one job's process and collect its messages; frees the slot at the end."""
        try:
            with self._lock:
                problem = job.problem
                job.problem = None
                if job.status != "running" or problem is None:
                    return
            payload = pickle.dumps((problem, job.options), pickle.HIGHEST_PROTOCOL)
            del problem
            proc = _start_process()
            with self._lock:
                job.process = proc
                cancelled = job.status != "running"
            if cancelled:
                self._stop(proc)
                return
            assert proc.stdin is not None and proc.stdout is not None
            with contextlib.suppress(OSError):  # a process killed meanwhile closes the pipe
                proc.stdin.write(payload)
                proc.stdin.close()
            del payload
            self._receive(job, proc.stdout)
            try:
                code = proc.wait(10)
            except subprocess.TimeoutExpired:
                self._stop(proc)
                code = proc.returncode
            with self._lock:
                if job.status == "running":
                    job.status = "failed"
                    job.error = _error(f"the solver process ended without a plan (exit code {code})")
                    job.finished = _now()
                    job.t_end = time.monotonic()
        except Exception as e:  # never lose a slot
            log.exception("job %s", job.id)
            with self._lock:
                if job.status == "running":
                    job.status = "failed"
                    job.error = _error(f"{type(e).__name__}: {e}")
                    job.finished = _now()
                    job.t_end = time.monotonic()
        finally:
            with self._lock:
                proc = job.process
                job.process = None
                self._running -= 1
                self._dispatch()
            if proc is not None:
                self._stop(proc)

    def _receive(self, job: _Job, stream: Any) -> None:
        """Read progress and the final message of a job until its process ends."""
        try:
            while True:
                head = _read_exact(stream, _FRAME.size)
                data = None if head is None else _read_exact(stream, _FRAME.unpack(head)[0])
                if data is None:
                    return
                msg = pickle.loads(data)
                with self._lock:
                    if job.status != "running":
                        return
                    kind = msg[0]
                    if kind == "progress":
                        job.objective = _finite(msg[2])
                        job.bound = _finite(msg[3])
                        continue
                    job.t_end = time.monotonic()
                    job.finished = _now()
                    if kind == "done":
                        job.status = "done"
                        job.result = msg[1]
                        summary = msg[1].get("summary", {})
                        job.objective = _finite(summary.get("objective"))
                        job.bound = _finite(summary.get("bound"))
                    else:
                        job.status = "failed"
                        job.error = msg[1]
                    return
        finally:
            with contextlib.suppress(OSError):
                stream.close()


# --------------------------------------------------------------------------- body limit


class BodyLimit:
    """ASGI middleware: ``413`` for a body over ``max_bytes``, before it is read.

    A declared ``Content-Length`` over the limit is refused at once; a body without one
    (chunked) is counted while it is received and refused when it passes the limit.
    """

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _body(self) -> dict[str, Any]:
        return _error(f"the request body is larger than the limit of {self.max_bytes:,} bytes")

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((v for k, v in scope.get("headers", []) if k.lower() == b"content-length"), None)
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared > self.max_bytes:
                await JSONResponse(self._body(), status_code=413, headers={"Connection": "close"})(
                    scope, receive, send
                )
                return
        seen = 0

        async def limited() -> MutableMapping[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise HTTPException(413, self._body()["detail"])
            return message

        await self.app(scope, limited, send)


# --------------------------------------------------------------------------- the app

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body cannot be decoded (not UTF-8 text)."},
    401: {"model": ErrorOut, "description": "Missing or wrong API key (header X-API-Key)."},
    413: {"model": ErrorOut, "description": "The request body is over the size limit."},
    422: {
        "model": ErrorOut,
        "description": "Bad input: every problem, with table, row, column, value, rule.",
    },
}


def _error_response(
    status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def create_app(
    *,
    api_key: str | None = None,
    max_body_bytes: int | None = int(DEFAULT_MAX_BODY_MB * 1_000_000),
    max_running: int | None = None,
    max_jobs: int = 1000,
) -> FastAPI:
    """The ASGI application of the service.

    Parameters
    ----------
    api_key : str, optional
        Asked for in the header ``X-API-Key`` by every endpoint but ``/health`` and the
        docs. ``None``: the environment variable ``ASN_BALANCE_API_KEY`` if set; ``""``:
        no key even if it is set.
    max_body_bytes : int, optional
        Larger request bodies are refused with ``413`` (``None``: no limit).
    max_running : int, optional
        Solves run at once (default: the number of CPUs).
    max_jobs : int
        Jobs kept in memory (the oldest finished ones are forgotten first).

    Returns
    -------
    fastapi.FastAPI
    """
    from .._version import __version__

    key = os.environ.get(API_KEY_ENV) if api_key is None else api_key
    key = key or None
    manager = JobManager(max_running=max_running, max_jobs=max_jobs)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        manager.close()

    app = FastAPI(
        title="asn_balance",
        version=__version__,
        summary="Plan transfers (mutasi) of civil servants: balanced workload, rules kept, few moves.",
        description=(
            "Input tables as JSON, in the shape of a `.json` document read by `Problem.read`: "
            '`{"employees": [...], "positions": [...], "tasks": [...], "units": [...]}` plus an '
            "optional `policy`. Bad input gives `422` with every problem (table, spreadsheet row, "
            "column, value, rule, message). Plans are solved in the background: `POST /plans`, "
            "then poll `GET /plans/{id}`; `DELETE /plans/{id}` cancels."
        ),
        lifespan=lifespan,
    )
    app.state.jobs = manager
    if max_body_bytes is not None:
        app.add_middleware(BodyLimit, max_bytes=int(max_body_bytes))

    @app.exception_handler(InputError)
    async def _input_error(_: Request, e: InputError) -> JSONResponse:
        return _error_response(422, _input_error_body(e))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_: Request, e: RequestValidationError) -> JSONResponse:
        problems = _validation_problems(e.errors())
        n = len(problems)
        return _error_response(422, _error(f"{n} problem{'s' if n != 1 else ''} in the request", problems))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, e: StarletteHTTPException) -> JSONResponse:
        detail = e.detail if isinstance(e.detail, str) else str(e.detail)
        return _error_response(e.status_code, _error(detail), headers=e.headers)

    @app.exception_handler(Exception)
    async def _crash(_: Request, e: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=e)
        return _error_response(500, _error(f"internal error: {type(e).__name__}: {e}"))

    header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The service's API key.")

    def require_key(given: str | None = Security(header)) -> None:
        if key is not None and not (given is not None and hmac.compare_digest(given.encode(), key.encode())):
            raise HTTPException(
                401, "missing or wrong API key (header X-API-Key)", headers={"WWW-Authenticate": "APIKey"}
            )

    guarded = fastapi.APIRouter(
        dependencies=[Depends(require_key)] if key is not None else [], responses=_ERRORS
    )

    @app.get("/health", response_model=HealthOut, tags=["service"])
    def health() -> dict[str, Any]:
        """Liveness, version and the number of jobs per status."""
        return {"status": "ok", "version": __version__, "jobs": manager.counts()}

    @guarded.post(
        "/plans",
        status_code=202,
        response_model=JobOut,
        response_model_exclude_unset=True,
        tags=["plans"],
        responses={503: {"model": ErrorOut, "description": "Too many jobs are active."}},
    )
    def start_plan(body: PlanIn, response: Response) -> dict[str, Any]:
        """Validate the input at once (422 with every problem), then plan in the background."""
        problem = build_problem(body)
        try:
            options = {"time_limit": body.time_limit, "seed": body.seed, "lang": body.lang,
                       "deterministic": body.deterministic}  # fmt: skip
            view = manager.submit(problem, **options)
        except StoreFull as e:
            raise HTTPException(503, str(e)) from None
        response.headers["Location"] = f"/plans/{view['id']}"
        return view

    @guarded.get("/plans", response_model=list[JobBrief], tags=["plans"])
    def list_plans() -> list[dict[str, Any]]:
        """Every stored job: id, status and creation time, oldest first."""
        return manager.jobs()

    not_found: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such job."}}

    @guarded.get(
        "/plans/{job_id}",
        response_model=JobOut,
        response_model_exclude_unset=True,
        tags=["plans"],
        responses=not_found,
    )
    def get_plan(job_id: str) -> dict[str, Any]:
        """Status, progress and, when done, the plan (status, moves with reasons, metrics)."""
        view = manager.get(job_id)
        if view is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return view

    @guarded.delete(
        "/plans/{job_id}",
        response_model=JobOut,
        response_model_exclude_unset=True,
        tags=["plans"],
        responses=not_found,
    )
    def delete_plan(job_id: str) -> dict[str, Any]:
        """Cancel a queued or running job (its solver process is stopped), or forget a finished one."""
        view = manager.delete(job_id)
        if view is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return view

    @guarded.post("/check", response_model=CheckOut, tags=["plans"])
    def check_plan(body: CheckIn) -> dict[str, Any]:
        """Check a plan (its moves) against every hard rule and recompute its objective."""
        from ..check.verifier import check

        problem = build_problem(body)
        moves = (
            read_plan(_json_frame(body.moves, "moves", _SOURCE))
            if body.moves
            else pd.DataFrame({"employee_id": [], "to_position": []}, dtype=object)
        )
        report = check(problem, moves)
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
            "positions": [
                {
                    "position_id": str(pid),
                    "need": float(r.need),
                    "staff_before": int(r.staff_before),
                    "staff_after": int(r.staff_after),
                }
                for pid, r in zip(staff.index, staff.itertuples(index=False), strict=True)
            ],
        }

    @guarded.post("/abk", response_model=AbkOut, tags=["reports"])
    def abk_report(body: AbkIn) -> dict[str, Any]:
        """The workload report (ABK): workload, need, staff, EJ, band and direction per position."""
        problem = build_problem(body)
        rows = [{k: _plain(v) for k, v in r.items()} for r in problem.abk().to_dict(orient="records")]
        for r in rows:
            r["ej"] = _finite(r.get("ej"))
        return {
            "effective_hours": problem.policy.effective_hours,
            "workload_hours": float(problem.workload.sum()),
            "need_fte": float(problem.need.sum()),
            "staff": int(problem.staff.sum()),
            "balance": problem.balance(),
            "positions": rows,
            "warnings": list(problem.warnings),
        }

    app.include_router(guarded)
    return app


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    api_key: str | None = None,
    max_body_mb: float = DEFAULT_MAX_BODY_MB,
    max_running: int | None = None,
    log_level: str = "info",
) -> None:
    """Run the service with uvicorn until interrupted (see :func:`create_app`)."""
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "the asn_balance HTTP service needs uvicorn: pip install 'asn-balance[server]'"
        ) from exc
    app = create_app(api_key=api_key, max_body_bytes=int(max_body_mb * 1_000_000), max_running=max_running)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
