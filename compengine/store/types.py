"""Decimal text that keeps money exact on every database.

SQLite has no decimal type: a ``NUMERIC`` or ``DECIMAL`` column there has numeric affinity
and turns ``1234.50`` into a binary float. Amounts are therefore stored as their plain
decimal text (in the JSON rows of ``row_block``),
which keeps every digit and the scale they were written with; the ``payout_line`` view
gives them back as text on SQLite and as ``NUMERIC`` on PostgreSQL.
"""

from __future__ import annotations

from decimal import Decimal


def plain(value: Decimal) -> str:
    """A decimal as plain text with its own scale: ``1234.50``, never ``1.2345E+3``."""
    return format(value, "f")
