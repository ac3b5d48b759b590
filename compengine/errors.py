"""One small exception hierarchy; every error carries a reason code and teaching messages."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a plan, an input or a store operation was refused."""

    PLAN_SYNTAX = "plan_syntax"
    PLAN_INVALID = "plan_invalid"
    MISSING_TABLE = "missing_table"
    MISSING_COLUMN = "missing_column"
    UNPARSABLE = "unparsable"
    EMPTY_VALUE = "empty_value"
    DUPLICATE = "duplicate"
    UNKNOWN_REP = "unknown_rep"
    INVALID_VALUE = "invalid_value"
    SPLITS = "splits"
    MISSING_QUOTA = "missing_quota"
    PRECISION = "precision"
    INPUT_CHANGED = "input_changed"  # a finished run's plan or input file differs from its record
    STORE = "store"
    EXPORT = "export"


class CompengineError(Exception):
    """Root of every error compengine raises on purpose (a user's mistake, not a bug)."""

    def __init__(self, messages: list[str] | str, reason: Reason, count: int | None = None) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.reason = reason
        # how many problems the messages report (a line may stand for several)
        self.count = len(self.messages) if count is None else count
        super().__init__("\n".join(self.messages))


class PlanError(CompengineError):
    """The plan file is not valid plan language."""


class InputDataError(CompengineError):
    """The data folder breaks the input data contract.

    ``problems`` holds (reason, message) pairs so tests and tools can tell rules apart.
    """

    def __init__(self, problems: list[tuple[Reason, str]], count: int | None = None) -> None:
        self.problems = problems
        super().__init__([m for _, m in problems], problems[0][0], count)


class StoreError(CompengineError):
    """The run store refused an operation."""


class ExportError(CompengineError):
    """An output could not be written, or a finished run's folder could not be read back."""
