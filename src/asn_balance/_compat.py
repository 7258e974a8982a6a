"""Old module paths, kept as thin aliases of where the code lives now.

Before 0.2 the package was flat (``asn_balance.planner``, ``asn_balance.tables``,
``asn_balance.solvers.budget``, ...). Each old module is now a file of two lines that
forwards every attribute to its new home and warns once with a :class:`DeprecationWarning`
naming it. The aliases will be removed in 0.3; ``docs/architecture.md`` maps old to new.
Nothing inside the package imports an alias (a test makes sure).
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["moved", "moved_many"]


def moved(old: str, new: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` for the alias ``old`` of module ``new``.

    Parameters
    ----------
    old : str
        The alias's own ``__name__``.
    new : str
        The module that now holds the code.
    """
    return _aliases(old, (new,))


def moved_many(old: str, new: tuple[str, ...]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Like :func:`moved` for an old module whose code now lives in several modules (the
    first that has a name answers)."""
    return _aliases(old, new)


def _aliases(old: str, new: tuple[str, ...]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    # stacklevel 4: this function, moved/moved_many, the alias module, its importer
    warnings.warn(
        f"{old} is deprecated and will be removed in asn_balance 0.3; import from {' or '.join(new)} "
        "(or the public API: import asn_balance as ab)",
        DeprecationWarning,
        stacklevel=4,
    )

    def __getattr__(name: str) -> Any:
        for module in new:
            mod = importlib.import_module(module)
            if hasattr(mod, name):
                return getattr(mod, name)
        raise AttributeError(f"module {old!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({n for module in new for n in dir(importlib.import_module(module))})

    return __getattr__, __dir__
