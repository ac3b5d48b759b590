"""LibreOffice headless recalculation of workbooks, for the audit tests.

The Payouts formulas carry the values compengine computed; they are taken out of a copy
first, so that converting it with LibreOffice computes every cell from the workbook's own;
the converted copy is read back with openpyxl. Several workbooks go through one ``soffice``
call, with a private profile so parallel runs do not collide.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest


def soffice() -> str:
    """The soffice executable; skips the test without it, except in CI, where it fails."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(
            "LibreOffice (soffice) is required in CI: apt-get install libreoffice-calc-nogui"
        )
    pytest.skip("LibreOffice (soffice) is not installed")


def uncached(path: Path, folder: Path) -> Path:
    """A copy of workbook ``path`` in ``folder`` whose formulas hold no stored value."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / path.name
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as to:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"</f><v>[^<]*</v>", b"</f>", data)
            to.writestr(item, data)
    return copy


def recalculate(paths: list[Path], out: Path) -> list[Path]:
    """Recalculate ``paths`` with LibreOffice in one call; the recalculated copies, in order."""
    executable = soffice()
    out.mkdir(parents=True, exist_ok=True)
    paths = [uncached(p, out / ".uncached") for p in paths]
    profile = out / ".profile"
    completed = subprocess.run(
        [
            executable,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--calc",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *(str(p) for p in paths),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    copies = [out / p.name for p in paths]
    missing = [str(c) for c in copies if not c.exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {completed.stderr}"
    return copies


def cents(value: object, decimals: int) -> str:
    """A recalculated amount as the engine writes it: exactly ``decimals`` places, no -0."""
    assert isinstance(value, int | float), f"not a number: {value!r}"
    text = f"{Decimal(repr(float(value))):.{decimals}f}"
    return text[1:] if text.startswith("-") and Decimal(text) == 0 else text


def sheet_rows(path: Path, sheet: str, formulas: bool = False) -> list[list[object]]:
    """The cells of one sheet (formulas as written, or the values LibreOffice computed)."""
    book = openpyxl.load_workbook(path, data_only=not formulas, read_only=True)
    try:
        return [list(row) for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()
