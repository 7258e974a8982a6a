"""Deprecated alias of :mod:`asn_balance.apps.cli` (removed in 0.3)."""

if __name__ == "__main__":  # pragma: no cover - `python -m asn_balance.cli` as before
    import sys

    from asn_balance.apps.cli import main

    main()
    sys.exit(0)
else:
    from asn_balance._compat import moved

    __getattr__, __dir__ = moved(__name__, "asn_balance.apps.cli")
