"""runs, show, close, reopen, export, and runs over closed periods, end to end."""

from __future__ import annotations

import getpass
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from compengine.cli import app
from compengine.data.inputs import load_inputs
from compengine.engine.calculate import calculate
from compengine.errors import Reason, StoreError
from compengine.outputs import csv_bytes
from compengine.plan.load import load_plan
from compengine.store import closed
from compengine.store.closed import TrueUp, book
from compengine.store.db import HEAD, resolve
from tests.conftest import EXAMPLES
from tests.store.conftest import PLAN, SMALL, fresh_store

EXPECTED = EXAMPLES / "small" / "expected-relationship-first"


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def run(db: str, data: Path, out: Path, *more: str) -> tuple[int, str]:
    return cli("run", str(PLAN), "--data", str(data), "--out", str(out), "--db", db, *more)


def run_ids(db: str) -> list[str]:
    code, output = cli("runs", "--db", db)
    assert code == 0, output
    return [line.split()[0] for line in output.splitlines() if line.strip()]


def payouts(out: Path) -> pl.DataFrame:
    return pl.read_csv(out / "payouts.csv", infer_schema=False)


def amount(frame: pl.DataFrame, rep: str, period: str, column: str) -> Decimal:
    row = frame.filter((pl.col("rep_id") == rep) & (pl.col("period") == period))
    return Decimal(row[column].item())


def paid_in_january(db: str, data: Path, out: Path) -> str:
    """Run ``data`` into ``out`` and close 2027-01 from that run; its id."""
    code, output = run(db, data, out)
    assert code == 0, output
    [paid_run] = run_ids(db)
    code, output = cli("close", "2027-01", "--run", paid_run, "--by", "finance", "--db", db)
    assert code == 0, output
    return paid_run


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of the small example's data folder, free to change."""
    return Path(shutil.copytree(SMALL, tmp_path / "data"))


def test_it_should_record_list_show_and_export_a_run_byte_for_byte(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    code, output = run(db_url, data, tmp_path / "out")
    assert code == 0, output
    [run_id] = run_ids(db_url)
    code, output = cli("show", run_id[:18], "--db", db_url)
    assert code == 0, output
    assert "relationship-first v1" in output
    assert "2027-01 to 2027-03" in output
    assert "  input reps: reps.csv sha256 " in output
    code, output = cli("export", run_id, "--out", str(tmp_path / "export"), "--db", db_url)
    assert code == 0, output
    for name in ("payouts.csv", "measures.csv", "manifest.json"):
        assert (tmp_path / "export" / name).read_bytes() == (tmp_path / "out" / name).read_bytes()
    assert payouts(tmp_path / "out").equals(payouts(EXPECTED))


def test_it_should_export_a_run_without_another_runs_workbook_beside_it(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, output = run(db_url, data, out, "--no-audit-xlsx")
    assert code == 0, output
    [run_id] = run_ids(db_url)
    (out / "audit.xlsx").write_bytes(b"another run's workbook")
    code, output = cli("export", run_id, "--out", str(out), "--db", db_url)
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "measures.csv", "payouts.csv"]


def test_it_should_show_an_absent_table_as_such(db_url: str, data: Path, tmp_path: Path) -> None:
    (data / "events.csv").unlink()
    code, output = run(db_url, data, tmp_path / "out")
    assert code == 0, output
    [run_id] = run_ids(db_url)
    code, output = cli("show", run_id, "--db", db_url)
    assert code == 0, output
    assert "  input events: absent, no rows\n" in output


def test_it_should_close_once_and_refuse_a_second_close(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    run(db_url, data, tmp_path / "out")
    [run_id] = run_ids(db_url)
    code, output = cli("close", "2027-01", "--run", run_id, "--by", "finance", "--db", db_url)
    assert code == 0, output
    assert "closed, paid from run" in output
    code, output = cli("close", "2027-01", "--run", run_id, "--db", db_url)
    assert code == 1
    assert "already closed" in output
    code, output = cli("close", "2027-07", "--run", run_id, "--db", db_url)
    assert code == 1
    assert "not a period of run" in output


def test_it_should_close_and_reopen_a_period_however_it_is_spaced_but_only_in_ascii(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    run(db_url, data, tmp_path / "out")
    [run_id] = run_ids(db_url)
    code, output = cli("close", " 2027-01\n", "--run", run_id, "--db", db_url)
    assert code == 0, output
    assert "2027-01 closed, paid from run" in output
    for again in ("2027-01 ", "\t2027-01"):  # the same period: closed already
        code, output = cli("close", again, "--run", run_id, "--db", db_url)
        assert code == 1
        assert "relationship-first 2027-01 is already closed" in output
    for odd in ("\uff12\uff10\uff12\uff17-01", "2027-1", "2027-01-01", "Jan 2027", ""):
        for command in (["close", odd, "--run", run_id], ["reopen", odd, "--reason", "x"]):
            code, output = cli(*command, "--db", db_url)
            assert code == 2, output
            assert output == (
                f"error {odd!r} is not a period. Hint: write a month as 2027-01 or a quarter "
                "as 2027-Q1.\n"
            )
    code, output = cli("reopen", "2027-01 ", "--reason", "fix", "--db", db_url)
    assert code == 0, output
    assert output.startswith("relationship-first 2027-01 reopened by ")
    code, output = cli("close", "2027-01\t", "--run", run_id, "--db", db_url)
    assert code == 0, output
    code, output = cli("runs", "--db", db_url)
    assert output.rstrip().endswith("  closes 2027-01")


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["close", "2027-01", "--run", "R1", "--by", " "], "--by is empty. Hint: name who"),
        (["reopen", "2027-01", "--reason", " "], "--reason is empty. Hint: say why"),
        (["reopen", "2027-01", "--reason", "x", "--plan", ""], "--plan is empty. Hint: give"),
        (["runs", "--db", ""], "--db is empty. Hint: give a file path or a database URL"),
    ],
)
def test_it_should_refuse_an_empty_option_as_a_command_line_mistake(
    command: list[str], said: str
) -> None:
    code, output = cli(*command)
    assert code == 2, output
    assert output.startswith(f"error {said}"), output


@pytest.mark.parametrize(
    "db",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file:m?mode=memory&uri=true",
        "sqlite:///file::memory:?uri=true",
    ],
)
def test_it_should_refuse_a_store_in_memory(db: str, data: Path, tmp_path: Path) -> None:
    for command in (
        ["runs"],
        ["run", str(PLAN), "--data", str(data), "--out", str(tmp_path / "o")],
    ):
        code, output = cli(*command, "--db", db)
        assert code == 1, output
        assert output == (
            f"error --db {db!r} is a store in memory, which keeps nothing: every command would "
            "begin with an empty one. Hint: give a file path or a database URL.\n"
        )
    assert not (tmp_path / "o").exists()


def test_it_should_say_a_closed_period_recomputes_identically(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    run(db_url, data, tmp_path / "first")
    [run_id] = run_ids(db_url)
    cli("close", "2027-01", "--run", run_id, "--db", db_url)
    code, output = run(db_url, data, tmp_path / "second")
    assert code == 0, output
    assert "2027-01" in output
    assert "identical to the cent" in output
    assert len(run_ids(db_url)) == 2


def test_it_should_refuse_a_changed_closed_period_and_true_up_the_deltas(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    paid_run = paid_in_january(db_url, data, tmp_path / "first")
    with (data / "adjustments.csv").open("a") as file:
        file.write("R00003,2027-01,12.34,late fix\nR00005,2027-01,-0.01,rounding\n")

    code, output = run(db_url, data, tmp_path / "refused")
    assert code == 2, output
    assert "R00003" in output
    assert "12.34" in output
    assert "-0.01" in output
    assert not (tmp_path / "refused" / "payouts.csv").exists()
    assert run_ids(db_url) == [paid_run]

    code, output = run(db_url, data, tmp_path / "trued", "--true-up")
    assert code == 0, output
    assert "2 true-up adjustments booked" in output
    expected, trued = payouts(EXPECTED), payouts(tmp_path / "trued")
    # The small example has no adjustment for R00003 or R00005 in 2027-02 (0.00 expected).
    assert amount(expected, "R00003", "2027-02", "adjustments") == Decimal("0.00")
    assert amount(trued, "R00003", "2027-02", "adjustments") == Decimal("12.34")
    assert amount(trued, "R00005", "2027-02", "adjustments") == Decimal("-0.01")
    for rep, delta in (("R00003", Decimal("12.34")), ("R00005", Decimal("-0.01"))):
        assert (
            amount(trued, rep, "2027-02", "total")
            == amount(expected, rep, "2027-02", "total") + delta
        )
    booked = json.loads((tmp_path / "trued" / "manifest.json").read_text())["true_ups"]
    assert [(t["rep_id"], t["period"], t["amount"]) for t in booked] == [
        ("R00003", "2027-02", "12.34"),
        ("R00005", "2027-02", "-0.01"),
    ]
    assert all("closed 2027-01" in t["reason"] and paid_run in t["reason"] for t in booked)
    unchanged = pl.col("rep_id").is_in(["R00003", "R00005"]).not_()
    assert trued.filter(unchanged).equals(expected.filter(unchanged))

    export = tmp_path / "paid-export"
    assert cli("export", paid_run, "--out", str(export), "--db", db_url)[0] == 0
    assert (export / "payouts.csv").read_bytes() == (
        tmp_path / "first" / "payouts.csv"
    ).read_bytes()


def test_it_should_refuse_a_true_up_for_a_rep_no_longer_in_reps(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    paid_run = paid_in_january(db_url, data, tmp_path / "first")
    for table in data.glob("*.csv"):  # R00011, paid in closed 2027-01, becomes R00099
        table.write_text(table.read_text().replace("R00011", "R00099"))

    code, output = run(db_url, data, tmp_path / "trued", "--true-up")
    assert code == 2, output
    assert "reps.csv: rep 'R00011' has a true-up of -" in output
    assert "no row in reps. Hint: keep every rep a closed period paid in reps" in output
    assert "Traceback" not in output
    assert not (tmp_path / "trued").exists()
    assert run_ids(db_url) == [paid_run]


def test_it_should_refuse_a_true_up_due_in_a_row_without_a_quota(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    # R00011 leaves at the end of January: no row, and no quota, in February or later.
    def dated(prefix: str) -> pl.Expr:
        return pl.any_horizontal(pl.all().str.starts_with(prefix).fill_null(False))

    later = pl.col("rep_id").eq("R00011") & dated("2027-0") & ~dated("2027-01")
    for table in data.glob("*.csv"):
        frame = pl.read_csv(table, infer_schema=False)
        if "txn_id" in frame.columns:  # the whole transaction, every split of it
            gone = frame.filter(later)["txn_id"].implode()
            frame = frame.filter(~pl.col("txn_id").is_in(gone))
        frame.filter(~later).write_csv(table)
    reps = data / "reps.csv"
    hired = "R00011,Rep 11,R00010,2026-09-13,"
    reps.write_text(reps.read_text().replace(hired + ",", hired + "2027-01-31,"))
    paid_run = paid_in_january(db_url, data, tmp_path / "first")
    with (data / "transactions.csv").open("a") as file:
        file.write("TLATE,R00011,A0001,2027-01-20,5000,new,\n")

    code, output = run(db_url, data, tmp_path / "trued", "--true-up")
    assert code == 2, output
    [message] = [line for line in output.splitlines() if "R00011" in line]
    assert re.fullmatch(
        r"error quotas\.csv, column quota: rep 'R00011' has no quota for 2027-02, which the "
        r"plan needs: true-ups of closed periods add up to -?\d+\.\d\d there\. "
        r"Hint: add a row R00011,2027-02,<quota>\.",
        message,
    ), message
    assert not (tmp_path / "trued").exists()
    assert run_ids(db_url) == [paid_run]

    with (data / "quotas.csv").open("a") as file:
        file.write("R00011,2027-02,1000\n")
    code, output = run(db_url, data, tmp_path / "trued", "--true-up")
    assert code == 0, output
    trued = payouts(tmp_path / "trued")
    assert amount(trued, "R00011", "2027-02", "adjustments") > 0
    assert amount(trued, "R00011", "2027-02", "total") == amount(
        trued, "R00011", "2027-02", "adjustments"
    )


def test_it_should_say_what_to_settle_when_a_period_closes_again_at_other_amounts(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    paid_in_january(db_url, data, tmp_path / "first")
    adjustments = data / "adjustments.csv"
    original = adjustments.read_text()
    adjustments.write_text(original + "R00003,2027-01,12.34,late fix\n")
    code, output = run(db_url, data, tmp_path / "trued", "--true-up", "--to", "2027-02")
    assert code == 0, output
    trued_run = run_ids(db_url)[-1]
    assert cli("close", "2027-02", "--run", trued_run, "--db", db_url)[0] == 0
    # January reopens and closes again from a run of the first data: 12.34 less than was
    # paid for it (its close and the true-up paid in February).
    assert cli("reopen", "2027-01", "--reason", "recheck", "--db", db_url)[0] == 0
    adjustments.write_text(original)
    assert run(db_url, data, tmp_path / "again", "--to", "2027-02")[0] == 0
    code, output = cli("close", "2027-01", "--run", run_ids(db_url)[-1], "--db", db_url)
    assert code == 0, output
    assert "2027-01 was paid differently before it was reopened: settle the differences" in output
    [row] = [line for line in output.splitlines() if "R00003" in line]
    assert [cell.strip() for cell in row.split("│")[1:6]] == [
        "R00003",
        "adjustments",
        "12.34",
        "0.00",
        "-12.34",
    ]
    # Settled, January counts as paid at the new amounts: the late fix is booked again.
    adjustments.write_text(original + "R00003,2027-01,12.34,late fix\n")
    code, output = run(db_url, data, tmp_path / "twice", "--true-up")
    assert code == 0, output
    assert amount(payouts(tmp_path / "twice"), "R00003", "2027-03", "adjustments") == Decimal(
        "12.34"
    ) + amount(payouts(EXPECTED), "R00003", "2027-03", "adjustments")


def test_it_should_not_close_a_period_when_what_to_settle_cannot_be_worked_out(
    db_url: str, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = paid_in_january(db_url, data, tmp_path / "first")
    assert cli("reopen", "2027-01", "--reason", "recheck", "--db", db_url)[0] == 0

    def unreadable(*_args: object) -> None:
        raise StoreError("cannot read the store (gone).", Reason.STORE)

    monkeypatch.setattr(closed, "_paid_for", unreadable)
    code, output = cli("close", "2027-01", "--run", first, "--db", db_url)
    assert code == 1, output
    assert "cannot read the store (gone)." in output
    assert "closed, paid from run" not in output
    monkeypatch.undo()
    code, output = cli("reopen", "2027-01", "--reason", "again", "--db", db_url)
    assert code != 0, output  # still open: the close was not recorded


def test_it_should_run_freely_once_a_closed_period_is_reopened(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    paid_run = paid_in_january(db_url, data, tmp_path / "first")
    with (data / "adjustments.csv").open("a") as file:
        file.write("R00003,2027-01,12.34,late fix\n")
    assert run(db_url, data, tmp_path / "refused")[0] == 2
    code, output = cli("reopen", "2027-01", "--reason", "late fix", "--by", "cfo", "--db", db_url)
    assert code == 0, output
    code, output = run(db_url, data, tmp_path / "again")
    assert code == 0, output
    again = payouts(tmp_path / "again")
    assert amount(again, "R00003", "2027-01", "adjustments") == Decimal("12.34")
    # January was paid: not to pay again in full, but settled when it closes again
    unpaid = sum(Decimal(t) for t in again.filter(pl.col("period") != "2027-01")["total"])
    [total_line] = [line for line in output.splitlines() if line.strip("│ ").startswith("total")]
    assert total_line.split("│")[3].strip() == f"{unpaid:,}"
    assert "periods not paid yet, to pay" in output
    assert (
        f"2027-01 was paid from run {paid_run} and reopened: it is not counted as to pay; "
        "closing it from this run shows what to settle." in output
    )
    code, output = cli("reopen", "2027-01", "--reason", "again", "--db", db_url)
    assert code == 1
    assert "not closed" in output


def test_it_should_take_the_store_from_the_option_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COMPENGINE_DB", raising=False)
    assert resolve() == "sqlite:///compengine.db"
    monkeypatch.setenv("COMPENGINE_DB", "/srv/pay.db")
    assert resolve() == "sqlite:////srv/pay.db"
    assert resolve("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_it_should_write_the_same_bytes_whichever_store_records_the_run(
    data: Path, tmp_path: Path
) -> None:
    written = []
    for kind in ("sqlite", "postgresql"):
        with fresh_store(kind, tmp_path) as url:
            out = tmp_path / kind
            code, output = run(url, data, out)
            assert code == 0, output
            manifest = json.loads((out / "manifest.json").read_text())
            written.append(
                (
                    (out / "payouts.csv").read_bytes(),
                    (out / "measures.csv").read_bytes(),
                    manifest["outputs"]["payouts.csv"],
                    manifest["outputs"]["measures.csv"],
                )
            )
    assert written[0] == written[1]


def test_it_should_book_true_ups_after_the_closed_period_that_moved(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    run(db_url, data, tmp_path / "first")
    [paid_run] = run_ids(db_url)
    cli("close", "2027-02", "--run", paid_run, "--db", db_url)
    with (data / "adjustments.csv").open("a") as file:
        file.write("R00003,2027-02,5.00,late fix\n")
    code, output = run(db_url, data, tmp_path / "short", "--to", "2027-02", "--true-up")
    # refused as the same run without --true-up is, the deltas shown, nothing written
    assert code == 2
    assert (
        "no period after 2027-02 up to 2027-02 that was never paid, to book the true-ups in"
        in output
    )
    assert "Nothing was written or recorded." in output
    assert "R00003" in output
    assert "5.00" in output
    assert not (tmp_path / "short").exists()
    assert len(run_ids(db_url)) == 1
    code, output = run(db_url, data, tmp_path / "trued", "--true-up")
    assert code == 0, output
    trued = payouts(tmp_path / "trued")
    assert amount(trued, "R00003", "2027-01", "adjustments") == Decimal("0.00")
    assert amount(trued, "R00003", "2027-03", "adjustments") == Decimal("5.00")


def _close_january_then_true_up(db_url: str, data: Path, tmp_path: Path) -> str:
    """Run and close 2027-01, move it by 12.34, and book that with a --true-up run ("trued");
    what that run printed."""
    paid_in_january(db_url, data, tmp_path / "first")
    with (data / "adjustments.csv").open("a") as file:
        file.write("R00003,2027-01,12.34,late fix\n")
    code, output = run(db_url, data, tmp_path / "trued", "--true-up")
    assert code == 0, output
    return output


def test_it_should_count_a_paid_true_up_as_paid_and_never_book_it_twice(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    _close_january_then_true_up(db_url, data, tmp_path)
    trued_run = run_ids(db_url)[-1]
    cli("close", "2027-02", "--run", trued_run, "--db", db_url)

    # 2027-01 moved by 12.34, paid in closed 2027-02: both recompute to what was paid.
    code, output = run(db_url, data, tmp_path / "again")
    assert code == 0, output
    assert output.count("identical to the cent") == 2
    again = payouts(tmp_path / "again")
    assert amount(again, "R00003", "2027-02", "adjustments") == Decimal("12.34")
    assert amount(again, "R00003", "2027-03", "adjustments") == Decimal("0.00")
    code, output = run(db_url, data, tmp_path / "later", "--from", "2027-02")
    assert code == 0, output
    assert amount(payouts(tmp_path / "later"), "R00003", "2027-02", "adjustments") == Decimal(
        "12.34"
    )

    # A further change of 2027-01 books only itself: 13.34 recomputed - 12.34 paid = 1.00.
    with (data / "adjustments.csv").open("a") as file:
        file.write("R00003,2027-01,1.00,second fix\n")
    code, output = run(db_url, data, tmp_path / "second", "--true-up")
    assert code == 0, output
    assert "1 true-up adjustments booked" in output
    assert amount(payouts(tmp_path / "second"), "R00003", "2027-03", "adjustments") == Decimal(
        "1.00"
    )


def test_it_should_replay_a_true_up_run_from_its_data_and_manifest(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    _close_january_then_true_up(db_url, data, tmp_path)
    manifest = json.loads((tmp_path / "trued" / "manifest.json").read_text())
    loaded = load_plan(PLAN)
    inputs = book(
        load_inputs(data, loaded.plan),
        loaded.plan,
        [TrueUp.from_json(t) for t in manifest["true_ups"]],
    )
    replayed = csv_bytes(calculate(loaded.plan, inputs).payouts)
    assert replayed == (tmp_path / "trued" / "payouts.csv").read_bytes()


def test_it_should_make_a_sqlite_store_on_a_run_only(data: Path, tmp_path: Path) -> None:
    missing = tmp_path / "typo.db"
    for command in (
        ["runs"],
        ["show", "R1"],
        ["export", "R1", "--out", str(tmp_path / "export")],
        ["close", "2027-01", "--run", "R1"],
        ["reopen", "2027-01", "--reason", "x"],
    ):
        code, output = cli(*command, "--db", str(missing))
        assert code == 1, output
        assert output.startswith(f"error no store at {missing}: no run was recorded there."), output
        assert not missing.exists()
    assert run(str(missing), data, tmp_path / "out")[0] == 0
    assert len(run_ids(str(missing))) == 1


def test_it_should_name_the_missing_folder_of_a_new_sqlite_store(
    data: Path, tmp_path: Path
) -> None:
    store = tmp_path / "stores" / "runs.db"
    code, output = run(str(store), data, tmp_path / "out")
    assert code == 1, output
    assert output.startswith(
        f"error --db {store}: no folder {tmp_path / 'stores'} to make the store in."
    )


def test_it_should_name_an_unknown_run_and_say_how_to_list_them(db_url: str) -> None:
    code, output = cli("show", "nope", "--db", db_url)
    assert code == 1
    assert "no run has the id 'nope'" in output
    assert "compengine runs" in output


def test_it_should_record_the_operating_system_user_as_closer_by_default(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    run(db_url, data, tmp_path / "out")
    [run_id] = run_ids(db_url)
    code, output = cli("close", "2027-03", "--run", run_id, "--db", db_url)
    assert code == 0, output
    assert f"by {getpass.getuser()} at" in output


@pytest.mark.parametrize(
    ("db", "said"),
    [
        ("nosuch://here", "is not a database URL"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot open the store"),
    ],
)
def test_it_should_refuse_a_run_whose_store_cannot_be_opened_and_write_nothing(
    data: Path, tmp_path: Path, db: str, said: str
) -> None:
    code, output = run(db, data, tmp_path / "out")
    assert code == 1, output  # CLI.md: 1 for anything but a wrong plan or data
    assert said in output
    assert "Traceback" not in output
    assert not (tmp_path / "out" / "payouts.csv").exists()


def test_it_should_refuse_a_store_that_will_not_be_written_and_write_nothing(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    assert cli("runs", "--db", db_url)[0] == 0  # the store exists, migrated
    if db_url.startswith("sqlite"):
        read_only = f"sqlite:///file:{db_url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    else:  # the store's own options (its schema) and one more
        assert db_url.count("?options=") == 1
        assert "&" not in db_url
        read_only = f"{db_url}%20-c%20default_transaction_read_only%3Don"
    code, output = run(read_only, data, tmp_path / "out")
    assert code == 1, output
    assert "cannot write to the store (" in output
    assert "nothing was recorded. Hint: check that the database and this user may write" in output
    assert "Traceback" not in output
    assert not (tmp_path / "out" / "payouts.csv").exists()
    assert run_ids(db_url) == []


def test_it_should_name_the_plan_when_its_text_changed_under_a_closed_period(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    paid_in_january(db_url, data, tmp_path / "first")
    edited = tmp_path / "relationship-first.yaml"  # the same id and version, another rate
    edited.write_text(
        PLAN.read_text().replace("{from: 0.0, rate: 0.03}", "{from: 0.0, rate: 0.04}")
    )
    code, output = cli("run", str(edited), "--data", str(data), "--out", str(tmp_path / "out"),
                       "--db", db_url)  # fmt: skip
    assert code == 2, output
    assert "the plan's text or the data changes closed periods" in output
    code, output = run(db_url, data, tmp_path / "same")
    assert code == 0, output  # the plan paid from, and the same data: identical


def test_it_should_say_to_pay_the_open_periods_after_a_true_up(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    _close_january_then_true_up(db_url, data, tmp_path)
    code, output = run(db_url, data, tmp_path / "again", "--true-up")
    assert code == 0, output
    paid_through = "what moved in them is paid through the true-ups: pay the rows of the periods"
    assert f"{paid_through} not paid yet." in output


def test_it_should_sum_what_to_pay_over_the_open_periods_only(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    output = _close_january_then_true_up(db_url, data, tmp_path)
    # January is shown recomputed, its 12.34 more paid in February: only 2027-02 and 2027-03
    # are to pay
    rows = payouts(tmp_path / "trued")
    every = sum(Decimal(t) for t in rows["total"])
    unpaid = sum(Decimal(t) for t in rows.filter(pl.col("period") != "2027-01")["total"])
    [total_line] = [line for line in output.splitlines() if line.strip("│ ").startswith("total")]
    assert [cell.strip() for cell in total_line.split("│")[2:4]] == [f"{every:,}", f"{unpaid:,}"]
    assert "periods not paid yet, to pay" in output


def test_it_should_count_true_ups_paid_against_a_run_when_closing_from_it_again(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    _close_january_then_true_up(db_url, data, tmp_path)
    first, trued = run_ids(db_url)
    assert cli("close", "2027-02", "--run", trued, "--db", db_url)[0] == 0
    for run_id in (trued, first):  # reopened, closed from the true-up run, then the first again
        assert cli("reopen", "2027-01", "--reason", "recheck", "--db", db_url)[0] == 0
        prefix = run_id[:-2]  # finance may name a run by a unique prefix of its id
        code, output = cli("close", "2027-01", "--run", prefix, "--db", db_url)
        assert code == 0, output
        assert "settle" not in output  # paid: the first run's 0.00 and the 12.34 true-up
    code, output = run(db_url, data, tmp_path / "again")
    assert code == 0, output
    assert output.count("identical to the cent") == 2


def test_it_should_refuse_to_close_from_a_run_whose_true_ups_a_new_close_replaced(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    _close_january_then_true_up(db_url, data, tmp_path)  # 12.34 booked in open 2027-02
    trued = run_ids(db_url)[-1]
    assert cli("reopen", "2027-01", "--reason", "recheck", "--db", db_url)[0] == 0
    assert run(db_url, data, tmp_path / "fixed", "--to", "2027-01")[0] == 0
    code, output = cli("close", "2027-01", "--run", run_ids(db_url)[-1], "--db", db_url)
    assert code == 0, output
    assert "settle" in output  # 12.34 more for January, settled with this close
    code, output = cli("close", "2027-02", "--run", trued, "--db", db_url)
    assert code == 1, output
    assert f"run {trued} books 12.34 for R00003 in 2027-02 as a true-up of 2027-01" in output
    assert "nothing was closed. Hint: run again, with --true-up, and close 2027-02" in output
    code, output = run(db_url, data, tmp_path / "later", "--true-up")
    assert code == 0, output
    assert "true-up adjustments booked" not in output  # paid once, by the new close


def test_it_should_leave_a_true_up_to_the_period_it_trues_up_when_its_own_closes_again(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    _close_january_then_true_up(db_url, data, tmp_path)  # 12.34 for January, in February
    trued = run_ids(db_url)[-1]
    assert cli("close", "2027-02", "--run", trued, "--db", db_url)[0] == 0
    for period in ("2027-01", "2027-02"):
        assert cli("reopen", period, "--reason", "recheck", "--db", db_url)[0] == 0
    assert run(db_url, data, tmp_path / "again", "--to", "2027-02")[0] == 0
    again = run_ids(db_url)[-1]
    for period in ("2027-01", "2027-02"):
        code, output = cli("close", period, "--run", again, "--db", db_url)
        assert code == 0, output
        # January was paid 12.34 more, through February's true-up; the new run pays it in
        # January and February without it: nothing to settle in either.
        assert "settle" not in output, output


def test_it_should_close_later_periods_from_runs_that_carry_a_true_up_already_paid(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    _close_january_then_true_up(db_url, data, tmp_path)
    trued = run_ids(db_url)[-1]
    assert cli("close", "2027-02", "--run", trued, "--db", db_url)[0] == 0
    assert cli("reopen", "2027-01", "--reason", "recheck", "--db", db_url)[0] == 0
    assert run(db_url, data, tmp_path / "fixed", "--to", "2027-02")[0] == 0
    assert cli("close", "2027-01", "--run", run_ids(db_url)[-1], "--db", db_url)[0] == 0
    # February, closed, still pays the true-up of January's first close; a later run carries
    # it into February, and closes March freely.
    code, output = run(db_url, data, tmp_path / "march", "--to", "2027-03")
    assert code == 0, output
    code, output = cli("close", "2027-03", "--run", run_ids(db_url)[-1], "--db", db_url)
    assert code == 0, output


def test_it_should_say_when_a_store_cannot_be_brought_up_to_date(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    read_only = f"sqlite:///file:{tmp_path / 'empty.db'}?mode=ro&uri=true"
    code, output = cli("runs", "--db", read_only)
    assert code == 1, output
    assert f"cannot bring the store's tables up to date (revision {HEAD}) (" in output
    assert "Hint: check that the database and this user may write" in output
    assert "Traceback" not in output


def test_it_should_show_an_amount_a_side_lacks_as_zero_at_the_amounts_scale() -> None:
    # a rep with no row in the closed period (or none now): 0.00, as amounts are written
    assert str(closed._or_zero(None, "-12.34")) == "0.00"
    assert str(closed._or_zero("5.5", None)) == "5.5"
    assert str(closed._or_zero(None, "7")) == "0"


def test_it_should_list_the_true_ups_of_a_run_it_shows(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    _close_january_then_true_up(db_url, data, tmp_path)
    paid_run, trued_run = run_ids(db_url)
    code, output = cli("show", trued_run, "--db", db_url)
    assert code == 0, output
    assert (
        "  1 true-up(s) among its adjustments (a closed period it covers is shown recomputed, "
        "and what moved in it is paid through its true-up: the totals over all periods count "
        "that twice):\n"
        f"  2027-02 R00003 12.34: true-up of closed 2027-01 (paid by run {paid_run}): "
        f"adjustments recomputed by run {trued_run}\n"
    ) in output
    code, output = cli("show", paid_run, "--db", db_url)
    assert "true-up" not in output


def test_it_should_book_a_true_up_in_a_period_never_paid_not_a_reopened_one(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    paid_run = paid_in_january(db_url, data, tmp_path / "first")
    assert cli("close", "2027-02", "--run", paid_run, "--db", db_url)[0] == 0
    assert cli("reopen", "2027-02", "--reason", "fix", "--db", db_url)[0] == 0
    with (data / "adjustments.csv").open("a") as file:
        file.write("R00003,2027-01,12.34,late fix\n")
    code, output = run(db_url, data, tmp_path / "trued", "--true-up")
    assert code == 0, output
    # February was paid (and reopened): the 12.34 is paid in March, never paid before
    trued = payouts(tmp_path / "trued")
    assert amount(trued, "R00003", "2027-02", "adjustments") == Decimal("0.00")
    assert amount(trued, "R00003", "2027-03", "adjustments") == Decimal("12.34")


def test_it_should_show_a_rep_id_as_written_in_the_deltas_not_as_markup(
    db_url: str, data: Path, tmp_path: Path
) -> None:
    for file in data.glob("*.csv"):
        file.write_text(file.read_text().replace("R00003", "R[/x]3"))
    paid_in_january(db_url, data, tmp_path / "first")
    with (data / "adjustments.csv").open("a") as file:
        file.write("R[/x]3,2027-01,12.34,late fix\n")
    code, output = run(db_url, data, tmp_path / "refused")
    assert code == 2, output
    assert [line.split("│")[1:3] for line in output.splitlines() if "R[/x]3" in line] == [
        [" R[/x]3 ", " adjustments "]
    ]


def test_it_should_say_in_one_line_with_a_hint_when_a_store_cannot_be_opened(
    tmp_path: Path,
) -> None:
    not_a_store = tmp_path / "reps.csv"
    not_a_store.write_text("rep_id,name\nR1,A\n" * 100)
    for db in (str(not_a_store), "postgresql+psycopg://nobody@127.0.0.1:1/none"):
        code, output = cli("runs", "--db", db)
        assert code == 1
        [line] = output.splitlines()
        assert ": cannot open the store (" in line
        assert line.endswith(
            "Hint: check that --db names a compengine store, and that its server runs and lets "
            "this user in."
        )
