"""Shared test set-up: rule exceptions propagate, and ``--update-golden`` rewrites the
rendered ``.golden`` files instead of comparing against them."""

from __future__ import annotations

import os
import tempfile

import pytest

# The project's own tests must see rule exceptions, never an SLS000 finding hiding them.
os.environ["FLAKE8_STATELESS_RAISE"] = "1"
# Summaries of the projects the tests lint (this repository, fixture projects, temporary
# ones) are cached outside the repository; tests of the cache location unset this.
os.environ["FLAKE8_STATELESS_CACHE_DIR"] = tempfile.mkdtemp(prefix="flake8-stateless-cache-")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite fixtures/*.golden from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
