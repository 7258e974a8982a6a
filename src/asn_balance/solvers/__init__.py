"""Deprecated alias of :mod:`asn_balance.engine` (``solve_model`` is
:func:`asn_balance.engine.dispatch.solve_model`, ``solve_flow``
:func:`asn_balance.engine.backends.flow.solve_flow`); removed in 0.3."""

from asn_balance._compat import moved_many

__getattr__, __dir__ = moved_many(
    __name__, ("asn_balance.engine.dispatch", "asn_balance.engine.backends.flow")
)
