"""What the store hands back: plain frozen dataclasses, apart from the tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class RunInfo:
    """A recorded run, without its lines."""

    id: str
    key: int  # the store's number of the run, which its rows carry
    plan_id: str
    plan_version: int
    plan_sha256: str
    granularity: str
    inputs: dict[str, dict[str, object]]
    first_period: str
    last_period: str
    status: str
    started_at: datetime
    finished_at: datetime
    engine_version: str
    payout_columns: list[str]
    measure_columns: list[str]
    audit_columns: list[str]  # the Breakdown's steps, in order
    manifest: str


@dataclass(frozen=True)
class PeriodEventInfo:
    """A close or reopen of a plan's period."""

    plan_id: str
    period: str
    seq: int
    action: str
    run_id: str
    by: str
    at: datetime
    reason: str | None


@dataclass(frozen=True)
class Delta:
    """How much a recomputed closed period differs from what was paid, for one amount."""

    period: str
    rep_id: str
    component: str
    paid: Decimal
    recomputed: Decimal

    @property
    def amount(self) -> Decimal:
        return self.recomputed - self.paid
