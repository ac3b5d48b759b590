"""The row rules of DATA.md, one function per table, each reporting every breaking row."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import polars as pl

from compengine.data.problems import Problems, shown
from compengine.data.read import ROW, RawTable
from compengine.errors import Reason


def duplicates(
    problems: Problems,
    raw: RawTable,
    keys: list[str],
    reason: Reason,
    hint: str,
    among: pl.Series | None = None,
) -> None:
    """Report every row whose ``keys`` repeat an earlier row's (on the text as written).

    ``among``: a mask of ``raw.frame``'s rows, in its order, holding every row that may
    repeat another (the caller knows no other row shares its keys); only those are compared.
    """
    frame = raw.frame.select(ROW, *keys)
    if among is not None:
        frame = frame.filter(among)
    frame = frame.drop_nulls(keys)
    # Rows whose keys hash like another row's are the only candidates (equal keys hash
    # alike); the exact comparison then runs on those few rows only.
    hashes = frame.select(keys).hash_rows(seed=0)
    ordered = hashes.sort()
    repeated = ordered.filter(ordered == ordered.shift(1))
    frame = frame.filter(hashes.is_in(repeated.implode()))
    first = pl.col(ROW).min().over(keys)
    bad = frame.with_columns(_first=first).filter(pl.col(ROW) != pl.col("_first"))
    what = ", ".join(keys)
    problems.rows(
        reason,
        raw,
        bad,
        keys[-1],
        lambda r: (
            f"({', '.join(repr(r[k]) for k in keys)}) repeats row {r['_first']} "
            f"on ({what}). Hint: {hint}"
        ),
    )


def known_reps(problems: Problems, raw: RawTable, typed: pl.DataFrame, reps: pl.Series) -> None:
    """Every rep_id of a table other than reps names a rep of reps."""
    bad = typed.filter(pl.col("rep_id").is_not_null() & ~pl.col("rep_id").is_in(reps.implode()))
    problems.rows(
        Reason.UNKNOWN_REP,
        raw,
        bad,
        "rep_id",
        lambda r: (
            f"{shown(r['rep_id'])} is not in reps. Hint: add the rep to reps or correct the id."
        ),
    )


def reps(problems: Problems, raw: RawTable, typed: pl.DataFrame) -> None:
    """Unique rep_id, termination on or after hire, a target incentive of 0 or more."""
    duplicates(problems, raw, ["rep_id"], Reason.DUPLICATE, "each rep has one row in reps.")
    problems.rows(
        Reason.INVALID_VALUE,
        raw,
        typed.filter(pl.col("termination_date") < pl.col("hire_date")),
        "termination_date",
        lambda r: (
            f"{r['termination_date']} is before hire_date {r['hire_date']}. "
            "Hint: a rep leaves on or after the day they were hired."
        ),
    )
    problems.rows(
        Reason.INVALID_VALUE,
        raw,
        raw.frame.filter((typed["target_incentive"] < 0).fill_null(False)),
        "target_incentive",
        lambda r: (
            f"{r['target_incentive']!r} is negative. "
            "Hint: the annual target incentive is 0 or more."
        ),
    )


def grades(problems: Problems, raw: RawTable, typed: pl.DataFrame, behaviours: list[str]) -> None:
    """Behaviours of the plan's report card only, each graded once per account and month."""
    known = (
        f"use one of {', '.join(behaviours)}."
        if behaviours
        else "the plan has no report_card; add one that lists it, or leave grades out."
    )
    problems.rows(
        Reason.INVALID_VALUE,
        raw,
        typed.filter(pl.col("behaviour").is_not_null() & ~pl.col("behaviour").is_in(behaviours)),
        "behaviour",
        lambda r: f"{shown(r['behaviour'])} is not on the plan's report card. Hint: {known}",
    )
    duplicates(
        problems,
        raw,
        ["rep_id", "account_id", "period", "behaviour"],
        Reason.DUPLICATE,
        "an account grades a behaviour once a month; keep one of the rows.",
    )


def transactions(
    problems: Problems, raw: RawTable, typed: pl.DataFrame, split_scale: int, overlay: bool
) -> None:
    """Splits in (0, 1] adding up to 1 per txn_id; rows of one txn_id agreeing; no repeats."""
    one = pl.lit(10**split_scale, pl.Int128)
    out_of_range = ((pl.col("split") <= 0) | (pl.col("split") > one)).fill_null(False)
    # A split refused by the parse (reported there) leaves its transaction's sum unknown: it
    # is not summed as an empty split, the whole transaction.
    unparsed = typed["split"].is_null() & raw.frame["split"].is_not_null()
    problems.rows(
        Reason.SPLITS,
        raw,
        raw.frame.filter(typed.select(out_of_range).to_series()),
        "split",
        lambda r: f"{shown(r['split'])} is not a share in (0, 1]. Hint: 0.5 credits half.",
    )
    # Most transactions have one row: its split alone must be 1, and it cannot disagree
    # with itself. Only txn_ids whose hash repeats (every transaction of several rows, and
    # rare collisions) are grouped, and only their rows can repeat a (txn_id, rep_id).
    # Empty txn_ids (reported by the parse) hash alike too; they are left out below.
    txn_id = typed["txn_id"]
    hashes = txn_id.hash(seed=0)
    ordered = hashes.sort()
    shared = hashes.is_in(ordered.filter(ordered == ordered.shift(1)).implode())
    sums = (
        typed.select("txn_id", "split", "date", "amount", _unparsed=unparsed)
        .filter(shared & txn_id.is_not_null())
        .group_by("txn_id")
        .agg(
            _sum=pl.col("split").fill_null(one).sum(),
            _bad_split=(out_of_range | pl.col("_unparsed")).any(),
            # a date or amount refused by the parse is reported there, not as a disagreement
            _dates=pl.col("date").drop_nulls().n_unique().cast(pl.UInt32),
            _amounts=pl.col("amount").drop_nulls().n_unique().cast(pl.UInt32),
        )
    )
    wrong_sum = (pl.col("_sum") != one) & ~pl.col("_bad_split") if not overlay else pl.lit(False)
    suspect = wrong_sum | (pl.col("_dates") > 1) | (pl.col("_amounts") > 1)
    # A transaction of one row is suspect only for a split in range that is not 1, and
    # only without allow_overlay_credit.
    lone_suspect = (pl.col("split").fill_null(one) != one) & ~out_of_range & pl.lit(not overlay)
    # One pass over the rows, keeping the few suspects only
    alone = typed.filter(~shared & txn_id.is_not_null() & lone_suspect).select(
        "txn_id",
        _sum=pl.col("split").fill_null(one),
        _bad_split=pl.lit(False),
        _dates=pl.lit(1, pl.UInt32),
        _amounts=pl.lit(1, pl.UInt32),
    )
    suspects = pl.concat([sums.filter(suspect), alone])
    # The rows and values a message names are gathered for the few suspect transactions only
    # (none: nothing to gather, nor to report).
    if not suspects.is_empty():
        checked = typed.with_columns(
            _date_text=raw.frame["date"], _amount_text=raw.frame["amount"]
        ).drop_nulls("txn_id")
        _report_suspects(problems, raw, checked, suspects, split_scale, overlay)
    duplicates(
        problems,
        raw,
        ["txn_id", "rep_id"],
        Reason.DUPLICATE,
        "credit a rep once per transaction.",
        among=shared,
    )


def _report_suspects(
    problems: Problems,
    raw: RawTable,
    checked: pl.DataFrame,
    suspects: pl.DataFrame,
    split_scale: int,
    overlay: bool,
) -> None:
    """Report the transactions whose splits do not add up to 1, or whose rows disagree."""
    one = pl.lit(10**split_scale, pl.Int128)

    def joined(values: pl.Expr, kept: pl.Expr | None = None) -> pl.Expr:
        values = values if kept is None else values.filter(kept)
        return values.cast(pl.String).unique(maintain_order=True).str.join(", ")

    # A disagreement is told at the first row whose date (or amount) parsed, naming those
    # rows and each value once, as first written: a cell refused is reported by the parse.
    parsed = {column: pl.col(column).is_not_null() for column in ("date", "amount")}
    per_txn = (
        checked.join(suspects.select("txn_id"), on="txn_id", how="semi")
        .sort(ROW)
        .group_by("txn_id", maintain_order=True)
        .agg(
            pl.col(ROW).min(),
            _rows=joined(pl.col(ROW)),
            **{f"_{c}_first": pl.col(ROW).filter(ok).min() for c, ok in parsed.items()},
            **{f"_{c}_rows": joined(pl.col(ROW), ok) for c, ok in parsed.items()},
            **{
                f"_{c}_values": joined(pl.col(f"_{c}_text"), ok & pl.col(c).is_first_distinct())
                for c, ok in parsed.items()
            },
        )
        .join(suspects, on="txn_id")
    )
    if not overlay:  # a transaction with a split outside (0, 1] is reported above
        problems.rows(
            Reason.SPLITS,
            raw,
            per_txn.filter((pl.col("_sum") != one) & ~pl.col("_bad_split")),
            "split",
            lambda r: (
                f"splits of {r['txn_id']!r} (rows {r['_rows']}) add up to "
                f"{Decimal(r['_sum']).scaleb(-split_scale)}. Hint: make them add up to "
                "exactly 1, or set allow_overlay_credit: true in the plan."
            ),
        )
    for column, count in (("date", "_dates"), ("amount", "_amounts")):
        disagree = per_txn.filter(pl.col(count) > 1).with_columns(
            pl.col(f"_{column}_first").alias(ROW)
        )
        problems.rows(Reason.SPLITS, raw, disagree, column, _disagree(column))


def _disagree(column: str) -> Callable[[dict[str, Any]], str]:
    def explain(r: dict[str, Any]) -> str:
        return (
            f"rows {r[f'_{column}_rows']} of {r['txn_id']!r} disagree on {column}: "
            f"{r[f'_{column}_values']}. Hint: every row of one transaction has the same date "
            "and amount."
        )

    return explain


def resolved_after_opened(problems: Problems, raw: RawTable, typed: pl.DataFrame) -> None:
    """A feedback item or incident is resolved on or after the day it was opened."""
    problems.rows(
        Reason.INVALID_VALUE,
        raw,
        typed.filter(pl.col("resolved") < pl.col("opened")),
        "resolved",
        lambda r: (
            f"{r['resolved']} is before opened {r['opened']}. "
            "Hint: an item is resolved on or after the day it was opened."
        ),
    )


def incidents(problems: Problems, raw: RawTable, typed: pl.DataFrame) -> None:
    """Resolved on or after opened, and a resolved incident has its recovery grade."""
    resolved_after_opened(problems, raw, typed)
    problems.rows(
        Reason.EMPTY_VALUE,
        raw,
        raw.frame.filter(pl.col("resolved").is_not_null() & pl.col("recovery_grade").is_null()),
        "recovery_grade",
        lambda r: (
            "empty for a resolved incident. Hint: the customer's grade of the recovery, A, B or D."
        ),
    )


def quotas(problems: Problems, raw: RawTable, typed: pl.DataFrame) -> None:
    """Quotas greater than 0, one per rep and period."""
    problems.rows(
        Reason.INVALID_VALUE,
        raw,
        raw.frame.filter(typed["quota"].fill_null(1) <= 0),
        "quota",
        lambda r: f"{shown(r['quota'])} is not greater than 0. Hint: a quota is positive.",
    )
    duplicates(
        problems, raw, ["rep_id", "period"], Reason.DUPLICATE, "one quota per rep and period."
    )
