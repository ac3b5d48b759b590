"""Synthetic data: realistic, valid tables for every input of DATA.md, from a seed.

Everything is drawn with numpy in whole arrays (no loop over reps, months or rows), amounts
as integer cents, then written as CSV text by polars. The same seed, sizes and numpy version
give the same bytes. Each table draws from its own child stream of the seed, so changing how
one table is drawn leaves the others as they were. :mod:`.people` draws the reps, their
employment and quotas; :mod:`.activity` the dated rows of the other tables.

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
from pathlib import Path

import numpy as np

from compengine.errors import CompengineError, Reason
from compengine.generate.activity import (
    adjustments,
    events,
    feedback,
    grades,
    incidents,
    transactions,
)
from compengine.generate.people import draw_staff, quotas
from compengine.outputs import staged

TABLE_ORDER = (
    "reps", "quotas", "transactions", "grades", "feedback", "incidents", "events", "adjustments",
)  # fmt: skip


# The behaviours graded without --plan: those of plans/relationship-first.yaml, in its order
BEHAVIOURS = (
    "listens_actively",
    "returns_calls_promptly",
    "keeps_promises",
    "speaks_plainly",
    "solves_my_problems",
    "owns_service_recovery",
)


def month_index(text: str) -> int | None:
    """The month ``YYYY-MM`` as year * 12 + month - 1; None for other text."""
    found = re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", text)
    return None if found is None else int(found[1]) * 12 + int(found[2]) - 1


def generate(
    out: Path,
    *,
    reps: int,
    months: int,
    seed: int,
    behaviours: list[str],
    start: str,
    whole_quarters: bool = False,
) -> dict[str, int]:
    """Write one CSV per table into ``out``; return the row count of each.

    Args:
        out: Folder to write into (created if needed; existing table files are replaced).
        reps: Number of reps.
        months: Number of months, starting at ``start``.
        seed: Seed of every random draw.
        behaviours: Report-card behaviours the grades use (none: an empty grades table).
        start: First month, ``YYYY-MM``.
        whole_quarters: Widen the months to whole quarters (for a quarterly plan, whose
            quarter's quota sums every month of it the rep is employed in).

    Raises:
        CompengineError: ``start`` is not a month or the sizes are not positive.
        ExportError: ``out`` cannot be written; no table of this call is left in it.
    """
    first_month = month_index(start)
    if first_month is None or reps < 1 or months < 1:
        raise CompengineError(
            f"cannot generate {reps} reps x {months} months from {start!r}. "
            "Hint: --start is a month like 2027-01, --reps and --months are 1 or more.",
            Reason.INVALID_VALUE,
        )
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(7)]
    if whole_quarters:
        months += first_month % 3
        first_month -= first_month % 3
        months += -months % 3
    staff, reps_frame = draw_staff(streams[0], reps, months, first_month)
    frames = {
        "reps": reps_frame,
        "quotas": quotas(staff),
        "transactions": transactions(streams[1], staff),
        "grades": grades(streams[2], staff, behaviours),
        "feedback": feedback(streams[3], staff),
        "incidents": incidents(streams[4], staff),
        "events": events(streams[5], staff),
        "adjustments": adjustments(streams[6], staff),
    }
    with staged(out) as staging:  # every table, or none if one cannot be written
        for name in TABLE_ORDER:
            frames[name].write_csv(staging / f"{name}.csv")
    return {name: frames[name].height for name in TABLE_ORDER}
