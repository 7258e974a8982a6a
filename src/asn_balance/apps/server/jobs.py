"""Planning jobs: each solve runs in a Python process of its own, at most ``max_running`` at once.

The job's process (:func:`_job_process`) reads ``(problem, options of solve)`` pickled on
stdin and sends length-prefixed pickled messages back: ``("progress", elapsed, objective,
bound)``, then ``("done", plan)`` or ``("failed", error body)``. :class:`JobManager` queues
jobs, starts and watches their processes and kills them on ``DELETE``, and when a job runs
past its time limit plus a grace.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
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
from typing import Any

from ...model.errors import InputError
from ...model.problem import Problem
from .models import _error, _finite, _input_error_body

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
        from ...planner import solve

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
    max_time_limit : float, optional
        The most seconds a job may have: a job asking for more, or for none, gets this
        (``None``: no maximum; a job asking for none runs with the solver's default of
        :data:`DEFAULT_TIME_LIMIT` seconds for the search).
    grace : float
        Seconds a job's process may run past its time limit before it is stopped and the
        job marked ``failed``.
    """

    def __init__(
        self,
        max_running: int | None = None,
        max_jobs: int = 1000,
        *,
        max_time_limit: float | None = None,
        grace: float = DEFAULT_GRACE,
    ) -> None:
        if max_time_limit is not None and not max_time_limit > 0:
            raise ValueError("max_time_limit must be positive")
        self.max_running = max(1, max_running or os.cpu_count() or 1)
        self.max_jobs = max(1, max_jobs)
        self.max_time_limit = None if max_time_limit is None else float(max_time_limit)
        self.grace = max(0.0, float(grace))
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

    def submit(self, problem: Problem, **options: Any) -> dict[str, Any]:
        """Queue a job solving ``problem`` with :func:`asn_balance.solve` ``options``; returns its view.

        ``options["time_limit"]`` is replaced by the limit the job gets (:meth:`time_limit`).
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
        log.warning("job %s: stopped at its time limit plus grace", job.id)
        self._stop(proc)

    def _watch(self, job: _Job) -> None:
        """Run one job's process and collect its messages; frees the slot at the end."""
        timer: threading.Timer | None = None
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
