"""Collect every problem of a data folder, then raise once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from compengine.data.read import ROW, RawTable
from compengine.errors import InputDataError, Reason

PER_RULE = 20  # lines printed per rule and file, then a count


def shown(value: object) -> str:
    """A cell value as the message shows it."""
    return "empty" if value is None else repr(value)


class Problems:
    """Accumulates one-line messages naming file, row, column, value and the fix."""

    def __init__(self) -> None:
        self.items: list[tuple[Reason, str]] = []
        self.count = 0  # problems found: a line "N more rows like these" stands for N

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, reason: Reason, message: str, count: int = 1) -> None:
        """Record one problem (or, with ``count``, a line standing for that many): a whole
        message naming where, what and the fix."""
        self.items.append((reason, message))
        self.count += count

    def merge(self, other: Problems) -> None:
        """Record every problem ``other`` found, after these."""
        self.items.extend(other.items)
        self.count += other.count

    def rows(
        self,
        reason: Reason,
        raw: RawTable,
        bad: pl.DataFrame,
        column: str,
        explain: Callable[[dict[str, Any]], str],
    ) -> None:
        """Report each row of ``bad`` (which carries ROW) as ``file row N, column C: ...``."""
        if bad.is_empty():
            return
        bad = bad.sort(ROW)
        for row in bad.head(PER_RULE).iter_rows(named=True):
            self.add(reason, f"{raw.label} row {row[ROW]}, column {column}: {explain(row)}")
        if bad.height > PER_RULE:
            self.add(
                reason,
                f"{raw.label}: {bad.height - PER_RULE:,} more rows like these in column {column}.",
                bad.height - PER_RULE,
            )

    def raise_if_any(self) -> None:
        """Raise every problem recorded so far as one InputDataError."""
        if self.items:
            raise InputDataError(self.items, self.count)
