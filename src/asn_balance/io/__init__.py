"""Files in and out: plans read back, atomic writes, the formatted Excel plan, JSON Schemas.

The readers of *input* tables live in :mod:`asn_balance.model.readers` (the first step of
the flow); they are re-exported here under their old names.
"""

from __future__ import annotations

from ..model.readers import read_tables
from .files import atomic_write_bytes, atomic_write_text, write_frames
from .plans import read_plan

__all__ = ["atomic_write_bytes", "atomic_write_text", "read_plan", "read_tables", "write_frames"]
