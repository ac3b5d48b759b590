"""The slow row-by-row reference of ``tests/reference.py`` as a command, for the benchmark.

    python benchmarks/reference.py --plan FILE --data DIR --out FILE

Reads the data folder with the :mod:`csv` module, pays every rep and period with exact
fractions in plain Python loops, and writes ``payouts.csv`` as the reference gives it.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Run the reference on ``--data`` and write its payouts to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from compengine.plan.load import load_plan
    from tests.reference import run_reference

    result = run_reference(load_plan(args.plan).plan, args.data)
    with args.out.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(result.payouts)


if __name__ == "__main__":
    main()
