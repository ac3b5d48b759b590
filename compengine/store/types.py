"""Column types that keep money exact on every database.

SQLite has no decimal type: a ``NUMERIC`` or ``DECIMAL`` column there has numeric affinity
and turns ``1234.50`` into a binary float. Amounts are therefore stored as their decimal
text on SQLite (TEXT affinity keeps the bytes) and as ``NUMERIC`` on PostgreSQL, whose
unconstrained numeric keeps every digit and the scale it was written with.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

# The DDL type, shared with the migrations: text on SQLite, NUMERIC on PostgreSQL.
EXACT_DDL = sa.Text().with_variant(postgresql.NUMERIC(), "postgresql")


def plain(value: Decimal) -> str:
    """A decimal as plain text with its own scale: ``1234.50``, never ``1.2345E+3``."""
    return format(value, "f")


class Exact(sa.types.TypeDecorator[Decimal]):
    """An exact decimal: text on SQLite, NUMERIC on PostgreSQL, ``Decimal`` in Python."""

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.NUMERIC(asdecimal=True))
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return plain(Decimal(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)
