"""The service's database (SQLAlchemy 2, Alembic migrations shipped in the package).

``schema.py`` holds the tables, ``store.py`` the :class:`Store` (engine, migrations, units of
work, inputs, jobs, audit log), ``rounds.py`` the consultation rounds; ``migrations/`` is the
Alembic environment and its versions, run in code at start (:meth:`Store.migrate`).
"""

from __future__ import annotations

from .rounds import STATES, RoundConflict, Rounds
from .store import FINAL_STATES, Store, normalise_url

__all__ = ["FINAL_STATES", "STATES", "RoundConflict", "Rounds", "Store", "normalise_url"]
