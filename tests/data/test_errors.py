"""Bad input as a first-class path: where each message points, how many, and in which formats."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from compengine.data.inputs import load_inputs
from compengine.data.read import plain_float
from compengine.data.schema import PERIOD_COLUMN
from compengine.errors import InputDataError, Reason
from tests.data.folder import (
    GOOD,
    ROWS,
    as_parquet,
    as_xlsx,
    as_xlsx_cells,
    assert_names,
    folder,
    load,
    messages,
    only,
    plan,
    quarterly,
    refuse,
)
from tests.data.folder import PLAN as PLAN_TEXT


def test_it_should_load_the_good_folder_without_a_problem(tmp_path: Path) -> None:
    inputs = load(folder(tmp_path))
    # two reps employed all of 2027-01 and 2027-02
    assert inputs.rows.height == 4
    assert sum(inputs.ignored.values()) == 0


# --- the same row number, as the user sees it, in each format -------------------------------


def test_it_should_name_the_1_based_data_row_of_a_csv(tmp_path: Path) -> None:
    data = folder(tmp_path, add={"events": "E3,R1,,2027-01-32,referral,\n"})
    message = only(refuse(data), Reason.UNPARSABLE)
    assert_names(message, "events.csv", ROWS["events"] + 1, "date", "'2027-01-32'")
    assert "Hint: write dates as YYYY-MM-DD." in message


def test_it_should_name_the_1_based_data_row_of_a_parquet_file(tmp_path: Path) -> None:
    data = folder(tmp_path, add={"events": "E3,R1,,2027-01-32,referral,\n"})
    as_parquet(data, "events")
    message = only(refuse(data), Reason.UNPARSABLE)
    assert_names(message, "events.parquet", ROWS["events"] + 1, "date", "'2027-01-32'")


def test_it_should_name_the_spreadsheet_row_of_an_xlsx_file(tmp_path: Path) -> None:
    data = folder(tmp_path, add={"events": "E3,R1,,2027-01-32,referral,\n"})
    as_xlsx(data, "events")
    message = only(refuse(data), Reason.UNPARSABLE)
    # the header is spreadsheet row 1, so data row 3 is spreadsheet row 4
    assert_names(message, "events.xlsx", ROWS["events"] + 2, "date", "'2027-01-32'")


def test_it_should_read_excel_dates_and_numbers_as_the_cells_show_them(tmp_path: Path) -> None:
    data = folder(tmp_path)
    as_xlsx(data, "reps")
    inputs = load(data)
    assert inputs.files["reps"].label == "reps.xlsx"
    assert inputs.rows.height == 4


# --- what does not parse --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "line", "column", "value", "hint"),
    [
        ("transactions", "T3,R1,A1,2027-01-05,12.3.4,,\n", "amount", "'12.3.4'", "1234.50"),
        ("transactions", "T3,R1,A1,2027-01-05,1e3,,\n", "amount", "'1e3'", "1234.50"),
        # without its point, the text would read as a signed integer: +5 and -5
        ("transactions", "T3,R1,A1,2027-01-05,.+5,,\n", "amount", "'.+5'", "1234.50"),
        ("transactions", "T3,R1,A1,2027-01-05,.-5,,\n", "amount", "'.-5'", "1234.50"),
        ("transactions", "T3,R1,A1,2027-01-05,1.-5,,\n", "amount", "'1.-5'", "1234.50"),
        ("transactions", "T3,R1,A1,2027-01-05,.,,\n", "amount", "'.'", "1234.50"),
        ("transactions", "T3,R1,A1,2027-01-05,-,,\n", "amount", "'-'", "1234.50"),
        ("transactions", 'T3,R1,A1,2027-01-05,"1,000",,\n', "amount", "'1,000'", "1234.50"),
        ("transactions", "T3,R1,A1,05/01/2027,10,,\n", "date", "'05/01/2027'", "YYYY-MM-DD"),
        ("quotas", "R1,2027-13,10\n", "period", "'2027-13'", "YYYY-MM"),
        ("quotas", "R1,2027-Q1,10\n", "period", "'2027-Q1'", "a month YYYY-MM."),
        ("adjustments", "R1,Jan 2027,10,bonus\n", "period", "'Jan 2027'", "YYYY-MM"),
        ("reps", "R3,Cy,,2026-02-30,,100\n", "hire_date", "'2026-02-30'", "YYYY-MM-DD"),
        ("events", "E3,R1,,2027-01-15,referral,one\n", "value", "'one'", "1234.50"),
        # digits of another script look like numbers to str.isdigit but are not plain decimals
        ("transactions", "T3,R1,A1,2027-01-05,\u0661\u0662,,\n", "amount", "'١٢'", "1234.50"),
        ("quotas", "R1,\u0662\u0660\u0662\u0667-01,10\n", "period", "'٢٠٢٧-01'", "YYYY-MM"),
    ],
)
def test_it_should_refuse_a_value_that_does_not_parse(
    tmp_path: Path, table: str, line: str, column: str, value: str, hint: str
) -> None:
    error = refuse(folder(tmp_path, add={table: line}))
    message = only(error, Reason.UNPARSABLE)
    assert_names(message, f"{table}.csv", ROWS[table] + 1, column, value)
    assert hint in message.split("Hint: ")[1]


def test_it_should_allow_a_quarter_in_quotas_and_adjustments_of_a_quarterly_plan_only(
    tmp_path: Path,
) -> None:
    data = folder(tmp_path, add={"grades": "R1,A1,2027-Q1,listens,A,\n"})
    message = only(refuse(data, quarterly()), Reason.UNPARSABLE)
    assert_names(message, "grades.csv", ROWS["grades"] + 1, "period", "'2027-Q1'")
    assert "Hint: write a month YYYY-MM." in message


def test_it_should_refuse_a_number_with_more_digits_than_exact_arithmetic_holds(
    tmp_path: Path,
) -> None:
    data = folder(tmp_path, add={"transactions": "T3,R1,A1,2027-01-05,0.1234567890123,,\n"})
    message = only(refuse(data), Reason.PRECISION)
    assert_names(message, "transactions.csv", 4, "amount", "'0.1234567890123'")


@pytest.mark.parametrize(
    "amount",
    [
        "9" * 39,  # more than an Int128 holds: refused for its digits, not as text
        "-" + "1" * 45,
        "1" * 40 + ".5",
        "0.00" + "7" * 40,
    ],
)
def test_it_should_refuse_a_number_too_long_for_an_int128_for_its_digits(
    tmp_path: Path, amount: str
) -> None:
    data = folder(tmp_path, add={"transactions": f"T3,R1,A1,2027-01-05,{amount},,\n"})
    message = only(refuse(data), Reason.PRECISION)
    assert_names(message, "transactions.csv", 4, "amount", f"'{amount}'")
    assert "more digits than exact arithmetic holds" in message


@pytest.mark.parametrize(
    ("amount", "paid"),
    [(".5", "0.50"), ("+.5", "0.50"), ("-.5", "-0.50"), ("5.", "5.00"), ("+5", "5.00")],
)
def test_it_should_read_a_number_written_without_digits_on_one_side_of_its_point(
    tmp_path: Path, amount: str, paid: str
) -> None:
    data = folder(tmp_path, add={"transactions": f"T3,R1,A1,2027-01-05,{amount},,\n"})
    inputs = load(data)
    rows = inputs.tables["transactions"].filter(pl.col("txn_id") == "T3")
    scale = inputs.scales["transactions"]["amount"]
    assert Decimal(rows["amount"].item()).scaleb(-scale) == Decimal(paid)


def test_it_should_refuse_a_number_too_large_for_its_column_s_decimals(tmp_path: Path) -> None:
    # 28 digits fit alone, but at the 12 decimals another cell of the column has, the value
    # would need 40 digits: more than an Int128 holds, so it is an error, not an empty cell.
    data = folder(
        tmp_path,
        add={
            "transactions": "T3,R1,A1,2027-01-05,1234567890123456789012345678,,\n"
            "T4,R1,A1,2027-01-05,0.000000000001,,\n"
        },
    )
    message = only(refuse(data), Reason.PRECISION)
    assert_names(message, "transactions.csv", 4, "amount", "'1234567890123456789012345678'")
    assert "12 decimals" in message


@pytest.mark.parametrize(
    ("table", "line", "column"),
    [
        ("reps", "R3,,,2026-01-01,,100\n", "name"),
        ("reps", "R3,Cy,,,,100\n", "hire_date"),
        ("reps", "R3,Cy,,2026-01-01,,\n", "target_incentive"),
        ("transactions", "T3,R1,,2027-01-05,10,,\n", "account_id"),
        ("grades", "R1,A3,2027-01,listens,,\n", "grade"),
        ("events", "E3,R1,,2027-01-15,,\n", "kind"),
        ("adjustments", "R1,2027-01,10,\n", "reason"),
        ("quotas", ",2027-01,10\n", "rep_id"),
    ],
)
def test_it_should_refuse_an_empty_required_value(
    tmp_path: Path, table: str, line: str, column: str
) -> None:
    # a new rep R3 gets its quotas, so the empty value is the only problem
    add = {table: line} | ({"quotas": "R3,2027-01,1\nR3,2027-02,1\n"} if table == "reps" else {})
    message = only(refuse(folder(tmp_path, add=add)), Reason.EMPTY_VALUE)
    assert_names(message, f"{table}.csv", ROWS[table] + 1, column, "empty")


# --- missing or unreadable tables ------------------------------------------------------------


def test_it_should_refuse_a_folder_without_reps_and_say_nothing_else(tmp_path: Path) -> None:
    data = folder(tmp_path, {"reps": None})
    message = only(refuse(data), Reason.MISSING_TABLE)
    assert message.startswith(f"{data}: no reps.csv, .parquet or .xlsx.")
    assert "Hint: add it with columns rep_id, name, manager_id, hire_date" in message


def test_it_should_require_quotas_when_the_plan_uses_tiers(tmp_path: Path) -> None:
    data = folder(tmp_path, {"quotas": None})
    message = only(refuse(data), Reason.MISSING_TABLE)
    assert "no quotas.csv" in message
    assert "(the plan uses attainment or tiers)" in message
    # a flat-rate plan without attainment does not need it
    flat = plan(
        **{
            "  attainment: {attainment: revenue}\n": "",
            "    tiers: [{from: 0, rate: 0.05}, {from: 1, rate: 0.1}]": "    rate: 0.05",
        }
    )
    assert load(data, flat).quotas is None


def test_it_should_name_each_missing_column_and_not_blame_other_tables(tmp_path: Path) -> None:
    data = folder(
        tmp_path, {"reps": "rep_id,name,hire_date,target_incentive\nR1,Ann,2026-01-01,5\n"}
    )
    error = refuse(data)
    assert error.messages == [
        f"reps.csv: column {column} is missing. Hint: the header needs rep_id, name, "
        "manager_id, hire_date, termination_date, target_incentive."
        for column in ("manager_id", "termination_date")
    ]
    assert error.reason == Reason.MISSING_COLUMN


@pytest.mark.parametrize(
    ("table", "row", "long"),
    [("reps", "R1,Ann Lee,,2026-01-01,,12000\n", "R1,Ann Lee,,2026-01-01,,12000,x\n"),
     ("quotas", "R2,2027-01,2000\n", "R2,2027-01,2000,x\n")],
)  # fmt: skip
def test_it_should_not_check_other_tables_against_a_table_short_of_its_long_rows(
    tmp_path: Path, table: str, row: str, long: str
) -> None:
    """R1 is not 'unknown' elsewhere, nor R2's quota 'missing': its row was not read."""
    error = refuse(folder(tmp_path, {table: GOOD[table].replace(row, long)}))
    assert len(error.messages) == 1, error.messages
    assert error.messages[0].startswith(f"{table}.csv row ")
    assert "fields, the header has" in error.messages[0]


def test_it_should_cap_long_rows_at_20_lines_then_a_count(tmp_path: Path) -> None:
    extra = "".join(f"E{i},R1,,2027-01-15,referral,1,oops\n" for i in range(3, 28))
    error = refuse(folder(tmp_path, add={"events": extra}))
    assert len(error.messages) == 21
    assert error.messages[19].startswith("events.csv row 22: 7 fields")  # rows 3 to 22
    assert error.messages[20] == "events.csv: 5 more rows like these."
    assert error.count == 25


def test_it_should_not_sum_the_splits_of_a_transaction_short_of_a_long_row(
    tmp_path: Path,
) -> None:
    long = GOOD["transactions"].replace(
        "T2,R2,A2,2027-02-10,800,existing,0.5\n", "T2,R2,A2,2027-02-10,800,existing,0.5,x\n"
    )
    error = refuse(folder(tmp_path, {"transactions": long}))
    assert len(error.messages) == 1, error.messages  # not also "splits of 'T2' add up to 0.5"
    assert error.messages[0].startswith("transactions.csv row 3: 8 fields")


def test_it_should_refuse_only_the_long_rows_of_a_file_with_a_bare_carriage_return(
    tmp_path: Path,
) -> None:
    """csv (and an editor) end a line at a bare CR outside quotes, polars does not: the rows
    cannot be matched, so the file is refused with its long rows, numbered as csv does
    (the CR's line is row 4)."""
    extra = "E3,R1,,2027-01-15,refer\rral,1\nE4,R1,,2027-01-15,referral,1,oops\n"
    error = refuse(folder(tmp_path, add={"events": extra}))
    assert error.messages == [
        "events.csv row 5: 7 fields, the header has 6. "
        "Hint: quote values that hold a comma, or remove the extra fields."
    ]


def test_it_should_refuse_two_files_for_one_table(tmp_path: Path) -> None:
    data = folder(tmp_path)
    as_parquet(data, "events")
    (data / "events.csv").write_text(GOOD["events"])
    message = only(refuse(data), Reason.DUPLICATE)
    assert "events.csv, events.parquet all hold events. Hint: keep one." in message


def test_it_should_name_every_csv_row_with_more_fields_than_the_header(tmp_path: Path) -> None:
    """The long rows are left out; the other rows' problems are reported beside them."""
    extra = "E3,R1,,2027-01-15,referral,1,oops\nE4,R1,,2027-01-1x,referral,1\nE5,R1,,x,y,1,2\n"
    error = refuse(folder(tmp_path, add={"events": extra}))
    assert error.reason == Reason.UNPARSABLE
    assert error.messages == [
        "events.csv row 3: 7 fields, the header has 6. "
        "Hint: quote values that hold a comma, or remove the extra fields.",
        "events.csv row 5: 7 fields, the header has 6. "
        "Hint: quote values that hold a comma, or remove the extra fields.",
        "events.csv row 4, column date: '2027-01-1x' is not a date. "
        "Hint: write dates as YYYY-MM-DD.",
    ]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("events.csv", b"", "events.csv: the file is empty. Hint: the first line is the header"),
        ("events.parquet", b"not parquet", "events.parquet: not a readable Parquet ("),
        ("events.xlsx", b"not a workbook", "events.xlsx: not a readable Excel workbook ("),
    ],
)
def test_it_should_refuse_an_empty_or_damaged_file_without_a_traceback(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    data = folder(tmp_path, {"events": None})
    (data / name).write_bytes(content)
    message = only(refuse(data), Reason.UNPARSABLE)
    assert message.startswith(expected)
    assert "Hint: " in message


def test_it_should_refuse_a_data_folder_that_does_not_exist(tmp_path: Path) -> None:
    message = only(refuse(tmp_path / "nowhere"), Reason.MISSING_TABLE)
    assert message == (
        f"{tmp_path / 'nowhere'}: no such data folder. "
        "Hint: give --data the folder that holds reps.csv and the other tables."
    )


def test_it_should_refuse_a_file_given_as_the_data_folder(tmp_path: Path) -> None:
    reps = folder(tmp_path) / "reps.csv"
    assert only(refuse(reps), Reason.MISSING_TABLE) == (
        f"{reps}: a file, not a data folder. "
        "Hint: give --data the folder that holds reps.csv and the other tables."
    )


def test_it_should_say_once_that_a_line_is_not_the_header(tmp_path: Path) -> None:
    """A title line above the header, another separator, a title row in a workbook: one line
    each, naming what was read, not a missing column each and a row too long each."""
    data = folder(tmp_path)
    (data / "quotas.csv").write_text("Quotas FY2027\n" + GOOD["quotas"])
    (data / "events.csv").write_text(GOOD["events"].replace(",", ";"))
    as_xlsx(data, "feedback")
    book = openpyxl.load_workbook(data / "feedback.xlsx")
    sheet = book.active
    assert sheet is not None
    sheet.insert_rows(1)
    sheet["A1"] = "Feedback log"
    book.save(data / "feedback.xlsx")
    assert refuse(data).messages == [  # in the tables' order
        "quotas.csv: the header reads 'Quotas FY2027', which names none of the quotas table's "
        "columns. Hint: the header is the first line (remove any line above it): rep_id, "
        "period, quota.",
        "feedback.xlsx: the header reads 'Feedback log', which names none of the feedback "
        "table's columns. Hint: the header is the first non-blank row of the workbook's first "
        "sheet: feedback_id, rep_id, account_id, source, opened, resolved.",
        "events.csv: the header reads 'event_id;rep_id;account_id;date;kind;value', which names "
        "none of the events table's columns. Hint: its cells are separated by ';', not commas; "
        "the header is the first line (remove any line above it): event_id, rep_id, "
        "account_id, date, kind, value.",
    ]


def test_it_should_name_each_column_of_a_header_in_another_case(tmp_path: Path) -> None:
    """An Excel export's Rep_ID, Period and QUOTA are the header: each gets its rename."""
    data = folder(tmp_path)
    (data / "quotas.csv").write_text("Rep ID,Period ,QUOTA\nR1,2027-01,1000\n")
    assert refuse(data).messages == [
        f"quotas.csv: column {column} is missing. Hint: rename column '{written}' to {column}; "
        "the header needs rep_id, period, quota."
        for column, written in (("rep_id", "Rep ID"), ("period", "Period "), ("quota", "QUOTA"))
    ]


def test_it_should_show_a_title_line_as_written(tmp_path: Path) -> None:
    """Excel saves a title row with a comma per empty cell: shown so, not as polars names them."""
    data = folder(tmp_path)
    (data / "quotas.csv").write_text("Quotas FY2027,,\n" + GOOD["quotas"])
    assert refuse(data).messages == [
        "quotas.csv: the header reads 'Quotas FY2027,,', which names none of the quotas "
        "table's columns. Hint: the header is the first line (remove any line above it): "
        "rep_id, period, quota."
    ]


def test_it_should_name_a_tab_as_the_separator(tmp_path: Path) -> None:
    data = folder(tmp_path)
    (data / "quotas.csv").write_text(GOOD["quotas"].replace(",", "\t"))
    assert refuse(data).messages == [
        "quotas.csv: the header reads 'rep_id\\tperiod\\tquota', which names none of the "
        "quotas table's columns. Hint: its cells are separated by '\\t', not commas; the "
        "header is the first line (remove any line above it): rep_id, period, quota."
    ]


def test_it_should_refuse_a_reps_table_without_rows_once(tmp_path: Path) -> None:
    """Not once for each row of the other tables, whose reps are all unknown."""
    data = folder(tmp_path, tables={"reps": GOOD["reps"].splitlines()[0]})
    assert refuse(data).messages == [
        "reps.csv: no rows, only the header. Hint: add a row for each rep."
    ]


# --- all at once, at most 20 lines per rule -------------------------------------------------


def test_it_should_report_every_rule_of_every_file_in_one_run(tmp_path: Path) -> None:
    data = folder(
        tmp_path,
        add={
            "reps": "R1,Again,,2026-01-01,,100\nR3,Cy,,2026-05-01,2026-04-30,-1\n",
            "grades": "R1,A9,2027-01,listens,C,\nR9,A9,2027-01,listens,A,\n",
            "transactions": "T3,R1,A1,2027-01-05,abc,,\n",
            "events": "E1,R2,,2027-02-16,referral,\n",
        },
    )
    as_xlsx(data, "events")
    error = refuse(data)
    # values that do not parse first, table by table, then the rules between rows
    assert [(reason, message.split(":")[0]) for reason, message in error.problems] == [
        (Reason.UNPARSABLE, "transactions.csv row 4, column amount"),
        (Reason.INVALID_VALUE, "grades.csv row 4, column grade"),
        (Reason.DUPLICATE, "reps.csv row 3, column rep_id"),
        (Reason.INVALID_VALUE, "reps.csv row 4, column termination_date"),
        (Reason.INVALID_VALUE, "reps.csv row 4, column target_incentive"),
        (Reason.UNKNOWN_REP, "grades.csv row 5, column rep_id"),
        (Reason.DUPLICATE, "events.xlsx row 4, column event_id"),
    ]  # R3 left before 2027, so it needs no quota


def test_it_should_print_at_most_20_lines_per_rule_then_a_count(tmp_path: Path) -> None:
    bad_dates = "".join(f"E{n},R1,,2027-01-{n},referral,\n" for n in range(40, 65))  # 25 rows
    bad_grades = "".join(f"R1,A{n},2027-01,listens,C,\n" for n in range(3))
    error = refuse(folder(tmp_path, add={"events": bad_dates, "grades": bad_grades}))
    dates = messages(error, Reason.UNPARSABLE)
    assert len(dates) == 21
    assert dates[0].startswith("events.csv row 3, column date: '2027-01-40' is not a date.")
    assert dates[19].startswith("events.csv row 22, column date: '2027-01-59'")
    assert dates[20] == "events.csv: 5 more rows like these in column date."
    # another rule keeps its own 20
    assert len(messages(error, Reason.INVALID_VALUE)) == 3
    # every problem counts, the 5 the count line stands for too
    assert error.count == len(error.messages) - 1 + 5


def test_it_should_write_a_large_count_with_thousands_separators(tmp_path: Path) -> None:
    bad_dates = "".join(f"E{n},R1,,2027-01-xx,referral,\n" for n in range(10, 1035))  # 1,025
    error = refuse(folder(tmp_path, add={"events": bad_dates}))
    assert messages(error, Reason.UNPARSABLE)[20] == (
        "events.csv: 1,005 more rows like these in column date."
    )


def test_it_should_cap_missing_quotas_at_20_lines_then_a_count(tmp_path: Path) -> None:
    reps = GOOD["reps"] + "".join(f"N{n:02},New {n},,2026-01-01,,100\n" for n in range(11))
    found = messages(refuse(folder(tmp_path, {"reps": reps})), Reason.MISSING_QUOTA)
    # 11 new reps x 2 months = 22 rows without a quota
    assert len(found) == 21
    assert found[0] == (
        "quotas.csv, column quota: rep 'N00' has no quota for 2027-01, which the plan needs. "
        "Hint: add a row N00,2027-01,<quota>."
    )
    assert found[20] == "quotas.csv: 2 more quotas missing, column quota."


# --- the run's range -------------------------------------------------------------------------


def test_it_should_count_rows_outside_the_range_and_not_call_them_errors(tmp_path: Path) -> None:
    # a transaction in 2026-12 has no quota row, but the run starts in 2027-01
    data = folder(tmp_path, add={"transactions": "T3,R1,A1,2026-12-31,10,,\n"})
    inputs = load(data, period_from="2027-01")
    assert inputs.ignored["transactions"] == 1
    assert inputs.rows.height == 4
    # without --from the run starts in 2026-12 and needs its quotas
    found = messages(refuse(data), Reason.MISSING_QUOTA)
    assert [m.split(":")[1].split(",")[0] for m in found] == [
        " rep 'R1' has no quota for 2026-12",
        " rep 'R2' has no quota for 2026-12",
    ]


# the test plan's report card and revenue, paid at a flat rate: no quota needed
NO_QUOTA = PLAN_TEXT.split("  attainment:")[0] + (
    "components:\n  flat: {commission: revenue, rate: 0.1}\n"
)


def test_it_should_warn_of_rows_a_mistyped_year_sets_far_from_the_others(
    tmp_path: Path,
) -> None:
    """2207-02-05 for 2027-02-05 stretches the run over 180 years: named, with its row."""
    data = folder(tmp_path, add={"transactions": "T3,R2,A1,2207-02-05,10,,\n"})
    inputs = load(data, plan(NO_QUOTA))
    assert (inputs.first, inputs.last) == (2027 * 12, 2207 * 12 + 1)  # 2027-01 to 2207-02
    # 180 years and 2 months, of which 2027-01, 2027-02 and 2207-02 hold rows
    assert inputs.warnings == [
        "1 dated row lies a year or more from the others (2027-01 to 2027-02), such as "
        "transactions.csv row 4, column date: '2207-02-05'; the run's periods then span "
        "2027-01 to 2207-02, 2,159 of them without any input row. Hint: check those values, "
        "or give --from and --to."
    ]
    # With quotas, the quotas those periods lack are refused, and it is said before them,
    # not counted as one more problem.
    error = refuse(data)
    assert messages(error, Reason.MISSING_QUOTA)[0] == inputs.warnings[0]
    assert error.count == 2 * (2162 - 3)  # both reps' quotas after 2027-03; the note is none
    [given_from] = load(data, plan(NO_QUOTA), period_from="2027-01").warnings
    assert given_from.endswith("Hint: check those values, or give --to.")
    assert load(data, plan(NO_QUOTA), period_from="2027-01", period_to="2027-03").warnings == []


def test_it_should_count_every_far_row_and_name_the_furthest(tmp_path: Path) -> None:
    data = folder(
        tmp_path,
        add={"transactions": "T3,R2,A1,2207-02-05,10,,\n", "events": "E3,R1,,2017-01-15,x,\n"},
    )
    # 2017-01 to 2207-02: 190 years and 2 months, 4 of them with rows
    assert load(data, plan(NO_QUOTA)).warnings == [
        "2 dated rows lie a year or more from the others (2027-01 to 2027-02), such as "
        "transactions.csv row 4, column date: '2207-02-05'; the run's periods then span "
        "2017-01 to 2207-02, 2,278 of them without any input row. Hint: check those values, "
        "or give --from and --to."
    ]


def test_it_should_not_warn_of_periods_without_rows_within_a_year(tmp_path: Path) -> None:
    """A quiet season is no typo: 2027-03 to 2027-11 hold no row, 2027-12 does."""
    data = folder(tmp_path, add={"transactions": "T3,R2,A1,2027-12-05,10,,\n"})
    assert load(data, plan(NO_QUOTA)).warnings == []


def test_it_should_warn_of_adjustments_finer_than_the_plan_pays(tmp_path: Path) -> None:
    """10.005 with 2 decimals: the row's adjustments are rounded like a paid amount."""
    data = folder(tmp_path, add={"adjustments": "R2,2027-01,10.005,bonus\n"})
    assert load(data).warnings == [
        "adjustments.csv: 1 adjustment row of the run holds more than the plan's 2 decimals, "
        "such as row 2, column amount: '10.005'. Each rep and period's adjustments are "
        "summed, then rounded half_even to 2 decimals like a paid amount. Hint: write them "
        "in the plan's decimals to pay them as written."
    ]
    assert load(data, period_from="2027-02").warnings == []  # the row is not the run's


def test_it_should_count_ignored_rows_of_every_dated_table(tmp_path: Path) -> None:
    data = folder(tmp_path)
    inputs = load(data, period_from="2027-02", period_to="2027-02")
    # January: T1; two grades; F1; I1; E1. No January adjustment.
    assert inputs.ignored == {
        "transactions": 1,
        "grades": 2,
        "feedback": 1,
        "incidents": 1,
        "events": 1,
        "adjustments": 0,
    }


@pytest.mark.parametrize(
    ("period_from", "period_to", "expected"),
    [
        ("2027-13", None, "--from '2027-13' is not a month of this plan. Hint: write YYYY-MM."),
        ("2027-01", "2027-Q1", "--to '2027-Q1' is not a month of this plan. Hint: write YYYY-MM."),
        ("2027-02", "2027-01", "--from 2027-02 is after --to 2027-01. Hint: swap them."),
        (
            "2027-03",
            None,
            "--from 2027-03 is after 2027-02, the last period of the data. "
            "Hint: give an earlier --from, or --to as well.",
        ),
        (
            None,
            "2026-12",
            "--to 2026-12 is before 2027-01, the first period of the data. "
            "Hint: give a later --to, or --from as well.",
        ),
    ],
)
def test_it_should_refuse_a_bad_from_or_to(
    tmp_path: Path, period_from: str | None, period_to: str | None, expected: str
) -> None:
    error = refuse(folder(tmp_path), period_from=period_from, period_to=period_to)
    # only the range: no rows are built for a range that does not exist
    assert error.messages == [expected]


def test_it_should_ask_for_a_quarter_in_from_of_a_quarterly_plan(tmp_path: Path) -> None:
    error = refuse(folder(tmp_path), quarterly(), period_from="2027-01")
    assert error.messages == [
        "--from '2027-01' is not a quarter of this plan. Hint: write YYYY-Qn."
    ]


# --- what a user sees in the file is what the message says ----------------------------------


def test_it_should_keep_spreadsheet_row_numbers_across_blank_rows(tmp_path: Path) -> None:
    data = folder(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    # rows 1-2 blank, header on row 3, a blank row 5 between two data rows
    sheet.append([])
    sheet.append([])
    sheet.append(["event_id", "rep_id", "account_id", "date", "kind", "value"])
    sheet.append(["E1", "R1", None, datetime.date(2027, 1, 15), "referral", 1])
    sheet.append([])
    sheet.append(["E2", "R2", None, "2027-02-30", "testimonial", Decimal("0.5")])
    book.save(data / "events.xlsx")
    (data / "events.csv").unlink()
    message = only(refuse(data), Reason.UNPARSABLE)
    assert_names(message, "events.xlsx", 6, "date", "'2027-02-30'")


def test_it_should_read_excel_number_and_date_cells_as_plain_text(tmp_path: Path) -> None:
    data = folder(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["event_id", "rep_id", "account_id", "date", "kind", "value"])
    sheet.append(["E1", "R1", None, datetime.date(2027, 1, 15), "referral", 2])
    sheet.append(["E2", "R2", None, datetime.datetime(2027, 2, 15), "testimonial", 0.25])
    book.save(data / "events.xlsx")
    (data / "events.csv").unlink()
    inputs = load(data)
    events = inputs.tables["events"]
    assert events["date"].cast(str).to_list() == ["2027-01-15", "2027-02-15"]
    # 2 and 0.25 at scale 2: 200 and 25
    assert inputs.scales["events"]["value"] == 2
    assert events["value"].to_list() == [200, 25]


def test_it_should_read_excel_number_cells_as_excel_shows_them(tmp_path: Path) -> None:
    """fastexcel writes a number cell's binary value to 9 decimals: 20000000.13 would read as
    20000000.129999999, 0.123456789123 as 0.123456789 and 2.5e-10 as 0. Each reads as Excel
    shows it, to 15 significant digits, and so does a formula's result (=1.1*3 holds
    3.3000000000000003, =19.99*7 139.92999999999998). Text cells read as written, long
    numbers included, and number cells fastexcel writes in full as it writes them."""
    data = folder(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["event_id", "rep_id", "account_id", "date", "kind", "value"])
    values = [
        20000000.13, 0.123456789123, 2.5e-10, -0.033333333333, 3.3000000000000003,
        139.92999999999998, 1234.5, 3, "0042", "1.50",
    ]  # fmt: skip
    accounts = ["9007199254740993", "12345678901234567890", 1001, 1234567890123456]
    for i, value in enumerate(values):
        account = accounts[i % len(accounts)]
        sheet.append([f"E{i}", "R1", account, datetime.date(2027, 1, 15), "referral", value])
    book.save(data / "events.xlsx")
    (data / "events.csv").unlink()
    inputs = load(data)
    cells = inputs.files["events"].frame
    assert cells["value"].to_list() == [
        "20000000.13", "0.123456789123", "0.00000000025", "-0.033333333333", "3.3", "139.93",
        "1234.5", "3", "0042", "1.50",
    ]  # fmt: skip
    assert cells["account_id"].unique(maintain_order=True).to_list() == [
        "9007199254740993", "12345678901234567890", "1001", "1234567890123456",
    ]  # fmt: skip
    # at the column's 12 decimals
    assert inputs.tables["events"]["value"].to_list() == [
        20000000130000000000, 123456789123, 250, -33333333333, 3300000000000,
        139930000000000, 1234500000000000, 3000000000000, 42000000000000, 1500000000000,
    ]  # fmt: skip


def test_it_should_refuse_a_date_with_a_time_of_day_in_a_workbook(tmp_path: Path) -> None:
    data = folder(tmp_path)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["event_id", "rep_id", "account_id", "date", "kind", "value"])
    sheet.append(["E1", "R1", None, datetime.datetime(2027, 1, 15, 9, 30), "referral", 1])
    book.save(data / "events.xlsx")
    (data / "events.csv").unlink()
    message = only(refuse(data), Reason.UNPARSABLE)
    assert_names(message, "events.xlsx", 2, "date", "'2027-01-15 09:30:00'")


def test_it_should_refuse_a_workbook_whose_first_sheet_is_hidden(tmp_path: Path) -> None:
    data = folder(tmp_path)
    book = openpyxl.Workbook()
    stale = book.active
    assert stale is not None
    stale.title = "old"
    stale.append(["event_id", "rep_id", "account_id", "date", "kind", "value"])
    stale.append(["E1", "R1", None, "2027-01-15", "referral", 1])
    stale.sheet_state = "hidden"
    book.create_sheet("events").append(["event_id", "rep_id", "account_id", "date", "kind"])
    book.active = 1
    book.save(data / "events.xlsx")
    (data / "events.csv").unlink()
    assert only(refuse(data), Reason.UNPARSABLE) == (
        "events.xlsx: the first sheet, 'old', is hidden, and a table is read from a workbook's "
        "first sheet. Hint: put the table's sheet first, or remove the hidden one."
    )


def test_it_should_skip_a_blank_csv_line_and_keep_the_row_numbers(tmp_path: Path) -> None:
    data = folder(tmp_path, add={"events": "\nE3,R1,,2027-01-99,referral,\n"})
    # data rows: E1 (1), E2 (2), blank (3), E3 (4)
    message = only(refuse(data), Reason.UNPARSABLE)
    assert_names(message, "events.csv", 4, "date", "'2027-01-99'")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_it_should_refuse_a_column_named_twice(tmp_path: Path, fmt: str) -> None:
    data = folder(tmp_path, {"events": GOOD["events"].replace(",value\n", ",date\n", 1)})
    if fmt == "xlsx":
        as_xlsx_cells(data, "events")
    message = only(refuse(data), Reason.UNPARSABLE)
    assert message == (
        f"events.{fmt}: column date appears 2 times in the header. "
        "Hint: keep one column of each name."
    )


def test_it_should_suggest_the_column_a_header_misspells(tmp_path: Path) -> None:
    data = folder(tmp_path, {"events": GOOD["events"].replace("event_id,", "Event_ID,", 1)})
    message = only(refuse(data), Reason.MISSING_COLUMN)
    assert message.startswith(
        "events.csv: column event_id is missing. Hint: rename column 'Event_ID' to event_id; "
    )


def test_it_should_read_typed_parquet_columns_as_their_text(tmp_path: Path) -> None:
    data = folder(tmp_path, {"events": None})
    pl.DataFrame(
        {
            "event_id": ["E1", "E2"],
            "rep_id": ["R1", "R2"],
            "account_id": [None, None],
            "date": [datetime.datetime(2027, 1, 15), datetime.datetime(2027, 2, 15)],
            "kind": ["referral", "testimonial"],
            "value": [Decimal("1.50"), Decimal("-0.25")],
        },
        schema_overrides={"account_id": pl.String, "value": pl.Decimal(10, 2)},
    ).write_parquet(data / "events.parquet")
    inputs = load(data)
    events = inputs.tables["events"]
    assert events["date"].cast(str).to_list() == ["2027-01-15", "2027-02-15"]
    # 1.50 and -0.25 at scale 2
    assert events["value"].to_list() == [150, -25]


@pytest.mark.parametrize("streaming", [False, True])
def test_it_should_refuse_a_parquet_number_column_of_32_bit_floats(
    tmp_path: Path, streaming: bool
) -> None:
    data = folder(tmp_path, {"events": None})
    pl.DataFrame(
        {
            "event_id": ["E1"],
            "rep_id": "R1",
            "account_id": None,
            "date": "2027-01-15",
            "kind": "referral",
            "value": [178704.13],  # 178704.125 as a 32-bit float
        },
        schema_overrides={"account_id": pl.String, "value": pl.Float32},
    ).write_parquet(data / "events.parquet")
    with pytest.raises(InputDataError) as refused:
        load_inputs(data, plan(), streaming=streaming)
    assert refused.value.messages == [
        "events.parquet: column value holds 32-bit floats, which keep about 7 digits. Hint: "
        "write it as text, 64-bit floats (double), decimals or dates."
    ]


@pytest.mark.parametrize("streaming", [False, True])
def test_it_should_leave_out_extra_parquet_columns_without_text(
    tmp_path: Path, streaming: bool
) -> None:
    data = folder(tmp_path, {"events": None})
    pl.DataFrame(
        {
            "event_id": ["E1", "E2"],
            "rep_id": "R1",
            "account_id": None,
            "date": "2027-01-15",
            "kind": "referral",
            "value": None,
            "tags": [[b"a", b"b"], None],  # polars can neither cast nor encode these
            "waited": [datetime.timedelta(days=1, hours=2), None],
            "note": ["kept", None],
        },
        schema_overrides={"account_id": pl.String, "value": pl.String},
    ).write_parquet(data / "events.parquet")
    inputs = load_inputs(data, plan(), streaming=streaming)
    assert "tags" not in inputs.files["events"].frame.columns
    assert "waited" not in inputs.files["events"].frame.columns
    assert inputs.files["events"].frame["note"].to_list() == ["kept", None]
    assert inputs.tables["events"].height == 2


@pytest.mark.parametrize("streaming", [False, True])
def test_it_should_refuse_a_parquet_column_of_the_table_holding_lists(
    tmp_path: Path, streaming: bool
) -> None:
    data = folder(tmp_path, {"events": None})
    pl.DataFrame(
        {
            "event_id": ["E1"],
            "rep_id": [["R1"]],
            "account_id": None,
            "date": "2027-01-15",
            "kind": "referral",
            "value": None,
        },
        schema_overrides={"account_id": pl.String, "value": pl.String},
    ).write_parquet(data / "events.parquet")
    with pytest.raises(InputDataError) as refused:
        load_inputs(data, plan(), streaming=streaming)
    assert refused.value.messages == [
        "events.parquet: column rep_id holds List(String), which a cell cannot hold. Hint: "
        "write it as text, 64-bit floats (double), decimals or dates."
    ]


@pytest.mark.parametrize("streaming", [False, True])
def test_it_should_read_a_spark_decimal_without_the_zeros_past_its_twelfth_place(
    tmp_path: Path, streaming: bool
) -> None:
    data = folder(tmp_path, {"events": None})
    pl.DataFrame(
        {
            "event_id": ["E1", "E2", "E3"],
            "rep_id": "R1",
            "account_id": None,
            "date": "2027-01-15",
            "kind": "referral",
            "value": [Decimal("1234.5"), Decimal("-0.25"), Decimal("7")],
        },
        schema_overrides={"account_id": pl.String, "value": pl.Decimal(38, 18)},
    ).write_parquet(data / "events.parquet")
    inputs = load_inputs(data, plan(), streaming=streaming)
    assert inputs.scales["events"]["value"] == 2  # 1234.500000000000000000 is 1234.5
    assert inputs.tables["events"]["value"].to_list() == [123450, -25, 700]
    written = inputs.files["events"].frame["value"].to_list()
    assert written[0] == "1234.500000000000000000"  # what `where` compares, as written


def test_it_should_still_refuse_a_thirteenth_decimal_that_is_not_zero(tmp_path: Path) -> None:
    data = folder(tmp_path, add={"events": "E3,R1,,2027-01-05,referral,0.1000000000001000\n"})
    message = only(refuse(data), Reason.PRECISION)
    assert_names(message, "events.csv", 3, "value", "'0.1000000000001000'")


@pytest.mark.parametrize(
    ("cell", "reason"),
    [("1.2.0000000000000", Reason.UNPARSABLE), ("1..0000000000000", Reason.UNPARSABLE),
     (".0000000000000", Reason.PRECISION)],
)  # fmt: skip
def test_it_should_not_drop_zeros_from_text_that_is_no_long_number(
    tmp_path: Path, cell: str, reason: Reason
) -> None:
    data = folder(tmp_path, add={"events": f"E3,R1,,2027-01-05,referral,{cell}\n"})
    assert_names(only(refuse(data), reason), "events.csv", 3, "value", repr(cell))


@pytest.mark.parametrize("streaming", [False, True])
def test_it_should_read_parquet_floats_that_polars_writes_with_an_exponent(
    tmp_path: Path, streaming: bool
) -> None:
    data = folder(tmp_path, {"events": None})
    values = [1e-6, -2.5e-9, 1.5e16, 0.1, 7.0]  # polars' text: 1e-6, -2.5e-9, 1.5e+16
    pl.DataFrame(
        {
            "event_id": [f"E{i}" for i in range(len(values))],
            "rep_id": "R1",
            "account_id": None,
            "date": "2027-01-15",
            "kind": "referral",
            "value": values,
        },
        schema_overrides={"account_id": pl.String},
    ).write_parquet(data / "events.parquet")
    inputs = load_inputs(data, plan(), streaming=streaming)
    scale = inputs.scales["events"]["value"]
    assert scale == 10  # 0.0000000025 has the most decimals
    got = [Decimal(v).scaleb(-scale) for v in inputs.tables["events"]["value"]]
    assert got == [Decimal(t) for t in ("0.000001", "-0.0000000025", "15000000000000000",
                                        "0.1", "7")]  # fmt: skip


@pytest.mark.parametrize(
    ("written", "plain"),
    [("1e-6", "0.000001"), ("-1.25e-7", "-0.000000125"), ("1e+16", "10000000000000000"),
     ("-1.5e+16", "-15000000000000000"), ("1.25e+1", "12.5"), ("12.5", "12.5"),
     ("NaN", "NaN"), ("inf", "inf"), (None, None)],
)  # fmt: skip
def test_it_should_write_a_floats_exponent_out(written: str | None, plain: str | None) -> None:
    texts = pl.Series("t", [written], dtype=pl.String).to_frame()
    assert texts.select(plain_float(pl.col("t"))).item() == plain


def test_it_should_ignore_unnamed_trailing_columns(tmp_path: Path) -> None:
    events = "event_id,rep_id,account_id,date,kind,value,,\nE1,R1,,2027-01-15,referral,,,\n"
    assert load(folder(tmp_path, {"events": events})).tables["events"].height == 1


def test_it_should_ask_for_the_periods_beside_the_rules_broken_when_no_row_tells_them(
    tmp_path: Path,
) -> None:
    # No dated table has a row; reps repeats a rep. Both are reported, the rule first.
    headers = {name: GOOD[name].splitlines()[0] + "\n" for name in PERIOD_COLUMN}
    data = folder(tmp_path, tables=headers, add={"reps": "R1,Ann Lee,,2026-01-01,,12000\n"})

    assert refuse(data).messages == [
        "reps.csv row 3, column rep_id: ('R1') repeats row 1 on (rep_id). "
        "Hint: each rep has one row in reps.",
        "no dated input rows to tell the run's periods. Hint: give --from and --to.",
    ]


def test_it_should_refuse_an_excel_error_cell_instead_of_reading_it_as_empty(
    tmp_path: Path,
) -> None:
    """An empty value takes its default (1); #N/A in a value cell must not pay as 1."""
    data = folder(tmp_path)
    path = as_xlsx(data, "events")
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet["F3"] = "#N/A"
    sheet["F3"].data_type = "e"
    sheet["D2"] = "#DIV/0!"
    sheet["D2"].data_type = "e"
    book.save(path)
    error = refuse(data)
    assert messages(error, Reason.UNPARSABLE) == [
        "events.xlsx row 2, column date: the cell holds the Excel error #DIV/0!. "
        "Hint: fix the formula or type the value.",
        "events.xlsx row 3, column value: the cell holds the Excel error #N/A. "
        "Hint: fix the formula or type the value.",
    ]


def test_it_should_refuse_files_named_like_an_absent_table(tmp_path: Path) -> None:
    """Transactions.csv, adjustments.CSV, feedback (1).csv and a folder incidents.csv would
    otherwise leave tables the plan reads absent, paying nothing, without a word. A backup
    beside a table's own file, and a table the plan does not read (events), are left alone."""
    data = folder(tmp_path)
    (data / "transactions.csv").rename(data / "Transactions.csv")
    (data / "adjustments.csv").rename(data / "adjustments.CSV")
    (data / "feedback.csv").rename(data / "feedback (1).csv")
    (data / "events.csv").rename(data / "Events.csv")
    (data / "incidents.csv").unlink()
    (data / "incidents.csv").mkdir()
    (data / "grades.csv.bak").write_text("old grades")
    if (data / "transactions.csv").exists():
        pytest.skip("a file system that ignores case finds Transactions.csv as transactions.csv")
    assert messages(refuse(data), Reason.MISSING_TABLE) == [
        "Transactions.csv: not read, file names are exact. Hint: rename it transactions.csv.",
        "adjustments.CSV: not read, file names are exact. Hint: rename it adjustments.csv.",
        "feedback (1).csv: named like the feedback table, which has no file here, so not read. "
        "Hint: name the table's file feedback.csv, feedback.parquet or feedback.xlsx, or move "
        "this one out of the folder.",
        "incidents.csv: a folder, not the incidents table. Hint: the table is one file: "
        "incidents.csv, incidents.parquet or incidents.xlsx.",
    ]


def test_it_should_refuse_files_named_like_an_absent_table_misspelt_or_copied(
    tmp_path: Path,
) -> None:
    """A singular, a misspelling or a copy's name would leave the table absent as well."""
    data = folder(tmp_path)
    (data / "transactions.csv").rename(data / "transaction.csv")
    (data / "feedback.csv").rename(data / "feedbak.csv")
    (data / "adjustments.csv").write_text("rep_id,period,amount,reason\n")
    (data / "adjustments.csv").rename(data / "Copy of adjustments.csv")
    hint = "so not read. Hint: name the table's file"
    assert messages(refuse(data), Reason.MISSING_TABLE) == [
        f"Copy of adjustments.csv: named like the adjustments table, which has no file here, {hint}"
        " adjustments.csv, adjustments.parquet or adjustments.xlsx, or move this one out of the "
        "folder.",
        f"feedbak.csv: named like the feedback table, which has no file here, {hint} "
        "feedback.csv, feedback.parquet or feedback.xlsx, or move this one out of the folder.",
        f"transaction.csv: named like the transactions table, which has no file here, {hint} "
        "transactions.csv, transactions.parquet or transactions.xlsx, or move this one out of "
        "the folder.",
    ]


def test_it_should_leave_files_only_somewhat_like_an_absent_table_alone(tmp_path: Path) -> None:
    """trades.csv is not grades misspelt, a lock file or a document is not a table."""
    data = folder(tmp_path, tables={"grades": None})
    for name in ("trades.csv", "~$grades.xlsx", "how we score grades.pdf", "vents.csv"):
        (data / name).write_text("x")
    assert load(data).warnings == [
        f"{data}: no grades.csv, .parquet or .xlsx: the plan's measures of grades find no rows. "
        "Not read here: trades.csv, vents.csv, ~$grades.xlsx."
    ]


def test_it_should_warn_of_a_copy_beside_a_table_and_of_a_table_the_plan_reads_absent(
    tmp_path: Path,
) -> None:
    data = folder(tmp_path, tables={"incidents": None})
    (data / "grades (1).csv").write_text((data / "grades.csv").read_text())
    (data / "grades.csv.bak").write_text("old grades")  # not a table's kind of file
    inputs = load(data)
    assert inputs.warnings == [
        "grades (1).csv is not read: the grades table is read from grades.csv.",
        f"{data}: no incidents.csv, .parquet or .xlsx: the plan's measures of incidents find "
        "no rows. Not read here: grades (1).csv.",
    ]


def test_it_should_refuse_a_link_to_a_table_file_that_is_not_there(tmp_path: Path) -> None:
    data = folder(tmp_path)
    (data / "feedback.csv").unlink()
    (data / "feedback.csv").symlink_to(tmp_path / "exports" / "feedback.csv")
    assert messages(refuse(data), Reason.MISSING_TABLE) == [
        f"feedback.csv: a link to {tmp_path / 'exports' / 'feedback.csv'}, which is not there. "
        "Hint: link to the feedback table's file, or put the file here."
    ]
