"""``comparison.xlsx``: a summary, every rep, every component and period.

Amounts are written as exact decimal numbers; every difference and percentage is a live
formula over the sheet's own cells, so a reader can check it (and change a number to see what
follows). ``Reps`` mirrors ``comparison.csv`` row for row.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from compengine.data import periods
from compengine.scenarios.compare import Comparison, Totals, to_decimal

BOLD = Font(bold=True)
PCT_FORMAT = "0.00"


def _money_format(scale: int) -> str:
    return "#,##0" + ("." + "0" * scale if scale else "")


def _header(sheet: Worksheet, row: int, names: list[str]) -> None:
    for col, name in enumerate(names, start=1):
        sheet.cell(row, col, name).font = BOLD


def _difference_rows(
    sheet: Worksheet, frame: pl.DataFrame, label: str, first_row: int, scale: int
) -> int:
    """``label, base, proposed, difference, change %`` rows with formulas; the next free row."""
    _header(sheet, first_row, [label, "base", "proposed", "difference", "change %"])
    money = _money_format(scale)
    row = first_row
    for name, base, proposed in frame.select(label, "base", "proposed").iter_rows():
        row += 1
        sheet.cell(row, 1, name)
        sheet.cell(row, 2, to_decimal(base, scale)).number_format = money
        sheet.cell(row, 3, to_decimal(proposed, scale)).number_format = money
        sheet.cell(row, 4, f"=C{row}-B{row}").number_format = money
        sheet.cell(
            row, 5, f'=IF(B{row}=0,"",ROUND(D{row}/ABS(B{row})*100,2))'
        ).number_format = PCT_FORMAT
    return row + 1


def _summary(sheet: Worksheet, c: Comparison, reps_rows: int) -> None:
    base, proposed = c.base, c.proposed
    granularity = base.plan.period
    first, last = (periods.label(p, granularity) for p in (base.inputs.first, base.inputs.last))
    sheet["A1"] = "Plan comparison"
    sheet["A1"].font = Font(bold=True, size=14)
    rows: list[tuple[str, str]] = [
        ("base plan", f"{base.plan.plan} v{base.plan.version} ({base.loaded.path.name})"),
        ("proposed plan", f"{proposed.plan.plan} v{proposed.plan.version}"),
        ("base plan sha256", base.loaded.sha256),
        ("proposed plan sha256", proposed.loaded.sha256),
        ("periods", f"{first} to {last}"),
        ("currency", base.plan.currency),
    ]
    for i, (key, value) in enumerate(rows, start=2):
        sheet.cell(i, 1, key).font = BOLD
        sheet.cell(i, 2, value)
    money = _money_format(c.scale)
    row = len(rows) + 3
    _header(sheet, row, ["", "base", "proposed", "difference", "change %"])
    t: dict[str, Totals] = c.totals
    lines: list[tuple[str, Decimal | None, Decimal | None, str]] = [
        ("total cost", t["base"].cost, t["proposed"].cost, money),
        ("component pay", t["base"].components, t["proposed"].components, money),
        ("relationship pay", t["base"].relationship_pay, t["proposed"].relationship_pay, money),
        ("relationship share %", t["base"].relationship_share,
         t["proposed"].relationship_share, PCT_FORMAT),
    ]  # fmt: skip
    for label, b, p, fmt in lines:
        row += 1
        sheet.cell(row, 1, label)
        sheet.cell(row, 2, b).number_format = fmt
        sheet.cell(row, 3, p).number_format = fmt
        sheet.cell(row, 4, f'=IF(OR(B{row}="",C{row}=""),"",C{row}-B{row})').number_format = fmt
        if fmt == money:
            formula = f'=IF(B{row}=0,"",ROUND(D{row}/ABS(B{row})*100,2))'
            sheet.cell(row, 5, formula).number_format = PCT_FORMAT
    row += 2
    last_rep = reps_rows + 1
    for label, test in (("reps who gain", '">0"'), ("reps who lose", '"<0"'),
                        ("reps unchanged", "0")):  # fmt: skip
        sheet.cell(row, 1, label).font = BOLD
        sheet.cell(row, 2, f"=COUNTIF(Reps!F2:F{last_rep},{test})")
        row += 1
    row += 1
    sheet.cell(row, 1, "By relationship band (report-card score over the range)").font = BOLD
    _header(sheet, row + 1, ["band", "reps", "base", "proposed", "difference", "change %",
                             "base per rep", "proposed per rep"])  # fmt: skip
    for band in c.bands.iter_rows(named=True):
        row += 1
        r = row + 1
        sheet.cell(r, 1, band["relationship_band"])
        sheet.cell(r, 2, band["reps"])
        sheet.cell(r, 3, to_decimal(band["base"], c.scale)).number_format = money
        sheet.cell(r, 4, to_decimal(band["proposed"], c.scale)).number_format = money
        sheet.cell(r, 5, f"=D{r}-C{r}").number_format = money
        sheet.cell(r, 6, f'=IF(C{r}=0,"",ROUND(E{r}/ABS(C{r})*100,2))').number_format = PCT_FORMAT
        sheet.cell(r, 7, f'=IF(B{r}=0,"",C{r}/B{r})').number_format = money
        sheet.cell(r, 8, f'=IF(B{r}=0,"",D{r}/B{r})').number_format = money
    sheet.column_dimensions["A"].width = 28
    for col in "BCDEFGH":
        sheet.column_dimensions[col].width = 16


def _reps(sheet: Worksheet, c: Comparison) -> int:
    names = ["rep_id", "relationship_band", "report_card_score", "base", "proposed",
             "difference", "change_pct"]  # fmt: skip
    _header(sheet, 1, names)
    money = _money_format(c.scale)
    rows = c.reps.select("rep_id", "relationship_band", "report_card_score", "base", "proposed")
    for i, (rep, band, score, base, proposed) in enumerate(rows.iter_rows(), start=2):
        sheet.cell(i, 1, rep)
        sheet.cell(i, 2, band)
        sheet.cell(i, 3, to_decimal(score, 2)).number_format = "0.00"
        sheet.cell(i, 4, to_decimal(base, c.scale)).number_format = money
        sheet.cell(i, 5, to_decimal(proposed, c.scale)).number_format = money
        sheet.cell(i, 6, f"=E{i}-D{i}").number_format = money
        sheet.cell(i, 7, f'=IF(D{i}=0,"",ROUND(F{i}/ABS(D{i})*100,2))').number_format = PCT_FORMAT
    for col in range(1, len(names) + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 18
    sheet.freeze_panes = "B2"
    return rows.height


def write_workbook(c: Comparison, path: Path) -> None:
    """Write the comparison workbook to ``path``."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    reps_rows = _reps(book.create_sheet("Reps"), c)
    _summary(summary, c, reps_rows)
    for title, frame, label in (("Components", c.components, "component"),
                                ("Periods", c.periods, "period")):  # fmt: skip
        sheet = book.create_sheet(title)
        end = _difference_rows(sheet, frame, label, 1, c.scale)
        sheet.cell(end, 1, "total").font = BOLD
        for col in "BCD":
            sheet[f"{col}{end}"] = f"=SUM({col}2:{col}{end - 1})"
            sheet[f"{col}{end}"].number_format = _money_format(c.scale)
        sheet.column_dimensions["A"].width = 24
        for col in "BCDE":
            sheet.column_dimensions[col].width = 16
    book.save(path)
