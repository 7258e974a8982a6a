"""Deprecated alias of :mod:`asn_balance.io.jsonschema` (removed in 0.3)."""

if __name__ == "__main__":  # pragma: no cover - `python -m asn_balance.jsonschema` as before
    import sys

    from asn_balance.io.jsonschema import _main

    sys.exit(_main())
else:
    from asn_balance._compat import moved

    __getattr__, __dir__ = moved(__name__, "asn_balance.io.jsonschema")
