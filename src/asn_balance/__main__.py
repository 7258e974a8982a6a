"""``python -m asn_balance``: the command line (same as ``asn-balance``).

:func:`run` imports the command line only once Ctrl-C can be answered: a Ctrl-C while it
loads (about half a second) exits 130 with a message instead of a traceback.
"""

import sys


def run() -> None:
    """Load and run the command line; Ctrl-C while it loads: exit 130, nothing planned."""
    try:
        from asn_balance.apps.cli import main
    except KeyboardInterrupt:
        print("interrupted before the command began: nothing done", file=sys.stderr)
        raise SystemExit(130) from None
    main()


if __name__ == "__main__":  # pragma: no cover
    run()
