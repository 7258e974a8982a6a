"""How a process of ours takes memory from the kernel: no huge pages for numpy's arrays.

The planner's data grows with employees x positions; at the national scale (5,000,000
employees) one run allocates and frees arrays of hundreds of MB hundreds of times. numpy asks
the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``) on every array of 4 MB or
more when the kernel's policy is ``madvise`` (a common default). On a virtual machine whose
memory the host backs on first touch, each 2 MB page fault can then cost milliseconds: on the
project's 2-core VM ``np.ones(10**8) * 2`` took 8-20 s of system time with huge pages and
0.6 s without, and a whole national run spent 80 of its 198 CPU seconds in the kernel (45
without). numpy documents the switch (its environment variable ``NUMPY_MADVISE_HUGEPAGE``);
when the user has set that variable we leave numpy as the user asked.

This changes no result, only how fast memory is handed over. The command line and the batch
workers call :func:`tune_memory` at their start (processes of our own); a library user on
Linux can set ``NUMPY_MADVISE_HUGEPAGE=0`` for the same effect. (Keeping freed memory in the
process with glibc's ``mallopt`` was also measured: 8 s less at 5,000,000 employees but 0.4 GB
more at the peak; not kept, see ``benchmarks/RESULTS.md``.)
"""

from __future__ import annotations

import os
import sys

__all__ = ["tune_memory"]

#: What :func:`tune_memory` did in this process (``{}`` before its first call).
TUNED: dict[str, bool] = {}


def tune_memory() -> dict[str, bool]:
    """Make large numpy arrays cheap to allocate in this process (idempotent).

    Returns
    -------
    dict
        ``{"hugepages_off": ...}``: whether numpy's madvise of huge pages was turned off
        (``False`` off Linux, or when ``NUMPY_MADVISE_HUGEPAGE`` is set: the user's choice).
    """
    if "hugepages_off" not in TUNED:
        TUNED["hugepages_off"] = _hugepages_off()
    return dict(TUNED)


def _hugepages_off() -> bool:
    """numpy's madvise of huge pages off, unless the user chose with its variable."""
    if not sys.platform.startswith("linux") or "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return False
    import importlib

    for where in ("numpy._core.multiarray", "numpy.core.multiarray"):  # numpy 2, numpy 1
        try:
            switch = getattr(importlib.import_module(where), "_set_madvise_hugepage", None)
        except ImportError:  # pragma: no cover - the other numpy
            continue
        if switch is not None:
            switch(False)
            return True
    return False  # pragma: no cover - a numpy without the switch
