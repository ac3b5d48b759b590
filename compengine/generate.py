"""Synthetic data: realistic, valid tables for every input of DATA.md, from a seed.

Everything is drawn with numpy in whole arrays (no loop over reps, months or rows), amounts
as integer cents, then written as CSV text by polars. The same seed, sizes and numpy version
give the same bytes. Each table draws from its own child stream of the seed, so changing how
one table is drawn leaves the others as they were.

What the data holds, so plans have something to bite on:

- reps with managers (one per eight reps), a tenth hired during the run, about one in twelve
  leaving during it, annual target incentives between 30,000 and 90,000;
- a monthly quota for every rep and month with an employed day (prorated, higher in the last
  month of a quarter);
- transactions of new and existing business, returns (negative amounts), and deals split
  across two or three reps (shares adding up to exactly 1);
- sparse monthly Customer Report Card grades by the rep's accounts, some with comments;
- feedback from customers and prospects, incidents with recovery grades, relationship
  events, each with some late or unresolved items; a few manual adjustments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from compengine.errors import CompengineError, Reason
from compengine.outputs import staged

TABLE_ORDER = (
    "reps", "quotas", "transactions", "grades", "feedback", "incidents", "events", "adjustments",
)  # fmt: skip
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
COMMENTS = {
    "A": ("Always one step ahead of us", "Went out of their way, again", "A real partner"),
    "B": ("Solid, as expected", "Good follow-up", "Responsive"),
    "D": ("Promised a call back, never came", 'Too much "synergy" talk', "Slow, and vague"),
}
EVENT_KINDS = (
    "referral",
    "testimonial",
    "joint_strategy",
    "process_improvement",
    "social_event",
)
EVENT_P = (0.25, 0.1, 0.2, 0.15, 0.3)
ADJUSTMENT_REASONS = {
    1: ("SPIFF: quarter-end push", "missed credit on a split deal", "manual correction"),
    -1: ("clawback of a returned deal", "draw recovery", "manual correction"),
}
# Shares of a split deal in hundredths: [number of reps][template][position].
SPLIT_SHARES = np.array(
    [
        [[100, 0, 0]] * 3,
        [[100, 0, 0]] * 3,
        [[50, 50, 0], [60, 40, 0], [70, 30, 0]],
        [[50, 25, 25], [40, 30, 30], [34, 33, 33]],
    ]
)


@dataclass(frozen=True)
class _Staff:
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


def generate(
    out: Path, *, reps: int, months: int, seed: int, behaviours: list[str], start: str
) -> dict[str, int]:
    """Write one CSV per table into ``out``; return the row count of each.

    Args:
        out: Folder to write into (created if needed; existing table files are replaced).
        reps: Number of reps.
        months: Number of months, starting at ``start``.
        seed: Seed of every random draw.
        behaviours: Report-card behaviours the grades use (none: an empty grades table).
        start: First month, ``YYYY-MM``.

    Raises:
        CompengineError: ``start`` is not a month or the sizes are not positive.
        ExportError: ``out`` cannot be written; no table of this call is left in it.
    """
    found = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", start)
    if found is None or reps < 1 or months < 1:
        raise CompengineError(
            f"cannot generate {reps} reps x {months} months from {start!r}. "
            "Hint: --start is a month like 2027-01, --reps and --months are 1 or more.",
            Reason.INVALID_VALUE,
        )
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    first_month = int(found[1]) * 12 + int(found[2]) - 1
    staff, reps_frame = _staff(streams[0], reps, months, first_month)
    frames = {
        "reps": reps_frame,
        "quotas": _quotas(staff),
        "transactions": _transactions(streams[1], staff),
        "grades": _grades(streams[2], staff, behaviours),
        "feedback": _feedback(streams[3], staff),
        "incidents": _incidents(streams[4], staff),
        "events": _events(streams[5], staff),
        "adjustments": _adjustments(streams[6], staff),
    }
    with staged(out) as staging:  # every table, or none if one cannot be written
        for name in TABLE_ORDER:
            frames[name].write_csv(staging / f"{name}.csv")
    return {name: frames[name].height for name in TABLE_ORDER}


# ---- text helpers -------------------------------------------------------------------------


def _money(cents: np.ndarray) -> pl.Series:
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


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def _months(staff: _Staff, month: np.ndarray) -> pl.Series:
    index = pl.Series(month.astype(np.int64) + staff.first_month)
    return (index // 12).cast(pl.String) + "-" + (index % 12 + 1).cast(pl.String).str.zfill(2)


def _pick(
    rng: np.random.Generator, options: tuple[str, ...], p: tuple[float, ...], n: int
) -> pl.Series:
    return pl.Series(np.asarray(options)[rng.choice(len(options), size=n, p=p)])


def _accounts(staff: _Staff, rep: np.ndarray, offset: np.ndarray) -> pl.Series:
    number = staff.book_start[rep] + offset % staff.book_size[rep]
    return "A" + pl.Series(number).cast(pl.String).str.zfill(6)


def _rep_ids(staff: _Staff, rep: np.ndarray) -> pl.Series:
    return "R" + pl.Series(rep.astype(np.int64)).cast(pl.String).str.zfill(_width(staff.n - 1, 5))


def _width(largest: int, least: int) -> int:
    return max(least, len(str(largest)))


# ---- reps and quotas ----------------------------------------------------------------------


def _staff(
    rng: np.random.Generator, n: int, months: int, first_month: int
) -> tuple[_Staff, pl.DataFrame]:
    # numpy months count from 1970-01: month index minus 1970 * 12.
    months_since_1970 = np.arange(months + 1, dtype=np.int64) + first_month - 1970 * 12
    starts = months_since_1970.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    first, end = int(starts[0]), int(starts[-1]) - 1
    managers = min(n, -(-n // REPS_PER_MANAGER))
    others = np.arange(managers, n)
    hire = first - rng.integers(30, 8 * 365, n)
    joiners = rng.choice(others, size=_some(len(others), 0.1), replace=False)
    hire[joiners] = first + rng.integers(0, end - first + 1, len(joiners))
    term = np.full(n, np.iinfo(np.int64).max)
    leavers = rng.choice(others, size=_some(len(others), 0.08), replace=False)
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
    staff = _Staff(
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
            "rep_id": _rep_ids(staff, ids),
            "name": pl.Series(first_names) + " " + pl.Series(last_names),
            "manager_id": _rep_ids(staff, manager),
            "hire_date": _dates(hire),
            "termination_date": _dates(np.minimum(term, end)),
            "target_incentive": _money(target),
        }
    ).with_columns(
        manager_id=pl.when(pl.Series(ids) > 0).then(pl.col("manager_id")),
        termination_date=pl.when(pl.Series(term) <= end).then(pl.col("termination_date")),
    )
    return staff, frame


def _some(population: int, fraction: float) -> int:
    """How many of ``population`` have a feature: the fraction, at least one when possible."""
    return min(population, max(1, round(population * fraction))) if population else 0


def _season(staff: _Staff, month: np.ndarray) -> np.ndarray:
    """Quota weight of a month: the last month of a quarter carries more."""
    return np.where((month + staff.first_month) % 3 == 2, 1.2, 1.0)


def _quotas(staff: _Staff) -> pl.DataFrame:
    whole = staff.base_quota[staff.rep] * _season(staff, staff.month) * staff.share / 10_000
    quota = np.maximum(np.round(whole), 1) * 100  # whole currency units, multiples of 100
    return pl.DataFrame(
        {
            "rep_id": _rep_ids(staff, staff.rep),
            "period": _months(staff, staff.month),
            "quota": pl.Series(quota.astype(np.int64)).cast(pl.String),
        }
    )


# ---- dated rows ---------------------------------------------------------------------------


def _draw(
    rng: np.random.Generator, staff: _Staff, per_month: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows per employed (rep, month): Poisson counts; the (rep, month) entry and day of each."""
    counts = rng.poisson(per_month * staff.share)
    entry = np.repeat(np.arange(len(staff.rep)), counts)
    width = staff.hi[entry] - staff.lo[entry] + 1
    day = staff.lo[entry] + (rng.random(len(entry)) * width).astype(np.int64)
    return entry, day


def _chronological(day: np.ndarray, rep: np.ndarray) -> np.ndarray:
    """The order that numbers rows by date, then rep."""
    return np.lexsort((rep, day))


def _transactions(rng: np.random.Generator, staff: _Staff) -> pl.DataFrame:
    entry, day = _draw(rng, staff, staff.activity[staff.rep])
    order = _chronological(day, staff.rep[entry])
    entry, day = entry[order], day[order]
    rep, month = staff.rep[entry], staff.month[entry]
    count = len(entry)
    # Attainment spreads around the rep's performance; a month's amounts share its luck.
    luck = rng.lognormal(0.0, 0.35, len(staff.rep))[entry]
    mean = staff.base_quota[rep] * _season(staff, month) * staff.performance[rep] * luck
    mean = mean / staff.activity[rep]
    cents = np.maximum(np.round(mean * rng.lognormal(-0.245, 0.7, count)), 100).astype(np.int64)
    returned = rng.random(count) < 0.03
    cents[returned] = -np.maximum(
        np.round(cents[returned] * rng.uniform(0.05, 0.6, returned.sum())), 100
    )
    deal_type = _pick(rng, ("existing", "new", ""), (0.6, 0.35, 0.05), count)
    account = _accounts(staff, rep, rng.integers(0, 1 << 30, count))
    deal, credited, shares, reps_on_deal = _credit(rng, staff, rep, month)
    whole = rng.random(count) < 0.1  # an unsplit deal sometimes says split 1 explicitly
    split = (
        pl.when(pl.Series(reps_on_deal > 1))
        .then("0." + pl.Series(shares).cast(pl.String).str.zfill(2))
        .when(pl.Series(whole[deal]))
        .then(pl.lit("1"))
    )
    return pl.DataFrame(
        {
            "txn_id": "T" + pl.Series(deal + 1).cast(pl.String).str.zfill(_width(count, 7)),
            "rep_id": _rep_ids(staff, credited),
            "account_id": account.gather(deal),
            "date": _dates(day[deal]),
            "amount": _money(cents[deal]),
            "deal_type": deal_type.gather(deal).replace("", None),
        }
    ).with_columns(split=split)


def _credit(
    rng: np.random.Generator, staff: _Staff, rep: np.ndarray, month: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One row per credited rep of each deal: deal index, rep, share in hundredths, reps on it.

    About 6% of deals are shared with one or two colleagues; a colleague not employed that
    month drops out, and the shares follow the template for the reps left (adding up to 1).
    """
    count, n = len(rep), staff.n
    shared = rng.random(count) < 0.06
    wanted = np.where(rng.random(count) < 0.7, 2, 3)
    first = rng.integers(1, max(n, 2), count)
    second = rng.integers(1, max(n - 1, 2), count)
    second = second + (second >= first)  # never the first colleague again
    colleagues = np.stack([(rep + first) % n, (rep + second) % n])
    asked = np.stack([shared & (n > 1), shared & (wanted == 3) & (n > 2)])
    joins = asked & staff.employed[colleagues, month]
    reps_on_deal = 1 + joins.sum(axis=0)
    template = rng.integers(0, 3, count)
    deals, reps, positions = [np.arange(count)], [rep], [np.zeros(count, np.int64)]
    for k in (0, 1):  # the two colleague slots
        joined = np.nonzero(joins[k])[0]
        deals.append(joined)
        reps.append(colleagues[k, joined])
        positions.append(1 + k * joins[0, joined])
    deal, credited, position = (np.concatenate(a) for a in (deals, reps, positions))
    order = np.lexsort((position, deal))
    deal, credited, position = deal[order], credited[order], position[order]
    shares = SPLIT_SHARES[reps_on_deal[deal], template[deal], position]
    return deal, credited, shares, reps_on_deal[deal]


def _grades(rng: np.random.Generator, staff: _Staff, behaviours: list[str]) -> pl.DataFrame:
    columns = ("rep_id", "account_id", "period", "behaviour", "grade", "comment")
    if not behaviours:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    # A few accounts grade their rep each month, each on most behaviours; never twice.
    graders = np.minimum(rng.poisson(1.6 * staff.share), staff.book_size[staff.rep])
    entry = np.repeat(np.arange(len(staff.rep)), graders)
    nth = np.arange(len(entry)) - np.repeat(np.cumsum(graders) - graders, graders)
    offset = rng.integers(0, 1 << 30, len(staff.rep))[entry] + nth
    grading, behaviour = np.nonzero(rng.random((len(entry), len(behaviours))) < 0.75)
    entry, offset = entry[grading], offset[grading]
    rep = staff.rep[entry]
    u = rng.random(len(entry))
    liked = staff.relationship[rep]
    grade = np.where(u < 0.8 * liked, 0, np.where(u < 1 - 0.3 * (1 - liked), 1, 2))
    said = rng.random(len(entry)) < 0.07
    comments = np.array([COMMENTS[g] for g in "ABD"])[grade, rng.integers(0, 3, len(entry))]
    return pl.DataFrame(
        {
            "rep_id": _rep_ids(staff, rep),
            "account_id": _accounts(staff, rep, offset),
            "period": _months(staff, staff.month[entry]),
            "behaviour": pl.Series(np.asarray(behaviours)[behaviour]),
            "grade": pl.Series(np.array(["A", "B", "D"])[grade]),
            "comment": pl.Series(np.where(said, comments, "")).replace("", None),
        }
    )


def _resolved(
    rng: np.random.Generator,
    staff: _Staff,
    opened: np.ndarray,
    p: tuple[float, float, float],
    within: int,
) -> np.ndarray:
    """Days resolved: on time (p[0]), late (p[1]) or not yet (-1); never after the data ends."""
    kind = rng.choice(3, size=len(opened), p=p)
    delay = np.where(
        kind == 0,
        rng.integers(0, within + 1, len(opened)),
        rng.integers(within + 1, 46, len(opened)),
    )
    resolved = opened + delay
    return np.where((kind == 2) | (resolved > staff.end), -1, resolved)


def _optional_dates(days: np.ndarray) -> pl.Series:
    return (
        _dates(np.maximum(days, 0))
        .to_frame("d")
        .select(pl.when(pl.Series(days) >= 0).then(pl.col("d")))
        .to_series()
    )


def _feedback(rng: np.random.Generator, staff: _Staff) -> pl.DataFrame:
    entry, day = _draw(rng, staff, np.full(len(staff.rep), 0.8))
    order = _chronological(day, staff.rep[entry])
    entry, day = entry[order], day[order]
    rep, count = staff.rep[entry], len(entry)
    source = _pick(rng, ("customer", "prospect", ""), (0.6, 0.3, 0.1), count)
    # Prospects are not accounts yet; unlabelled items name an account half the time.
    named = (source == "customer") | ((source == "") & pl.Series(rng.random(count) < 0.5))
    account = _accounts(staff, rep, rng.integers(0, 1 << 30, count))
    return pl.DataFrame(
        {
            "feedback_id": _numbered("F", count),
            "rep_id": _rep_ids(staff, rep),
            "account_id": account.to_frame().select(pl.when(named).then(pl.all())).to_series(),
            "source": source.replace("", None),
            "opened": _dates(day),
            "resolved": _optional_dates(_resolved(rng, staff, day, (0.72, 0.14, 0.14), 10)),
        }
    )


def _numbered(prefix: str, count: int) -> pl.Series:
    return prefix + pl.Series(np.arange(1, count + 1)).cast(pl.String).str.zfill(_width(count, 6))


def _incidents(rng: np.random.Generator, staff: _Staff) -> pl.DataFrame:
    entry, day = _draw(rng, staff, np.full(len(staff.rep), 0.3))
    order = _chronological(day, staff.rep[entry])
    entry, day = entry[order], day[order]
    rep, count = staff.rep[entry], len(entry)
    resolved = _resolved(rng, staff, day, (0.7, 0.15, 0.15), 5)
    # Customers of reps they like grade the recovery better.
    u = rng.random(count)
    liked = staff.relationship[rep]
    grade = np.where(u < 0.65 * liked, "A", np.where(u < 1 - 0.25 * (1 - liked), "B", "D"))
    account = _accounts(staff, rep, rng.integers(0, 1 << 30, count))
    return pl.DataFrame(
        {
            "incident_id": _numbered("I", count),
            "rep_id": _rep_ids(staff, rep),
            "account_id": account.to_frame()
            .select(pl.when(pl.Series(rng.random(count) < 0.9)).then(pl.all()))
            .to_series(),
            "opened": _dates(day),
            "resolved": _optional_dates(resolved),
            "recovery_grade": pl.Series(np.where(resolved >= 0, grade, "")).replace("", None),
        }
    )


def _events(rng: np.random.Generator, staff: _Staff) -> pl.DataFrame:
    entry, day = _draw(rng, staff, 1.4 * staff.relationship[staff.rep])
    order = _chronological(day, staff.rep[entry])
    entry, day = entry[order], day[order]
    rep, count = staff.rep[entry], len(entry)
    kind = rng.choice(len(EVENT_KINDS), size=count, p=EVENT_P)
    # Values by kind: referrals and social events mostly count 1 (empty); a testimonial is
    # worth 0.5 or 1; strategy sessions count hours; process improvements a saving in 1,000s.
    tenths = np.select(
        [kind == 1, kind == 2, kind == 3],
        [rng.choice([5, 10], count), rng.integers(2, 9, count) * 5, rng.integers(5, 250, count)],
        default=10,
    )
    empty = ((kind == 0) | (kind == 4)) & (rng.random(count) < 0.7)
    value = pl.Series(tenths // 10).cast(pl.String) + "." + pl.Series(tenths % 10).cast(pl.String)
    account = _accounts(staff, rep, rng.integers(0, 1 << 30, count))
    return pl.DataFrame(
        {
            "event_id": _numbered("E", count),
            "rep_id": _rep_ids(staff, rep),
            "account_id": account.to_frame()
            .select(pl.when(pl.Series(kind != 4)).then(pl.all()))
            .to_series(),
            "date": _dates(day),
            "kind": pl.Series(np.asarray(EVENT_KINDS)[kind]),
            "value": value.to_frame().select(pl.when(pl.Series(~empty)).then(pl.all())).to_series(),
        }
    )


def _adjustments(rng: np.random.Generator, staff: _Staff) -> pl.DataFrame:
    chosen = np.sort(rng.choice(len(staff.rep), size=_some(len(staff.rep), 0.01), replace=False))
    sign = np.where(rng.random(len(chosen)) < 0.6, 1, -1)
    cents = sign * rng.integers(5_000, 200_001, len(chosen))
    reasons = np.array([ADJUSTMENT_REASONS[1], ADJUSTMENT_REASONS[-1]])
    reason = reasons[(sign < 0).astype(np.int64), rng.integers(0, 3, len(chosen))]
    return pl.DataFrame(
        {
            "rep_id": _rep_ids(staff, staff.rep[chosen]),
            "period": _months(staff, staff.month[chosen]),
            "amount": _money(cents),
            "reason": pl.Series(reason),
        }
    )
