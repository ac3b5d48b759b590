"""Bad input at the command line: exit status 2, every message, no traceback, nothing written."""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from compengine.cli import app
from compengine.data import reading
from compengine.data.schema import Table
from tests.conftest import EXAMPLES, PLANS, ROOT
from tests.data.folder import PLAN, folder

# Several rules broken in several files of one folder (row numbers worked out from GOOD).
BROKEN = {
    "reps": "R3,Cy,,2026-05-01,2026-04-30,-1\n",
    "grades": "R1,A9,2027-01,listens,C,\nR9,A9,2027-01,listens,A,\n",
    "transactions": "T3,R1,A1,2027-01-05,abc,,\n",
}
EXPECTED = [
    "transactions.csv row 4, column amount: 'abc' is not a number.",
    "grades.csv row 4, column grade: 'C': the Customer Report Card has no C grade.",
    "reps.csv row 3, column termination_date: 2026-04-30 is before hire_date 2026-05-01.",
    "reps.csv row 3, column target_incentive: '-1' is negative.",
    "grades.csv row 5, column rep_id: 'R9' is not in reps.",
]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working folder: plan.yaml and a data folder; outputs go beside them."""
    monkeypatch.chdir(tmp_path)  # so a file written to the working folder would show
    (tmp_path / "plan.yaml").write_text(PLAN)
    return tmp_path


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def run_args(work: Path, *extra: str) -> list[str | Path]:
    return [
        "run", work / "plan.yaml", "--data", work / "data", "--out", work / "out",
        "--db", work / "runs.db", "--no-audit-xlsx", *extra,
    ]  # fmt: skip


def assert_refused(result: Result, expected: list[str]) -> None:
    """Exit status 2, each expected message on its own error line, no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    for message in expected:
        assert any(line.startswith(f"error {message}") for line in lines), (message, lines)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_it_should_print_every_data_problem_and_exit_2(work: Path) -> None:
    folder(work, add=BROKEN)
    result = invoke(*run_args(work))
    assert_refused(result, EXPECTED)
    assert result.stderr.splitlines()[-1] == "5 problems; nothing was written."


def test_it_should_count_the_problems_a_count_line_stands_for(work: Path) -> None:
    bad_dates = "".join(f"E{n},R1,,2027-01-{n},referral,\n" for n in range(40, 65))  # 25 rows
    folder(work, add={"events": bad_dates})
    result = invoke(*run_args(work))
    assert_refused(result, ["events.csv: 5 more rows like these in column date."])
    assert result.stderr.splitlines()[-1] == "25 problems; nothing was written."


def test_it_should_write_nothing_when_the_data_is_refused(work: Path) -> None:
    folder(work, add=BROKEN)
    before = sorted(p.name for p in work.iterdir())
    assert invoke(*run_args(work)).exit_code == 2
    # no out folder, no staging folder beside it, no store
    assert sorted(p.name for p in work.iterdir()) == before == ["data", "plan.yaml"]


def test_it_should_make_no_store_for_an_out_that_is_a_file(work: Path) -> None:
    folder(work)
    (work / "out").write_text("notes")
    result = invoke(*run_args(work))
    assert result.exit_code == 1, result.output
    assert f"error {work / 'out'}: a file, not a folder." in result.stderr
    assert sorted(p.name for p in work.iterdir()) == ["data", "out", "plan.yaml"]
    inside = [*run_args(work)[:5], work / "out" / "run", *run_args(work)[6:]]
    result = invoke(*inside)
    assert result.exit_code == 1, result.output
    assert f"{work / 'out'} is a file, so no folder can be made in it." in result.stderr
    assert sorted(p.name for p in work.iterdir()) == ["data", "out", "plan.yaml"]


def test_it_should_leave_an_earlier_run_in_out_untouched(work: Path) -> None:
    folder(work)
    assert invoke(*run_args(work)).exit_code == 0
    out = work / "out"
    written = {p.name: p.read_bytes() for p in out.iterdir()}
    assert "payouts.csv" in written
    folder(work, add=BROKEN)
    assert invoke(*run_args(work)).exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == written
    assert sorted(p.name for p in work.iterdir()) == ["data", "out", "plan.yaml", "runs.db"]


def test_it_should_refuse_a_bad_plan_before_reading_the_data(work: Path) -> None:
    (work / "plan.yaml").write_text(PLAN.replace("period: month", "period: week"))
    result = invoke(*run_args(work))  # there is no data folder either
    assert_refused(
        result,
        [f"{work / 'plan.yaml'} line 3, period: 'week' is not allowed. "
         "Hint: use 'month' or 'quarter'."],
    )  # fmt: skip
    assert "data" not in result.stderr.replace(str(work), "")
    assert sorted(p.name for p in work.iterdir()) == ["plan.yaml"]


def test_it_should_refuse_a_bad_plan_while_the_data_is_being_read(work: Path) -> None:
    folder(work, add=BROKEN)  # read from the start of the command, but never reported
    (work / "plan.yaml").write_text(PLAN.replace("period: month", "period: week"))
    result = invoke(*run_args(work))
    assert_refused(
        result,
        [f"{work / 'plan.yaml'} line 3, period: 'week' is not allowed. "
         "Hint: use 'month' or 'quarter'."],
    )  # fmt: skip
    assert not any(message in result.stderr for message in EXPECTED)
    assert sorted(p.name for p in work.iterdir()) == ["data", "plan.yaml"]


def test_it_should_refuse_a_file_gone_between_listing_and_reading(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder(work)
    listed = reading.find

    def find_then_remove(where: Path, table: Table) -> list[Path]:
        found = listed(where, table)
        if table.name == "grades":
            for path in found:
                path.unlink()  # the folder was listed, the file is no longer there
        return found

    monkeypatch.setattr(reading, "find", find_then_remove)
    assert_refused(
        invoke(*run_args(work)),
        ["grades.csv: cannot read the file (No such file or directory). "
         "Hint: check that it is still there and that you may read it."],
    )  # fmt: skip
    assert sorted(p.name for p in work.iterdir()) == ["data", "plan.yaml"]


def test_it_should_print_a_hint_with_brackets_as_it_is(work: Path) -> None:
    (work / "plan.yaml").write_text(
        PLAN.replace("tiers: [{from: 0, rate: 0.05}, ", "tiers: 0.05 #")
    )
    result = invoke("validate", work / "plan.yaml")
    assert_refused(
        result,
        [f"{work / 'plan.yaml'} line 16, components.commission.tiers: 0.05 is not a list. "
         "Hint: write [a, b, ...] or one '- item' per line."],
    )  # fmt: skip


def test_it_should_print_a_value_that_looks_like_an_emoji_code_as_it_is(work: Path) -> None:
    folder(work, add={"transactions": "T3,R1,A1,2027-01-05,:smile:,,\n"})
    assert_refused(
        invoke(*run_args(work)), ["transactions.csv row 4, column amount: ':smile:' is not"]
    )


def test_it_should_refuse_a_plan_with_a_yaml_syntax_error(work: Path) -> None:
    (work / "plan.yaml").write_text(PLAN.replace("currency: USD", "currency: [USD"))
    folder(work)
    result = invoke(*run_args(work))
    assert_refused(result, [f"{work / 'plan.yaml'} line 5, column 12: not valid YAML"])
    assert not (work / "out").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--from", "2027-1"], "--from '2027-1' is not a month of this plan. Hint: write YYYY-MM."),
        (["--from", "2027-02", "--to", "2027-01"], "--from 2027-02 is after --to 2027-01."),
    ],
)
def test_it_should_refuse_a_bad_period_option(work: Path, extra: list[str], message: str) -> None:
    folder(work)
    assert_refused(invoke(*run_args(work, *extra)), [message])
    assert not (work / "out").exists()


def test_it_should_refuse_a_damaged_file_without_a_traceback(work: Path) -> None:
    data = folder(work, {"events": None})
    (data / "events.parquet").write_bytes(b"PAR1 not really")
    result = invoke(*run_args(work))
    assert_refused(result, ["events.parquet: not a readable Parquet ("])
    assert not (work / "out").exists()


def test_it_should_validate_good_plan_and_data_with_exit_0_and_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    data = EXAMPLES / "small" / "data"
    before = sorted(p.name for p in data.iterdir())
    result = invoke("validate", PLANS / "relationship-first.yaml", "--data", data)
    assert result.exit_code == 0, result.output
    assert "plan relationship-first v1 is valid." in result.stdout
    assert result.stderr == ""
    assert list(tmp_path.iterdir()) == []
    assert sorted(p.name for p in data.iterdir()) == before


def test_it_should_validate_a_bad_plan_with_exit_2(work: Path) -> None:
    (work / "plan.yaml").write_text(PLAN.replace("version: 1", "version: 0"))
    result = invoke("validate", work / "plan.yaml")
    assert_refused(result, [f"{work / 'plan.yaml'} line 2, version: 0 is out of range."])
    assert sorted(p.name for p in work.iterdir()) == ["plan.yaml"]


def test_it_should_validate_bad_data_with_exit_2_and_write_nothing(work: Path) -> None:
    folder(work, add=BROKEN)
    before = sorted(p.name for p in work.rglob("*"))
    result = invoke("validate", work / "plan.yaml", "--data", work / "data")
    assert_refused(result, EXPECTED)
    assert sorted(p.name for p in work.rglob("*")) == before


def test_it_should_exit_2_from_the_installed_command_with_every_message(work: Path) -> None:
    folder(work, add=BROKEN)
    command = ROOT / ".venv" / "bin" / "compengine"
    done = subprocess.run(
        [str(a) for a in [command, *run_args(work)]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=work,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    for message in EXPECTED:
        assert f"error {message}" in done.stderr
    assert done.stderr.splitlines()[-1] == "5 problems; nothing was written."
    assert sorted(p.name for p in work.iterdir()) == ["data", "plan.yaml"]


def test_it_should_generate_with_the_default_plan_from_any_folder(work: Path) -> None:
    # the working folder holds no plans/ folder; the default plan is the project's own
    result = invoke("generate", work / "generated", "--reps", "2", "--months", "1")
    assert result.exit_code == 0, result.output
    assert (work / "generated" / "reps.csv").is_file()


def test_it_should_ask_audit_for_a_rep_or_a_manager_with_a_hint(work: Path) -> None:
    result = invoke("audit", "--out", work / "out")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error give --rep or --manager (one of them). Hint: compengine audit --out {work}"
    )


def test_it_should_print_totals_that_add_up_payouts_csv(work: Path) -> None:
    folder(work)
    result = invoke(*run_args(work))
    assert result.exit_code == 0, result.output
    lines = (work / "out" / "payouts.csv").read_text().splitlines()
    header, rows = lines[0].split(","), [line.split(",") for line in lines[1:]]
    for i, name in enumerate(header[2:], start=2):
        total = sum((Decimal(r[i]) for r in rows), Decimal(0))
        assert f"│ {name}" in result.stdout
        assert f" {total:,} │" in result.stdout, (name, total)


def test_it_should_refuse_validate_periods_without_data(work: Path) -> None:
    result = invoke("validate", work / "plan.yaml", "--from", "2027-13")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error --from and --to choose the data's periods, and there is no data to check. "
        "Hint: compengine validate"
    )
    assert result.stdout == ""


def test_it_should_run_and_warn_when_a_quarter_sums_without_a_month_the_rep_works(
    work: Path,
) -> None:
    """A warning, not an error: the run pays on the months given, says so on stderr (once,
    in compare and sweep too) and in the manifest, and exits 0."""
    (work / "plan.yaml").write_text(PLAN.replace("period: month", "period: quarter"))
    data = folder(work)
    quotas = (data / "quotas.csv").read_text().replace("R2,2027-02,2000.50\n", "")
    (data / "quotas.csv").write_text(quotas)
    warning = (
        "quotas.csv: 2027-Q1's quota of rep 'R2' sums its months' rows, and there is none for "
        "2027-02, a month the rep is employed in. Hint: if the quarter's quota is too low, add "
        "a row R2,2027-02,<quota>."
    )
    share = "components.card_bonus.target_share"
    plan, on = work / "plan.yaml", ["--data", data]
    for args in (
        run_args(work),
        ["validate", plan, *on],
        ["compare", plan, *on, "--out", work / "c", "--set", f"{share}=0.4"],
        ["sweep", plan, *on, "--out", work / "s", "--vary", f"{share}=0.3:0.4:0.1"],
    ):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert result.stderr.count("warning ") == 1, result.stderr
        assert f"warning {warning}" in result.stderr.replace("\n", " ")
    manifest = json.loads((work / "out" / "manifest.json").read_text())
    assert manifest["warnings"] == [warning]


def test_it_should_name_the_line_of_a_plan_key_too_exact_for_int128(work: Path) -> None:
    """A rate of 20 decimals times amounts of 12, times a factor of 7, needs 39 decimal
    places and more, beyond an Int128's 38 digits: a plan error at the modifier's line (22),
    from run and from validate alike, nothing written."""
    fine = PLAN.replace("{from: 1, rate: 0.1}", "{from: 1, rate: 0.10000000000000000001}")
    fine += "modifiers:\n  - {apply_to: [commission], by: card, bands: [[0, 1.0000001]]}\n"
    (work / "plan.yaml").write_text(fine)
    folder(work, add={"transactions": "T9,R1,A1,2027-01-06,0.000000000001,new,\n"})
    expected = (
        rf"error {re.escape(str(work / 'plan.yaml'))} line 22, modifiers\[0\]: exact "
        r"arithmetic needs (39|4\d) decimal places; at most 38 fit\. Hint: use fewer decimals in "
        r"rates and factors, or check the data's largest amounts and values\."
    )
    for command in (run_args(work), ["validate", work / "plan.yaml", "--data", work / "data"]):
        result = invoke(*command)
        assert result.exit_code == 2, result.output
        assert re.fullmatch(expected, result.stderr.splitlines()[-1]), result.stderr
        assert "valid" not in result.stdout
    assert not (work / "out").exists()
