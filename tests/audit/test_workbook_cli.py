"""``compengine run`` writes audit.xlsx beside the CSVs (unless --no-audit-xlsx), fast."""

from __future__ import annotations

import csv
import json
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from compengine.audit.workbook import AuditWriter, write_workbook
from compengine.cli import app
from compengine.data.inputs import load_inputs
from compengine.engine.calculate import calculate
from compengine.generate import generate
from compengine.plan.load import load_plan
from tests.audit.recalc import sheet_rows
from tests.conftest import EXAMPLES, PLANS

PLAN = PLANS / "relationship-first.yaml"
DATA = EXAMPLES / "small" / "data"


def _run(tmp_path: Path, *more: str) -> Path:
    return _run_saying(tmp_path, *more)[0]


def _run_saying(tmp_path: Path, *more: str) -> tuple[Path, str]:
    """The run's output folder and what it printed."""
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["run", str(PLAN), "--data", str(DATA), "--out", str(out),
         "--db", f"sqlite:///{tmp_path / 'runs.db'}", *more],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, result.output


def test_it_should_write_the_workbook_with_every_run(tmp_path: Path) -> None:
    out = _run(tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    assert "audit.xlsx" in manifest["outputs"]
    book = out / "audit.xlsx"
    with zipfile.ZipFile(book) as z:
        assert z.testzip() is None
    names = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert names[:5] == ["Read me", "Payouts", "Breakdown", "Measures", "Inputs"]
    assert names[-2:] == ["Plan", "Run"]
    assert "Rows transactions" in names  # a small run carries its input rows
    run = {str(r[0]): r[1] for r in sheet_rows(book, "Run", formulas=True)[1:]}
    assert run["run_id"] == manifest["run_id"]
    assert run["plan.sha256"] == manifest["plan"]["sha256"]
    assert run["inputs.transactions.sha256"] == manifest["inputs"]["transactions"]["sha256"]


def test_it_should_store_the_paid_amounts_beside_their_formulas(tmp_path: Path) -> None:
    """A reader that does not calculate (Excel's Protected View, a preview) shows them."""
    out = _run(tmp_path)
    shown = sheet_rows(out / "audit.xlsx", "Payouts")  # the stored values, not recalculated
    with (out / "payouts.csv").open(newline="") as f:
        written = list(csv.reader(f))
    assert [[str(c) for c in row[:2]] for row in shown] == [row[:2] for row in written]
    assert [[Decimal(str(c)) for c in row[2:]] for row in shown[1:]] == [
        [Decimal(c) for c in row[2:]] for row in written[1:]
    ]
    formulas = sheet_rows(out / "audit.xlsx", "Payouts", formulas=True)
    assert all(str(c).startswith("=") for row in formulas[1:] for c in row[2:])


def test_it_should_leave_the_input_rows_out_past_the_limit_and_say_so(tmp_path: Path) -> None:
    out, said = _run_saying(tmp_path, "--audit-raw-rows", "623")
    names = openpyxl.load_workbook(out / "audit.xlsx", read_only=True).sheetnames
    assert not [n for n in names if n.startswith("Rows ")]
    # the data rows of the folder's eight files: 2 + 28 + 74 + 274 + 17 + 36 + 12 + 181
    assert "audit.xlsx leaves out the 624 input rows (more than --audit-raw-rows 623)" in said
    assert "compengine audit --out" in said


def test_it_should_keep_the_input_rows_up_to_the_limit(tmp_path: Path) -> None:
    out, said = _run_saying(tmp_path, "--audit-raw-rows", "624")
    names = openpyxl.load_workbook(out / "audit.xlsx", read_only=True).sheetnames
    assert "Rows grades" in names
    assert "leaves out" not in said


def test_it_should_leave_the_workbook_out_when_asked(tmp_path: Path) -> None:
    out = _run(tmp_path, "--no-audit-xlsx")
    assert not (out / "audit.xlsx").exists()
    assert "audit.xlsx" not in json.loads((out / "manifest.json").read_text())["outputs"]


def test_it_should_write_twenty_thousand_rep_periods_in_under_twenty_seconds(
    tmp_path: Path,
) -> None:
    loaded = load_plan(PLAN)
    assert loaded.plan.report_card is not None
    behaviours = list(loaded.plan.report_card.behaviours)
    data = tmp_path / "data"
    generate(data, reps=2000, months=10, seed=7, behaviours=behaviours, start="2027-01")
    inputs = load_inputs(data, loaded.plan)
    result = calculate(loaded.plan, inputs)
    assert result.steps.height >= 18_000
    started = time.perf_counter()
    write_workbook(tmp_path / "audit.xlsx", loaded, inputs, result)
    assert time.perf_counter() - started < 20
    with zipfile.ZipFile(tmp_path / "audit.xlsx") as z:  # sheet 3 is the Breakdown
        rows = z.read("xl/worksheets/sheet3.xml").count(b"<row ") - 1
    assert rows == result.steps.height * len(loaded.plan.components)


def test_it_should_say_so_instead_of_cutting_a_run_too_large_for_a_sheet(tmp_path: Path) -> None:
    loaded = load_plan(PLAN)
    inputs = load_inputs(DATA, loaded.plan)
    result = calculate(loaded.plan, inputs)  # 36 rep-periods, more than the 20 allowed here
    AuditWriter(loaded, inputs, result, "r1", max_rows=20)(tmp_path / "audit.xlsx")
    book = tmp_path / "audit.xlsx"
    assert openpyxl.load_workbook(book, read_only=True).sheetnames == ["Read me", "Plan", "Run"]
    note = " ".join(str(r[0]) for r in sheet_rows(book, "Read me", formulas=True))
    assert "36 rep-periods; a sheet holds 20" in note
    assert "compengine audit --out DIR --rep R" in note
