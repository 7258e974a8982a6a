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
    # the text of each distinct row once (rows repeat a lot in large scenarios)
    rows = np.ascontiguousarray(levels).view(np.dtype((np.void, levels.shape[1] * levels.itemsize)))
    uniq, inverse = np.unique(rows.ravel(), return_inverse=True)
    u_levels = uniq.view(levels.dtype).reshape(len(uniq), levels.shape[1])
    text = strings_join([cat.comp_items[k][u_levels[:, k]] for k in range(len(cat.competencies))], ";")
    return text[inverse.ravel()]
