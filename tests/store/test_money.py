"""Money stays exact in the store: every amount reads back equal, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import polars as pl
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from compengine.store import read
from compengine.store.breakdown import breakdown, kept
from compengine.store.tables import RowBlock, Run
from compengine.store.types import plain, total
from tests.store.conftest import record_small


def test_it_should_read_back_every_payout_and_measure_equal_to_the_engines(
    store: Engine, tmp_path: Path
) -> None:
    record, result = record_small(store, tmp_path / "out")
    stored = read.lines(store, read.run(store, record.run_id))
    money = result.payouts.columns[2:]
    expected = result.payouts.with_row_index("row").unpivot(
        index=["row", "rep_id", "period"], on=money, variable_name="component", value_name="amount"
    )
    assert stored.height == result.payouts.height * len(money)
    joined = expected.join(stored, on=["row", "component"], suffix="_stored")
    assert joined.height == expected.height
    assert (joined["amount"] == joined["amount_stored"]).all()
    assert (joined["rep_id"] == joined["rep_id_stored"]).all()
    measures = read.measures(store, read.run(store, record.run_id))
    assert measures.drop("row").equals(result.measures)


def test_it_should_read_back_every_step_of_the_breakdown_each_stored_once(
    store: Engine, tmp_path: Path
) -> None:
    record, result = record_small(store, tmp_path / "out")
    info = read.run(store, record.run_id)
    stored = breakdown(store, info)
    steps = ["employed_days", "days_in_period", *result.scales]
    assert info.audit_columns == steps
    assert stored.select("rep_id").equals(result.steps.select("rep_id"))
    others = kept(steps, result.payouts.columns, result.measures.columns)
    for name in steps:
        scale = result.scales.get(name, 0)
        exact = [None if v is None else Decimal(v).scaleb(-scale) for v in result.steps[name]]
        if name in others and scale:  # the same numbers, without the zeros ending a fraction
            expected = [None if d is None else without_trailing_zeros(d) for d in exact]
        else:  # paid amounts and measures keep their scale
            expected = [None if d is None else plain(d) for d in exact]
        assert stored[name].to_list() == expected, name
    # 30 steps: 2 day counts, period_target, quota, 7 measures, 5 components x (base, capped,
    # paid), 2 modifiers, adjustments, total. The 7 paid amounts and the 8 measures
    # (period_target too) are payout lines and measures; audit_step keeps the other 15.
    with store.connect() as connection:
        arrays = connection.execute(
            sa.text(
                "SELECT steps FROM audit_step JOIN run ON run.key = audit_step.run_key "
                "WHERE run.id = :run"
            ),
            {"run": info.id},
        ).scalars()
        assert {len(json.loads(a)) for a in arrays} == {15}


def without_trailing_zeros(value: Decimal) -> str:
    """The plain text of a decimal without the zeros that end its fraction."""
    text = plain(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


def test_it_should_keep_amounts_that_a_float_would_round(store: Engine, tmp_path: Path) -> None:
    record, _ = record_small(store, tmp_path / "out")
    info = read.run(store, record.run_id)
    texts = [
        "0.10",
        "-75.25",
        "12345678901234567890.12",  # 22 digits: a double keeps about 16
        "0.000000000001",
        "99999999999999999999999999.99",
    ]
    width = len(info.payout_columns) - 2
    # Rows with amounts only: no measures, no steps.
    rows = [[["R", "2099-12"], [text, *([None] * (width - 1))], None, None] for text in texts]
    with Session(store) as session:
        session.add(RowBlock(run_key=info.key, first_row=10_000, rows=json.dumps(rows)))
        session.commit()
    first = info.payout_columns[2]
    lines = read.lines(store, info, "2099-12").filter(pl.col("component") == first)
    assert lines["amount"].to_list() == texts
    with store.connect() as connection:  # the view: NUMERIC on PostgreSQL, text on SQLite
        back = connection.execute(
            sa.text(
                'SELECT amount FROM payout_line WHERE run_key = :key AND "row" >= 10000 '
                'AND component = :first ORDER BY "row"'
            ),
            {"key": info.key, "first": first},
        ).scalars()
        assert [Decimal(v) for v in back] == [Decimal(t) for t in texts]
    assert [plain(Decimal(t)) for t in texts] == texts


def test_it_should_store_amounts_as_text_on_sqlite_and_numeric_on_postgresql(
    store: Engine, tmp_path: Path
) -> None:
    record, _ = record_small(store, tmp_path / "out")
    with store.connect() as connection:
        if store.dialect.name == "sqlite":
            kinds = connection.exec_driver_sql(
                "SELECT DISTINCT typeof(amount) FROM payout_line"
            ).scalars()
            assert set(kinds) == {"text"}
        else:
            kind = connection.exec_driver_sql(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'payout_line' "
                "AND column_name = 'amount'"
            ).scalar()
            assert kind == "numeric"
        assert connection.execute(sa.select(sa.func.count()).select_from(Run)).scalar() == 1
    assert record.run_id


@given(
    st.lists(
        st.none() | st.decimals(min_value=-(10**20), max_value=10**20, places=4, allow_nan=False),
        max_size=30,
    )
)
def test_it_should_total_decimal_texts_exactly_as_decimals_add_up(
    values: list[Decimal | None],
) -> None:
    texts = pl.Series([None if v is None else plain(v) for v in values], dtype=pl.String)
    expected = sum((v for v in values if v is not None), Decimal(0))
    assert f"{total(texts):,}" == f"{expected:,}"  # as `compengine show` prints it
