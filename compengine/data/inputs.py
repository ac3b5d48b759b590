"""Load a data folder against a plan: read, parse, check every rule, build the rows.

:func:`load_inputs` is the only entry point. It either returns :class:`Inputs`, every table
typed and cut to the run's periods, or raises one :class:`InputDataError` listing every
problem of the whole folder.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import polars as pl

from compengine.data import periods, read, rules
from compengine.data.early import FORMATS
from compengine.data.parse import MONTH_FLAG, parse_table
from compengine.data.periods import PER_YEAR
from compengine.data.problems import PER_RULE, Problems
from compengine.data.reading import Parsed, Reading
from compengine.data.schema import PERIOD_COLUMN, TABLES
from compengine.errors import Reason
from compengine.plan.models import Plan

PERIOD = "period"  # the period index column of every typed, dated table
NAME_LIKENESS = 0.8  # difflib's ratio from which a file name reads as a table's, misspelt
_TABLE_KINDS = (".csv", ".xlsx", ".parquet", ".xls", ".tsv", ".txt")  # files a table may be in


@dataclass(frozen=True)
class Inputs:
    """Validated input tables and the rows (rep, period) a run calculates."""

    tables: dict[str, pl.DataFrame]  # typed, with PERIOD, only rows inside the range
    scales: dict[str, dict[str, int]]  # table -> number column -> scale
    files: dict[str, read.RawTable]
    first: int
    last: int
    ignored: dict[str, int]
    # rep_id, PERIOD, employed_days, days_in_period, target_incentive; in (rep_id, PERIOD)
    # order, which the calculation keeps (see calculation_rows)
    rows: pl.DataFrame
    quotas: pl.DataFrame | None = None  # rep_id, PERIOD, quota (at scales["quotas"]["quota"])
    granularity: periods.Granularity = "month"
    # What the data holds that is allowed but may not be meant (said, and the run goes on)
    warnings: list[str] = field(default_factory=list)


def load_inputs(
    data: Path | Reading,
    plan: Plan,
    period_from: str | None = None,
    period_to: str | None = None,
    streaming: bool = False,
) -> Inputs:
    """Read and validate the data folder ``data`` for ``plan`` over the given (or the
    data's) periods; ``data`` may be the folder's
    :class:`~compengine.data.reading.Reading`, already under way.

    ``streaming`` scans CSV and Parquet tables lazily on polars' streaming engine (see
    :mod:`compengine.data.read`; a Reading brings its own); the typed tables are held in
    memory all the same, since the rules check them whole.

    Raises:
        InputDataError: every problem of the folder, at most 20 lines per rule.
    """
    if isinstance(data, Reading):
        return _checked(data, plan, period_from, period_to)
    with Reading(data, streaming) as reading:
        return _checked(reading, plan, period_from, period_to)


def _named_like(name: str, table: str) -> bool:
    """Whether a folder entry's name (in lower case) reads as ``table``'s: it starts with
    the table's name (``events (1).csv``, ``Events.csv``, a folder ``events.csv``), or it is
    a file of a table's kind (``.csv``, ``.xlsx``, ``.parquet``, ``.xls``, ``.tsv``,
    ``.txt``) holding the name as a word (``copy of events.csv``), or one whose name before
    its first dot is the table's misspelt or in the singular (``evnets.csv``,
    ``event.xlsx``: the same first letter, at most two letters more or fewer). Office's
    lock files (``~$events.xlsx``) are none."""
    if re.match(rf"{table}(?![a-z])", name):
        return True
    if name.startswith(("~$", "._")) or not name.endswith(_TABLE_KINDS):
        return False
    stem = name.split(".", maxsplit=1)[0].strip()
    alike = (
        stem[:1] == table[:1]
        and abs(len(stem) - len(table)) <= 2
        and difflib.SequenceMatcher(None, stem, table).ratio() >= NAME_LIKENESS
    )
    return alike or bool(re.search(rf"(?<![a-z]){table}(?![a-z])", name))


def _misnamed(folder: Path, found: dict[str, list[Path]], plan: Plan) -> Iterator[str]:
    """Entries of ``folder`` named like a table the plan reads that has no file
    (``Events.csv``, ``adjustments.CSV``, ``feedback.xls``, ``events (1).csv``,
    ``event.csv``, ``copy of events.csv``, a folder ``events.csv``): without a word, the
    table would count as absent and pay nothing."""
    absent = sorted(t for t in plan.tables_read() if not found[t])
    read = _read_names(found)
    for entry in sorted(folder.iterdir()):
        name = entry.name.strip().lower()
        table = next((t for t in absent if _named_like(name, t)), None)
        if table is None or entry.name in read:
            continue
        files = f"{table}.csv, {table}.parquet or {table}.xlsx"
        exact = name in {table + ext for ext in FORMATS}
        if exact and entry.is_symlink() and not entry.exists():
            yield (
                f"{entry.name}: a link to {os.readlink(entry)}, which is not there. "
                f"Hint: link to the {table} table's file, or put the file here."
            )
        elif entry.is_dir():
            yield (
                f"{entry.name}: a folder, not the {table} table. "
                f"Hint: the table is one file: {files}."
            )
        elif name == table + entry.suffix.lower() and entry.suffix.lower() in FORMATS:
            yield (
                f"{entry.name}: not read, file names are exact. "
                f"Hint: rename it {table}{entry.suffix.lower()}."
            )
        else:
            yield (
                f"{entry.name}: named like the {table} table, which has no file here, so not "
                f"read. Hint: name the table's file {files}, or move this one out of the folder."
            )


def _unread_copies(folder: Path, found: dict[str, list[Path]], plan: Plan) -> Iterator[str]:
    """Warnings of table files the run does not read: another file beside a table's own,
    named like it (``adjustments (1).csv``, ``copy of grades.xlsx``), and no file at all for
    a table the plan's measures read (its rows count as none)."""
    read = _read_names(found)
    others = [
        e.name
        for e in sorted(folder.iterdir())
        if e.is_file() and e.suffix.lower() in FORMATS and e.name not in read
    ]
    for other in others:
        name = other.strip().lower()
        for table in (t for t in sorted(plan.tables_read()) if len(found[t]) == 1):
            if _named_like(name, table):
                yield f"{other} is not read: the {table} table is read from {found[table][0].name}."
                break
    unread = f" Not read here: {', '.join(others)}." if others else ""
    for table in sorted(plan.tables_read() - {"reps", "adjustments", "quotas"}):
        if not found[table]:  # (missing reps or quotas are errors; adjustments often none)
            yield (
                f"{folder}: no {table}.csv, .parquet or .xlsx: the plan's measures of {table} "
                f"find no rows.{unread}"
            )


def _read_names(found: dict[str, list[Path]]) -> set[str]:
    """The names of the files the run reads its tables from."""
    return {path.name for paths in found.values() for path in paths}


def _header_like(names: list[str], columns: Sequence[str]) -> bool:
    """Whether a header names some column of the table, if only in another case or spacing
    (``Rep_ID``, ``Period ``, ``Rep ID``): then each missing column is named, with its
    likely rename."""
    written = {_normal(name) for name in names}
    return any(c in written for c in columns)


def _normal(name: str) -> str:
    """A column name as written, in the table's spelling if only case or spacing differ:
    ``Rep ID`` and ``REP-ID`` are ``rep_id``."""
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _not_a_header(raw: read.RawTable, names: list[str]) -> str:
    """The message for a file whose header names none of its table's columns: a title line
    above it, another separator, another table."""
    kind = raw.label.rsplit(".", 1)[-1]
    separator = next((s for s in (";", "\t", "|") if any(s in n for n in names)), None)
    # blank header cells as written: named "column N" by a workbook's read, and
    # "_duplicated_N" by polars when a CSV header has more than one
    cells = ["" if re.fullmatch(r"column \d+|_duplicated_\d+", n) else n for n in names]
    shown = ",".join(cells)
    shown = shown.rstrip(",") if kind == "xlsx" else shown  # a sheet's empty cells go on
    shown = repr(shown if len(shown) <= 60 else shown[:57] + "...")
    fix = {
        "csv": "the header is the first line (remove any line above it)",
        "xlsx": "the header is the first non-blank row of the workbook's first sheet",
        "parquet": "the file needs the columns",
    }[kind]
    if separator and kind == "csv":
        fix = f"its cells are separated by {separator!r}, not commas; {fix}"
    return (
        f"{raw.label}: the header reads {shown}, which names none of the {raw.table.name} "
        f"table's columns. Hint: {fix}: {', '.join(raw.table.column_names)}."
    )


def _unread(problems: Problems, path: Path, messages: list[str]) -> None:
    """Report what kept a file, or some of its rows, from being read."""
    for message in messages[:PER_RULE]:
        problems.add(Reason.UNPARSABLE, message)
    if len(messages) > PER_RULE:
        more = len(messages) - PER_RULE
        problems.add(Reason.UNPARSABLE, f"{path.name}: {more:,} more rows like these.", more)


def _checked(
    reading: Reading, plan: Plan, period_from: str | None, period_to: str | None
) -> Inputs:
    """:func:`load_inputs` of the files ``reading`` reads."""
    folder, streaming = reading.folder, reading.streaming
    problems = Problems()
    granularity: periods.Granularity = plan.period
    raws: dict[str, read.RawTable] = {}
    # tables missing, unreadable, short of a column or of rows (rows with more fields than
    # the header): the other tables are not checked against them
    broken: set[str] = set()
    if not folder.is_dir():
        what = "a file, not a data folder" if folder.is_file() else "no such data folder"
        problems.add(
            Reason.MISSING_TABLE,
            f"{folder}: {what}. "
            "Hint: give --data the folder that holds reps.csv and the other tables.",
        )
        problems.raise_if_any()
    # Each file is parsed, when its header has every column, on the reading's threads. The
    # problems are reported in table order: the files' own problems, then every table's
    # parsing problems.
    found = reading.found
    for message in _misnamed(folder, found, plan):
        problems.add(Reason.MISSING_TABLE, message)
    parsed: dict[str, Parsed] = {}
    for table in TABLES.values():
        needed = table.required or (table.name == "quotas" and plan.uses_quota())
        if len(found[table.name]) > 1:
            names = ", ".join(p.name for p in found[table.name])
            problems.add(
                Reason.DUPLICATE, f"{folder}: {names} all hold {table.name}. Hint: keep one."
            )
            broken.add(table.name)
            raws[table.name] = read.empty(table)
            continue
        if not found[table.name]:
            if needed:
                why = "" if table.required else " (the plan uses attainment or tiers)"
                problems.add(
                    Reason.MISSING_TABLE,
                    f"{folder}: no {table.name}.csv, .parquet or .xlsx{why}. "
                    f"Hint: add it with columns {', '.join(table.column_names)}.",
                )
                broken.add(table.name)
            raws[table.name] = read.empty(table)
            continue
        path = found[table.name][0]
        try:
            raws[table.name] = reading.raw(table.name)
            parsed_or_none = reading.parsed(table.name, granularity)
        except read.Unreadable as error:
            _unread(problems, path, error.messages)
            broken.add(table.name)
            raws[table.name] = read.empty(table)
            continue
        found_columns = [c for c in raws[table.name].frame.columns if c != read.ROW]
        missing = [c for c in table.column_names if c not in found_columns]
        unknown = [c for c in found_columns if c not in table.column_names]
        if not _header_like(found_columns, table.column_names):  # its rows are no rows
            problems.add(Reason.MISSING_COLUMN, _not_a_header(raws[table.name], found_columns))
            broken.add(table.name)
            raws[table.name] = read.empty(table)
            continue
        _unread(problems, path, list(raws[table.name].refused))
        if raws[table.name].refused:
            broken.add(table.name)
        for column in missing:
            close = [c for c in unknown if _normal(c) == column]
            close = close or difflib.get_close_matches(column, unknown, n=1)
            rename = f"rename column '{close[0]}' to {column}; " if close else ""
            problems.add(
                Reason.MISSING_COLUMN,
                f"{raws[table.name].label}: column {column} is missing. "
                f"Hint: {rename}the header needs {', '.join(table.column_names)}.",
            )
        if missing:
            broken.add(table.name)
            raws[table.name] = read.empty(table)
        elif parsed_or_none is not None:
            parsed[table.name] = parsed_or_none
    typed: dict[str, pl.DataFrame] = {}
    scales: dict[str, dict[str, int]] = {}
    for name, raw in raws.items():
        if name in parsed:
            typed[name], scales[name], found_problems = parsed[name]
            problems.merge(found_problems)
        else:
            typed[name], scales[name] = parse_table(raw, granularity, problems, streaming)
    if "reps" not in broken and raws["reps"].frame.is_empty():  # each other row's rep unknown
        problems.add(
            Reason.MISSING_TABLE,
            f"{raws['reps'].label}: no rows, only the header. Hint: add a row for each rep.",
        )
        broken.add("reps")
    # The row rules run on the reading's threads (on the tables as typed, every period; raws
    # and scales are not changed after this) while the run's periods and rows are worked out
    # here; their problems come after the files' and the cells', before the range's and the
    # quotas'.
    rules_found = _check_rows(reading.pool, raws, dict(typed), scales, plan, broken)
    later = Problems()

    def report() -> None:
        problems.merge(rules_found())
        problems.merge(later)
        problems.raise_if_any()

    index = {
        name: _period_index(typed[name], column, granularity)
        for name, column in PERIOD_COLUMN.items()
    }
    span = _range(later, bool(problems), index, granularity, period_from, period_to)
    if span is None:  # no usable range: the rows cannot be built; report what was found
        report()
        raise AssertionError("a run without a range has a problem")
    first, last = span
    # Quota rows with a cell refused or left empty, reported already: a quota they may hold
    # is not called missing
    unsure = typed["quotas"].filter(pl.any_horizontal(pl.col("rep_id", PERIOD, "quota").is_null()))
    ignored: dict[str, int] = {}
    for name in PERIOD_COLUMN:
        frame = typed[name].with_columns(index[name])
        if _all_between(index[name], first, last):
            inside = frame  # nothing to filter out (a filter would copy every column)
        else:
            inside = frame.filter(pl.col(PERIOD).is_between(first, last))
        ignored[name] = frame.height - inside.height
        typed[name] = inside
    rows = calculation_rows(typed, first, last, granularity, streaming)
    quotas = None
    warnings = list(_unread_copies(folder, found, plan))
    warnings += _finer_adjustments(raws["adjustments"], typed["adjustments"], scales, plan)
    options = " and ".join(
        o for o, given in (("--from", period_from), ("--to", period_to)) if not given
    )
    gap = _gap(raws, typed, granularity, options) if options else None
    if gap:
        warnings.append(gap)
    if plan.uses_quota():
        check_missing = "quotas" not in broken
        lacking = Problems()
        quotas = _quotas(lacking, warnings, raws, typed, rows, granularity, check_missing, unsure)
        if gap and any(reason == Reason.MISSING_QUOTA for reason, _ in lacking.items):
            later.add(Reason.MISSING_QUOTA, gap, 0)  # the likely cause, before what it makes
        later.merge(lacking)
    report()
    return Inputs(
        tables=typed,
        scales=scales,
        files=raws,
        first=first,
        last=last,
        ignored=ignored,
        rows=rows,
        quotas=quotas,
        granularity=granularity,
        warnings=warnings,
    )


def _check_rows(
    pool: Executor,
    raws: dict[str, read.RawTable],
    typed: dict[str, pl.DataFrame],
    scales: dict[str, dict[str, int]],
    plan: Plan,
    broken: set[str],
) -> Callable[[], Problems]:
    """Start every row rule of DATA.md on ``pool``; rep ids are checked only against a whole
    reps table, and the splits of a transaction add up only if its table is whole (none of
    its rows ``broken`` left out). Returns what waits for them and gives their problems.

    The rules run side by side, each into problems of its own, reported in the order the
    rules are listed here.
    """
    rep_ids = typed["reps"]["rep_id"].drop_nulls()
    behaviours = list(plan.report_card.behaviours) if plan.report_card else []
    checks: list[Callable[[Problems], None]] = [
        lambda found: rules.reps(found, raws["reps"], typed["reps"])
    ]
    for name in TABLES:
        if name != "reps" and "reps" not in broken:
            checks.append(partial(_known_reps, raws[name], typed[name], rep_ids))
    heavy: list[Callable[[Problems], None]] = [
        lambda found: rules.grades(found, raws["grades"], typed["grades"], behaviours),
        lambda found: rules.transactions(
            found,
            raws["transactions"],
            typed["transactions"],
            scales["transactions"]["split"],
            plan.allow_overlay_credit or "transactions" in broken,
        ),
    ]
    checks += [
        *heavy,
        lambda found: rules.resolved_after_opened(found, raws["feedback"], typed["feedback"]),
        lambda found: rules.incidents(found, raws["incidents"], typed["incidents"]),
        lambda found: rules.quotas(found, raws["quotas"], typed["quotas"]),
    ]
    for name, key in (
        ("feedback", "feedback_id"),
        ("incidents", "incident_id"),
        ("events", "event_id"),
    ):
        checks.append(partial(_unique, raws[name], key))
    started = {id(check): pool.submit(_run, check) for check in heavy}  # the longest first
    started |= {id(c): pool.submit(_run, c) for c in checks if id(c) not in started}

    def found() -> Problems:
        problems = Problems()
        for check in checks:
            problems.merge(started[id(check)].result())
        return problems

    return found


def _run(check: Callable[[Problems], None]) -> Problems:
    """The problems one check finds."""
    found = Problems()
    check(found)
    return found


def _known_reps(
    raw: read.RawTable, typed: pl.DataFrame, rep_ids: pl.Series, found: Problems
) -> None:
    """:func:`rules.known_reps` with the problems last, for :func:`functools.partial`."""
    rules.known_reps(found, raw, typed, rep_ids)


def _unique(raw: read.RawTable, key: str, found: Problems) -> None:
    """Each ``key`` of a table is unique."""
    rules.duplicates(found, raw, [key], Reason.DUPLICATE, f"each {key} is unique.")


def _period_index(frame: pl.DataFrame, column: str, granularity: periods.Granularity) -> pl.Series:
    """The period index of each row: its period column, or the period of its date."""
    if column == PERIOD:
        return frame[PERIOD]
    return frame.select(periods.of_date(pl.col(column), granularity).alias(PERIOD)).to_series()


def _all_between(index: pl.Series, first: int, last: int) -> bool:
    """Whether every period of ``index`` lies in ``first``..``last`` (none is null)."""
    if index.null_count():
        return False
    bounds = index.to_frame().select(pl.all().min().alias("low"), pl.all().max().alias("high"))
    low, high = bounds.row(0)
    return index.is_empty() or (first <= low and high <= last)


def _range(
    problems: Problems,
    reported: bool,
    index: dict[str, pl.Series],
    granularity: periods.Granularity,
    period_from: str | None,
    period_to: str | None,
) -> tuple[int, int] | None:
    """The run's first and last period index: the options, else the data's extent.

    None (with a problem reported) when an option does not parse or the range is empty.
    ``reported``: the files or their cells have problems already, which may be why no row
    tells a period; that is then not reported on its own.
    """
    seen: list[int] = []
    for periods_of_rows in index.values():
        found = periods_of_rows.drop_nulls()
        if len(found):
            seen += [int(found.min()), int(found.max())]  # type: ignore[arg-type]
    expected = "YYYY-MM" if granularity == "month" else "YYYY-Qn"
    bounds: list[int | None] = []
    for option, text, fallback in (
        ("--from", period_from, min(seen, default=None)),
        ("--to", period_to, max(seen, default=None)),
    ):
        if text is None:
            bounds.append(fallback)
            continue
        bound = periods.parse(text, granularity)
        if bound is None:
            problems.add(
                Reason.UNPARSABLE,
                f"{option} {text!r} is not a {granularity} of this plan. Hint: write {expected}.",
            )
        bounds.append(bound)
    first, last = bounds
    if not (reported or problems) and (first is None or last is None):
        problems.add(
            Reason.MISSING_TABLE,
            "no dated input rows to tell the run's periods. Hint: give --from and --to.",
        )
    if first is not None and last is not None and first > last:
        start, end = periods.label(first, granularity), periods.label(last, granularity)
        if period_from is not None and period_to is not None:
            message = f"--from {start} is after --to {end}. Hint: swap them."
        elif period_from is not None:
            message = (
                f"--from {start} is after {end}, the last period of the data. "
                "Hint: give an earlier --from, or --to as well."
            )
        else:
            message = (
                f"--to {end} is before {start}, the first period of the data. "
                "Hint: give a later --to, or --from as well."
            )
        problems.add(Reason.INVALID_VALUE, message)
    if first is None or last is None or first > last:
        return None
    return first, last


def _finer_adjustments(
    raw: read.RawTable, adjustments: pl.DataFrame, scales: dict[str, dict[str, int]], plan: Plan
) -> list[str]:
    """A warning when adjustment rows of the run hold more decimals than the plan pays:
    each row's (rep, period) sum of them is rounded to ``decimals`` like a paid amount, so
    that ``total`` is the sum of the amounts written beside it."""
    extra = scales["adjustments"]["amount"] - plan.decimals
    if extra <= 0 or adjustments.is_empty():
        return []
    finer = adjustments.filter(pl.col("amount") % pl.lit(10**extra, pl.Int128) != 0)
    if finer.is_empty():
        return []
    first = finer.sort(read.ROW).row(0, named=True)
    value = raw.frame.filter(pl.col(read.ROW) == first[read.ROW])["amount"].item()
    many = finer.height > 1
    rows = f"{finer.height:,} adjustment row{'s' * many} of the run hold{'s' * (not many)}"
    return [
        f"{raw.label}: {rows} more than the plan's {plan.decimals} decimals, "
        f"such as row {first[read.ROW]}, column amount: {value!r}. Each rep and period's "
        f"adjustments are summed, then rounded {plan.rounding} to {plan.decimals} decimals "
        "like a paid amount. Hint: write them in the plan's decimals to pay them as written."
    ]


def _gap(
    raws: dict[str, read.RawTable],
    typed: dict[str, pl.DataFrame],
    granularity: periods.Granularity,
    options: str,
) -> str | None:
    """What to say of dated rows a year or more away from the bulk of the data (a mistyped
    year, 2207-02-05, stretches a run over centuries): how many, the furthest of them, and
    the periods without any row that they add. ``options``: the bounds to suggest giving.

    The rows' periods fall into groups wherever a year passes without a row; the group with
    the most rows is the bulk, the rows of the others are named.
    """
    seen = pl.concat([typed[name][PERIOD].unique() for name in PERIOD_COLUMN]).unique().sort()
    if not (seen.drop_nulls().diff() > PER_YEAR[granularity]).any():
        return None  # (the usual case, found from each table's few periods)
    dated = pl.concat(
        [
            typed[name].select(pl.lit(name).alias("table"), read.ROW, PERIOD)
            for name in PERIOD_COLUMN
        ]
    ).drop_nulls(PERIOD)
    counts = dated.group_by(PERIOD).len().sort(PERIOD)
    apart = counts[PERIOD].diff().fill_null(0) > PER_YEAR[granularity]
    groups = (
        counts.with_columns(apart.cum_sum().alias("_group"))
        .group_by("_group")
        .agg(pl.col("len").sum(), pl.col(PERIOD).min().alias("low"), pl.col(PERIOD).max())
        .sort("len", "_group", descending=[True, False])
    )
    _, _, low, high = groups.row(0)
    far = dated.filter(~pl.col(PERIOD).is_between(low, high)).with_columns(
        pl.max_horizontal(low - pl.col(PERIOD), pl.col(PERIOD) - high).alias("_away")
    )
    table, row, _, _ = far.sort("_away", read.ROW, descending=[True, False]).row(0)
    column, raw = PERIOD_COLUMN[table], raws[table]
    value = raw.frame.filter(pl.col(read.ROW) == row)[column].item()
    first, last = int(counts[PERIOD].min()), int(counts[PERIOD].max())  # type: ignore[arg-type]
    empty = last - first + 1 - counts.height
    label = partial(periods.label, granularity=granularity)
    many = far.height > 1
    return (
        f"{far.height:,} dated row{'s' * many} lie{'s' * (not many)} a year or more from the "
        f"others ({label(low)} to {label(high)}), such as {raw.label} row {row}, column "
        f"{column}: {value!r}; the run's periods then span {label(first)} to {label(last)}, "
        f"{empty:,} of them without any input row. Hint: check those values, or give {options}."
    )


def calculation_rows(
    typed: dict[str, pl.DataFrame],
    first: int,
    last: int,
    granularity: periods.Granularity,
    streaming: bool = False,
) -> pl.DataFrame:
    """Every (rep, period) with an employed day or an input row, with proration inputs, in
    (rep_id, period) order.

    ``streaming`` runs the look-up of idle rows' input rows on polars' streaming engine.
    """
    start, end = periods.bounds(pl.col(PERIOD), granularity)
    # Reps sorted once (a repeated rep_id, reported already, counts once), then every period
    # of each: the grid is in (rep_id, period) order, and filtering it keeps that order, so
    # the 1.1M rows of 100,000 reps x 12 need no sort of their own.
    reps = (
        typed["reps"]
        .filter(pl.col("hire_date").is_not_null())  # a bad hire_date is reported already
        .select("rep_id", "hire_date", "termination_date", "target_incentive")
        .unique("rep_id", keep="first", maintain_order=True)
        .sort("rep_id")
    )
    # A period's first and last day and its length are worked out once per period, not per row.
    spans = pl.DataFrame({PERIOD: range(first, last + 1)}).with_columns(_start=start, _end=end)
    spans = spans.with_columns(
        days_in_period=(pl.col("_end") - pl.col("_start")).dt.total_days() + 1
    )
    grid = reps.join(spans, how="cross", maintain_order="left_right")
    employed_from = pl.max_horizontal("_start", "hire_date")
    employed_to = pl.min_horizontal("_end", pl.col("termination_date").fill_null(pl.col("_end")))
    grid = grid.with_columns(
        employed_days=pl.max_horizontal((employed_to - employed_from).dt.total_days() + 1, 0),
    )
    # A (rep, period) without an employed day is kept when some table has a row for it:
    # only those few keys are looked up in the tables.
    keys = ["rep_id", PERIOD]
    idle = grid.filter(pl.col("employed_days") <= 0).select(keys).lazy()
    active = pl.concat(
        [typed[name].lazy().select(keys).join(idle, on=keys, how="semi") for name in PERIOD_COLUMN]
    ).collect(engine="streaming" if streaming else "auto")
    kept = pl.col("employed_days") > 0
    if not active.is_empty():
        kept = kept | pl.struct(keys).is_in(active.select(pl.struct(keys)).to_series().implode())
    return grid.filter(kept).select(
        "rep_id", PERIOD, "employed_days", "days_in_period", "target_incentive"
    )


def _quotas(
    problems: Problems,
    warnings: list[str],
    raws: dict[str, read.RawTable],
    typed: dict[str, pl.DataFrame],
    rows: pl.DataFrame,
    granularity: periods.Granularity,
    check_missing: bool,
    unsure: pl.DataFrame,
) -> pl.DataFrame:
    """One quota per row: the period's own row, or in a quarterly plan the months' sum.

    ``check_missing`` is False when the quotas table itself is missing or unreadable (that
    problem is reported once instead of once per row). ``unsure`` holds the quota rows with
    a cell refused, which may be the quotas found missing (see :func:`_unaccounted`).
    """
    raw = raws["quotas"]
    quotas = typed["quotas"].drop_nulls(["rep_id", "period", "quota"])
    flag = "period" + MONTH_FLAG
    # Only a table holding both quarter and month rows can give both for one quarter.
    if granularity == "quarter" and quotas[flag].n_unique() > 1:
        both = quotas.with_columns(
            _kinds=pl.col(flag).n_unique().over("rep_id", "period"),
            _q=pl.col(flag).not_(),
        ).filter((pl.col("_kinds") > 1) & pl.col("_q"))
        problems.rows(
            Reason.DUPLICATE,
            raw,
            both,
            "period",
            lambda r: (
                f"{r['rep_id']!r} has a quarter row and month rows for "
                f"{periods.label(r['period'], granularity)}. Hint: give the quarter or its months."
            ),
        )
    joined = quota_of_rows(quotas, rows, granularity)
    # A rep without an id is reported as such, not as one whose quota is missing.
    needed = joined.filter(pl.col("rep_id").is_not_null())
    missing = needed.filter(pl.col("quota").is_null()) if check_missing else joined.clear()
    missing = _unaccounted(missing, unsure)
    for row in missing.head(PER_RULE).iter_rows(named=True):
        label = periods.label(row[PERIOD], granularity)
        problems.add(Reason.MISSING_QUOTA, missing_quota(raw.label, row["rep_id"], label))
    if missing.height > PER_RULE:
        more = missing.height - PER_RULE
        problems.add(
            Reason.MISSING_QUOTA, f"{raw.label}: {more:,} more quotas missing, column quota.", more
        )
    if granularity == "quarter":
        months = _missing_months(raw, quotas, typed["reps"], joined.filter(pl.col("_months_short")))
        for rep, month in months.head(PER_RULE).iter_rows():
            label, quarter = periods.label(month, "month"), periods.label(month // 3, "quarter")
            warnings.append(
                f"{raw.label}: {quarter}'s quota of rep {rep!r} sums its months' rows, and "
                f"there is none for {label}, a month the rep is employed in. Hint: if the "
                f"quarter's quota is too low, add a row {rep},{label},<quota>."
            )
        if months.height > PER_RULE:
            warnings.append(
                f"{raw.label}: {months.height - PER_RULE:,} more months like these, without a "
                "row in a quarter whose quota sums its months."
            )
    return joined.drop("_months_short")


def _unaccounted(missing: pl.DataFrame, unsure: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``missing`` (rep_id, PERIOD) that no quota row with a cell refused
    (``unsure``, reported already) may be meant to give: the fix would then be the cell,
    not a row added.

    A row naming the rep and the period gives that one. A row naming only the rep (its
    period refused) may give any of the rep's, and one naming only the period (its rep_id
    empty) any rep's in that period. A quota that rows of both kinds may give is not said
    missing; of the others, a rep's (or a period's) are said missing when they outnumber
    the rows that may give them, one at least being missing whatever those rows meant.
    """
    keys = ["rep_id", PERIOD]
    missing = missing.join(
        unsure.drop_nulls(keys).select(keys), on=keys, how="anti", maintain_order="left"
    )
    of_rep = unsure.filter(pl.col(PERIOD).is_null()).drop_nulls("rep_id").group_by("rep_id")
    of_period = unsure.filter(pl.col("rep_id").is_null()).drop_nulls(PERIOD).group_by(PERIOD)
    by_rep, by_period = pl.col("_by_rep").fill_null(0), pl.col("_by_period").fill_null(0)
    return (
        missing.join(of_rep.len("_by_rep"), on="rep_id", how="left", maintain_order="left")
        .join(of_period.len("_by_period"), on=PERIOD, how="left", maintain_order="left")
        .filter(
            ((by_rep == 0) | (by_period == 0))
            & ((by_rep == 0) | ((by_period == 0).sum().over("rep_id") > by_rep))
            & ((by_period == 0) | ((by_rep == 0).sum().over(PERIOD) > by_period))
        )
        .drop("_by_rep", "_by_period")
    )


def missing_quota(file: str, rep_id: str, period: str, why: str = "") -> str:
    """The message for a row (rep, period) without the quota the plan needs; ``why`` says
    what gives the rep that row, when the data alone does not."""
    return (
        f"{file}, column quota: rep {rep_id!r} has no quota for {period}, which the plan "
        f"needs{why}. Hint: add a row {rep_id},{period},<quota>."
    )


def quota_of_rows(
    quotas: pl.DataFrame, rows: pl.DataFrame, granularity: periods.Granularity
) -> pl.DataFrame:
    """rep_id, PERIOD, quota, _months_short: the quota of each of ``rows`` (null where there is
    none), the sum of its rows in ``quotas`` (one, or in a quarterly plan the months'), and
    whether it sums month rows only and fewer than a quarter's three: in a quarterly plan, a
    month may then lack its row (repeated rows are refused, so three are the three months).

    In a monthly plan a period has one row, the row is its quota: nothing is summed.
    """
    if granularity == "month":
        summed = quotas.select("rep_id", PERIOD, "quota", _months_short=pl.lit(False))
    else:
        summed = quotas.group_by("rep_id", PERIOD).agg(
            pl.col("quota").sum(),
            (pl.col(PERIOD + MONTH_FLAG).all() & (pl.len() < 3)).alias("_months_short"),
        )
    return rows.select("rep_id", PERIOD).join(
        summed, on=["rep_id", PERIOD], how="left", maintain_order="left"
    )


def _missing_months(
    raw: read.RawTable, quotas: pl.DataFrame, reps: pl.DataFrame, summed: pl.DataFrame
) -> pl.DataFrame:
    """rep_id, month: the months of the quarters in ``summed`` (whose quota is the sum of
    fewer than three month rows) in which the rep is employed at least a day and that have
    no quota row.

    DATA.md sums the monthly quotas a quarter has, so such a quarter is paid on the months
    given; but a month forgotten makes the quota too low and the attainment too high, so it
    is said. A month before the hire or after the leave is not.
    """
    text = raw.frame.select(read.ROW, pl.col("period").alias("_text"))
    given = (
        quotas.filter(pl.col("period" + MONTH_FLAG))
        .join(summed, on=["rep_id", PERIOD], how="semi")
        .join(text, on=read.ROW)
        .select("rep_id", month=periods.month_of_text(pl.col("_text")))
    )
    start, end = periods.bounds(pl.col("month"), "month")
    hire, leave = pl.col("hire_date"), pl.col("termination_date")
    return (
        summed.select("rep_id", month=pl.int_ranges(pl.col(PERIOD) * 3, pl.col(PERIOD) * 3 + 3))
        .explode("month")
        .join(reps.select("rep_id", "hire_date", "termination_date"), on="rep_id", how="left")
        .filter((hire <= end) & (leave.is_null() | (leave >= start)))
        .join(given, on=["rep_id", "month"], how="anti")
        .select("rep_id", "month")
        .sort("rep_id", "month")
    )
