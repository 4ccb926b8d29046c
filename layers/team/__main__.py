"""``python -m layers.team``: see :mod:`layers.team._cli`."""

import sys

from layers.team._cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
