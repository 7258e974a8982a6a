"""Shared by the tests that compare plans as JSON data."""

from __future__ import annotations

from typing import Any

TIMING = {"seconds", "solver_seconds", "compile_seconds"}


def strip_timing(x: Any) -> Any:
    """JSON data without the timing keys, which differ from run to run."""
    if isinstance(x, dict):
        return {k: strip_timing(v) for k, v in x.items() if k not in TIMING}
    if isinstance(x, list):
        return [strip_timing(v) for v in x]
    return x
