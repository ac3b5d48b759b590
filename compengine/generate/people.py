"""Synthetic reps: who works when, their targets and quotas, and the text helpers of every
table (money as decimal text from integer cents, dates, months, ids)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

REPS_PER_MANAGER = 8
# fmt: off
FIRST_NAMES = (
    "Ada", "Alan", "Amara", "Ben", "Carla", "Chen", "Dana", "Diego", "Elif", "Emma", "Farid",
    "Grace", "Hana", "Ivan", "Jonas", "Kai", "Lena", "Luis", "Maya", "Mei", "Nadia", "Noah",
    "Olga", "Omar", "Priya", "Rafael", "Rosa", "Sam", "Sofia", "Tariq", "Uma", "Vera", "Wei",
    "Yara", "Zoe",
)
LAST_NAMES = (
    "Adams", "Baker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Novak", "Okafor", "Patel", "Quinn",
    "Rossi", "Santos", "Schmidt", "Tanaka", "Urban", "Varga", "Weber", "Yilmaz", "Zhou",
)
# fmt: on


@dataclass(frozen=True)
class Staff:
    """The reps and every (rep, month) they are employed in, as parallel arrays."""

    n: int
    start: int  # first day of the run, days since 1970-01-01
    end: int  # last day of the run
    first_month: int  # month index (year * 12 + month - 1) of the first month
    employed: np.ndarray  # (reps, months) bool: at least one employed day
    book_start: np.ndarray  # first account number of each rep's book
    book_size: np.ndarray
    performance: np.ndarray  # mean attainment of each rep
    relationship: np.ndarray  # 0..1, how well customers grade the rep
    activity: np.ndarray  # transactions a month at full employment
    base_quota: np.ndarray  # monthly quota in cents
    # One entry per employed (rep, month), rep-major:
    rep: np.ndarray
    month: np.ndarray  # 0-based month of the run
    lo: np.ndarray  # first employed day in the month
    hi: np.ndarray  # last employed day in the month
    share: np.ndarray  # employed days / days in the month


def money(cents: np.ndarray) -> pl.Series:
    """Integer cents as decimal text with two places (``-0.05``, ``1234.50``)."""
    frame = pl.DataFrame({"c": cents.astype(np.int64)})
    magnitude = pl.col("c").abs()
    text = pl.concat_str(
        pl.when(pl.col("c") < 0).then(pl.lit("-")).otherwise(pl.lit("")),
        (magnitude // 100).cast(pl.String),
        pl.lit("."),
        (magnitude % 100).cast(pl.String).str.zfill(2),
    )
    return frame.select(text).to_series()


def dates(days: np.ndarray) -> pl.Series:
    """Days since 1970-01-01 as a Date column."""
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def months(staff: Staff, month: np.ndarray) -> pl.Series:
    """Each month of the run (0-based) as its ``YYYY-MM`` label."""
    index = pl.Series(month.astype(np.int64) + staff.first_month)
    return (index // 12).cast(pl.String) + "-" + (index % 12 + 1).cast(pl.String).str.zfill(2)


def pick(
    rng: np.random.Generator, options: tuple[str, ...], p: tuple[float, ...], n: int
) -> pl.Series:
    """``n`` draws from ``options`` with probabilities ``p``."""
    return pl.Series(np.asarray(options)[rng.choice(len(options), size=n, p=p)])


def accounts(staff: Staff, rep: np.ndarray, offset: np.ndarray) -> pl.Series:
    """Account ids (``A000123``) from each rep's book, ``offset`` wrapped into it."""
    number = staff.book_start[rep] + offset % staff.book_size[rep]
    return "A" + pl.Series(number).cast(pl.String).str.zfill(6)


def rep_ids(staff: Staff, rep: np.ndarray) -> pl.Series:
    """Rep ids (``R00042``), zero-padded to the widest id."""
    return "R" + pl.Series(rep.astype(np.int64)).cast(pl.String).str.zfill(id_width(staff.n - 1, 5))


def id_width(largest: int, least: int) -> int:
    """Digits of an id: those of ``largest``, at least ``least``."""
    return max(least, len(str(largest)))


def numbered(prefix: str, count: int) -> pl.Series:
    """Ids ``<prefix>000001`` and on, one per row."""
    return prefix + pl.Series(np.arange(1, count + 1)).cast(pl.String).str.zfill(id_width(count, 6))


def optional_dates(days: np.ndarray) -> pl.Series:
    """Days as dates, null where the day is negative (not yet)."""
    return (
        dates(np.maximum(days, 0))
        .to_frame("d")
        .select(pl.when(pl.Series(days) >= 0).then(pl.col("d")))
        .to_series()
    )


def draw_staff(
    rng: np.random.Generator, n: int, months: int, first_month: int
) -> tuple[Staff, pl.DataFrame]:
    # numpy months count from 1970-01: month index minus 1970 * 12.
    """The reps of the run: who is employed when, and the reps table."""
    months_since_1970 = np.arange(months + 1, dtype=np.int64) + first_month - 1970 * 12
    starts = months_since_1970.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    first, end = int(starts[0]), int(starts[-1]) - 1
    managers = min(n, -(-n // REPS_PER_MANAGER))
    others = np.arange(managers, n)
    hire = first - rng.integers(30, 8 * 365, n)
    joiners = rng.choice(others, size=some(len(others), 0.1), replace=False)
    hire[joiners] = first + rng.integers(0, end - first + 1, len(joiners))
    term = np.full(n, np.iinfo(np.int64).max)
    leavers = rng.choice(others, size=some(len(others), 0.08), replace=False)
    from_day = np.maximum(hire[leavers], first)
    term[leavers] = from_day + (rng.random(len(leavers)) * (end - from_day + 1)).astype(np.int64)
    lo = np.maximum(hire[:, None], starts[None, :-1])
    hi = np.minimum(term[:, None], starts[None, 1:] - 1)
    employed = hi >= lo
    rep, month = np.nonzero(employed)
    days_in_month = starts[1:] - starts[:-1]
    target = rng.integers(60, 181, n) * 50_000  # cents, 30,000 to 90,000 by 500
    target[managers:] -= np.where(rng.random(n - managers) < 0.05, 1, 0)  # a few like 41999.99
    book_size = rng.integers(8, 41, n)
    activity = rng.uniform(2.0, 6.5, n)
    staff = Staff(
        n=n,
        start=first,
        end=end,
        first_month=first_month,
        employed=employed,
        book_start=np.cumsum(book_size) - book_size + 1,
        book_size=book_size,
        performance=rng.lognormal(0.0, 0.25, n),
        relationship=rng.beta(5.0, 2.0, n),
        activity=activity,
        base_quota=np.round(target * rng.uniform(1.0, 1.6, n) / 100_000) * 100_000,
        rep=rep,
        month=month,
        lo=lo[rep, month],
        hi=hi[rep, month],
        share=(hi[rep, month] - lo[rep, month] + 1) / days_in_month[month],
    )
    ids = np.arange(n)
    manager = np.where(ids < managers, 0, rng.integers(0, managers, n))
    first_names = np.asarray(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n)]
    last_names = np.asarray(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]
    frame = pl.DataFrame(
        {
            "rep_id": rep_ids(staff, ids),
            "name": pl.Series(first_names) + " " + pl.Series(last_names),
            "manager_id": rep_ids(staff, manager),
            "hire_date": dates(hire),
            "termination_date": dates(np.minimum(term, end)),
            "target_incentive": money(target),
        }
    ).with_columns(
        manager_id=pl.when(pl.Series(ids) > 0).then(pl.col("manager_id")),
        termination_date=pl.when(pl.Series(term) <= end).then(pl.col("termination_date")),
    )
    return staff, frame


def some(population: int, fraction: float) -> int:
    """How many of ``population`` have a feature: the fraction, at least one when possible."""
    return min(population, max(1, round(population * fraction))) if population else 0


def season(staff: Staff, month: np.ndarray) -> np.ndarray:
    """Quota weight of a month: the last month of a quarter carries more."""
    return np.where((month + staff.first_month) % 3 == 2, 1.2, 1.0)


def quotas(staff: Staff) -> pl.DataFrame:
    """A quota for every employed (rep, month), prorated, in whole hundreds."""
    whole = staff.base_quota[staff.rep] * season(staff, staff.month) * staff.share / 10_000
    quota = np.maximum(np.round(whole), 1) * 100  # whole currency units, multiples of 100
    return pl.DataFrame(
        {
            "rep_id": rep_ids(staff, staff.rep),
            "period": months(staff, staff.month),
            "quota": pl.Series(quota.astype(np.int64)).cast(pl.String),
        }
    )
