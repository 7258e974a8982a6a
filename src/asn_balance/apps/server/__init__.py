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
* ``POST /inputs`` and ``/rounds/...``: uploads of an agency's data and consultation rounds
  (draft -> in_consultation -> revised -> approved | rejected) with notices, responses,
  revision, check, approval and their audit trail;
* ``GET /health``, and FastAPI's ``/docs`` and ``/openapi.json``.

Plans, inputs, rounds, responses and the audit log live in a database (``db/``: SQLAlchemy 2,
Alembic migrations run at start; SQLite by default, PostgreSQL through psycopg 3); a job a
killed service left running comes back ``interrupted`` with its best plan saved so far.

Every solve runs in a Python process of its own (a plain subprocess), at most ``max_running``
at once, so that ``DELETE`` really stops the work: the process is terminated. Bodies over
``max_body_bytes`` are refused with ``413`` before they are read; with an API key configured
every endpoint but ``/health`` and the docs asks for the header ``X-API-Key`` (``401``
otherwise).

The package: ``models.py`` and ``round_models.py`` (request and response models, error
bodies), ``jobs.py`` (the job processes and :class:`JobManager`), ``inputs.py`` (problems from
requests and stored inputs), ``keys.py`` (named API keys), ``rounds.py`` (the routes of
uploads and rounds), ``db/`` (the store), ``app.py`` (:func:`create_app`, the body limit, the
error handlers, the routes, :func:`serve`). FastAPI and uvicorn are imported by this package
only (``app.py``); ``import asn_balance`` never needs them.
"""

from __future__ import annotations

from .app import API_KEY_ENV, DEFAULT_MAX_BODY_MB, create_app, serve
from .app import BodyLimit as BodyLimit
from .inputs import build_problem as build_problem
from .jobs import JobManager
from .jobs import StoreFull as StoreFull
from .jobs import _job_process as _job_process
from .models import AbkIn as AbkIn
from .models import AbkOut as AbkOut
from .models import AbkRow as AbkRow
from .models import Cell as Cell
from .models import CheckIn as CheckIn
from .models import CheckOut as CheckOut
from .models import ErrorOut as ErrorOut
from .models import HealthOut as HealthOut
from .models import JobBrief as JobBrief
from .models import JobOut as JobOut
from .models import JobStatus as JobStatus
from .models import PlanIn as PlanIn
from .models import PlanOut as PlanOut
from .models import ProblemOut as ProblemOut
from .models import ProgressOut as ProgressOut
from .models import StaffOut as StaffOut
from .models import Table as Table
from .models import TablesIn as TablesIn
from .models import ViolationOut as ViolationOut

__all__ = [
    "API_KEY_ENV",
    "DEFAULT_MAX_BODY_MB",
    "JobManager",
    "create_app",
    "serve",
]
