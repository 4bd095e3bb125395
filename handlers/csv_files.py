"""Reading a CSV file as spreadsheets and CRMs save it: `,` `;` or tab between cells, with or
without a byte-order mark (UTF-8, or UTF-16 from Excel's "Unicode text").

The delimiter is the one of `,` `;` and tab that the header row uses most outside quotes:
a header names columns, so it holds no free text to mislead the count.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

DELIMITERS = (",", ";", "\t")
_SNIFF_BYTES = 64 * 1024


class CsvProblem(ValueError):
    """The file cannot be read as CSV; the message says why, for one line in the terminal."""


@dataclass(frozen=True)
class CsvFormat:
    """How a file is encoded and what separates its cells."""

    encoding: str
    delimiter: str

    @property
    def delimiter_name(self) -> str:
        """The delimiter as a word, for messages."""
        return {",": "comma", ";": "semicolon", "\t": "tab"}[self.delimiter]


def _encoding(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"  # reads UTF-8 with or without its BOM


def count_delimiters(line: str) -> dict[str, int]:
    """How often each delimiter occurs in a line outside double quotes."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return counts


def detect_format(path: Path) -> CsvFormat:
    """The file's encoding and delimiter, from its first bytes."""
    with open(path, "rb") as raw:
        head = raw.read(_SNIFF_BYTES)
    encoding = _encoding(head)
    text = head.decode(encoding, errors="ignore")
    header = text.split("\n", 1)[0]
    counts = count_delimiters(header)
    delimiter = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return CsvFormat(encoding=encoding, delimiter=delimiter)


def open_text(path: Path, fmt: CsvFormat) -> TextIO:
    """The file as text in its encoding, lines left as they are for the csv module."""
    return io.TextIOWrapper(open(path, "rb"), encoding=fmt.encoding, newline="")


def read_header(path: Path, fmt: CsvFormat) -> list[str]:
    """The header row."""
    with open_text(path, fmt) as text:
        return next(csv.reader(text, delimiter=fmt.delimiter), [])


def count_rows(path: Path, fmt: CsvFormat) -> int:
    """Check the whole file reads as CSV in its encoding; how many data rows it has."""
    with open_text(path, fmt) as text:
        reader = csv.reader(text, delimiter=fmt.delimiter)
        try:
            if next(reader, None) is None:
                raise CsvProblem(f"{path.name} is empty: it needs a header row and leads")
            return sum(1 for _row in reader)
        except UnicodeDecodeError:
            raise CsvProblem(
                f"{path.name} is not UTF-8 text (after line {reader.line_num}): "
                "export it again as CSV UTF-8"
            ) from None
        except csv.Error as exc:
            raise CsvProblem(f"{path.name} line {reader.line_num}: {exc}") from None


def batches(path: Path, fmt: CsvFormat, size: int) -> Iterator[list[tuple[int, list[str]]]]:
    """The data rows, each with the line it ends on, size rows at a time."""
    with open_text(path, fmt) as text:
        reader = csv.reader(text, delimiter=fmt.delimiter)
        next(reader)
        batch: list[tuple[int, list[str]]] = []
        for row in reader:
            batch.append((reader.line_num, row))
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch
