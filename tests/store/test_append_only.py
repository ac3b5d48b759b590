"""The database itself refuses to change or remove a recorded run, line or close."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError

from compengine.store import closes
from tests.store.conftest import record_small

TABLES = {
    "run": "status = 'edited'",
    "row_block": "rows = '[]'",
    "period_event": "by = 'someone else'",
}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_it_should_reject_update_and_delete_of_every_history_table(
    store: Engine, tmp_path: Path, table: str
) -> None:
    record, _ = record_small(store, tmp_path / "out")
    closes.close(store, "2027-01", record.run_id, "finance")
    for statement in (f"UPDATE {table} SET {TABLES[table]}", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="append-only"), store.begin() as connection:
            connection.execute(sa.text(statement))
    with store.connect() as connection:
        count = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
    assert (count or 0) > 0


def test_it_should_reopen_by_adding_an_event_not_by_editing_the_close(
    store: Engine, tmp_path: Path
) -> None:
    record, _ = record_small(store, tmp_path / "out")
    closes.close(store, "2027-01", record.run_id, "finance")
    closes.reopen(store, "2027-01", "late deal", "controller")
    closes.close(store, "2027-01", record.run_id, "finance")
    with store.connect() as connection:
        history = [(e.seq, e.action, e.by) for e in closes.events(connection)]
        assert [e.period for e in closes.closed(connection).values()] == ["2027-01"]
    assert history == [
        (1, "close", "finance"),
        (2, "reopen", "controller"),
        (3, "close", "finance"),
    ]
