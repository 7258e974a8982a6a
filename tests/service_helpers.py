"""Helpers of the durable service's tests: JSON tables, a PostgreSQL server, polling."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

POLICY = {"plan_date": "2026-01-01"}


def doc(frames: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Input tables as the JSON document the service takes (dates as YYYY-MM-DD)."""
    out: dict[str, Any] = {}
    for name, df in frames.items():
        df = df.copy()
        for c in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[c]):
                df[c] = df[c].dt.strftime("%Y-%m-%d")
        out[name] = json.loads(df.to_json(orient="records"))
    return out


def wait_job(
    client: Any, job_id: str, until: tuple[str, ...], timeout: float = 120, **kw: Any
) -> dict[str, Any]:
    """Poll ``GET /plans/{id}`` until its status is one of ``until``."""
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(f"/plans/{job_id}", **kw)
        assert r.status_code == 200, r.text
        view: dict[str, Any] = r.json()
        if view["status"] in until:
            return view
        assert time.monotonic() < deadline, view
        time.sleep(0.1)


def postgres_server(base: Path) -> Iterator[Any]:
    """A real PostgreSQL server started by ``pgserver`` (skips, saying why, where it cannot)."""
    try:
        import pgserver
    except ImportError as e:
        pytest.skip(f"no PostgreSQL: the test extra's pgserver is not installed ({e})")
    try:
        server = pgserver.get_server(base, cleanup_mode="stop")  # type: ignore[attr-defined]
    except Exception as e:  # a server that cannot start here: the reason is the skip's
        pytest.skip(f"no PostgreSQL: pgserver could not start a server here ({type(e).__name__}: {e})")
    try:
        yield server
    finally:
        server.cleanup()


def fresh_database(server: Any, base: Path) -> str:
    """A new, empty database on ``server``: its SQLAlchemy URL (psycopg 3)."""
    name = "t" + uuid.uuid4().hex[:12]
    server.psql(f"CREATE DATABASE {name};")
    return f"postgresql://postgres:@/{name}?host={base}"
