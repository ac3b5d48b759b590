"""``compengine audit`` writes one rep's (or a team's) workbook with the raw input rows."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from compengine.audit.single import write_for
from compengine.cli import app
from tests.audit.helpers import calculate_run, csv_rows, finished_run
from tests.audit.recalc import sheet_rows
from tests.conftest import EXAMPLES, PLANS


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run of relationship-first on a copy of the small example's data."""
    return finished_run(tmp_path_factory.mktemp("single")) / "out"


def _audit(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", *args])
    return result.exit_code, result.output


def test_it_should_write_one_reps_rows_and_raw_inputs(finished: Path) -> None:
    code, output = _audit("--out", str(finished), "--rep", "R00000", "--period", "2027-01")
    assert code == 0, output
    book = finished / "audit-R00000-2027-01.xlsx"
    names = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert names[:5] == ["Read me", "Payouts", "Breakdown", "Measures", "Inputs"]
    payouts = sheet_rows(book, "Payouts", formulas=True)
    assert [r[:2] for r in payouts] == [["rep_id", "period"], ["R00000", "2027-01"]]
    # R00000's January rows, as in the example's files (file row numbers from 1)
    transactions = sheet_rows(book, "Rows transactions")
    assert transactions[0][:9] == [
        "file row", "counts in period", "txn_id", "rep_id", "account_id", "date", "amount",
        "deal_type", "split",
    ]  # fmt: skip
    assert [(r[0], r[1], r[2], r[6], r[8]) for r in transactions[1:]] == [
        (1, "2027-01", "T0000001", 10000, None),
        (126, "2027-01", "T0000108", 2728.15, 0.4),
    ]
    grades = sheet_rows(book, "Rows grades")
    assert len(grades) - 1 == 9
    feedback = sheet_rows(book, "Rows feedback")
    assert [r[2] for r in feedback[1:]] == ["F000001", "F000002", "F000003"]
    assert [r[1] for r in sheet_rows(book, "Rows reps")[1:]] == ["R00000"]


def test_it_should_write_a_managers_team(finished: Path) -> None:
    code, output = _audit("--out", str(finished), "--manager", "R00000")
    assert code == 0, output
    book = finished / "audit-team-R00000.xlsx"
    reps = {r[0] for r in sheet_rows(book, "Payouts")[1:]}
    expected = {r[0] for r in csv_rows(EXAMPLES / "small" / "data" / "reps.csv")[1:]
                if r[2] == "R00000"}  # fmt: skip
    assert reps == expected
    assert len(expected) == 9


def test_it_should_ask_for_a_rep_or_a_manager(finished: Path) -> None:
    code, output = _audit("--out", str(finished))
    assert code == 2
    assert "give --rep or --manager" in output


def test_it_should_refuse_a_folder_as_the_file_to_write(finished: Path) -> None:
    code, output = _audit("--out", str(finished), "--rep", "R00000", "--file", str(finished))
    assert code == 1
    assert "is a folder. Hint: give --file the name of the .xlsx file" in output


@pytest.mark.parametrize(
    ("file", "said"),
    [
        ("out/payouts.csv", "a workbook's name ends in .xlsx. Hint: --file "
         "{out}/audit-R00000.xlsx"),
        ("out/audit.xlsx", "the run wrote or read this file; the workbook would replace it."),
        ("data/reps.xlsx", "this is the run's data folder, which holds its inputs only."),
        ("data/book.xlsx", "this is the run's data folder"),
    ],
)  # fmt: skip
def test_it_should_not_write_over_the_runs_evidence(finished: Path, file: str, said: str) -> None:
    before = {p: p.read_bytes() for p in finished.parent.rglob("*") if p.is_file()}
    target = finished.parent / file
    code, output = _audit("--out", str(finished), "--rep", "R00000", "--file", str(target))
    assert code == 2
    assert output.startswith(f"error --file {target}: {said.format(out=finished)}")
    assert {p: p.read_bytes() for p in finished.parent.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("option", ["--rep", "--manager"])
def test_it_should_refuse_an_empty_rep_or_manager(finished: Path, option: str) -> None:
    code, output = _audit("--out", str(finished), option, " ")
    assert code == 2
    assert output.startswith(f"error {option} is empty. Hint: give ")


def test_it_should_leave_nothing_behind_when_the_file_cannot_be_written(
    finished: Path, tmp_path: Path
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    code, output = _audit(
        "--out", str(finished), "--rep", "R00000", "--file", str(blocked / "book.xlsx")
    )
    assert code == 1
    assert "blocked: a file, not a folder" in output
    assert "Traceback" not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked"]


def test_it_should_name_only_the_reps_it_wrote(tmp_path: Path) -> None:
    # a team member without a row in the period is not among the reps written
    run = calculate_run(PLANS / "relationship-first.yaml", EXAMPLES / "small" / "data")
    rows, written = write_for(
        run, tmp_path / "team.xlsx", ["R00001", "NOBODY", "R00000"], "2027-01"
    )
    assert (rows, written) == (2, ["R00001", "R00000"])
