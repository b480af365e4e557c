"""``python -m flake8_stateless``: the standalone command (see ``cli.py``)."""

from __future__ import annotations

import sys

from flake8_stateless.cli import main

if __name__ == "__main__":
    sys.exit(main())
