"""compengine: incentive compensation for revenue and relationship behaviour."""

from __future__ import annotations

__version__ = "0.1.0"
