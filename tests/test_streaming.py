"""``run --streaming``: Parquet scanned lazily, the streaming engine, the same results."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner, Result

from compengine.cli import app
from compengine.data.read import ROW, read
from compengine.data.schema import TABLES
from compengine.generate import TABLE_ORDER
from tests.conftest import PLANS
from tests.data.folder import PLAN, ROWS, as_parquet, folder

ALL_PLANS = sorted(PLANS.glob("*.yaml"))
DATES = ("hire_date", "termination_date", "date", "opened", "resolved")


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def to_parquet(data: Path) -> None:
    """Each CSV as Parquet in row groups of 100 rows: text cells, and dates as dates."""
    for csv in sorted(data.glob("*.csv")):
        frame = pl.read_csv(csv, infer_schema=False)
        frame = frame.with_columns(pl.col(c).str.to_date() for c in DATES if c in frame.columns)
        frame.write_parquet(csv.with_suffix(".parquet"), row_group_size=100)
        csv.unlink()


def run(plan: Path, data: Path, out: Path, *extra: str) -> Result:
    return invoke(
        "run", plan, "--data", data, "--out", out, "--db", out.parent / f"{out.name}.db",
        "--no-audit-xlsx", *extra,
    )  # fmt: skip


@pytest.mark.parametrize("plan", ALL_PLANS, ids=lambda p: p.stem)
def test_it_should_pay_every_plan_the_same_to_the_cent_when_streaming(
    plan: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    generated = invoke(
        "generate", data, "--reps", "60", "--months", "4", "--seed", "7", "--plan", plan
    )
    assert generated.exit_code == 0, generated.output
    to_parquet(data)
    assert sorted(p.name for p in data.iterdir()) == sorted(f"{t}.parquet" for t in TABLE_ORDER)

    plain = run(plan, data, tmp_path / "plain")
    streamed = run(plan, data, tmp_path / "streamed", "--streaming")

    assert plain.exit_code == 0, plain.output
    assert streamed.exit_code == 0, streamed.output
    for name in ("payouts.csv", "measures.csv"):
        expected = (tmp_path / "plain" / name).read_bytes()
        assert (tmp_path / "streamed" / name).read_bytes() == expected, name
    payouts = pl.read_csv(tmp_path / "plain" / "payouts.csv", infer_schema=False)
    assert payouts["rep_id"].n_unique() == 60
    quarterly = "period: quarter" in plan.read_text()
    periods = ["2027-Q1", "2027-Q2"] if quarterly else ["2027-01", "2027-02", "2027-03", "2027-04"]
    assert sorted(payouts["period"].unique()) == periods
    # the same input files, rows and hashes recorded
    inputs = [
        json.loads((tmp_path / out / "manifest.json").read_text())["inputs"]
        for out in ("plain", "streamed")
    ]
    assert inputs[0] == inputs[1]
    assert inputs[0]["reps"]["rows"] == 60


def parquet_folder(root: Path, add: dict[str, str] | None = None) -> Path:
    data = folder(root, add=add)
    for table in ROWS:
        as_parquet(data, table)
    return data


def refusals(root: Path, data: Path) -> tuple[Result, Result]:
    (root / "plan.yaml").write_text(PLAN)
    plain = run(root / "plan.yaml", data, root / "plain")
    streamed = run(root / "plan.yaml", data, root / "streamed", "--streaming")
    for result in (plain, streamed):
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
    assert streamed.stderr == plain.stderr
    assert not (root / "plain").exists()
    assert not (root / "streamed").exists()
    return plain, streamed


def test_it_should_report_a_bad_parquet_cell_as_without_streaming(tmp_path: Path) -> None:
    # events has ROWS["events"] data rows: the appended one is data row 3
    data = parquet_folder(tmp_path, add={"events": "E3,R1,,2027-01-32,referral,\n"})
    _, streamed = refusals(tmp_path, data)
    assert streamed.stderr.splitlines() == [
        "error events.parquet row 3, column date: '2027-01-32' is not a date. "
        "Hint: write dates as YYYY-MM-DD."
    ]


def test_it_should_name_a_misnamed_parquet_column_as_without_streaming(tmp_path: Path) -> None:
    data = parquet_folder(tmp_path)
    events = pl.read_parquet(data / "events.parquet")
    events.rename({"kind": "Kind"}).with_columns(note=pl.lit("x")).write_parquet(
        data / "events.parquet"
    )
    _, streamed = refusals(tmp_path, data)
    assert streamed.stderr.splitlines()[0] == (
        "error events.parquet: column kind is missing. Hint: rename column 'Kind' to kind; "
        "the header needs event_id, rep_id, account_id, date, kind, value."
    )


def test_it_should_report_a_damaged_parquet_file_as_without_streaming(tmp_path: Path) -> None:
    data = parquet_folder(tmp_path)
    (data / "events.parquet").write_bytes(b"not parquet")
    _, streamed = refusals(tmp_path, data)
    assert streamed.stderr.startswith("error events.parquet: not a readable Parquet (")


def test_it_should_scan_a_parquet_file_to_the_cells_a_read_gives(tmp_path: Path) -> None:
    data = parquet_folder(tmp_path)
    path = data / "events.parquet"
    # a third row holds only a note, a fourth nothing: the fourth is blank, the third is not
    notes = pl.DataFrame({"note": ["only a note", "  "]})
    frame = pl.read_parquet(path).with_columns(note=pl.Series(["x", None]))
    pl.concat([frame, notes], how="diagonal").write_parquet(path)
    eager = read(path, TABLES["events"])
    scanned = read(path, TABLES["events"], streaming=True)
    names = ["event_id", "rep_id", "account_id", "date", "kind", "value"]
    assert scanned.frame.columns == [ROW, *names, "note"]  # extra columns are kept
    assert scanned.frame.equals(eager.frame)
    assert scanned.frame.rows() == [
        (1, "E1", "R1", "A1", "2027-01-15", "referral", None, "x"),
        (2, "E2", "R2", None, "2027-02-15", "testimonial", "0.5", None),
        (3, None, None, None, None, None, None, "only a note"),
    ]
    assert scanned.sha256 == eager.sha256


HEADER = b"event_id,rep_id,account_id,date,kind,value"


@pytest.mark.parametrize(
    "body",
    [
        HEADER + b"\nE1,R1,A1,2027-01-15,referral,\n",
        b"\xef\xbb\xbf" + HEADER + b"\r\nE1,R1,A1,2027-01-15,referral,0.5\r\n",  # BOM, CRLF
        HEADER + b"\n,,,,,\nE2, R2 ,,2027-02-15,  testimonial ,\n\n",  # blank rows, spaces
        HEADER + b',note\nE1,R1,A1,2027-01-15,"two\nlines",1,x\n',  # quoted newline, extra
        HEADER + b"\n",  # a header only
    ],
    ids=["plain", "bom-crlf", "blank-rows-spaces", "quoted-newline-extra", "header"],
)
def test_it_should_scan_a_csv_file_to_the_cells_a_read_gives(tmp_path: Path, body: bytes) -> None:
    """(Text that is not UTF-8 both refuse alike: tests/data/test_read.py.)"""
    path = tmp_path / "events.csv"
    path.write_bytes(body)
    eager = read(path, TABLES["events"])
    scanned = read(path, TABLES["events"], streaming=True)
    assert scanned.frame.equals(eager.frame)
    assert scanned.sha256 == eager.sha256


def test_it_should_not_read_the_whole_file_when_it_scans_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(HEADER + b"\nE1,R1,A1,2027-01-15,referral,0.5\n")

    def refuse(_path: Path) -> bytes:
        raise AssertionError("the eager read ran")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    scanned = read(path, TABLES["events"], streaming=True)
    assert scanned.frame.rows() == [(1, "E1", "R1", "A1", "2027-01-15", "referral", "0.5")]
