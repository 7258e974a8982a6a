"""Planning jobs: each solve runs in a Python process of its own, at most ``max_running`` at once.

The job's process (:func:`_job_process`) reads ``(problem, options of solve)`` pickled on
stdin and sends length-prefixed pickled messages back: ``("progress", elapsed, objective,
bound)``, ``("best", plan)`` (each better plan the solve reaches, through ``on_plan`` of
:func:`asn_balance.solve`, checked: kept should the service die), then ``("done", plan)``
or ``("failed", error body)``.
:class:`JobManager` queues jobs, starts and watches their processes and kills them on
``DELETE``, and when a job runs past its time limit plus a grace. With a
:class:`~asn_balance.apps.server.db.Store` every change of a job is written to the database
as it happens (a session per write, outside the manager's lock), so a job survives the
service: a finished job is read back from the database, and a job a killed service left
queued or running comes back ``interrupted`` (:meth:`Store.recover`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...model.errors import InputError
from ...model.problem import Problem
from .models import _error, _finite, _input_error_body, job_view

if TYPE_CHECKING:
    from ...evaluate.result import Result
    from .db.store import Store

log = logging.getLogger(__name__)

#: The program of a job's process: read the job from stdin, send framed messages to stdout.
#: The folder holding the asn_balance package goes on the path if it is not there (a source checkout).
_CHILD = (
    "import sys\n"
    "here = {here!r}\n"
    "if here not in sys.path:\n"
    "    sys.path.insert(0, here)\n"
    "from asn_balance.apps.server import _job_process\n"
    "_job_process()\n"
)
_FRAME = struct.Struct("!Q")

#: Seconds of a job that asks for no time limit (when the service sets no maximum).
DEFAULT_TIME_LIMIT = 60.0
#: Seconds a job's process may run beyond its time limit (starting Python, evaluating and
#: sending the plan) before it is stopped.
DEFAULT_GRACE = 30.0


def _job_process() -> None:  # pragma: no cover - runs in the job's process
    """Body of a job's process: solve, send progress, the best plan so far and the plan back.

    The job ``(problem, options of solve)`` arrives pickled on stdin; messages go back
    as length-prefixed pickles on the original stdout, while anything else the process
    prints is sent to stderr. One solve runs until the job's deadline; each better plan it
    reaches on the way (``on_plan``: the standing plan, then the engine's verified plans,
    at most every :data:`~asn_balance.planner.PLAN_EVERY` seconds) is sent as
    ``("best", plan)`` when the independent check passes it.
    """
    t0 = time.perf_counter()
    channel = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    lock = threading.Lock()

    def send(message: tuple[Any, ...]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        with lock:
            channel.write(_FRAME.pack(len(data)) + data)

    try:
        from ...check.verifier import check
        from ...planner import solve

        problem, options = pickle.load(sys.stdin.buffer)
        seen = [math.inf, -math.inf]

        def progress(elapsed: float, objective: float, bound: float) -> None:
            seen[0] = min(seen[0], float(objective))
            seen[1] = max(seen[1], float(bound))
            with contextlib.suppress(OSError):
                send(("progress", time.perf_counter() - t0, seen[0], seen[1]))

        def on_plan(plan: Result) -> None:  # from the solve's watcher thread
            if check(problem, plan).ok:
                with contextlib.suppress(OSError):
                    send(("best", plan.to_dict()))

        limit = float(options.get("time_limit") or DEFAULT_TIME_LIMIT)
        result = solve(problem, progress=progress, deadline=t0 + limit, on_plan=on_plan, **options)
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
    # the folder holding asn_balance: as many levels up as this module's name has dots
    # (parents[3] for asn_balance.apps.server.jobs)
    here = str(Path(__file__).resolve().parents[__name__.count(".")])
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
    agency: str = "default"
    input_sha256: str | None = None
    best: dict[str, Any] | None = None
    best_saved: dt.datetime | None = None
    t_saved: float = 0.0  # when progress was last written to the store

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    def elapsed(self) -> float:
        if self.t_start is None:
            return 0.0
        return (self.t_end if self.t_end is not None else time.monotonic()) - self.t_start

    def view(self) -> dict[str, Any]:
        return job_view(self, self.elapsed())

    def final_fields(self) -> dict[str, Any]:
        """What the store keeps of a job that ended (lock held)."""
        return {"status": self.status, "finished": self.finished, "elapsed": self.elapsed(),
                "objective": self.objective, "bound": self.bound, "result": self.result,
                "error": self.error}  # fmt: skip


class StoreFull(RuntimeError):
    """Raised by :meth:`JobManager.submit` when every stored job is still active."""


#: Seconds between two writes of a running job's progress to the store.
PROGRESS_EVERY = 2.0


class JobManager:
    """Planning jobs, each solved in a process of its own, at most ``max_running`` at once.

    Parameters
    ----------
    max_running : int, optional
        Solves run at once (default: the number of CPUs); more jobs wait as ``queued``.
    max_jobs : int
        Jobs kept in memory; when full, the oldest finished job is forgotten from memory
        (:class:`StoreFull` if none is finished). With a ``store``, a job leaves memory as
        soon as it ends (the store keeps it), so this bounds the jobs queued or running.
    max_time_limit : float, optional
        The most seconds a job may have: a job asking for more, or for none, gets this
        (``None``: no maximum; a job asking for none runs with the solver's default of
        :data:`DEFAULT_TIME_LIMIT` seconds for the search).
    grace : float
        Seconds a job's process may run past its time limit before it is stopped and the
        job marked ``failed``.
    store : Store, optional
        The database every change of a job is written to; ``None``: jobs live in memory.
    """

    def __init__(
        self,
        max_running: int | None = None,
        max_jobs: int = 1000,
        *,
        max_time_limit: float | None = None,
        grace: float = DEFAULT_GRACE,
        store: Store | None = None,
    ) -> None:
        if max_time_limit is not None and not max_time_limit > 0:
            raise ValueError("max_time_limit must be positive")
        self.max_running = max(1, max_running or os.cpu_count() or 1)
        self.max_jobs = max(1, max_jobs)
        self.max_time_limit = None if max_time_limit is None else float(max_time_limit)
        self.grace = max(0.0, float(grace))
        self.store = store
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._queue: deque[_Job] = deque()
        self._running = 0
        self._lock = threading.Lock()
        self._closed = False

    # public -----------------------------------------------------------------------
    def time_limit(self, wanted: float | None) -> float | None:
        """The time limit a job asking for ``wanted`` seconds gets (see ``max_time_limit``):
        ``None`` (the solver's default of :data:`DEFAULT_TIME_LIMIT` seconds for the search,
        which the process is given too) when it asks for none and the service sets no maximum."""
        cap = self.max_time_limit
        if wanted is None:
            return cap
        return float(wanted) if cap is None else min(float(wanted), cap)

    def submit(
        self,
        problem: Problem,
        *,
        who: str = "anonymous",
        agency: str = "default",
        input_sha256: str | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """Queue a job solving ``problem`` with :func:`asn_balance.solve` ``options``; returns its view.

        ``options["time_limit"]`` is replaced by the limit the job gets (:meth:`time_limit`).
        ``who`` (the API key's name), ``agency`` and ``input_sha256`` are recorded with it.
        """
        options["time_limit"] = self.time_limit(options.get("time_limit"))
        with self._lock:
            if self._closed:
                raise StoreFull("the service is shutting down")
            if len(self._jobs) >= self.max_jobs:
                old = next((j for j in self._jobs.values() if not j.active), None)
                if old is None:
                    raise StoreFull(f"{len(self._jobs)} jobs are queued or running; try again later")
                del self._jobs[old.id]
            job = _Job(uuid.uuid4().hex, problem, options, agency=agency, input_sha256=input_sha256)
            view = job.view()
        if self.store is not None:  # recorded before it can start, so every later write finds it
            policy = problem.policy.model_dump(mode="json")
            self.store.add_job(
                view, agency=agency, input_sha256=input_sha256, who=who, options=dict(options), policy=policy
            )
        with self._lock:
            if self._closed:
                self._cancel(job)
                raise StoreFull("the service is shutting down")
            self._jobs[job.id] = job
            self._queue.append(job)
            self._dispatch()
        return view

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The view of a job, or ``None`` if unknown."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                return job.view()
        return None if self.store is None else self.store.job(job_id)

    def jobs(self) -> list[dict[str, Any]]:
        """Id, status and creation time of every stored job, oldest first."""
        if self.store is not None:
            return self.store.jobs()
        with self._lock:
            return [{"id": j.id, "status": j.status, "created": j.created} for j in self._jobs.values()]

    def counts(self) -> dict[str, int]:
        """Stored jobs per status."""
        if self.store is not None:
            return self.store.job_counts()
        with self._lock:
            out = dict.fromkeys(("queued", "running", "done", "failed", "cancelled", "interrupted"), 0)
            for j in self._jobs.values():
                out[j.status] += 1
            return out

    def delete(self, job_id: str, who: str = "anonymous") -> dict[str, Any] | None:
        """Cancel a queued or running job (its process is killed), or forget a finished one.

        Raises :class:`ValueError` for a finished job a round uses (it is kept).
        """
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.active:
                proc = self._cancel(job)
                view = job.view()
                fields = job.final_fields()
            elif job is not None and self.store is None:
                del self._jobs[job_id]
                return job.view()
            else:
                job = None
        if job is None:
            if self.store is None:
                return None
            stored = self.store.delete_job(job_id, who)
            with self._lock:
                self._jobs.pop(job_id, None)
            return stored
        self._stop(proc)
        self._save(job, fields, (who, "plan.cancel", ""))
        return view

    def close(self) -> None:
        """Stop every solver process; their jobs end ``cancelled`` (``interrupted`` with a store:
        the service stopped, nobody cancelled them)."""
        with self._lock:
            self._closed = True
            active = [j for j in self._jobs.values() if j.active]
            procs = [self._cancel(j, "cancelled" if self.store is None else "interrupted") for j in active]
            for j in active:
                if self.store is not None:
                    j.error = _error("the service stopped while the job was running; it was not finished")
            saved = [(j, j.final_fields()) for j in active]
        for p in procs:
            self._stop(p)
        for j, fields in saved:
            self._save(j, fields, ("system", "plan.interrupted", "the service was shut down"))

    # internals --------------------------------------------------------------------
    def _save(self, job: _Job, fields: dict[str, Any], audit: tuple[str, str, str] | None = None) -> None:
        """Write ``fields`` of ``job`` to the store (never under the lock); a job that ended
        then leaves memory, the store keeping it."""
        if self.store is None:
            return
        try:
            self.store.update_job(job.id, audit=audit, **fields)
        except Exception:  # a write that fails must not kill the watcher: the job stays in memory
            log.exception("job %s: could not write %s to the database", job.id, sorted(fields))
            return
        if fields.get("status") not in (None, "queued", "running"):
            with self._lock:
                if self._jobs.get(job.id) is job and not job.active:
                    del self._jobs[job.id]

    def _cancel(self, job: _Job, status: str = "cancelled") -> Any:
        """Mark ``job`` cancelled (lock held); returns its process to stop, if any."""
        if job.status == "queued":
            with contextlib.suppress(ValueError):
                self._queue.remove(job)
        job.status = status
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

    def _overrun(self, job: _Job, proc: subprocess.Popen[bytes]) -> None:
        """Stop a job's process that runs past its time limit plus the grace."""
        with self._lock:
            if job.status != "running" or job.process is not proc:
                return
            limit = float(job.options.get("time_limit") or DEFAULT_TIME_LIMIT)
            job.status = "failed"
            job.error = _error(
                f"the solve did not end within its time limit of {limit:g} s plus a grace of "
                f"{self.grace:g} s; its process was stopped"
            )
            job.finished = _now()
            job.t_end = time.monotonic()
            fields = job.final_fields()
        log.warning("job %s: stopped at its time limit plus grace", job.id)
        self._stop(proc)
        self._save(job, fields, ("system", "plan.failed", "time limit plus grace"))

    def _fail(self, job: _Job, detail: str) -> None:
        """Mark a running job failed with ``detail`` and save it."""
        with self._lock:
            if job.status != "running":
                return
            job.status = "failed"
            job.error = _error(detail)
            job.finished = _now()
            job.t_end = time.monotonic()
            fields = job.final_fields()
        self._save(job, fields, ("system", "plan.failed", detail))

    def _watch(self, job: _Job) -> None:
        """Run one job's process and collect its messages; frees the slot at the end."""
        timer: threading.Timer | None = None
        try:
            with self._lock:
                problem = job.problem
                job.problem = None
                if job.status != "running" or problem is None:
                    return
                started = {"status": "running", "started": job.started}
            self._save(job, started)
            payload = pickle.dumps((problem, job.options), pickle.HIGHEST_PROTOCOL)
            del problem
            proc = _start_process()
            with self._lock:
                job.process = proc
                cancelled = job.status != "running"
            if cancelled:
                self._stop(proc)
                return
            limit = float(job.options.get("time_limit") or DEFAULT_TIME_LIMIT)
            timer = threading.Timer(limit + self.grace, self._overrun, args=(job, proc))
            timer.daemon = True
            timer.start()
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
            self._fail(job, f"the solver process ended without a plan (exit code {code})")
        except Exception as e:  # never lose a slot
            log.exception("job %s", job.id)
            self._fail(job, f"{type(e).__name__}: {e}")
        finally:
            if timer is not None:
                timer.cancel()
            with self._lock:
                proc = job.process
                job.process = None
                self._running -= 1
                self._dispatch()
            if proc is not None:
                self._stop(proc)

    def _receive(self, job: _Job, stream: Any) -> None:
        """Read progress, the best plan so far and the final message of a job until its process ends."""
        try:
            while True:
                head = _read_exact(stream, _FRAME.size)
                data = None if head is None else _read_exact(stream, _FRAME.unpack(head)[0])
                if data is None:
                    return
                msg = pickle.loads(data)
                fields: dict[str, Any] | None = None
                audit: tuple[str, str, str] | None = None
                with self._lock:
                    if job.status != "running":
                        return
                    kind = msg[0]
                    if kind == "progress":
                        job.objective = _finite(msg[2])
                        job.bound = _finite(msg[3])
                        t = time.monotonic()
                        if t - job.t_saved >= PROGRESS_EVERY:
                            job.t_saved = t
                            fields = {
                                "objective": job.objective,
                                "bound": job.bound,
                                "elapsed": job.elapsed(),
                            }
                    elif kind == "best":
                        job.best = msg[1]
                        job.best_saved = _now()
                        fields = {"best": job.best, "best_saved": job.best_saved, "elapsed": job.elapsed(),
                                  "objective": job.objective, "bound": job.bound}  # fmt: skip
                    else:
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
                        fields = job.final_fields()
                        audit = ("system", f"plan.{job.status}", "")
                if fields is not None:
                    self._save(job, fields, audit)
                if audit is not None:
                    return
        finally:
            with contextlib.suppress(OSError):
                stream.close()
