"""``tune_memory``: numpy's huge pages off unless the user chose.

Each case runs in a fresh interpreter: both switches are process-global.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux switches")

_PROBE = """
import json, sys
from asn_balance._memory import tune_memory
try:
    from numpy._core.multiarray import _get_madvise_hugepage
except ImportError:
    from numpy.core.multiarray import _get_madvise_hugepage
before = bool(_get_madvise_hugepage())
did = tune_memory()
again = tune_memory()
import numpy as np
a = np.arange(3_000_000, dtype=np.float64) * 2.0  # large blocks still allocate and compute
print(json.dumps({"did": did, "again": again, "before": before, "after": bool(_get_madvise_hugepage()),
                  "sum": float(a.sum())}))
"""


def _probe(env_var: str | None) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if env_var is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = env_var
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True,
                         text=True, timeout=120, check=True)  # fmt: skip
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_hugepages_off_when_the_user_did_not_choose() -> None:
    r = _probe(None)
    assert r["did"] == {"hugepages_off": True}
    assert r["again"] == r["did"]  # idempotent
    assert r["after"] is False
    assert r["sum"] == float(2 * sum(range(3_000_000)))


@pytest.mark.parametrize("choice", ["1", "0"])
def test_the_users_numpy_variable_is_respected(choice: str) -> None:
    r = _probe(choice)
    assert r["did"]["hugepages_off"] is False  # type: ignore[index]
    assert r["after"] is r["before"] is (choice == "1")
