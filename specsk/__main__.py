"""``python -m specsk``: the command line (see :mod:`specsk.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
