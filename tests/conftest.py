"""Shared test set-up: rule exceptions propagate, and ``--update-golden`` rewrites the
rendered ``.golden`` files instead of comparing against them."""

from __future__ import annotations

import os

import pytest

# The project's own tests must see rule exceptions, never an SLS000 finding hiding them.
os.environ["FLAKE8_STATELESS_RAISE"] = "1"


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
