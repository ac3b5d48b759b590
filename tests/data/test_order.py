"""Problems are listed in table order, whichever file is read first and whenever."""

from __future__ import annotations

from pathlib import Path

from compengine.data.reading import Reading
from tests.data.folder import folder, load, refuse


def test_it_should_list_problems_in_table_order_when_a_later_table_is_the_largest(
    tmp_path: Path,
) -> None:
    # transactions.csv is made the largest file (it is then read first); its problem still
    # comes after the one in reps and before the one in grades.
    padding = "".join(f"T9{n:04d},R1,A1,2027-01-05,1,new,\n" for n in range(2000))
    data = folder(
        tmp_path,
        add={
            "reps": "R3,Cy Dee,,2026-13-01,,1000\n",
            "transactions": "T8,R1,A1,2027-01-05,abc,new,\n" + padding,
            "grades": "R1,A1,2027-02,listens,C,\n",
        },
    )
    sizes = {p.stem: p.stat().st_size for p in data.iterdir()}
    assert max(sizes, key=lambda name: sizes[name]) == "transactions"

    error = refuse(data)

    assert error.messages == [
        "reps.csv row 3, column hire_date: '2026-13-01' is not a date. "
        "Hint: write dates as YYYY-MM-DD.",
        "transactions.csv row 4, column amount: 'abc' is not a number. "
        "Hint: write plain decimals like 1234.50 or -20.",
        "grades.csv row 4, column grade: 'C': the Customer Report Card has no C grade. "
        "Hint: C is not on the scale; use A, B or D.",
    ]


def test_it_should_find_the_same_problems_in_files_read_before_the_plan(tmp_path: Path) -> None:
    data = folder(
        tmp_path,
        add={
            "reps": "R3,Cy Dee,,2026-13-01,,1000\n",
            "grades": "R1,A1,2027-02,listens,C,\nR1,A1,2027-02,listens,C,\n",
        },
    )
    with Reading(data) as reading:  # as `compengine run` starts it, before the plan loads
        ahead = refuse(reading)

    assert ahead.problems == refuse(data).problems
    assert len(ahead.problems) == 4  # the date, the two grades, the repeated grade


def test_it_should_load_the_same_tables_from_files_read_before_the_plan(tmp_path: Path) -> None:
    data = folder(tmp_path)
    with Reading(data) as reading:
        ahead = load(reading)
    now = load(data)

    assert ahead.tables.keys() == now.tables.keys()
    for name, table in ahead.tables.items():
        assert table.equals(now.tables[name]), name
    assert ahead.rows.equals(now.rows)
    assert [raw.sha256 for raw in ahead.files.values()] == [r.sha256 for r in now.files.values()]
