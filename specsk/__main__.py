"""``python -m specsk``: the command line (see :mod:`specsk.cli`)."""

from .cli import main

raise SystemExit(main())
