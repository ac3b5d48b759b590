"""``compengine explain`` traces one row of a finished run, number by number.

The row is rep R00000 in 2027-01 of the spec's small example under relationship-first; every
number below is worked out by hand from the example's input rows and the plan.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from compengine.audit.explain import trace
from compengine.audit.rerun import reopen
from compengine.cli import app
from compengine.data.periods import label
from compengine.errors import ExportError, InputDataError, PlanError, Reason
from tests.audit.helpers import calculate_run, finished_run, run_with_workbook
from tests.conftest import EXAMPLES, PLANS
from tests.strategies import DataCase, cases


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run of relationship-first on a copy of the small example's data."""
    return finished_run(tmp_path_factory.mktemp("explain"))


def _explain(out: Path, rep: str, period: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(
        app, ["explain", "--out", str(out), "--rep", rep, "--period", period]
    )
    return result.exit_code, [line.strip() for line in result.output.splitlines()]


def test_it_should_trace_a_hand_worked_row_number_by_number(finished: Path) -> None:
    code, lines = _explain(finished / "out", "R00000", "2027-01")
    assert code == 0, "\n".join(lines)
    expected = [
        # 41999.99 x 31 / (12 x 31) = 3499.99916..., to the cent half-even: 3500.00
        "target incentive 41999.99 x employed days 31 / (12 x 31 days in the period) = "
        "3499.9991666667... -> 3500.00 (half_even, 2 places)",
        # T0000001 10000 x 1 + T0000108 2728.15 x 0.4 (1091.26)
        "revenue = sum of amount x split over the transactions rows = 11091.26",
        "existing_revenue = sum of amount x split over the transactions rows where deal_type "
        "in existing = 1091.26",
        "attainment = revenue 11091.26 / quota 10000 = 1.109126 -> 1.109126 (half-even, 6 places)",
        # A0216: A owns 2x100, B solves 2x75, B listens 2x75, B keeps 2x75, A speaks 1x100,
        # B returns 1x75 = 825 over 10; A0069: D owns 0, D speaks 0, B returns 75 over 4.
        "relationship = grade points x weight 900 / weights 14 over 9 grade(s) = "
        "64.2857142857... -> 64.285714 (half-even, 6 places)",
        # F000001 11 days late, F000002 3 days, F000003 30 days late
        "feedback = items resolved within 10 days 1 / 3 item(s) = 0.3333333333... -> "
        "0.333333 (half-even, 6 places)",
        "recovery = recovery points within 5 days 0 / 0 item(s): fewer than 1, so default "
        "100 -> 100",
        # marginal tiers on quota 10000: 5000 at 3%, 5000 at 5%, 1091.26 at 8%
        "band 1 [-inf, 5000) (from 0 x quota 10000): 5000 x 0.03 = 150",
        "band 2 [5000, 10000) (from 0.5 x quota 10000): 5000 x 0.05 = 250",
        "band 3 [10000, inf) (from 1 x quota 10000): 1091.26 x 0.08 = 87.3008",
        "marginal tiers: 150 + 250 + 87.3008 = 487.3008",
        "modifier 1: multiplier by relationship = 64.285714, the band from 60: factor 0.9",
        "modifier 2: gate on recovery = 100 >= 25: factor 1",
        "after modifiers: 487.3008 x 0.9 x 1 = 438.57072",
        "cap = 3 x period target 3500.00 -> 10500: not reached, 438.57072",
        "paid: 438.57072 rounded half_even to 2 places = 438.57",
        "1091.26 x rate 0.01 = 10.9126",
        "paid: 10.9126 rounded half_even to 2 places = 10.91",
        # (64.285714 - 50) / 25 = 0.57142856 -> 0.571429; 3500 x 0.2 x 0.571429 = 400.0003
        "curve between points 1 (50, 0) and 2 (75, 1): 0 + (1 - 0) x (64.285714 - 50) / "
        "(75 - 50) = 0.57142856 -> 0.571429 (half-even, 6 places)",
        "period target 3500.00 x target share 0.2 x curve 0.571429 = 400.0003",
        "paid: 400.0003 rounded half_even to 2 places = 400.00",
        "curve: 0.333333 is below the first point (0.5): y = 0",
        "curve: 100 is at or past the last point (100): y = 1",
        "period target 3500.00 x target share 0.1 x curve 1 = 350",
        "adjustments: 0 row(s) summing 0 -> 0.00",
        "total = 438.57 + 10.91 + 400.00 + 0.00 + 350.00 + 0.00 = 1199.48",
    ]
    missing = [line for line in expected if line not in lines]
    assert not missing, "missing:\n" + "\n".join(missing) + "\n\ngot:\n" + "\n".join(lines)
    assert "transactions: 2 row(s) counted" in " ".join(lines)
    assert "grades: 9 row(s) counted" in " ".join(lines)
    tokens = [line.split() for line in lines]
    # the counted rows with the arithmetic of each: credited amount, points x weight, days
    assert ["126", "T0000108", "A0354", "2027-01-22", "2728.15", "existing", "0.4",
            "1091.26"] in tokens  # fmt: skip
    assert ["1", "A0216", "2027-01", "owns_service_recovery", "A", "100", "x", "2", "=",
            "200"] in tokens  # fmt: skip
    assert ["1", "F000001", "A0241", "customer", "2027-01-22", "2027-02-02", "11"] in tokens
    # the reps row behind the period target, and the quotas row behind the attainment
    assert "employed days: the period runs from 2027-01-01 to 2027-01-31, the rep from " \
        "hire_date 2026-08-14 to termination_date (empty): from 2027-01-01 to 2027-01-31 = " \
        "31 day(s)" in lines  # fmt: skip
    assert ["1", "R00000", "Rep", "0", "2026-08-14", "41999.99"] in tokens
    assert "== quotas: 1 row(s) summed" in lines
    assert ["1", "R00000", "2027-01", "10000"] in tokens


def test_it_should_say_when_the_run_has_no_such_row(finished: Path) -> None:
    code, lines = _explain(finished / "out", "NOBODY", "2027-01")
    assert code == 2
    assert "no row for rep 'NOBODY' in 2027-01" in " ".join(lines)


def _copied_run(finished: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the finished run's plan and data, run again: its folder and data folder."""
    root = tmp_path / "copy"
    data = Path(shutil.copytree(finished / "data", root / "data"))
    plan = shutil.copy(finished / "plan.yaml", root / "plan.yaml")
    run_with_workbook(Path(plan), data, root / "out")
    return root, data


def test_it_should_refuse_when_an_input_changed_since_the_run(
    finished: Path, tmp_path: Path
) -> None:
    root, data = _copied_run(finished, tmp_path)
    with (data / "events.csv").open("a") as f:
        f.write("E999999,R00000,,2027-01-05,referral,\n")
    code, lines = _explain(root / "out", "R00000", "2027-01")
    assert code == 2
    text = " ".join(lines)
    assert "events.csv: changed since run" in text


def test_it_should_name_a_changed_input_before_checking_it_again(
    finished: Path, tmp_path: Path
) -> None:
    root, data = _copied_run(finished, tmp_path)
    # a rep without quotas would break the data rules; the auditor must hear what changed
    with (data / "reps.csv").open("a") as f:
        f.write("R99999,Zed,,2027-01-01,,1000\n")
    code, lines = _explain(root / "out", "R00000", "2027-01")
    assert code == 2
    text = " ".join(lines)
    assert "reps.csv: changed since run" in text
    assert "quota" not in text
    with pytest.raises(InputDataError) as caught:
        reopen(root / "out")
    assert caught.value.reason == Reason.INPUT_CHANGED
    assert [m.split(":")[0] for m in caught.value.messages] == [str(data / "reps.csv")]
    run_id = json.loads((root / "out" / "manifest.json").read_text())["run_id"]
    sha256 = hashlib.sha256((data / "events.csv").read_bytes()).hexdigest()
    (data / "events.csv").unlink()
    with pytest.raises(InputDataError) as caught:
        reopen(root / "out")
    assert (
        f"{data / 'events.csv'}: vanished since run {run_id} (SHA-256 {sha256})."
        in caught.value.messages[1]
    )


@pytest.mark.parametrize("name", ["payouts.csv", "measures.csv"])
def test_it_should_refuse_a_run_whose_paid_files_changed_since_it_wrote_them(
    finished: Path, tmp_path: Path, name: str
) -> None:
    root, _ = _copied_run(finished, tmp_path)
    written = root / "out" / name
    lines = written.read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",9999.99"
    written.write_text("\n".join(lines) + "\n")
    code, said = _explain(root / "out", "R00000", "2027-01")
    assert code == 2
    run_id = json.loads((root / "out" / "manifest.json").read_text())["run_id"]
    assert " ".join(said).startswith(f"error {written}: changed since run {run_id} wrote it")
    assert f"Hint: compengine export {run_id} --out DIR writes them from the store." in " ".join(
        said
    )
    written.unlink()
    code, said = _explain(root / "out", "R00000", "2027-01")
    assert code == 2
    assert f"{written}: is gone since run {run_id} wrote it" in " ".join(said)


def test_it_should_explain_a_run_from_copies_of_its_plan_and_data(
    finished: Path, tmp_path: Path
) -> None:
    root, data = _copied_run(finished, tmp_path)
    moved = tmp_path / "elsewhere"
    shutil.move(data, moved / "data")
    shutil.move(root / "plan.yaml", moved / "plan.yaml")

    def from_copies(data: Path, plan: Path) -> Result:
        args = ["--out", str(root / "out"), "--rep", "R00000", "--period", "2027-01"]
        return CliRunner().invoke(app, ["explain", *args, "--data", str(data), "--plan", str(plan)])

    code, said = _explain(root / "out", "R00000", "2027-01")
    assert code == 2
    assert "the run's plan is gone" in " ".join(said)
    result = from_copies(moved / "data", moved / "plan.yaml")
    assert result.exit_code == 0, result.output
    assert "paid" in result.output
    # copies that differ are refused as the run's own files would be
    with (moved / "data" / "events.csv").open("a") as f:
        f.write("E999999,R00000,,2027-01-05,referral,\n")
    result = from_copies(moved / "data", moved / "plan.yaml")
    assert result.exit_code == 2
    assert f"{moved / 'data' / 'events.csv'}: changed since run" in result.output
    # copies mistyped are named as such, not as the run's files gone
    result = from_copies(moved / "date", moved / "plan.yml")
    assert result.exit_code == 2
    assert result.output.splitlines()[:2] == [
        f"error --data {moved / 'date'}: no such folder. Hint: give the folder of the copies.",
        f"error --plan {moved / 'plan.yml'}: no such file. Hint: give the copy of the run's plan.",
    ]


@pytest.mark.parametrize("manifest", ["{not json", "{}", "[]", '{"plan": 1}'])
def test_it_should_refuse_a_folder_whose_manifest_is_not_a_runs(
    tmp_path: Path, manifest: str
) -> None:
    (tmp_path / "manifest.json").write_text(manifest)
    result = CliRunner().invoke(
        app, ["explain", "--out", str(tmp_path), "--rep", "R00000", "--period", "2027-01"]
    )
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "manifest.json: not the manifest of a compengine run" in result.output
    with pytest.raises(ExportError) as caught:
        reopen(tmp_path)
    assert caught.value.reason == Reason.EXPORT


def test_it_should_say_how_to_write_a_period(finished: Path) -> None:
    code, lines = _explain(finished / "out", "R00000", "2027-Q1")
    assert code == 2
    assert "--period '2027-Q1' is not a month of this plan. Hint: write YYYY-MM." in " ".join(lines)


def test_it_should_show_a_flat_curve_value_rounded_as_it_is_paid(tmp_path: Path) -> None:
    # recovery_bonus's last point pays 0.9999995, which is 1 at 6 places half-even (the 6th
    # place, 9, is odd): a recovery score of 100 earns period target x 0.1 x 1.
    text = (PLANS / "relationship-first.yaml").read_text()
    flat = "[[40, 0], [40, 0.5], [100, 1.0]]"
    assert flat in text
    (tmp_path / "plan.yaml").write_text(
        text.replace(flat, "[[40, 0], [40, 0.5], [100, 0.9999995]]")
    )
    run = calculate_run(tmp_path / "plan.yaml", EXAMPLES / "small" / "data")
    manifest = {"run_id": "r", "periods": ["2027-01", "2027-03"]}
    sections = trace(replace(run, manifest=manifest), "R00000", "2027-01")
    [recovery] = [s for s in sections if s.title.startswith("recovery_bonus:")]
    assert recovery.title == "recovery_bonus: bonus on recovery = 100"
    assert recovery.lines[0] == (
        "curve: 100 is at or past the last point (100): y = 0.9999995 -> 1 (half-even, 6 places)"
    )
    # the period target is 3500.00 (see the hand-worked row above): 3500 x 0.1 x 1 = 350
    assert recovery.lines[1] == "period target 3500.00 x target share 0.1 x curve 1 = 350"


def test_it_should_list_only_the_rows_of_tables_the_plan_reads() -> None:
    # weighted-scorecard reads transactions, grades, feedback and incidents, never events;
    # R00000's events in 2027-Q1 (E000001, E000002, E000003) count for nothing
    text = (PLANS / "weighted-scorecard.yaml").read_text()
    assert "events" not in text
    run = calculate_run(PLANS / "weighted-scorecard.yaml", EXAMPLES / "small-quarterly" / "data")
    manifest = {"run_id": "r", "periods": ["2027-Q1", "2027-Q2"]}
    titles = [s.title for s in trace(replace(run, manifest=manifest), "R00000", "2027-Q1")]
    assert not [t for t in titles if t.startswith("events")]
    assert [t for t in titles if t.startswith("transactions")]


def test_it_should_show_an_empty_event_value_counted_as_1(tmp_path: Path) -> None:
    text = (PLANS / "relationship-first.yaml").read_text()
    referrals = "  referrals:        {count: events, where: {kind: [referral, testimonial]}}\n"
    assert referrals in text
    hours = "  hours: {sum: events.value}\n"
    (tmp_path / "plan.yaml").write_text(text.replace(referrals, referrals + hours))
    data = shutil.copytree(EXAMPLES / "small" / "data", tmp_path / "data")
    with (data / "events.csv").open("a") as f:  # R00000 had no events in January
        f.write("E900001,R00000,,2027-01-10,referral,\nE900002,R00000,,2027-01-11,referral,2.5\n")
    run = calculate_run(tmp_path / "plan.yaml", data)
    manifest = {"run_id": "r", "periods": ["2027-01", "2027-03"]}
    sections = trace(replace(run, manifest=manifest), "R00000", "2027-01")
    [events] = [s for s in sections if s.title.startswith("events")]
    assert events.title == "events: 2 row(s) counted"
    assert events.header[-1] == "value counted (empty: 1)"
    assert [r[-1] for r in events.rows] == ["1", "2.5"]
    lines = [line for s in sections for line in s.lines]
    # 1 (empty) + 2.5
    assert "hours = sum of value (empty: 1) over the events rows = 3.5" in lines


def test_it_should_write_a_list_of_wanted_values_in_words(finished: Path) -> None:
    code, lines = _explain(finished / "out", "R00000", "2027-01")
    assert code == 0, "\n".join(lines)
    # R00000 has no events in January
    assert "referrals = number of events rows where kind in referral or testimonial = 0" in lines


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), pick=st.integers(min_value=0))
def test_it_should_trace_any_row_of_random_plans_to_the_paid_amounts(
    case: tuple[str, object, DataCase], pick: int
) -> None:
    text, _plan, data = case
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "plan.yaml").write_text(text, encoding="utf-8")
        try:
            run = calculate_run(
                root / "plan.yaml", data.write(root / "data"), *(data.window or (None, None))
            )
        except PlanError:
            return
        payouts = run.result.payouts
        if payouts.height == 0:
            return
        row = payouts.row(pick % payouts.height, named=True)
        labels = run.inputs.first, run.inputs.last
        manifest = {"run_id": "r", "periods": [label(p, run.loaded.plan.period) for p in labels]}
        sections = trace(replace(run, manifest=manifest), row["rep_id"], row["period"])
    lines = [line for s in sections for line in s.lines]
    paid = [line.rsplit(" = ", 1)[1] for line in lines if line.startswith("paid: ")]
    assert paid == [row[name] for name in run.loaded.plan.components]
    total = next(line for line in lines if line.startswith("total = "))
    assert total.endswith(f" = {row['total']}")


def test_it_should_replay_the_true_ups_a_run_booked(finished: Path, tmp_path: Path) -> None:
    data = shutil.copytree(finished / "data", tmp_path / "data")
    db = f"sqlite:///{tmp_path / 'runs.db'}"
    runner = CliRunner()

    def run(out: str, *more: str) -> str:
        args = ["run", str(finished / "plan.yaml"), "--data", str(data), "--out", out]
        result = runner.invoke(app, [*args, "--db", db, *more])
        assert result.exit_code == 0, result.output
        return str(json.loads((tmp_path / out / "manifest.json").read_text())["run_id"])

    paid = run(str(tmp_path / "first"))
    closed = runner.invoke(app, ["close", "2027-01", "--run", paid, "--by", "finance", "--db", db])
    assert closed.exit_code == 0, closed.output
    with (data / "adjustments.csv").open("a") as f:
        f.write("R00003,2027-01,12.34,late fix\n")
    run(str(tmp_path / "trued"), "--true-up")
    code, lines = _explain(tmp_path / "trued", "R00003", "2027-02")
    assert code == 0, "\n".join(lines)
    assert "adjustments: 1 row(s) summing 12.34 -> 12.34" in lines
    booked = next(line.split() for line in lines if line.startswith("booked"))
    assert booked[:3] == ["booked", "2027-02", "12.34"]


def test_it_should_show_the_month_rows_of_a_quarters_quota_and_the_one_missing(
    tmp_path: Path,
) -> None:
    data = Path(shutil.copytree(Path(__file__).parents[2] / "fixtures" / "demo", tmp_path / "d"))
    quotas = (data / "quotas.csv").read_text().splitlines()
    (data / "quotas.csv").write_text(
        "\n".join(line for line in quotas if not line.startswith("R00001,2027-02,")) + "\n"
    )
    run_with_workbook(PLANS / "account-manager-quarterly.yaml", data, tmp_path / "out")
    code, lines = _explain(tmp_path / "out", "R00001", "2027-Q1")
    assert code == 0, "\n".join(lines)
    at = lines.index("== quotas: 2 row(s) summed")
    january, march = (line.split() for line in lines[at + 2 : at + 4])
    assert january[1:3] == ["R00001", "2027-01"]
    assert march[1:3] == ["R00001", "2027-03"]
    assert lines[at + 4] == (
        "warning quotas.csv: 2027-Q1's quota of rep 'R00001' sums its months' rows, and there "
        "is none for 2027-02, a month the rep is employed in. Hint: if the quarter's quota is "
        "too low, add a row R00001,2027-02,<quota>."
    )
    quota = Decimal(january[3]) + Decimal(march[3])
    assert any(f"/ quota {quota} =" in line for line in lines)


def test_it_should_show_no_quota_rows_for_a_plan_that_uses_no_quota(tmp_path: Path) -> None:
    data = Path(shutil.copytree(EXAMPLES / "small" / "data", tmp_path / "data"))
    (data / "grades.csv").unlink()  # the plan has no report card
    plan = tmp_path / "flat.yaml"
    plan.write_text(
        "plan: flat\nversion: 1\nperiod: month\ncurrency: USD\n"
        "measures:\n  revenue: {sum: transactions.amount}\n"
        "components:\n  commission: {commission: revenue, rate: 0.03}\n"
    )
    run_with_workbook(plan, data, tmp_path / "out")
    code, lines = _explain(tmp_path / "out", "R00000", "2027-01")
    assert code == 0, "\n".join(lines)
    assert not [line for line in lines if line.startswith("== quotas")]
    assert "== Measures" in lines


def test_it_should_show_the_data_as_written_not_as_markup(tmp_path: Path) -> None:
    data = Path(shutil.copytree(EXAMPLES / "small" / "data", tmp_path / "data"))
    reps = (data / "reps.csv").read_text().replace("R00000,Rep 0,", "R00000,Dana [/c] [b]x[/b],")
    (data / "reps.csv").write_text(reps)
    plan = shutil.copy(PLANS / "relationship-first.yaml", tmp_path / "plan.yaml")
    run_with_workbook(Path(plan), data, tmp_path / "out")
    code, lines = _explain(tmp_path / "out", "R00000", "2027-01")
    assert code == 0, "\n".join(lines)
    assert ["1", "R00000", "Dana", "[/c]", "[b]x[/b]", "2026-08-14", "41999.99"] in [
        line.split() for line in lines
    ]
