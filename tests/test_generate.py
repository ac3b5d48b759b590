"""The synthetic data generator: valid for every plan, reproducible, and rich in features."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from compengine.cli import app
from compengine.errors import ExportError
from compengine.generate import BEHAVIOURS, TABLE_ORDER, generate
from compengine.plan.load import load_plan
from tests.conftest import PLANS

ALL_PLANS = sorted(PLANS.glob("*.yaml"))
SIZE = ["--reps", "60", "--months", "5", "--start", "2027-02"]


def _generate(out: Path, seed: int, plan: Path = PLANS / "relationship-first.yaml") -> None:
    result = CliRunner().invoke(
        app, ["generate", str(out), *SIZE, "--seed", str(seed), "--plan", str(plan)]
    )
    assert result.exit_code == 0, result.output


def _read(folder: Path, table: str) -> pl.DataFrame:
    return pl.read_csv(folder / f"{table}.csv", infer_schema=False)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    _generate(out, seed=11)
    return out


@pytest.mark.parametrize("plan", ALL_PLANS, ids=lambda p: p.stem)
def test_it_should_generate_data_that_every_plan_validates(plan: Path, tmp_path: Path) -> None:
    _generate(tmp_path, seed=3, plan=plan)
    result = CliRunner().invoke(app, ["validate", str(plan), "--data", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "valid;" in result.output


def test_it_should_grade_the_relationship_first_behaviours_without_a_plan(
    data: Path, tmp_path: Path
) -> None:
    """The package holds them: installed anywhere, generate needs no plans folder."""
    result = CliRunner().invoke(app, ["generate", str(tmp_path), *SIZE, "--seed", "11"])
    assert result.exit_code == 0, result.output
    for table in TABLE_ORDER:
        assert (tmp_path / f"{table}.csv").read_bytes() == (data / f"{table}.csv").read_bytes()
    plan = load_plan(PLANS / "relationship-first.yaml").plan
    assert plan.report_card is not None
    assert tuple(plan.report_card.behaviours) == BEHAVIOURS


def test_it_should_write_the_same_bytes_for_the_same_seed(data: Path, tmp_path: Path) -> None:
    _generate(tmp_path, seed=11)
    for table in TABLE_ORDER:
        name = f"{table}.csv"
        assert (tmp_path / name).read_bytes() == (data / name).read_bytes(), name


def test_it_should_write_different_data_for_another_seed(data: Path, tmp_path: Path) -> None:
    _generate(tmp_path, seed=12)
    for table in ("reps", "transactions", "grades", "feedback", "incidents", "events"):
        name = f"{table}.csv"
        assert (tmp_path / name).read_bytes() != (data / name).read_bytes(), name


def test_it_should_write_rows_into_every_table(data: Path) -> None:
    for table in TABLE_ORDER:
        assert _read(data, table).height > 0, table


def test_it_should_report_the_row_count_of_every_table(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", str(tmp_path), "--reps", "3", "--months", "1"])
    assert result.exit_code == 0, result.output
    reps = _read(tmp_path, "reps")
    assert reps.height == 3
    assert "reps 3," in result.output


def test_it_should_have_managers_joiners_and_leavers_inside_the_run(data: Path) -> None:
    reps = _read(data, "reps")
    ids = set(reps["rep_id"])
    managers = set(reps["manager_id"].drop_nulls())
    assert managers
    assert managers <= ids
    assert reps["manager_id"].null_count() >= 1  # someone leads the company
    first, last = pl.lit("2027-02-01"), pl.lit("2027-06-30")
    joined = reps.filter(pl.col("hire_date").is_between(first, last))
    left = reps.filter(pl.col("termination_date").is_between(first, last))
    assert joined.height > 0
    assert left.height > 0
    assert reps.filter(pl.col("termination_date") < pl.col("hire_date")).height == 0


def test_it_should_give_a_positive_quota_for_every_month_a_rep_works(data: Path) -> None:
    quotas = _read(data, "quotas")
    assert quotas.filter(pl.col("quota").cast(pl.Int64) <= 0).height == 0
    assert set(quotas["period"]) == {"2027-02", "2027-03", "2027-04", "2027-05", "2027-06"}
    assert quotas.select(pl.struct("rep_id", "period").is_unique().all()).item()


def test_it_should_split_some_deals_across_two_or_three_reps_adding_up_to_one(
    data: Path,
) -> None:
    txns = _read(data, "transactions")
    per_txn = txns.group_by("txn_id").agg(
        pl.len().alias("reps"),
        pl.col("split"),
        pl.col("date").n_unique().alias("dates"),
        pl.col("amount").n_unique().alias("amounts"),
        pl.col("rep_id").n_unique().alias("distinct_reps"),
    )
    assert set(per_txn["reps"]) == {1, 2, 3}
    assert (per_txn["dates"] == 1).all()
    assert (per_txn["amounts"] == 1).all()
    assert (per_txn["distinct_reps"] == per_txn["reps"]).all()
    for splits in per_txn.filter(pl.col("reps") > 1)["split"]:
        assert sum(Decimal(s) for s in splits) == 1


def test_it_should_have_returns_and_both_deal_types(data: Path) -> None:
    txns = _read(data, "transactions")
    assert txns.filter(pl.col("amount").str.starts_with("-")).height > 0
    assert {"new", "existing", None} <= set(txns["deal_type"])


def test_it_should_grade_sparsely_with_comments_and_never_twice(data: Path) -> None:
    grades = _read(data, "grades")
    keys = ["rep_id", "account_id", "period", "behaviour"]
    assert grades.select(pl.struct(keys).is_unique().all()).item()
    assert set(grades["grade"]) == {"A", "B", "D"}
    assert 0 < grades["comment"].drop_nulls().len() < grades.height
    reps_graded = grades.select("rep_id", "period").unique().height
    assert reps_graded < _read(data, "quotas").height  # some months have no grades


def test_it_should_have_late_and_unresolved_feedback_from_several_sources(data: Path) -> None:
    feedback = _read(data, "feedback").with_columns(pl.col("opened", "resolved").str.to_date())
    days = (pl.col("resolved") - pl.col("opened")).dt.total_days()
    assert feedback.filter(days <= 10).height > 0
    assert feedback.filter(days > 10).height > 0
    assert feedback["resolved"].null_count() > 0
    assert {"customer", "prospect"} <= set(feedback["source"])


def test_it_should_grade_resolved_incidents_and_leave_some_late_or_open(data: Path) -> None:
    incidents = _read(data, "incidents").with_columns(pl.col("opened", "resolved").str.to_date())
    resolved = incidents.filter(pl.col("resolved").is_not_null())
    assert resolved["recovery_grade"].null_count() == 0
    assert incidents.filter(pl.col("resolved").is_null()).height > 0
    assert resolved.filter((pl.col("resolved") - pl.col("opened")).dt.total_days() > 5).height
    assert set(resolved["recovery_grade"]) == {"A", "B", "D"}


def test_it_should_have_several_kinds_of_events_with_optional_values(data: Path) -> None:
    events = _read(data, "events")
    assert events["kind"].n_unique() >= 4
    assert 0 < events["value"].null_count() < events.height


def test_it_should_refuse_a_start_that_is_not_a_month(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", str(tmp_path), "--start", "2027-13"])
    assert result.exit_code == 2  # a mistake in the command line
    assert "--start '2027-13' is not a month. Hint: write YYYY-MM" in result.output
    assert not (tmp_path / "reps.csv").exists()


def test_it_should_leave_no_table_behind_when_one_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_csv = pl.DataFrame.write_csv
    calls = []

    def failing(frame: pl.DataFrame, file: Path) -> None:
        calls.append(file)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        write_csv(frame, file)

    monkeypatch.setattr(pl.DataFrame, "write_csv", failing)
    with pytest.raises(ExportError, match="No space left"):
        generate(tmp_path / "out", reps=5, months=2, seed=1, behaviours=[], start="2027-01")
    assert len(calls) == 4
    assert list((tmp_path / "out").iterdir()) == []


def test_it_should_widen_the_months_to_whole_quarters_for_a_quarterly_plan(
    tmp_path: Path,
) -> None:
    """February to June, for a quarterly plan, is written as January to June: 2027-Q1's quota
    sums every month of it, January too."""
    _generate(tmp_path, seed=3, plan=PLANS / "account-manager-quarterly.yaml")
    months = _read(tmp_path, "quotas")["period"].unique().sort().to_list()
    assert months == ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06"]


def test_it_should_refuse_a_negative_seed_as_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", str(tmp_path / "d"), "--seed=-5"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--seed'" in result.output
    assert not (tmp_path / "d").exists()
