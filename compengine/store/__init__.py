"""The run store: every run, its payout lines, measures and audit steps, and period closes.

``tables`` holds the database tables (the only ``table=True`` models), ``records`` the plain
objects handed back, ``db`` opens and migrates a store, ``write`` records a run in one bulk
transaction, ``read`` and ``export`` read it back, ``closes`` closes and reopens periods and
``closed`` keeps closed periods as paid; ``breakdown`` reads a run's every step back.
"""

from __future__ import annotations
