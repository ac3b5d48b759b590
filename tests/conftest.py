"""Shared paths and helpers for the test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "plans"
EXAMPLES = ROOT / "fixtures" / "examples"


@pytest.fixture
def examples() -> Path:
    """The spec's example data folders and expected outputs, copied into the repository."""
    return EXAMPLES
