"""The workbook writer: valid files, text that never silently changes, column letters."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl

from compengine.audit.xlsx import (
    CUT,
    MAX_CELL,
    Column,
    Sheet,
    Styles,
    letter,
    small_rows,
    text,
    write,
)


def _one_column(path: Path, values: list[str]) -> list[object]:
    frame = pl.DataFrame({"r": list(range(2, len(values) + 2)), "v": values})
    sheet = Sheet("S", [Column("v", 10, text("A", pl.col("v"), pl.col("r")))], frame)
    write(path, [sheet], Styles())
    return [c.value for c in openpyxl.load_workbook(path)["S"]["A"]][1:]


def test_it_should_name_columns_like_a_spreadsheet() -> None:
    assert [letter(i) for i in (0, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip


def test_it_should_cut_an_over_long_text_with_a_note_saying_so(tmp_path: Path) -> None:
    long = "x" * (MAX_CELL + 10)
    [cell] = _one_column(tmp_path / "long.xlsx", [long])
    assert isinstance(cell, str)
    assert len(cell) == MAX_CELL
    assert cell.endswith(CUT)


def test_it_should_keep_markup_and_mark_characters_xml_cannot_hold(tmp_path: Path) -> None:
    cells = _one_column(tmp_path / "text.xlsx", ["a<b>&c", "bell\x07here"])
    assert cells == ["a<b>&c", "bell\ufffdhere"]


def test_it_should_cut_an_over_long_plan_line_with_a_note_not_fail(tmp_path: Path) -> None:
    # a plan line (a long YAML comment, say) on the small sheets, markup counted once
    long = "<" * (MAX_CELL + 10)
    sheet = Sheet("P", [Column("line", 10)], pl.DataFrame(), rows=small_rows([[long]]))
    write(tmp_path / "plan.xlsx", [sheet], Styles())
    cell = openpyxl.load_workbook(tmp_path / "plan.xlsx")["P"]["A2"].value
    assert isinstance(cell, str)
    assert len(cell) == MAX_CELL
    assert cell == "<" * (MAX_CELL - len(CUT)) + CUT
