from __future__ import annotations

from compengine.cli import main

main()
