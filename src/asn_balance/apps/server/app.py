"""The ASGI application: body limit, error handlers, API key and the routes; :func:`serve`.

FastAPI and uvicorn are imported here (and uvicorn only by :func:`serve`).
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
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from ...io.files import _plain
from ...model.errors import InputError, InputProblem
from ...model.policy import Policy
from .db import Store
from .inputs import build_problem, check_body, moves_frame
from .jobs import DEFAULT_GRACE, JobManager, StoreFull
from .keys import API_KEYS_ENV, DEFAULT_KEY_NAME, KeyRing, parse_keys
from .models import (
    AbkIn,
    AbkOut,
    CheckIn,
    CheckOut,
    ErrorOut,
    HealthOut,
    JobBrief,
    JobOut,
    PlanIn,
    _error,
    _finite,
    _input_error_body,
)

log = logging.getLogger(__name__)

#: Environment variable holding the API key (``serve --api-key`` overrides it).
API_KEY_ENV = "ASN_BALANCE_API_KEY"
#: Default limit on request bodies, in megabytes (10**6 bytes).
DEFAULT_MAX_BODY_MB = 32.0
#: The database ``asn-balance serve`` uses by default: a SQLite file in the working folder.
DEFAULT_DB_URL = "sqlite:///asn-balance.db"
#: Who made a change when the service has no key.
ANONYMOUS = "anonymous"


# --------------------------------------------------------------------------- requests


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
    max_time_limit: float | None = None,
    grace: float = DEFAULT_GRACE,
    db_url: str | None = None,
    api_keys: Mapping[str, str] | None = None,
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
    max_time_limit : float, optional
        The most seconds a planning job may have: a request asking for more, or for none,
        gets this (``None``: no maximum, and 60 s for a request that asks for none).
    grace : float
        Seconds a job's process may run past its time limit before it is stopped and the
        job marked ``failed`` (default 30).
    db_url : str, optional
        The database of plans, inputs, rounds, responses and the audit log (SQLAlchemy URL:
        ``sqlite:///path.db``, ``postgresql://...``), brought to the newest migration at
        once; jobs a previous process left queued or running become ``interrupted``.
        ``None``: a SQLite database in memory (nothing survives the process).
    api_keys : mapping of str to str, optional
        Named keys ``{name: key}``, on top of ``api_key`` (named ``default``); ``None``: the
        environment variable ``ASN_BALANCE_API_KEYS`` (``name:key,...``) if set. The name of
        the key a request sends is recorded as who made each change.

    Returns
    -------
    fastapi.FastAPI
    """
    from ..._version import __version__

    key = os.environ.get(API_KEY_ENV) if api_key is None else api_key
    named = dict(parse_keys(os.environ.get(API_KEYS_ENV, "")) if api_keys is None else api_keys)
    if key:
        if DEFAULT_KEY_NAME in named and named[DEFAULT_KEY_NAME] != key:
            raise ValueError(f"two keys are named {DEFAULT_KEY_NAME!r}: --api-key and a named key")
        named[DEFAULT_KEY_NAME] = key
    ring = KeyRing(named)
    store = Store(db_url or "sqlite://")
    interrupted = store.recover()
    if interrupted:
        log.warning("%d job(s) left unfinished by a previous process are now interrupted", len(interrupted))
    manager = JobManager(
        max_running=max_running, max_jobs=max_jobs, max_time_limit=max_time_limit, grace=grace, store=store
    )

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        manager.close()
        store.close()

    app = FastAPI(
        title="asn_balance",
        version=__version__,
        summary="Plan transfers (mutasi) of civil servants: balanced workload, rules kept, few moves.",
        description=(
            "Input tables as JSON, in the shape of a `.json` document read by `Problem.read`: "
            '`{"employees": [...], "positions": [...], "tasks": [...], "units": [...]}` plus an '
            "optional `policy`. Bad input gives `422` with every problem (table, spreadsheet row, "
            "column, value, rule, message). Plans are solved in the background: `POST /plans`, "
            "then poll `GET /plans/{id}`; `DELETE /plans/{id}` cancels. Plans, inputs, consultation "
            "rounds (`/rounds`: draft -> in_consultation -> revised -> approved | rejected), responses "
            "and the audit log live in the service's database."
        ),
        lifespan=lifespan,
    )
    app.state.jobs = manager
    app.state.store = store
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

    def require_key(given: str | None = Security(header)) -> str:
        """The name of the key sent (``anonymous`` when the service has no key); 401 otherwise."""
        if ring.open:
            return ANONYMOUS
        name = ring.name(given)
        if name is None:
            raise HTTPException(
                401, "missing or wrong API key (header X-API-Key)", headers={"WWW-Authenticate": "APIKey"}
            )
        return name

    guarded = fastapi.APIRouter(dependencies=[] if ring.open else [Depends(require_key)], responses=_ERRORS)

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
    def start_plan(body: PlanIn, response: Response, who: str = Depends(require_key)) -> dict[str, Any]:
        """Validate the input at once (422 with every problem), store it as an upload of the
        request's agency, then plan in the background."""
        from .rounds import save_upload

        problem = build_problem(body)
        save_upload(store, body, problem, who, body.agency)
        try:
            options = {"time_limit": body.time_limit, "seed": body.seed, "lang": body.lang,
                       "deterministic": body.deterministic}  # fmt: skip
            view = manager.submit(problem, who=who, agency=body.agency, input_sha256=problem.input_sha256,
                                  **options)  # fmt: skip
        except StoreFull as e:
            raise HTTPException(503, str(e)) from None
        response.headers["Location"] = f"/plans/{view['id']}"
        return view

    @guarded.get("/plans", response_model=list[JobBrief], tags=["plans"])
    def list_plans() -> list[dict[str, Any]]:
        """Every stored job: id, status and creation time, oldest first."""
        return manager.jobs()

    not_found: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such job."}}
    in_use: dict[int | str, dict[str, Any]] = {
        409: {"model": ErrorOut, "description": "A round uses the plan: it is kept."}
    }

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
        responses={**not_found, **in_use},
    )
    def delete_plan(job_id: str, who: str = Depends(require_key)) -> dict[str, Any]:
        """Cancel a queued or running job (its solver process is stopped), or forget a finished one."""
        try:
            view = manager.delete(job_id, who)
        except ValueError as e:
            raise HTTPException(409, str(e)) from None
        if view is None:
            raise HTTPException(404, f"no job {job_id!r}")
        return view

    @guarded.post("/check", response_model=CheckOut, tags=["plans"])
    def check_plan(body: CheckIn) -> dict[str, Any]:
        """Check a plan (its moves) against every hard rule and recompute its objective."""
        from ...check.verifier import check

        recorded = body.summary or {}
        plan_policy = recorded.get("policy")
        if isinstance(plan_policy, dict) and plan_policy:  # the plan's policy, the fields given on top
            from pydantic import ValidationError

            from ...model.policy_file import policy_problems

            given = {k: getattr(body.policy, k) for k in body.policy.model_fields_set} if body.policy else {}
            try:
                effective = Policy.model_validate({**plan_policy, **given})
            except ValidationError as e:
                raise InputError(policy_problems(e)) from None
            body = body.model_copy(update={"policy": effective})
        problem = build_problem(body)
        report = check(
            problem, moves_frame(body.moves), recorded=recorded or None, policy="problem",
            allow_changed_input=body.allow_changed_input,
        )  # fmt: skip
        return check_body(report)

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
            "staff": float(problem.staff.sum()),
            "balance": problem.balance(),
            "positions": rows,
            "warnings": list(problem.warnings),
        }

    from .rounds import rounds_router

    guarded.include_router(
        rounds_router(store, require_key, max_time_limit=max_time_limit, responses=_ERRORS)
    )
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
    max_time_limit: float | None = None,
    db_url: str = DEFAULT_DB_URL,
    api_keys: Mapping[str, str] | None = None,
) -> None:
    """Run the service with uvicorn until interrupted (see :func:`create_app`; the database
    defaults to the SQLite file ``asn-balance.db`` in the working folder)."""
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "the asn_balance HTTP service needs uvicorn: pip install 'asn-balance[server]'"
        ) from exc
    app = create_app(api_key=api_key, max_body_bytes=int(max_body_mb * 1_000_000), max_running=max_running,
                     max_time_limit=max_time_limit, db_url=db_url, api_keys=api_keys)  # fmt: skip
    uvicorn.run(app, host=host, port=port, log_level=log_level)
