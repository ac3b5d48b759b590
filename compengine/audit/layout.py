"""Shared pieces of the workbook's sheets: column builders, number formats, the context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from compengine.audit.plan_sheet import PlanRefs
from compengine.audit.xlsx import Column, Styles, formula, letter, number, quote_sheet, text
from compengine.data.inputs import Inputs
from compengine.engine.calculate import Result
from compengine.engine.fixed import to_text
from compengine.plan.load import LoadedPlan

ROW = pl.col("r")


@dataclass
class RawSheet:
    """Where one table's raw rows landed: the sheet, column letters by key, and the block of
    sheet rows each (rep, period) holds (each rep, for reps): ``blocks`` has the key columns
    and ``first``, ``last`` and ``rows``."""

    name: str
    table: str
    blocks: pl.DataFrame
    letters: dict[str, str] = field(default_factory=dict)

    def fields(self) -> tuple[str, str, str]:
        """The names of the Inputs frame's fields holding a row's block: first and last sheet
        row, and its number of rows (0: none)."""
        return f"_first_{self.table}", f"_last_{self.table}", f"_rows_{self.table}"

    def block(self, key: str) -> str:
        """The range of one column over a row's block, as a formula template."""
        col, (first, last, _) = self.letters[key], self.fields()
        return f"{quote_sheet(self.name)}!${col}${{{first}}}:${col}${{{last}}}"


@dataclass
class Context:
    """What every sheet builder reads: the run, the styles and where things are."""

    loaded: LoadedPlan
    inputs: Inputs
    result: Result
    styles: Styles
    plan_refs: PlanRefs
    inputs_cols: dict[str, str] = field(default_factory=dict)  # key -> column letter
    measures_cols: dict[str, str] = field(default_factory=dict)
    paid_col: str = ""  # the Breakdown column of the paid (rounded) amount
    raw: dict[str, RawSheet] = field(default_factory=dict)  # table -> its Rows sheet

    @property
    def decimals(self) -> int:
        return self.loaded.plan.decimals

    def money(self, extra: int = 0) -> int:
        """Style of a money amount with the plan's decimals (and up to ``extra`` more)."""
        d = self.decimals
        places = "." + "0" * d + "#" * extra if d or extra else ""
        return self.styles.style(f'#,##0{places}\\ "{self.loaded.plan.currency}"')

    def fixed(self, scale: int) -> int:
        """Style of a number shown with exactly ``scale`` decimals."""
        return self.styles.style("#,##0" + ("." + "0" * scale if scale else ""))


@dataclass
class Columns:
    """Columns of one sheet, added in order; each key remembers its letter."""

    columns: list[Column] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)

    def add(
        self, key: str, header: str, width: float, cells: Callable[[str], pl.Expr | None]
    ) -> str:
        col = letter(len(self.columns))
        self.letters[key] = col
        self.columns.append(Column(header, width, cells(col)))
        return col

    def text(self, key: str, header: str, width: float, value: pl.Expr) -> str:
        return self.add(key, header, width, lambda col: text(col, value, ROW))

    def value(
        self, key: str, header: str, width: float, column: str, scale: int, style: int
    ) -> str:
        """An Int128 column at ``scale`` written as its exact decimal number."""
        return self.add(
            key, header, width, lambda col: number(col, to_text(pl.col(column), scale), ROW, style)
        )

    def formula(
        self,
        key: str,
        header: str,
        width: float,
        template: str,
        style: int,
        cached: pl.Expr | None = None,
    ) -> str:
        """Formula cells (see :func:`~compengine.audit.xlsx.formula`)."""
        return self.add(key, header, width, lambda col: formula(col, template, ROW, style, cached))

    def formula_or_value(
        self,
        key: str,
        header: str,
        width: float,
        template: str,
        without: pl.Expr,
        value: pl.Expr,
        style: int,
    ) -> str:
        """Formula cells, but the number ``value`` (as text) in the rows where ``without``
        holds: those the formula has nothing to read for."""
        return self.add(
            key,
            header,
            width,
            lambda col: (
                pl.when(without)
                .then(number(col, value, ROW, style))
                .otherwise(formula(col, template, ROW, style))
            ),
        )
