"""A small registry of outputs, so that the data classes of the upper layers (``Problem``,
``Result``, ``Frontier``) offer ``plot()``, ``write()`` and ``_repr_html_()`` without
importing the layers that draw, render or write them.

An output is a name bound to a callable or to a ``"module:attribute"`` path resolved on
first use. The package facade registers the defaults (``asn_balance/__init__.py``); an
embedding application may register its own (for example another notebook card).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["output", "register"]

_REGISTRY: dict[str, Callable[..., Any] | str] = {}


def register(name: str, target: Callable[..., Any] | str) -> None:
    """Bind the output ``name`` to a callable or a ``"module:attribute"`` path.

    Parameters
    ----------
    name : str
        The output's name, e.g. ``"result_plot"``.
    target : callable or str
        The function, or where to import it from on first use.
    """
    _REGISTRY[name] = target


def output(name: str) -> Callable[..., Any]:
    """The callable registered as ``name`` (imported on first use).

    Raises
    ------
    LookupError
        Nothing is registered under ``name``.
    """
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise LookupError(f"no output registered as {name!r}") from None
    if isinstance(target, str):
        module, _, attr = target.partition(":")
        target = getattr(importlib.import_module(module), attr)
        _REGISTRY[name] = target
    return target
