"""The input data contract (DATA.md) as plain declarations: no polars here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "date", "number", "period", "grade"]


@dataclass(frozen=True)
class Column:
    """One column of an input table."""

    name: str
    kind: Kind
    required: bool = True  # False: the cell may be empty


@dataclass(frozen=True)
class Table:
    """One input table: its file stem, whether the folder must have it, its columns."""

    name: str
    columns: tuple[Column, ...]
    required: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name: str, kind: Kind = "text", required: bool = True) -> Column:
    return Column(name, kind, required)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "reps",
            (
                _c("rep_id"),
                _c("name"),
                _c("manager_id", required=False),
                _c("hire_date", "date"),
                _c("termination_date", "date", required=False),
                _c("target_incentive", "number"),
            ),
            required=True,
        ),
        Table("quotas", (_c("rep_id"), _c("period", "period"), _c("quota", "number"))),
        Table(
            "transactions",
            (
                _c("txn_id"),
                _c("rep_id"),
                _c("account_id"),
                _c("date", "date"),
                _c("amount", "number"),
                _c("deal_type", required=False),
                _c("split", "number", required=False),
            ),
        ),
        Table(
            "grades",
            (
                _c("rep_id"),
                _c("account_id"),
                _c("period", "period"),
                _c("behaviour"),
                _c("grade", "grade"),
                _c("comment", required=False),
            ),
        ),
        Table(
            "feedback",
            (
                _c("feedback_id"),
                _c("rep_id"),
                _c("account_id", required=False),
                _c("source", required=False),
                _c("opened", "date"),
                _c("resolved", "date", required=False),
            ),
        ),
        Table(
            "incidents",
            (
                _c("incident_id"),
                _c("rep_id"),
                _c("account_id", required=False),
                _c("opened", "date"),
                _c("resolved", "date", required=False),
                _c("recovery_grade", "grade", required=False),
            ),
        ),
        Table(
            "events",
            (
                _c("event_id"),
                _c("rep_id"),
                _c("account_id", required=False),
                _c("date", "date"),
                _c("kind"),
                _c("value", "number", required=False),
            ),
        ),
        Table(
            "adjustments",
            (_c("rep_id"), _c("period", "period"), _c("amount", "number"), _c("reason")),
        ),
    )
}

# The column whose date or period puts a row of a table into a period.
PERIOD_COLUMN = {
    "transactions": "date",
    "grades": "period",
    "feedback": "opened",
    "incidents": "opened",
    "events": "date",
    "adjustments": "period",
}
