"""Vectorised text helpers of the generator: draws from word lists and joined cells."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .catalogue import jabatan_tables
from .constants import ObjArray, StrArray

__all__ = ["competency_text", "pick", "strings_join"]


def pick(rng: np.random.Generator, options: tuple[str, ...], size: int) -> StrArray:
    """``size`` values drawn uniformly from ``options``."""
    return np.asarray(options, dtype=str)[rng.integers(0, len(options), size)]


def strings_join(parts: list[npt.NDArray[np.generic]], sep: str) -> ObjArray:
    """Join string arrays element-wise with ``sep``, skipping empty parts.

    Works on object arrays: numpy then adds the Python strings in C, much faster than
    fixed-width ``np.strings`` arrays that grow at every step.
    """
    out = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        p = np.asarray(part, dtype=object)
        glue = np.where((out != "") & (p != ""), sep, "").astype(object)
        out = out + glue + p
    return out


def competency_text(levels: npt.NDArray[np.int8]) -> ObjArray:
    """Canonical ``name:level;...`` text per row of a level matrix (0 = absent)."""
    if not len(levels):
        return np.empty(0, dtype=object)
    cat = jabatan_tables()
    return strings_join([cat.comp_items[k][levels[:, k]] for k in range(len(cat.competencies))], ";")
