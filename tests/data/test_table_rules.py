"""One test per row rule of DATA.md ("What is an error"): reason, file, row, column, value, hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from compengine.errors import Reason
from tests.data.folder import (
    GOOD,
    ROWS,
    assert_names,
    folder,
    load,
    messages,
    only,
    plan,
    quarterly,
    refuse,
)

# --- reps ------------------------------------------------------------------------------------


def test_it_should_refuse_a_rep_id_twice_in_reps(tmp_path: Path) -> None:
    message = only(
        refuse(folder(tmp_path, add={"reps": "R2,Bob Again,,2026-01-01,,1\n"})), Reason.DUPLICATE
    )
    assert_names(message, "reps.csv", 3, "rep_id", "('R2') repeats row 2")
    assert message.endswith("Hint: each rep has one row in reps.")


def test_it_should_refuse_a_termination_before_the_hire_date(tmp_path: Path) -> None:
    reps = GOOD["reps"].replace(
        "R2,Bob Ray,R1,2026-06-01,,", "R2,Bob Ray,R1,2026-06-01,2026-05-31,"
    )
    message = only(refuse(folder(tmp_path, {"reps": reps})), Reason.INVALID_VALUE)
    assert message == (
        "reps.csv row 2, column termination_date: 2026-05-31 is before hire_date 2026-06-01. "
        "Hint: a rep leaves on or after the day they were hired."
    )


def test_it_should_accept_a_termination_on_the_hire_date(tmp_path: Path) -> None:
    reps = GOOD["reps"] + "R3,Cy,,2027-01-20,2027-01-20,100\n"
    inputs = load(folder(tmp_path, {"reps": reps}, add={"quotas": "R3,2027-01,5\n"}))
    # R3 works one day of January and none of February
    assert inputs.rows.filter(rep_id="R3")["employed_days"].to_list() == [1]


def test_it_should_refuse_a_negative_target_incentive(tmp_path: Path) -> None:
    reps = GOOD["reps"].replace("2026-06-01,,24000", "2026-06-01,,-0.01")
    message = only(refuse(folder(tmp_path, {"reps": reps})), Reason.INVALID_VALUE)
    assert message == (
        "reps.csv row 2, column target_incentive: '-0.01' is negative. "
        "Hint: the annual target incentive is 0 or more."
    )


# --- every other table's rep_id is in reps ---------------------------------------------------


@pytest.mark.parametrize(
    ("table", "line"),
    [
        ("quotas", "R9,2027-01,10\n"),
        ("transactions", "T3,R9,A1,2027-01-05,10,,\n"),
        ("grades", "R9,A1,2027-01,listens,A,\n"),
        ("feedback", "F3,R9,,,2027-01-03,\n"),
        ("incidents", "I3,R9,,2027-01-03,,\n"),
        ("events", "E3,R9,,2027-01-15,referral,\n"),
        ("adjustments", "R9,2027-01,10,bonus\n"),
    ],
)
def test_it_should_refuse_a_rep_id_that_is_not_in_reps(
    tmp_path: Path, table: str, line: str
) -> None:
    message = only(refuse(folder(tmp_path, add={table: line})), Reason.UNKNOWN_REP)
    assert message == (
        f"{table}.csv row {ROWS[table] + 1}, column rep_id: 'R9' is not in reps. "
        "Hint: add the rep to reps or correct the id."
    )


# --- grades ----------------------------------------------------------------------------------


def test_it_should_say_c_is_not_on_the_scale(tmp_path: Path) -> None:
    message = only(
        refuse(folder(tmp_path, add={"grades": "R1,A2,2027-01,listens,C,\n"})),
        Reason.INVALID_VALUE,
    )
    assert_names(message, "grades.csv", 4, "grade", "'C': the Customer Report Card has no C")
    assert message.count("C is not on the scale; use A, B or D") == 1


@pytest.mark.parametrize("grade", ["a", "E", "A+", "100"])
def test_it_should_refuse_any_grade_but_a_b_or_d(tmp_path: Path, grade: str) -> None:
    message = only(
        refuse(folder(tmp_path, add={"grades": f"R1,A2,2027-01,listens,{grade},\n"})),
        Reason.INVALID_VALUE,
    )
    assert message == (
        f"grades.csv row 4, column grade: '{grade}' is not on the scale. Hint: use A, B or D."
    )


def test_it_should_refuse_a_behaviour_the_report_card_does_not_list(tmp_path: Path) -> None:
    message = only(
        refuse(folder(tmp_path, add={"grades": "R1,A2,2027-01,listens_well,A,\n"})),
        Reason.INVALID_VALUE,
    )
    assert message == (
        "grades.csv row 4, column behaviour: 'listens_well' is not on the plan's report card. "
        "Hint: use one of listens, keeps_promises."
    )


def test_it_should_refuse_grades_for_a_plan_without_a_report_card(tmp_path: Path) -> None:
    no_card = plan(
        **{
            "report_card:\n  behaviours: {listens: 1, keeps_promises: 2}\n": "",
            "  card: {report_card: grades}\n": "",
            "    bonus: card\n": "    bonus: feedback\n",
        }
    )
    error = refuse(folder(tmp_path), no_card)
    assert messages(error, Reason.INVALID_VALUE)[0] == (
        "grades.csv row 1, column behaviour: 'listens' is not on the plan's report card. "
        "Hint: the plan has no report_card; add one that lists it, or leave grades out."
    )
    assert len(error.messages) == 3


def test_it_should_refuse_the_same_behaviour_graded_twice(tmp_path: Path) -> None:
    message = only(
        refuse(folder(tmp_path, add={"grades": "R1,A1,2027-01,keeps_promises,A,again\n"})),
        Reason.DUPLICATE,
    )
    assert_names(message, "grades.csv", 4, "behaviour", "('R1', 'A1', '2027-01', 'keeps_promises')")
    assert "repeats row 2" in message


def test_it_should_accept_the_same_behaviour_for_another_account_or_month(tmp_path: Path) -> None:
    extra = "R1,A2,2027-01,keeps_promises,A,\nR1,A1,2027-02,keeps_promises,A,\n"
    assert load(folder(tmp_path, add={"grades": extra})).tables["grades"].height == 5


# --- transactions and their splits -----------------------------------------------------------


@pytest.mark.parametrize("split", ["0", "-0.5", "1.01", "2"])
def test_it_should_refuse_a_split_outside_zero_to_one(tmp_path: Path, split: str) -> None:
    error = refuse(folder(tmp_path, add={"transactions": f"T3,R1,A1,2027-01-05,10,,{split}\n"}))
    # one line: the sum of T3's splits is not reported again
    assert error.messages == [
        f"transactions.csv row 4, column split: '{split}' is not a share in (0, 1]. "
        "Hint: 0.5 credits half."
    ]
    assert error.reason == Reason.SPLITS


def test_it_should_refuse_splits_that_do_not_add_up_to_one(tmp_path: Path) -> None:
    extra = "T3,R1,A1,2027-01-05,10,,0.5\nT3,R2,A1,2027-01-05,10,,0.25\n"
    message = only(refuse(folder(tmp_path, add={"transactions": extra})), Reason.SPLITS)
    assert message == (
        "transactions.csv row 4, column split: splits of 'T3' (rows 4, 5) add up to 0.75. "
        "Hint: make them add up to exactly 1, or set allow_overlay_credit: true in the plan."
    )


def test_it_should_count_an_empty_split_as_the_whole_transaction(tmp_path: Path) -> None:
    extra = "T3,R1,A1,2027-01-05,10,,\nT3,R2,A1,2027-01-05,10,,0.5\n"
    message = only(refuse(folder(tmp_path, add={"transactions": extra})), Reason.SPLITS)
    assert "splits of 'T3' (rows 4, 5) add up to 1.5." in message


def test_it_should_not_sum_the_splits_of_a_transaction_with_a_split_that_does_not_parse(
    tmp_path: Path,
) -> None:
    # The parse names the bad cell; a sum counting it as empty (the whole transaction) would
    # say the splits add up to 1.5, which is not what the file holds.
    extra = "T3,R1,A1,2027-01-05,10,,half\nT3,R2,A1,2027-01-05,10,,0.5\n"
    error = refuse(folder(tmp_path, add={"transactions": extra}))
    assert error.messages == [
        "transactions.csv row 4, column split: 'half' is not a number. "
        "Hint: write plain decimals like 1234.50 or -20."
    ]


@pytest.mark.parametrize(
    ("column", "line"), [("date", "2027-02-1O,800"), ("amount", "2027-02-10,8OO")]
)
def test_it_should_not_call_a_refused_date_or_amount_a_disagreement(
    tmp_path: Path, column: str, line: str
) -> None:
    txns = GOOD["transactions"].replace("T2,R2,A2,2027-02-10,800,", f"T2,R2,A2,{line},")
    error = refuse(folder(tmp_path, {"transactions": txns}))
    assert len(error.messages) == 1, error.messages
    assert error.messages[0].startswith(f"transactions.csv row 3, column {column}: ")


def test_it_should_name_only_the_rows_whose_date_parsed_in_a_disagreement(tmp_path: Path) -> None:
    # the refused date is the transaction's first row; 10.00 is the amount 10 again
    reps = GOOD["reps"] + "R3,Cy Dee,,2026-01-01,,100\n"
    extra = {
        "transactions": "T3,R2,A1,2027-01-0x,10,,0.25\nT3,R1,A1,2027-01-05,10,,0.5\n"
        "T3,R3,A2,2027-01-06,10.00,,0.25\nT4,R1,A1,2027-01-05,10,,0.5\n"
        "T4,R2,A1,2027-01-05,10.00,,0.25\nT4,R3,A1,2027-01-05,20,,0.25\n",
        "quotas": "R3,2027-01,10\nR3,2027-02,10\n",
    }
    error = refuse(folder(tmp_path, {"reps": reps}, add=extra))
    assert error.messages == [
        "transactions.csv row 4, column date: '2027-01-0x' is not a date. "
        "Hint: write dates as YYYY-MM-DD.",
        "transactions.csv row 5, column date: rows 5, 6 of 'T3' disagree on date: 2027-01-05, "
        "2027-01-06. Hint: every row of one transaction has the same date and amount.",
        "transactions.csv row 7, column amount: rows 7, 8, 9 of 'T4' disagree on amount: 10, "
        "20. Hint: every row of one transaction has the same date and amount.",
    ]


def test_it_should_accept_splits_over_one_when_the_plan_allows_overlay_credit(
    tmp_path: Path,
) -> None:
    overlay = plan(**{"currency: USD\n": "currency: USD\nallow_overlay_credit: true\n"})
    extra = "T3,R1,A1,2027-01-05,10,,1\nT3,R2,A1,2027-01-05,10,,1\n"
    assert (
        load(folder(tmp_path, add={"transactions": extra}), overlay).tables["transactions"].height
        == 5
    )


@pytest.mark.parametrize(
    ("column", "line", "values"),
    [
        ("date", "T2,R2,A2,2027-02-11,800,existing,0.5\n", "2027-02-10, 2027-02-11"),
        ("amount", "T2,R2,A2,2027-02-10,800.01,existing,0.5\n", "800, 800.01"),
    ],
)
def test_it_should_refuse_rows_of_one_transaction_that_disagree(
    tmp_path: Path, column: str, line: str, values: str
) -> None:
    txns = GOOD["transactions"].replace("T2,R2,A2,2027-02-10,800,existing,0.5\n", line)
    message = only(refuse(folder(tmp_path, {"transactions": txns})), Reason.SPLITS)
    assert message == (
        f"transactions.csv row 2, column {column}: rows 2, 3 of 'T2' disagree on {column}: "
        f"{values}. Hint: every row of one transaction has the same date and amount."
    )


def test_it_should_accept_the_same_amount_written_two_ways(tmp_path: Path) -> None:
    txns = GOOD["transactions"].replace("T2,R2,A2,2027-02-10,800,", "T2,R2,A2,2027-02-10,800.00,")
    assert load(folder(tmp_path, {"transactions": txns})).tables["transactions"].height == 3


def test_it_should_report_an_empty_txn_id_and_check_the_other_transactions(
    tmp_path: Path,
) -> None:
    extra = ",R1,A1,2027-01-05,10,,0.5\nT3,R1,A1,2027-01-05,10,,0.25\n"
    error = refuse(folder(tmp_path, add={"transactions": extra}))
    assert messages(error, Reason.EMPTY_VALUE) == [
        "transactions.csv row 4, column txn_id: empty. Hint: every row needs a value here."
    ]
    # T3 on its own row is still checked: its one split must be the whole transaction
    assert messages(error, Reason.SPLITS) == [
        "transactions.csv row 5, column split: splits of 'T3' (rows 5) add up to 0.25. "
        "Hint: make them add up to exactly 1, or set allow_overlay_credit: true in the plan."
    ]


def test_it_should_refuse_a_rep_credited_twice_for_one_transaction(tmp_path: Path) -> None:
    txns = GOOD["transactions"].replace("T2,R2,", "T2,R1,")
    error = refuse(folder(tmp_path, {"transactions": txns}))
    assert messages(error, Reason.DUPLICATE) == [
        "transactions.csv row 3, column rep_id: ('T2', 'R1') repeats row 2 on "
        "(txn_id, rep_id). Hint: credit a rep once per transaction."
    ]


# --- feedback and incidents ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "line"),
    [
        ("feedback", "F3,R1,,customer,2027-01-10,2027-01-09\n"),
        ("incidents", "I3,R1,,2027-01-10,2027-01-09,A\n"),
    ],
)
def test_it_should_refuse_resolved_before_opened(tmp_path: Path, table: str, line: str) -> None:
    message = only(refuse(folder(tmp_path, add={table: line})), Reason.INVALID_VALUE)
    assert message == (
        f"{table}.csv row 3, column resolved: 2027-01-09 is before opened 2027-01-10. "
        "Hint: an item is resolved on or after the day it was opened."
    )


def test_it_should_refuse_a_resolved_incident_without_a_recovery_grade(tmp_path: Path) -> None:
    extra = "I3,R1,,2027-01-10,2027-01-11,\n"
    message = only(refuse(folder(tmp_path, add={"incidents": extra})), Reason.EMPTY_VALUE)
    assert_names(message, "incidents.csv", 3, "recovery_grade", "empty for a resolved incident")


def test_it_should_refuse_a_recovery_grade_off_the_scale(tmp_path: Path) -> None:
    extra = "I3,R1,,2027-01-10,2027-01-11,C\n"
    message = only(refuse(folder(tmp_path, add={"incidents": extra})), Reason.INVALID_VALUE)
    assert_names(message, "incidents.csv", 3, "recovery_grade", "has no C grade.")
    assert "use A, B or D" in message


@pytest.mark.parametrize(
    ("table", "key", "line", "found", "first"),
    [
        ("feedback", "feedback_id", "F1,R2,,customer,2027-02-03,\n", "F1", 1),
        ("incidents", "incident_id", "I2,R1,,2027-02-03,,\n", "I2", 2),
        ("events", "event_id", "E1,R2,,2027-02-15,referral,\n", "E1", 1),
    ],
)
def test_it_should_refuse_a_duplicate_id(
    tmp_path: Path, table: str, key: str, line: str, found: str, first: int
) -> None:
    message = only(refuse(folder(tmp_path, add={table: line})), Reason.DUPLICATE)
    assert message == (
        f"{table}.csv row 3, column {key}: ('{found}') repeats row {first} on ({key}). "
        f"Hint: each {key} is unique."
    )


# --- quotas ----------------------------------------------------------------------------------


def test_it_should_refuse_a_missing_quota_for_a_row_the_plan_needs(tmp_path: Path) -> None:
    quotas = GOOD["quotas"].replace("R2,2027-02,2000.50\n", "")
    message = only(refuse(folder(tmp_path, {"quotas": quotas})), Reason.MISSING_QUOTA)
    assert message == (
        "quotas.csv, column quota: rep 'R2' has no quota for 2027-02, which the plan needs. "
        "Hint: add a row R2,2027-02,<quota>."
    )


@pytest.mark.parametrize(
    ("row", "column", "value"),
    [
        ("R2,2027-02,2000.5O", "quota", "'2000.5O' is not a number."),
        ("R2,2027-02,", "quota", "empty."),
        ("R2,2027-2,2000.50", "period", "'2027-2' is not a period here."),
        (",2027-02,2000.50", "rep_id", "empty."),
    ],
)
@pytest.mark.parametrize("quarterly_plan", [False, True])
def test_it_should_not_call_a_quota_missing_when_its_row_has_a_cell_refused(
    tmp_path: Path, row: str, column: str, value: str, quarterly_plan: bool
) -> None:
    # The row is there: the fix is its cell, not a row added (a second quota for the period).
    quotas = GOOD["quotas"].replace("R2,2027-02,2000.50", row)
    error = refuse(folder(tmp_path, {"quotas": quotas}), quarterly() if quarterly_plan else plan())
    assert len(error.messages) == 1, error.messages
    assert error.messages[0].startswith(f"quotas.csv row 4, column {column}: {value}")


@pytest.mark.parametrize(
    ("rows", "refused", "missing"),
    [
        # R2's refused period can be February's or March's quota, not both (the run goes to
        # March)
        ({"R2,2027-02,2000.50": "R2,2027-2,2000.50", "R2,2027-03,2000\n": ""}, "period",
         ["R2' has no quota for 2027-02", "R2' has no quota for 2027-03"]),
        # the row without a rep_id can be R1's or R2's February quota, not both
        ({"R2,2027-02,2000.50": ",2027-02,2000.50", "R1,2027-02,1000\n": ""}, "rep_id",
         ["R1' has no quota for 2027-02", "R2' has no quota for 2027-02"]),
        # R1's row with a refused period can be February's, the row without a rep_id
        # January's: nothing is certainly missing
        ({"R1,2027-01,1000\n": ",2027-01,1000\n", "R1,2027-02,1000\n": "R1,2027-13,1000\n"},
         "rep_id", []),
    ],
)  # fmt: skip
def test_it_should_call_quotas_missing_that_outnumber_the_rows_refused(
    tmp_path: Path, rows: dict[str, str], refused: str, missing: list[str]
) -> None:
    quotas = GOOD["quotas"]
    for old, new in rows.items():
        quotas = quotas.replace(old, new)
    error = refuse(folder(tmp_path, {"quotas": quotas}), period_to="2027-03")
    assert f"column {refused}: " in error.messages[0]
    said = [m.split("rep '")[1].split(", which")[0] for m in error.messages if "has no quota" in m]
    assert said == missing


def test_it_should_not_ask_a_quota_of_a_rep_without_an_id(tmp_path: Path) -> None:
    reps = GOOD["reps"] + ",Cy,,2026-01-01,,100\n"  # reported as an empty rep_id only
    message = only(refuse(folder(tmp_path, {"reps": reps})), Reason.EMPTY_VALUE)
    assert message.startswith("reps.csv row 3, column rep_id: empty."), message


def test_it_should_not_need_a_quota_for_a_month_without_a_row(tmp_path: Path) -> None:
    # R3 leaves in January and has no input in February: no February row, no quota needed
    reps = GOOD["reps"] + "R3,Cy,,2026-01-01,2027-01-15,100\n"
    inputs = load(folder(tmp_path, {"reps": reps}, add={"quotas": "R3,2027-01,10\n"}))
    assert inputs.rows.height == 5


@pytest.mark.parametrize("quota", ["0", "-10", "0.00"])
def test_it_should_refuse_a_quota_not_greater_than_zero(tmp_path: Path, quota: str) -> None:
    quotas = GOOD["quotas"].replace("R2,2027-02,2000.50", f"R2,2027-02,{quota}")
    message = only(refuse(folder(tmp_path, {"quotas": quotas})), Reason.INVALID_VALUE)
    assert message == (
        f"quotas.csv row 4, column quota: '{quota}' is not greater than 0. "
        "Hint: a quota is positive."
    )


def test_it_should_refuse_two_quotas_for_one_rep_and_month(tmp_path: Path) -> None:
    message = only(refuse(folder(tmp_path, add={"quotas": "R1,2027-02,1500\n"})), Reason.DUPLICATE)
    assert_names(message, "quotas.csv", 7, "period", "('R1', '2027-02') repeats row 2")


def test_it_should_refuse_a_quarter_row_beside_month_rows_of_that_quarter(
    tmp_path: Path,
) -> None:
    message = only(
        refuse(folder(tmp_path, add={"quotas": "R1,2027-Q1,3000\n"}), quarterly()),
        Reason.DUPLICATE,
    )
    assert message == (
        "quotas.csv row 7, column period: 'R1' has a quarter row and month rows for 2027-Q1. "
        "Hint: give the quarter or its months."
    )


def test_it_should_sum_the_months_or_take_the_quarter_in_a_quarterly_plan(
    tmp_path: Path,
) -> None:
    quotas = (
        "rep_id,period,quota\nR1,2027-01,1000\nR1,2027-02,1000.5\nR1,2027-03,999\nR2,2027-Q1,7000\n"
    )
    inputs = load(folder(tmp_path, {"quotas": quotas}), quarterly())
    assert inputs.quotas is not None
    # R1: 1000 + 1000.5 + 999 = 2999.5 at scale 1 -> 29995; R2: 7000 -> 70000
    assert inputs.quotas.sort("rep_id")["quota"].to_list() == [29995, 70000]


def test_it_should_warn_of_a_quarter_summed_without_a_month_the_rep_is_employed(
    tmp_path: Path,
) -> None:
    """R1 (employed all quarter) lacks February: 2027-Q1's quota is January and March, as
    DATA.md sums the months given, and that is said. R2 is hired on 2027-02-15: January is
    not a month it is employed in."""
    quotas = (
        "rep_id,period,quota\nR1,2027-01,1000\nR1,2027-03,1000\nR2,2027-02,2000\nR2,2027-03,2000\n"
    )
    reps = (
        "rep_id,name,manager_id,hire_date,termination_date,target_incentive\n"
        "R1,Ann Lee,,2026-01-01,,12000\nR2,Bob Ray,R1,2027-02-15,,24000\n"
    )
    inputs = load(folder(tmp_path, {"quotas": quotas, "reps": reps}), quarterly())
    assert inputs.quotas is not None
    assert inputs.quotas.sort("rep_id")["quota"].to_list() == [2000, 4000]
    assert inputs.warnings == [
        "quotas.csv: 2027-Q1's quota of rep 'R1' sums its months' rows, and there is none "
        "for 2027-02, a month the rep is employed in. Hint: if the quarter's quota is too "
        "low, add a row R1,2027-02,<quota>."
    ]
