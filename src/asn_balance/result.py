"""Deprecated alias of :mod:`asn_balance.evaluate.result` (removed in 0.3)."""

from asn_balance._compat import moved

__getattr__, __dir__ = moved(__name__, "asn_balance.evaluate.result")
