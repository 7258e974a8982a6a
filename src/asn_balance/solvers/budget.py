"""Deprecated alias of :mod:`asn_balance.engine.dispatch`, :mod:`asn_balance.engine.clock` and
:mod:`asn_balance.engine.backends.budget` (removed in 0.3)."""

from asn_balance._compat import moved_many

__getattr__, __dir__ = moved_many(
    __name__,
    ("asn_balance.engine.dispatch", "asn_balance.engine.clock", "asn_balance.engine.backends.budget"),
)
