"""A CSV file is stripped only where whitespace may be, and gives the same cells as a strip of
every cell."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from compengine.data import read as read_module
from compengine.data.read import Unreadable, read
from compengine.data.schema import TABLES

# Cells mixing what a strip removes (Unicode whitespace, ASCII and not) with what a CSV
# writer quotes (separators, quotes, line breaks), also in ASCII only; and cells of a file
# with none of them, which is read without the strip (control characters that are not
# whitespace included).
BARE_CELLS = st.text(alphabet="ab1-.#'\x00\x08\x1c\x1f\x7f", max_size=5)
CELLS = st.text(alphabet='ab1 ,"\t\r\n\x0b\x0c\x1féx\u00a0\u2003', max_size=5)
ASCII_CELLS = st.text(alphabet='ab1 ,"\t\r\n\x0b\x0c\x1f', max_size=5)


def _csv(rows: list[list[str]], line_end: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(["a", "b", "c"])
    writer.writerows(rows)
    return out.getvalue().encode()


def _read_both(path: Path) -> tuple[object, object]:
    """What read gives as it is, and when it strips every cell whatever the bytes."""

    def outcome() -> object:
        try:
            raw = read(path, TABLES["reps"])
        except Unreadable as error:
            return error.messages
        return raw.frame.rows(), raw.frame.columns, raw.sha256

    def strip_every_cell(frame: pl.DataFrame, _csv: bytes | None) -> pl.DataFrame:
        return frame.select(pl.all().cast(pl.String).str.strip_chars().replace("", None))

    fast = outcome()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(read_module, "_stripped", strip_every_cell)
        return fast, outcome()


@given(
    rows=st.one_of(
        st.lists(st.lists(CELLS, min_size=3, max_size=3), max_size=6),
        # an ASCII file whose columns hold whitespace, or not, each on its own
        st.lists(
            st.tuples(ASCII_CELLS, BARE_CELLS, st.one_of(ASCII_CELLS, BARE_CELLS)).map(list),
            max_size=6,
        ),
    ),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_it_should_read_the_same_cells_whether_or_not_it_strips_them(
    rows: list[list[str]], line_end: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("csv") / "reps.csv"
    path.write_bytes(_csv(rows, line_end))
    fast, stripped = _read_both(path)
    assert fast == stripped


@given(
    rows=st.lists(st.lists(BARE_CELLS, min_size=1, max_size=4), min_size=1, max_size=8),
    line_end=st.sampled_from(["\n", "\r\n"]),
)
def test_it_should_read_a_file_it_does_not_strip_as_if_it_did(
    rows: list[list[str]], line_end: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # the cells hold nothing a CSV writer would quote: written as they are
    text = "".join(line + line_end for line in ["a,b,c", *map(",".join, rows)]).encode()
    assert read_module._bare(text)
    path = tmp_path_factory.mktemp("csv") / "reps.csv"
    path.write_bytes(text)
    fast, stripped = _read_both(path)
    assert fast == stripped


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        (b"a,b\nR1,2027-01-05\n", True),
        (b"a,b\r\nR1,2027-01-05\r\n", True),
        (b"a,b\nR1 ,2027-01-05\n", False),  # a space
        (b"a,b\nR1,\t2027-01-05\n", False),  # a tab
        (b'a,b\n"R1",2027-01-05\n', False),  # a quote: "" would be an empty text
        (b"a,b\nR1\r,2027-01-05\n", False),  # a carriage return inside a cell
        (b"a,b\nR\xc2\xa01,2027-01-05\n", False),  # not ASCII (a no-break space)
    ],
)
def test_it_should_skip_the_strip_only_where_no_cell_can_hold_whitespace(
    text: bytes, bare: bool, tmp_path: Path
) -> None:
    assert read_module._bare(text) is bare
    path = tmp_path / "reps.csv"
    path.write_bytes(text)
    fast, stripped = _read_both(path)
    assert fast == stripped


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        (b"a,b\nR\xc3\xa91,x\n", "R\u00e91"),  # UTF-8: read as it is
        (b"\xef\xbb\xbfa,b\r\nR1,x\r\n", "R1"),  # a byte-order mark and CRLF
    ],
)
def test_it_should_read_utf8_as_it_is(text: bytes, cell: str, tmp_path: Path) -> None:
    path = tmp_path / "reps.csv"
    path.write_bytes(text)
    frame = read(path, TABLES["reps"]).frame
    assert frame.rows(named=True) == [{"_row": 1, "a": cell, "b": "x"}]


@pytest.mark.parametrize("streaming", [False, True])
def test_it_should_refuse_text_that_is_not_utf8_naming_each_row_and_column(
    streaming: bool, tmp_path: Path
) -> None:
    """Latin-1 é (0xe9) in the header and in rows 1 and 3: read with the letter replaced, a
    where on the column would stop matching without a word."""
    path = tmp_path / "transactions.csv"
    path.write_bytes(b"a,deal_type,r\xe9gion\nT1,n\xe9goce,\nT2,new,\nT3,caf\xe9,\n")
    with pytest.raises(Unreadable) as refused:
        read(path, TABLES["transactions"], streaming)
    assert refused.value.messages == [
        "transactions.csv header: 'r\u00e9gion' holds byte 0xe9, which is not UTF-8. "
        "Hint: save the file as CSV UTF-8.",
        "transactions.csv row 1, column deal_type: 'n\u00e9goce' holds byte 0xe9, which is not "
        "UTF-8. Hint: save the file as CSV UTF-8.",
        "transactions.csv row 3, column deal_type: 'caf\u00e9' holds byte 0xe9, which is not "
        "UTF-8. Hint: save the file as CSV UTF-8.",
    ]


@pytest.mark.parametrize(
    ("start", "kind"),
    [
        (b"PK\x03\x04", "an Excel workbook or another zip file"),
        (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook"),
        (b"PAR1", "a Parquet file"),
        (b"\xff\xfe", "UTF-16 text"),
    ],
)
@pytest.mark.parametrize("streaming", [False, True])
def test_it_should_say_what_a_file_named_csv_is_when_it_is_not_csv_text(
    start: bytes, kind: str, streaming: bool, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(start + b"\x00\x01\r\x02 binary \xff\xfe\n\r")
    with pytest.raises(Unreadable) as refused:
        read(path, TABLES["events"], streaming)
    hint = (
        "save it as CSV UTF-8"
        if kind == "UTF-16 text"
        else "save the table as CSV UTF-8, or give the file the extension of its kind "
        "(.xlsx, .parquet)"
    )
    message = f"events.csv: the file is {kind}, not CSV text. Hint: {hint}."
    assert refused.value.messages == [message]


def test_it_should_report_damaged_csv_with_a_bare_carriage_return_without_failing(
    tmp_path: Path,
) -> None:
    """The long-row scan of a damaged file reads a CR inside a field as the field's."""
    path = tmp_path / "events.csv"
    path.write_bytes(b'a,b\nx,"y\rz",w\n')
    with pytest.raises(Unreadable) as refused:  # a bare CR: the rows are not read apart
        read(path, TABLES["events"])
    assert refused.value.messages == [
        "events.csv row 1: 3 fields, the header has 2. "
        "Hint: quote values that hold a comma, or remove the extra fields."
    ]


@pytest.mark.parametrize("end", [b"", b"\n", b"\r\n"])
@pytest.mark.parametrize("streaming", [False, True])
def test_it_should_refuse_lines_ending_with_a_carriage_return_alone(
    streaming: bool, end: bytes, tmp_path: Path
) -> None:
    """Read as it is, the whole file would be one header with the rows' cells in its names
    (with an extra column, every column the table needs, and no row: nothing paid)."""
    path = tmp_path / "adjustments.csv"
    path.write_bytes(b"rep_id,period,amount,reason,note\rR1,2027-01,10,fix,x\r" + end)
    with pytest.raises(Unreadable) as refused:
        read(path, TABLES["adjustments"], streaming)
    assert refused.value.messages == [
        "adjustments.csv: its lines end with a carriage return alone. Hint: save it as CSV "
        "UTF-8, whose lines end with a line feed (LF or CRLF)."
    ]


@pytest.mark.parametrize("streaming", [False, True])
def test_it_should_read_a_gzipped_csv_as_its_text(streaming: bool, tmp_path: Path) -> None:
    path = tmp_path / "reps.csv"
    path.write_bytes(gzip.compress(b"a,b\nR1,x\n"))
    frame = read(path, TABLES["reps"], streaming).frame
    assert frame.rows(named=True) == [{"_row": 1, "a": "R1", "b": "x"}]


@pytest.mark.parametrize("compress", [gzip.compress, zlib.compress])
def test_it_should_name_the_rows_of_a_compressed_csv_as_of_any_other(
    compress: Callable[[bytes], bytes], tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(compress(b"a,b\nR1,x\nR2,y,z\nR3,w\n"))
    raw = read(path, TABLES["events"])
    assert raw.refused == ("events.csv row 2: 3 fields, the header has 2. Hint: quote values "
                           "that hold a comma, or remove the extra fields.",)  # fmt: skip
    assert raw.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()  # the file's own bytes
    path.write_bytes(compress(b"a,b\nR1,x\nR3,\xe9\n"))
    with pytest.raises(Unreadable) as refused:
        read(path, TABLES["events"])
    assert refused.value.messages == [
        "events.csv row 2, column b: '\u00e9' holds byte 0xe9, which is not UTF-8. "
        "Hint: save the file as CSV UTF-8."
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [  # a zlib file cut in half used to read as the rows it had left
        (
            zlib.compress(b"a,b\n" + b"".join(b"R%d,%d\n" % (i, i * i) for i in range(5000)))[:900],
            "the compressed data is damaged",
        ),
        (gzip.compress(b"a,b\nR1,x\n")[:-4], "the compressed data is damaged"),
        (gzip.compress(gzip.compress(b"a,b\nR1,x\n")), "the file is compressed twice"),
    ],
)
def test_it_should_refuse_compressed_data_that_is_damaged(
    content: bytes, problem: str, tmp_path: Path
) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(content)
    with pytest.raises(Unreadable) as refused:
        read(path, TABLES["events"])
    [message] = refused.value.messages
    assert message.startswith(f"events.csv: {problem}"), message
    assert "Hint: compress the CSV file" in message
