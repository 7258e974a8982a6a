"""``python -m asn_balance.apps.cli``: the command line (same as ``asn-balance``)."""

from . import main

if __name__ == "__main__":  # pragma: no cover
    main()
