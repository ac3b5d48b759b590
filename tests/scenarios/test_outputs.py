"""The compare and sweep commands: files that open, formulas that recalculate, clear errors."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from compengine.cli import app
from compengine.plan.load import load_plan
from tests.conftest import EXAMPLES, PLANS

SMALL = EXAMPLES / "small" / "data"
RF = PLANS / "relationship-first.yaml"
PNG = b"\x89PNG\r\n\x1a\n"
CHARTS = ("change_distribution.png", "cost_by_component.png", "pay_vs_report_card.png")


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("compare") / "out"
    code, output = _invoke(
        "compare", str(RF), "--data", str(SMALL), "--out", str(out),
        "--set", "components.relationship_bonus.target_share=0.3",
    )  # fmt: skip
    assert code == 0, output
    return out


def test_it_should_write_charts_that_are_png_images(compared: Path) -> None:
    for name in CHARTS:
        data = (compared / name).read_bytes()
        assert data[:8] == PNG, name
        assert len(data) > 5_000, name


def test_it_should_write_the_variant_plan_it_compared(compared: Path) -> None:
    plan = load_plan(compared / "proposed.yaml").plan
    share = plan.components["relationship_bonus"].target_share  # type: ignore[union-attr]
    assert share == Decimal("0.3")


def test_it_should_write_a_workbook_with_difference_formulas(compared: Path) -> None:
    book = load_workbook(compared / "comparison.xlsx")
    assert book.sheetnames == ["Summary", "Reps", "Components", "Periods"]
    reps = book["Reps"]
    rows = _csv(compared / "comparison.csv")
    assert [c.value for c in reps[1]] == list(rows[0])
    assert reps.max_row == len(rows) + 1
    assert reps["F2"].value == "=E2-D2"
    assert reps["G2"].value == '=IF(D2=0,"",ROUND(F2/ABS(D2)*100,2))'
    for i, row in enumerate(rows, start=2):
        assert reps[f"A{i}"].value == row["rep_id"]
        assert Decimal(str(reps[f"D{i}"].value)) == Decimal(row["base"])
        assert Decimal(str(reps[f"E{i}"].value)) == Decimal(row["proposed"])
    components = book["Components"]
    assert components["A4"].value == "relationship_bonus"
    assert components["D4"].value == "=C4-B4"


def test_it_should_not_leave_an_earlier_variant_beside_a_new_comparison(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = _invoke(
        "compare", str(RF), "--data", str(SMALL), "--out", str(out), "--set", "decimals=0"
    )
    assert code == 0, output
    assert (out / "proposed.yaml").exists()
    code, output = _invoke("compare", str(RF), str(RF), "--data", str(SMALL), "--out", str(out))
    assert code == 0, output
    assert not (out / "proposed.yaml").exists()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["comparison.csv", "comparison.xlsx", *CHARTS]
    )


def test_it_should_print_the_cost_winners_and_the_relationship_answer(
    tmp_path: Path,
) -> None:
    code, output = _invoke(
        "compare", str(RF), "--data", str(SMALL), "--out", str(tmp_path / "o"),
        "--set", "components.relationship_bonus.target_share=0.3",
    )  # fmt: skip
    assert code == 0, output
    assert "total cost" in output
    assert "67,592.03" in output  # the expected payouts.csv totals add up to this
    assert "12 reps gain, 0 lose, 0 unchanged" in output
    assert "Does the proposal pay good relationship behaviour more?" in output
    assert not re.search(r"\[/?(green|red|dim)\]", output)  # styles, never markup as text
    shares = re.search(r"relationship share +([\d.]+)% +([\d.]+)% +([+-][\d.]+) pts", output)
    assert shares, output  # the change of the share in points, as plain text
    base, proposed, change = (Decimal(v) for v in shares.groups())
    assert change == proposed - base


def _soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None and os.environ.get("CI") != "true":
        pytest.skip("LibreOffice (soffice) is not installed")
    assert found is not None, "CI needs LibreOffice: .ci/run installs libreoffice-calc-nogui"
    return found


def test_it_should_recalculate_the_differences_in_libreoffice_to_the_csv(
    compared: Path, tmp_path: Path
) -> None:
    soffice = _soffice()
    assert soffice is not None
    profile = tmp_path / "profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--calc",
         "--convert-to", "xlsx", "--outdir", str(tmp_path / "recalc"),
         str(compared / "comparison.xlsx")],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    book = load_workbook(tmp_path / "recalc" / "comparison.xlsx", data_only=True)
    reps = book["Reps"]
    rows = _csv(compared / "comparison.csv")
    for i, row in enumerate(rows, start=2):
        difference = Decimal(str(reps[f"F{i}"].value)).quantize(Decimal("0.01"))
        assert difference == Decimal(row["difference"]), row
        pct = reps[f"G{i}"].value
        expected = row["change_pct"]
        assert (pct in (None, "")) == (expected == ""), row
        if expected:
            assert Decimal(str(pct)).quantize(Decimal("0.01")) == Decimal(expected), row
    summary = book["Summary"]
    counts = {summary[f"A{r}"].value: summary[f"B{r}"].value for r in range(1, summary.max_row + 1)}
    gains = sum(1 for r in rows if Decimal(r["difference"]) > 0)
    assert counts["reps who gain"] == gains == 12
    assert counts["reps unchanged"] == 0
    components = book["Components"]
    total_row = components.max_row
    assert components[f"A{total_row}"].value == "total"
    assert Decimal(str(components[f"D{total_row}"].value)).quantize(Decimal("0.01")) == sum(
        Decimal(r["difference"]) for r in rows
    )


def test_it_should_sweep_and_write_a_table_and_a_curve(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    code, output = _invoke(
        "sweep", str(RF), "--data", str(SMALL), "--out", str(out),
        "--vary", "components.relationship_bonus.target_share=0.1:0.3:0.1",
    )  # fmt: skip
    assert code == 0, output
    assert (out / "sweep.png").read_bytes()[:8] == PNG
    rows = _csv(out / "sweep.csv")
    assert [r["value"] for r in rows] == ["0.1", "0.2", "0.3"]
    expected = _csv(EXAMPLES / "small" / "expected-relationship-first" / "payouts.csv")
    plan_row = rows[1]  # 0.2 is the plan as written: its cost is the expected payouts'
    assert Decimal(plan_row["total_cost"]) == sum(Decimal(r["total"]) for r in expected)
    for name in ("revenue_commission", "relationship_bonus", "adjustments"):
        assert Decimal(plan_row[name]) == sum(Decimal(r[name]) for r in expected)
    costs = [Decimal(r["total_cost"]) for r in rows]
    shares = [Decimal(r["relationship_share_pct"]) for r in rows]
    assert costs == sorted(costs)
    assert shares == sorted(shares)
    assert "0.2 (plan)" in output
    assert not re.search(r"\[/?(green|red|dim)\]", output)  # styles, never markup as text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", str(RF)], "nothing to compare. Hint: give PROPOSED.yaml"),
        (["compare", str(RF), "--set", "components.relationship_bonus.target_shar=0.3"],
         "did you mean 'target_share'?"),
        (["compare", str(RF), "--set", "components.relationship_bonus.target_share=0.95"],
         "bonus target shares add up to 1.15. Hint: they may not exceed 1."),
        (["compare", str(RF), str(PLANS / "weighted-scorecard.yaml")],
         "period: quarter, but "),
        (["sweep", str(RF), "--vary", "components.relationship_bonus.target_share"],
         "expected PATH=START:STOP:STEP"),
        (["sweep", str(RF), "--vary", "components.relationship_bonus.target_share=0.3:0.1:0.1"],
         "needs START <= STOP and STEP > 0"),
        (["sweep", str(RF), "--vary", "components.relationship_bonus.target_share=0.5:0.9:0.2"],
         # 0.5 and 0.7 fit beside feedback 0.10 and recovery 0.10; 0.9 does not
         "--vary components.relationship_bonus.target_share=0.9, components: bonus target "
         "shares add up to 1.10."),
        (["sweep", str(RF), "--vary", "decimals=0:a:1"], "must be numbers"),
    ],
)  # fmt: skip
def test_it_should_exit_2_with_a_clear_message(
    args: list[str], message: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code, output = _invoke(*args, "--data", str(SMALL), "--out", str(out))
    assert code == 2, output
    assert message in " ".join(output.split()), output
    assert not out.exists() or not any(out.iterdir())


def test_it_should_exit_2_when_the_data_is_wrong(tmp_path: Path) -> None:
    code, output = _invoke(
        "compare", str(RF), "--data", str(tmp_path / "missing"), "--out", str(tmp_path / "o"),
        "--set", "decimals=0",
    )  # fmt: skip
    assert code == 2
    assert "no such data folder" in output


def test_it_should_compare_only_the_periods_asked_for(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = _invoke(
        "compare", str(RF), "--data", str(SMALL), "--out", str(out),
        "--from", "2027-02", "--to", "2027-02", "--set", "components.account_growth.rate=0.02",
    )  # fmt: skip
    assert code == 0, output
    periods = load_workbook(out / "comparison.xlsx")["Periods"]
    assert [periods.cell(r, 1).value for r in range(2, periods.max_row + 1)] == ["2027-02", "total"]
    expected = _csv(EXAMPLES / "small" / "expected-relationship-first" / "payouts.csv")
    february = [r for r in expected if r["period"] == "2027-02"]
    rows = _csv(out / "comparison.csv")
    base = {r["rep_id"]: Decimal(r["base"]) for r in rows}
    assert base == {r["rep_id"]: Decimal(r["total"]) for r in february}
