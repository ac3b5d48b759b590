"""compengine: incentive compensation for revenue and relationship behaviour.

Python's Decimal arithmetic rounds to 28 significant digits unless told otherwise; a plan's
number may have 32 (12 before the point, 20 after) and the engine's integers 38. Every
Decimal context compengine computes in, this thread's and every new thread's, holds
:data:`EXACT_DIGITS` digits, so that no Decimal step rounds where the plan does not say so.
"""

from __future__ import annotations

import decimal

__version__ = "0.1.0"

EXACT_DIGITS = 100  # above any number the engine holds: 38 digits at up to 38 decimals
decimal.DefaultContext.prec = max(decimal.DefaultContext.prec, EXACT_DIGITS)
decimal.getcontext().prec = max(decimal.getcontext().prec, EXACT_DIGITS)
