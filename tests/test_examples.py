"""The spec's examples: every plan runs unchanged and matches the independent outputs."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compengine.cli import app
from tests.conftest import EXAMPLES, PLANS

CASES = [
    (folder.parent.name, folder.name.removeprefix("expected-"))
    for folder in sorted(EXAMPLES.glob("*/expected-*"))
]


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize(("example", "plan"), CASES)
def test_it_should_match_the_expected_outputs_to_the_cent(
    example: str, plan: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["run", str(PLANS / f"{plan}.yaml"), "--data", str(EXAMPLES / example / "data"),
         "--out", str(out), "--no-audit-xlsx"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    expected = EXAMPLES / example / f"expected-{plan}"
    assert _rows(out / "payouts.csv") == _rows(expected / "payouts.csv")
    got, want = _rows(out / "measures.csv"), _rows(expected / "measures.csv")
    assert got[0] == want[0]
    assert [r[:2] for r in got] == [r[:2] for r in want]
    for got_row, want_row in zip(got[1:], want[1:], strict=True):
        for g, w in zip(got_row[2:], want_row[2:], strict=True):
            assert (g == "") == (w == ""), (got_row, want_row)
            if g:
                assert Decimal(g) == Decimal(w), (got_row, want_row)
