"""Deprecated alias of :mod:`asn_balance.reports.html`, :mod:`asn_balance.reports.cards` and
:mod:`asn_balance.analysis.given_plan` (removed in 0.3)."""

from asn_balance._compat import moved_many

__getattr__, __dir__ = moved_many(
    __name__, ("asn_balance.reports.html", "asn_balance.reports.cards", "asn_balance.analysis.given_plan")
)
