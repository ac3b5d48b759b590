"""LibreOffice recalculates audit.xlsx and gets payouts.csv to the cent, formula by formula.

The workbook's amounts are live formulas; these tests have LibreOffice compute them from the
workbook's own cells and compare every Payouts cell with the engine's payouts.csv. Without
LibreOffice they skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compengine.audit.rows import input_rows
from compengine.audit.single import write_for
from compengine.audit.workbook import write_workbook
from compengine.data.inputs import load_inputs
from compengine.engine.calculate import calculate
from compengine.errors import PlanError
from compengine.outputs import csv_bytes
from compengine.plan.load import load_plan
from compengine.store.closed import TrueUp
from compengine.store.closed import book as book_true_ups
from tests.audit.helpers import (
    calculate_run,
    csv_rows,
    every_rep,
    run_with_workbook,
    write_run_of,
    write_tables,
)
from tests.audit.recalc import cents, recalculate, sheet_rows, soffice
from tests.conftest import EXAMPLES, PLANS
from tests.strategies import DataCase, cases

EXAMPLE_RUNS = {
    "relationship-first": (PLANS / "relationship-first.yaml", EXAMPLES / "small" / "data"),
    "weighted-scorecard": (
        PLANS / "weighted-scorecard.yaml",
        EXAMPLES / "small-quarterly" / "data",
    ),
}

BREAKDOWNS = ["Breakdown", "Breakdown2", "Breakdown3", "Breakdown4"]

TIES_PLAN = """\
plan: ties
version: 1
period: month
currency: USD
rounding: {rounding}
decimals: 2
measures:
  revenue: {{sum: transactions.amount}}
  deals: {{count: transactions}}
components:
  commission: {{commission: revenue, rate: 0.5}}
  bonus: {{bonus: deals, target_share: 0.5, curve: [[0, 1]]}}
"""

TIES_DATA = {
    "reps": [
        "rep_id,name,manager_id,hire_date,termination_date,target_incentive",
        "R1,One,,2026-01-01,,1.50",
        "R2,Two,,2026-01-01,,3.00",
        "R3,Three,,2026-01-01,,0",
        "R4,Four,,2026-01-01,,120000",
    ],
    "transactions": [
        "txn_id,rep_id,account_id,date,amount,deal_type,split",
        "T1,R1,A1,2027-01-10,0.25,new,",
        "T2,R2,A1,2027-01-10,0.35,new,",
        "T3,R3,A1,2027-01-10,-0.25,new,",
        "T4,R4,A1,2027-01-10,1000000.01,new,",
    ],
    "adjustments": [
        "rep_id,period,amount,reason",
        "R3,2027-01,-0.125,tie",
        "R4,2027-01,0.135,tie",
    ],
}

# Worked by hand. Period targets are target / 12 (a whole January): 0.125, 0.25, 0, 10000.
# Commission 0.5 x revenue: 0.125, 0.175, -0.125, 500000.005. Bonus: period target x 0.5.
TIES_EXPECTED = {
    "half_even": [
        ["R1", "2027-01", "0.12", "0.06", "0.00", "0.18"],  # PT 0.12 -> bonus 0.06
        ["R2", "2027-01", "0.18", "0.12", "0.00", "0.30"],  # bonus 0.125 -> 0.12
        ["R3", "2027-01", "-0.12", "0.00", "-0.12", "-0.24"],
        ["R4", "2027-01", "500000.00", "5000.00", "0.14", "505000.14"],
    ],
    "half_up": [
        ["R1", "2027-01", "0.13", "0.07", "0.00", "0.20"],  # PT 0.13 -> bonus 0.065 -> 0.07
        ["R2", "2027-01", "0.18", "0.13", "0.00", "0.31"],
        ["R3", "2027-01", "-0.13", "0.00", "-0.13", "-0.26"],
        ["R4", "2027-01", "500000.01", "5000.00", "0.14", "505000.15"],
    ],
}


def _recalculated_payouts(workbook: Path, decimals: int) -> list[list[str]]:
    rows = sheet_rows(workbook, "Payouts")
    header = [str(v) for v in rows[0]]
    return [header] + [
        [str(row[0]), str(row[1]), *(cents(v, decimals) for v in row[2:])] for row in rows[1:]
    ]


def _assert_amounts_are_formulas(workbook: Path) -> None:
    rows = sheet_rows(workbook, "Payouts", formulas=True)
    for row in rows[1:]:
        for cell in row[2:]:
            assert isinstance(cell, str), f"{row[:2]}: {cell!r} is not a formula"
            assert cell.startswith("="), f"{row[:2]}: {cell!r} is not a formula"


@pytest.fixture(scope="module")
def libreoffice() -> str:
    """soffice: the tests skip without it, except under CI=true, where they fail."""
    return soffice()


@pytest.fixture(scope="module")
def recalculated(
    libreoffice: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, Path, int]]:
    """Every fixed case's out folder and its recalculated workbook, from one soffice call."""
    root = tmp_path_factory.mktemp("recalc")
    runs = dict(EXAMPLE_RUNS)
    for rounding in ("half_even", "half_up"):
        plan = root / f"ties-{rounding}.yaml"
        plan.write_text(TIES_PLAN.format(rounding=rounding))
        runs[f"ties-{rounding}"] = (plan, write_tables(root / "ties-data", TIES_DATA))
    books, outs, places = [], {}, {}
    for name, (plan, data) in runs.items():
        out = root / name
        places[name] = run_with_workbook(plan, data, out)
        book = root / "books" / f"{name}.xlsx"
        book.parent.mkdir(exist_ok=True)
        book.write_bytes((out / "audit.xlsx").read_bytes())
        books.append(book)
        outs[name] = out
    split = root / "split"
    places["split"] = run_with_workbook(*EXAMPLE_RUNS["relationship-first"], split)
    loaded = load_plan(EXAMPLE_RUNS["relationship-first"][0])
    inputs = load_inputs(EXAMPLE_RUNS["relationship-first"][1], loaded.plan)
    book = root / "books" / "split.xlsx"
    write_workbook(book, loaded, inputs, calculate(loaded.plan, inputs), rows_per_sheet=50)
    books.append(book)
    outs["split"] = split
    runs["split"] = EXAMPLE_RUNS["relationship-first"]
    for name, (plan, data) in EXAMPLE_RUNS.items():  # every rep, with the raw rows
        run = calculate_run(plan, data)
        book = root / "books" / f"rows-{name}.xlsx"
        write_for(run, book, every_rep(run))
        books.append(book)
        outs[f"rows-{name}"], places[f"rows-{name}"] = outs[name], places[name]
        runs[f"rows-{name}"] = (plan, data)
    plan, data = EXAMPLE_RUNS["relationship-first"]  # a true-up booked by a run: no file row
    run = calculate_run(plan, data)
    inputs = book_true_ups(
        run.inputs, run.loaded.plan, [TrueUp("R00000", "2027-03", Decimal("12.345"), "true-up")]
    )
    result = calculate(run.loaded.plan, inputs)
    (root / "trueup").mkdir()
    (root / "trueup" / "payouts.csv").write_bytes(csv_bytes(result.payouts))
    books.append(root / "books" / "trueup.xlsx")
    write_workbook(books[-1], run.loaded, inputs, result, raw_rows=input_rows(inputs))
    outs["trueup"], places["trueup"], runs["trueup"] = root / "trueup", 2, (plan, data)
    copies = recalculate(books, root / "recalculated")
    return {name: (outs[name], copy, places[name]) for name, copy in zip(runs, copies, strict=True)}


@pytest.mark.parametrize("name", list(EXAMPLE_RUNS))
def test_it_should_recalculate_the_spec_examples_to_the_cent(
    name: str, recalculated: dict[str, tuple[Path, Path, int]]
) -> None:
    out, copy, decimals = recalculated[name]
    assert _recalculated_payouts(copy, decimals) == csv_rows(out / "payouts.csv")
    _assert_amounts_are_formulas(out / "audit.xlsx")


@pytest.mark.parametrize("name", list(EXAMPLE_RUNS))
def test_it_should_lead_from_the_raw_rows_to_the_paid_amount(
    name: str, recalculated: dict[str, tuple[Path, Path, int]]
) -> None:
    out, copy, decimals = recalculated[f"rows-{name}"]
    assert _recalculated_payouts(copy, decimals) == csv_rows(out / "payouts.csv")
    inputs = sheet_rows(copy.parent.parent / "books" / f"rows-{name}.xlsx", "Inputs", True)
    header = [str(h) for h in inputs[0]]
    block = re.compile(r"'Rows \w+'!\$[A-Z]+\$(\d+):\$[A-Z]+\$(\d+)")
    for i, column in enumerate(header):
        if not (column.startswith(("target incentive", "quota")) or ": " in column):
            continue
        cells = [row[i] for row in inputs[1:]]
        # a formula over the row's own block of rows, or 0 where it has none there
        formulas = [c for c in cells if isinstance(c, str)]
        assert all(c.startswith(("=ROUND(SUM", "=ROWS(", "=SUMPRODUCT(")) for c in formulas)
        assert all(block.search(c) for c in formulas), column
        assert all(c == 0 for c in cells if not isinstance(c, str)), column
        if column.startswith(("target incentive", "quota")):  # every row has its rep's
            assert len(formulas) == len(cells), column


def _days(rep: dict[str, str], label: str) -> tuple[int, int]:
    """Employed days and days of a period (``2027-02``, ``2027-Q1``), worked out with dates."""
    year = int(label[:4])
    if "Q" in label:
        first = date(year, 3 * int(label[-1]) - 2, 1)
        after = date(year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
    else:
        first = date(year, int(label[5:]), 1)
        after = date(year + (first.month == 12), first.month % 12 + 1, 1)
    last = after - timedelta(days=1)
    hired = max(first, date.fromisoformat(rep["hire_date"]))
    left = min(last, date.fromisoformat(rep["termination_date"] or last.isoformat()))
    return max(0, (left - hired).days + 1), (last - first).days + 1


@pytest.mark.parametrize("name", list(EXAMPLE_RUNS))
def test_it_should_prorate_from_the_reps_dates_in_the_workbook(
    name: str, recalculated: dict[str, tuple[Path, Path, int]]
) -> None:
    _, copy, _ = recalculated[f"rows-{name}"]
    header, *lines = csv_rows(EXAMPLE_RUNS[name][1] / "reps.csv")
    reps = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    written = sheet_rows(copy.parent.parent / "books" / f"rows-{name}.xlsx", "Inputs", True)
    columns = [str(h) for h in written[0]]
    employed, days = columns.index("employed days"), columns.index("days in period")
    assert all(str(row[employed]).startswith("=MAX(0,MIN(IF('Rows reps'!") for row in written[1:])
    values = sheet_rows(copy, "Inputs")[1:]
    assert [(row[employed], row[days]) for row in values] == [
        _days(reps[str(row[0])], str(row[1])) for row in values
    ]
    assert any(row[employed] < row[days] for row in values)  # some rep joins or leaves


@pytest.mark.parametrize("rounding", ["half_even", "half_up"])
def test_it_should_keep_half_cent_ties_through_recalculation(
    rounding: str, recalculated: dict[str, tuple[Path, Path, int]]
) -> None:
    out, copy, decimals = recalculated[f"ties-{rounding}"]
    header = ["rep_id", "period", "commission", "bonus", "adjustments", "total"]
    expected = [header, *TIES_EXPECTED[rounding]]
    assert csv_rows(out / "payouts.csv") == expected
    assert _recalculated_payouts(copy, decimals) == expected


def test_it_should_continue_the_breakdown_on_more_sheets_and_still_pay_to_the_cent(
    recalculated: dict[str, tuple[Path, Path, int]],
) -> None:
    out, copy, decimals = recalculated["split"]
    # 36 rep-periods x 5 components = 180 Breakdown rows, 50 a sheet: 50, 50, 50, 30
    sizes = [len(sheet_rows(copy, name)) - 1 for name in BREAKDOWNS]
    assert sizes == [50, 50, 50, 30]
    assert _recalculated_payouts(copy, decimals) == csv_rows(out / "payouts.csv")
    formulas = sheet_rows(copy.parent.parent / "books" / "split.xlsx", "Payouts", formulas=True)
    assert formulas[-1][2].startswith("=Breakdown4!")


def test_it_should_show_a_booked_true_up_among_the_rows_and_pay_it(
    recalculated: dict[str, tuple[Path, Path, int]],
) -> None:
    out, copy, decimals = recalculated["trueup"]
    payouts = _recalculated_payouts(copy, decimals)
    assert payouts == csv_rows(out / "payouts.csv")
    march = next(r for r in payouts if r[:2] == ["R00000", "2027-03"])
    assert march[-2] == "12.34"  # 12.345 half-even to the cent
    rows = sheet_rows(copy, "Rows adjustments")
    assert [None, "2027-03", "R00000", "2027-03", 12.345, "true-up"] in rows


def test_it_should_leave_no_error_cell_anywhere_after_recalculation(
    recalculated: dict[str, tuple[Path, Path, int]],
) -> None:
    for name, (_, copy, _) in recalculated.items():
        for sheet in ("Payouts", "Breakdown", "Measures", "Inputs"):
            for row in sheet_rows(copy, sheet):
                bad = [v for v in row if isinstance(v, str) and v.startswith(("#", "Err:"))]
                assert not bad, f"{name} {sheet} {row[:3]}: {bad}"


@settings(
    max_examples=2,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(batch=st.lists(cases(), min_size=4, max_size=4))
def test_it_should_recalculate_random_plans_and_data_to_the_cent(
    libreoffice: str, batch: list[tuple[str, object, DataCase]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        books, runs = [], []
        for i, (text, _plan, data) in enumerate(batch):
            plan_path = root / f"plan-{i}.yaml"
            plan_path.write_text(text, encoding="utf-8")
            window = data.window or (None, None)
            out = root / f"out-{i}"
            try:
                run = calculate_run(plan_path, data.write(root / f"data-{i}"), *window)
            except PlanError:  # more decimal places than exact arithmetic holds: refused
                continue
            decimals = write_run_of(run, out)
            book = root / "books" / f"case-{i}.xlsx"
            book.parent.mkdir(exist_ok=True)
            book.write_bytes((out / "audit.xlsx").read_bytes())
            books.append(book)
            runs.append((out, decimals))
            if run.result.steps.height:  # every rep again, with the raw rows
                books.append(root / "books" / f"rows-{i}.xlsx")
                write_for(run, books[-1], every_rep(run))
                runs.append((out, decimals))
        if not books:
            return
        copies = recalculate(books, root / "recalculated")
        for copy, (out, decimals) in zip(copies, runs, strict=True):
            assert _recalculated_payouts(copy, decimals) == csv_rows(out / "payouts.csv"), copy
            _assert_amounts_are_formulas(out / "audit.xlsx")
