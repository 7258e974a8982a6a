"""Deprecated alias of :mod:`asn_balance.analysis.why_not` and :mod:`asn_balance.analysis.frontier`
(removed in 0.3)."""

from asn_balance._compat import moved_many

__getattr__, __dir__ = moved_many(__name__, ("asn_balance.analysis.why_not", "asn_balance.analysis.frontier"))
