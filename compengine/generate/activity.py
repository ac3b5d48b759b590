"""Synthetic dated rows: transactions (split deals too), grades, feedback, incidents,
relationship events and adjustments, drawn for the employed (rep, month) entries of a
:class:`~compengine.generate.people.Staff`."""

from __future__ import annotations

import numpy as np
import polars as pl

from compengine.generate.people import (
    Staff,
    accounts,
    dates,
    id_width,
    money,
    months,
    numbered,
    optional_dates,
    pick,
    rep_ids,
    season,
    some,
)

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


def _draw(
    rng: np.random.Generator, staff: Staff, per_month: np.ndarray
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


def transactions(rng: np.random.Generator, staff: Staff) -> pl.DataFrame:
    """Deals of each employed (rep, month), split deals as one row per rep."""
    entry, day = _draw(rng, staff, staff.activity[staff.rep])
    order = _chronological(day, staff.rep[entry])
    entry, day = entry[order], day[order]
    rep, month = staff.rep[entry], staff.month[entry]
    count = len(entry)
    # Attainment spreads around the rep's performance; a month's amounts share its luck.
    luck = rng.lognormal(0.0, 0.35, len(staff.rep))[entry]
    mean = staff.base_quota[rep] * season(staff, month) * staff.performance[rep] * luck
    mean = mean / staff.activity[rep]
    cents = np.maximum(np.round(mean * rng.lognormal(-0.245, 0.7, count)), 100).astype(np.int64)
    returned = rng.random(count) < 0.03
    cents[returned] = -np.maximum(
        np.round(cents[returned] * rng.uniform(0.05, 0.6, returned.sum())), 100
    )
    deal_type = pick(rng, ("existing", "new", ""), (0.6, 0.35, 0.05), count)
    account = accounts(staff, rep, rng.integers(0, 1 << 30, count))
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
            "txn_id": "T" + pl.Series(deal + 1).cast(pl.String).str.zfill(id_width(count, 7)),
            "rep_id": rep_ids(staff, credited),
            "account_id": account.gather(deal),
            "date": dates(day[deal]),
            "amount": money(cents[deal]),
            "deal_type": deal_type.gather(deal).replace("", None),
        }
    ).with_columns(split=split)


def _credit(
    rng: np.random.Generator, staff: Staff, rep: np.ndarray, month: np.ndarray
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


def grades(rng: np.random.Generator, staff: Staff, behaviours: list[str]) -> pl.DataFrame:
    """Report-card grades of each rep by their accounts (empty without behaviours)."""
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
            "rep_id": rep_ids(staff, rep),
            "account_id": accounts(staff, rep, offset),
            "period": months(staff, staff.month[entry]),
            "behaviour": pl.Series(np.asarray(behaviours)[behaviour]),
            "grade": pl.Series(np.array(["A", "B", "D"])[grade]),
            "comment": pl.Series(np.where(said, comments, "")).replace("", None),
        }
    )


def _resolved(
    rng: np.random.Generator,
    staff: Staff,
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


def feedback(rng: np.random.Generator, staff: Staff) -> pl.DataFrame:
    """Customer and prospect feedback, resolved on time, late or not yet."""
    entry, day = _draw(rng, staff, np.full(len(staff.rep), 0.8))
    order = _chronological(day, staff.rep[entry])
    entry, day = entry[order], day[order]
    rep, count = staff.rep[entry], len(entry)
    source = pick(rng, ("customer", "prospect", ""), (0.6, 0.3, 0.1), count)
    # Prospects are not accounts yet; unlabelled items name an account half the time.
    named = (source == "customer") | ((source == "") & pl.Series(rng.random(count) < 0.5))
    account = accounts(staff, rep, rng.integers(0, 1 << 30, count))
    return pl.DataFrame(
        {
            "feedback_id": numbered("F", count),
            "rep_id": rep_ids(staff, rep),
            "account_id": account.to_frame().select(pl.when(named).then(pl.all())).to_series(),
            "source": source.replace("", None),
            "opened": dates(day),
            "resolved": optional_dates(_resolved(rng, staff, day, (0.72, 0.14, 0.14), 10)),
        }
    )


def incidents(rng: np.random.Generator, staff: Staff) -> pl.DataFrame:
    """Service incidents, resolved or not, with the recovery grade of each resolved one."""
    entry, day = _draw(rng, staff, np.full(len(staff.rep), 0.3))
    order = _chronological(day, staff.rep[entry])
    entry, day = entry[order], day[order]
    rep, count = staff.rep[entry], len(entry)
    resolved = _resolved(rng, staff, day, (0.7, 0.15, 0.15), 5)
    # Customers of reps they like grade the recovery better.
    u = rng.random(count)
    liked = staff.relationship[rep]
    grade = np.where(u < 0.65 * liked, "A", np.where(u < 1 - 0.25 * (1 - liked), "B", "D"))
    account = accounts(staff, rep, rng.integers(0, 1 << 30, count))
    return pl.DataFrame(
        {
            "incident_id": numbered("I", count),
            "rep_id": rep_ids(staff, rep),
            "account_id": account.to_frame()
            .select(pl.when(pl.Series(rng.random(count) < 0.9)).then(pl.all()))
            .to_series(),
            "opened": dates(day),
            "resolved": optional_dates(resolved),
            "recovery_grade": pl.Series(np.where(resolved >= 0, grade, "")).replace("", None),
        }
    )


def events(rng: np.random.Generator, staff: Staff) -> pl.DataFrame:
    """Relationship events (referrals, testimonials, ...), more for well-liked reps."""
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
    account = accounts(staff, rep, rng.integers(0, 1 << 30, count))
    return pl.DataFrame(
        {
            "event_id": numbered("E", count),
            "rep_id": rep_ids(staff, rep),
            "account_id": account.to_frame()
            .select(pl.when(pl.Series(kind != 4)).then(pl.all()))
            .to_series(),
            "date": dates(day),
            "kind": pl.Series(np.asarray(EVENT_KINDS)[kind]),
            "value": value.to_frame().select(pl.when(pl.Series(~empty)).then(pl.all())).to_series(),
        }
    )


def adjustments(rng: np.random.Generator, staff: Staff) -> pl.DataFrame:
    """A few manual adjustments: SPIFFs and corrections, clawbacks and recoveries."""
    chosen = np.sort(rng.choice(len(staff.rep), size=some(len(staff.rep), 0.01), replace=False))
    sign = np.where(rng.random(len(chosen)) < 0.6, 1, -1)
    cents = sign * rng.integers(5_000, 200_001, len(chosen))
    reasons = np.array([ADJUSTMENT_REASONS[1], ADJUSTMENT_REASONS[-1]])
    reason = reasons[(sign < 0).astype(np.int64), rng.integers(0, 3, len(chosen))]
    return pl.DataFrame(
        {
            "rep_id": rep_ids(staff, staff.rep[chosen]),
            "period": months(staff, staff.month[chosen]),
            "amount": money(cents),
            "reason": pl.Series(reason),
        }
    )
