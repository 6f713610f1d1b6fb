"""Reading posts out of CSV and JSON Lines files, one row at a time, in constant memory.

`read_rows` yields (line number, mapping) for every row, or (line number, reason) for a row that
cannot be read at all; the mapping uses the schema's field names (docs/import.md) after the
column mapping, and keeps the row as it was under "_raw". Nothing here writes: see
escapevelocity.care.services.import_posts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, Any

from escapevelocity.care.incoming import FIELDS

FORMATS = ("csv", "jsonl")
csv.field_size_limit(1_000_000)


class ImportFormatError(ValueError):
    """The file as a whole cannot be read (wrong format, no header, bad mapping)."""


def parse_mapping(spec: str | dict[str, str] | None) -> dict[str, str]:
    """'text=body,external_id=id' -> {"text": "body", "external_id": "id"}: schema field on the
    left, the file's column (or, in JSON, a dotted path such as user.screen_name) on the right."""
    if not spec:
        return {}
    if isinstance(spec, dict):
        pairs = list(spec.items())
    else:
        pairs = []
        for part in spec.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise ImportFormatError(f"mapping '{part.strip()}': write field=column")
            name, column = part.split("=", 1)
            pairs.append((name.strip(), column.strip()))
    mapping: dict[str, str] = {}
    for name, column in pairs:
        if name not in FIELDS:
            raise ImportFormatError(
                f"mapping '{name}': not a field of the schema ({', '.join(FIELDS)})"
            )
        if not column:
            raise ImportFormatError(f"mapping '{name}': name the column")
        mapping[name] = column
    return mapping


def guess_format(name: str) -> str:
    lower = name.lower()
    if lower.endswith((".jsonl", ".ndjson", ".jsonl.txt", ".json")):
        return "jsonl"
    if lower.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    raise ImportFormatError(f"cannot tell the format of '{name}': give --format csv or jsonl")


class CountingReader(io.RawIOBase):
    """Wraps a binary file and counts the bytes read, for the progress bar."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


def _lines(binary: IO[bytes], bad: set[int]) -> Iterator[str]:
    """Decoded physical lines; a line that is not UTF-8 is noted in `bad` and replaced."""
    for number, line in enumerate(binary, start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            bad.add(number)
            yield line.decode("utf-8", errors="replace")


def _apply(mapping: dict[str, str], get: Callable[[str], Any]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in FIELDS:
        value = get(mapping.get(name, name))
        if value is not None:
            data[name] = value
    return data


def read_rows(
    binary: IO[bytes], *, fmt: str, mapping: dict[str, str]
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    if fmt == "csv":
        yield from _read_csv(binary, mapping)
    elif fmt == "jsonl":
        yield from _read_jsonl(binary, mapping)
    else:
        raise ImportFormatError(f"format '{fmt}': use csv or jsonl")


def _read_csv(
    binary: IO[bytes], mapping: dict[str, str]
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    bad: set[int] = set()
    reader = csv.reader(_lines(binary, bad))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFormatError("the file is empty") from None
    except csv.Error as exc:
        raise ImportFormatError(f"line 1: not a CSV header ({exc})") from None
    header = [h.strip() for h in header]
    columns = set(header)
    for name in ("external_id", "text", "author"):
        column = mapping.get(name, name)
        if column not in columns:
            raise ImportFormatError(
                f"no column '{column}' for {name} (columns: {', '.join(header)}); "
                f"map one with {name}=COLUMN"
            )
    last = reader.line_num
    while True:
        start = last + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            last = reader.line_num
            yield start, f"not valid CSV ({exc})"
            continue
        last = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if any(n in bad for n in range(start, last + 1)):
            yield start, "not UTF-8 text"
            continue
        if len(row) != len(header):
            yield start, f"expected {len(header)} columns, found {len(row)}"
            continue
        record = dict(zip(header, row, strict=True))
        data = _apply(mapping, record.get)
        data["_raw"] = record
        yield start, data


def _dig(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _read_jsonl(
    binary: IO[bytes], mapping: dict[str, str]
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, line in enumerate(binary, start=1):
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            yield number, "not UTF-8 text"
            continue
        except json.JSONDecodeError as exc:
            yield number, f"not valid JSON ({exc.msg} at column {exc.colno})"
            continue
        if not isinstance(record, dict):
            yield number, "expected a JSON object on the line"
            continue
        data = _apply(mapping, partial(_dig, record))
        data["_raw"] = record
        yield number, data
