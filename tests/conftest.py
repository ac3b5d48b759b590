"""Shared paths and helpers for the test suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "plans"
EXAMPLES = ROOT / "fixtures" / "examples"


@pytest.fixture(autouse=True, scope="session")
def _run_store_of_the_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Runs made through the CLI without ``--db`` go to a store of the test session only."""
    with pytest.MonkeyPatch.context() as patch:
        path = tmp_path_factory.mktemp("store") / "compengine.db"
        patch.setenv("COMPENGINE_DB", f"sqlite:///{path}")
        yield


@pytest.fixture
def examples() -> Path:
    """The spec's example data folders and expected outputs, copied into the repository."""
    return EXAMPLES
