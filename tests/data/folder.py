"""A small valid data folder and plan, and helpers to break them one rule at a time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from compengine.data.inputs import Inputs, load_inputs
from compengine.data.reading import Reading
from compengine.errors import InputDataError, Reason
from compengine.plan.load import parse_plan
from compengine.plan.models import Plan

PLAN = """\
plan: error-paths
version: 1
period: month
currency: USD
report_card:
  behaviours: {listens: 1, keeps_promises: 2}
measures:
  revenue: {sum: transactions.amount}
  attainment: {attainment: revenue}
  card: {report_card: grades}
  feedback: {resolution_rate: feedback, within_days: 10}
  recovery: {recovery_score: incidents, within_days: 5}
components:
  commission:
    commission: revenue
    tiers: [{from: 0, rate: 0.05}, {from: 1, rate: 0.1}]
  card_bonus:
    bonus: card
    target_share: 0.5
    curve: [[0, 0], [100, 1]]
"""

GOOD = {
    "reps": (
        "rep_id,name,manager_id,hire_date,termination_date,target_incentive\n"
        "R1,Ann Lee,,2026-01-01,,12000\n"
        "R2,Bob Ray,R1,2026-06-01,,24000\n"
    ),
    "quotas": (
        "rep_id,period,quota\n"
        "R1,2027-01,1000\n"
        "R1,2027-02,1000\n"
        "R2,2027-01,2000\n"
        "R2,2027-02,2000.50\n"
        "R1,2027-03,1000\n"  # a quarterly plan's 2027-Q1 sums all three months
        "R2,2027-03,2000\n"
    ),
    "transactions": (
        "txn_id,rep_id,account_id,date,amount,deal_type,split\n"
        "T1,R1,A1,2027-01-05,500.00,new,\n"
        "T2,R1,A2,2027-02-10,800,existing,0.5\n"
        "T2,R2,A2,2027-02-10,800,existing,0.5\n"
    ),
    "grades": (
        "rep_id,account_id,period,behaviour,grade,comment\n"
        "R1,A1,2027-01,listens,A,\n"
        "R1,A1,2027-01,keeps_promises,B,on time\n"
        "R2,A2,2027-02,listens,D,\n"
    ),
    "feedback": (
        "feedback_id,rep_id,account_id,source,opened,resolved\n"
        "F1,R1,A1,customer,2027-01-03,2027-01-05\n"
        "F2,R2,,prospect,2027-02-01,\n"
    ),
    "incidents": (
        "incident_id,rep_id,account_id,opened,resolved,recovery_grade\n"
        "I1,R1,A1,2027-01-10,2027-01-12,A\n"
        "I2,R2,,2027-02-03,,\n"
    ),
    "events": (
        "event_id,rep_id,account_id,date,kind,value\n"
        "E1,R1,A1,2027-01-15,referral,\n"
        "E2,R2,,2027-02-15,testimonial,0.5\n"
    ),
    "adjustments": "rep_id,period,amount,reason\nR1,2027-02,-50.25,correction\n",
}
# Data rows of each good table: a line appended to table T is data row ROWS[T] + 1.
ROWS = {name: text.count("\n") - 1 for name, text in GOOD.items()}


def plan(text: str = PLAN, **replace: str) -> Plan:
    """The test plan, with ``replace`` substitutions made in its text (old=new)."""
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return parse_plan(text, Path("plan.yaml")).plan


def quarterly() -> Plan:
    """The test plan with quarterly periods."""
    return plan(PLAN.replace("period: month", "period: quarter"))


def folder(
    root: Path, tables: dict[str, str | None] | None = None, add: dict[str, str] | None = None
) -> Path:
    """Write the good tables, ``tables`` replacing (None: removing) some, ``add`` appending."""
    target = root / "data"
    target.mkdir(exist_ok=True)
    for name, text in (GOOD | (tables or {})).items():
        if text is not None:
            (target / f"{name}.csv").write_text(text + (add or {}).get(name, ""))
    return target


def as_parquet(data: Path, table: str) -> Path:
    """Turn ``table``'s CSV into Parquet with text columns, as a database export would be."""
    csv = data / f"{table}.csv"
    path = data / f"{table}.parquet"
    pl.read_csv(csv, infer_schema=False).write_parquet(path)
    csv.unlink()
    return path


def as_xlsx(data: Path, table: str) -> Path:
    """Turn ``table``'s CSV into a workbook whose first sheet holds the same cells."""
    csv = data / f"{table}.csv"
    frame = pl.read_csv(csv, infer_schema=False)
    return _workbook(data, table, frame.columns, frame.rows())


def as_xlsx_cells(data: Path, table: str) -> Path:
    """Like :func:`as_xlsx`, copying the header exactly as written (even a repeated name)."""
    lines = (data / f"{table}.csv").read_text().splitlines()
    rows = [[cell or None for cell in line.split(",")] for line in lines[1:]]
    return _workbook(data, table, lines[0].split(","), rows)


def _workbook(
    data: Path, table: str, header: Sequence[str], rows: Sequence[Sequence[object]]
) -> Path:
    csv = data / f"{table}.csv"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    path = data / f"{table}.xlsx"
    book.save(path)
    csv.unlink()
    return path


def load(
    data: Path | Reading,
    the_plan: Plan | None = None,
    *,
    period_from: str | None = None,
    period_to: str | None = None,
) -> Inputs:
    """Load ``data`` for the plan (the test plan by default)."""
    return load_inputs(data, the_plan or plan(), period_from, period_to)


def refuse(
    data: Path | Reading,
    the_plan: Plan | None = None,
    *,
    period_from: str | None = None,
    period_to: str | None = None,
) -> InputDataError:
    """The error loading ``data`` raises."""
    with pytest.raises(InputDataError) as caught:
        load(data, the_plan, period_from=period_from, period_to=period_to)
    return caught.value


def messages(error: InputDataError, reason: Reason) -> list[str]:
    """The messages of one reason."""
    return [m for r, m in error.problems if r == reason]


def only(error: InputDataError, reason: Reason) -> str:
    """The one message of the error, asserting its reason."""
    assert [r for r, _ in error.problems] == [reason], error.messages
    return error.messages[0]


def assert_names(message: str, file: str, row: int, column: str, value: str) -> None:
    """The message names the file, row, column, the value found, and a hint."""
    assert message.startswith(f"{file} row {row}, column {column}: "), message
    assert value in message, message
    assert "Hint: " in message, message
