"""``python -m asn_balance``: the command line (same as ``asn-balance``)."""

from asn_balance.apps.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
