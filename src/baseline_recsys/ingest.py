"""Stream a metadata dump into Parquet tables in bounded memory.

One pass over the file parses each line (see :mod:`baseline_recsys.parsing`),
buffers at most ``chunk_lines`` lines' worth of rows, and appends them as a row
group to three Parquet files written with :class:`pyarrow.parquet.ParquetWriter`:

* ``products``: one row per distinct ASIN (the first line wins, see below);
* ``product_relationships``: one row per directed relation
  (asin, related_asin, relationship);
* ``rejected_lines``: line_number, reason, the first 200 characters.

Memory therefore stays flat however large the dump is, apart from the set of ASINs
already seen (needed to drop duplicate lines), which grows with the number of
products, not with the size of the file.

**Duplicate ASIN lines** (some 2018 files have them): the first line for an ASIN
wins; later lines with the same ASIN are counted in the report as
``duplicate_asin_lines`` and contribute neither a product row nor relations, so a
repeated line can never double a pair's weight.
"""

from __future__ import annotations

import gzip
import logging
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from baseline_recsys.parsing import (
    REJECT_REASONS,
    LineParser,
    ProductRecord,
    RejectedLine,
    parse_raw_line,
)

logger = logging.getLogger(__name__)

PRODUCTS_SCHEMA = pa.schema(
    [
        pa.field("asin", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("brand", pa.string()),
        pa.field("price", pa.float64()),
        pa.field("sales_rank", pa.int64()),
        pa.field("sales_rank_category", pa.string()),
        pa.field("main_category", pa.string()),
        pa.field("categories", pa.list_(pa.list_(pa.string()))),
        pa.field("line_number", pa.int64(), nullable=False),
    ]
)
RELATIONSHIPS_SCHEMA = pa.schema(
    [
        pa.field("asin", pa.string(), nullable=False),
        pa.field("related_asin", pa.string(), nullable=False),
        pa.field("relationship", pa.dictionary(pa.int8(), pa.string()), nullable=False),
    ]
)
REJECTED_SCHEMA = pa.schema(
    [
        pa.field("line_number", pa.int64(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
    ]
)
REJECTED_TEXT_CHARS = 200


class TooManyRejectedLines(ValueError):
    """Raised when the share of rejected lines passes the configured threshold."""


class TruncatedInputError(ValueError):
    """Raised when a compressed input ends mid-stream (e.g. a partial download)."""


def open_binary(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a plain or gzip file for binary reading, by its magic bytes.

    Args:
        path: The file.

    Returns:
        A binary file object; gzip is decompressed on the fly.
    """
    handle = open(path, "rb")  # noqa: SIM115 - returned to the caller
    magic = handle.read(2)
    handle.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=handle, mode="rb")  # type: ignore[return-value]
    return handle


def iter_lines(
    path: str | os.PathLike[str], *, max_line_bytes: int
) -> Iterator[tuple[int, bytes | None, int]]:
    """Yield ``(line_number, raw_line, n_bytes)`` for each line of a file.

    Lines are read with a length limit, so a file with a gigantic line (or no
    newline at all) never has to fit in memory: a line longer than
    ``max_line_bytes`` is skipped to its end and yielded as ``None``.

    Args:
        path: Plain or gzip file.
        max_line_bytes: Longest line to return, in bytes.

    Yields:
        1-based line number, the line without its ending (``None`` when too
        long), and the number of uncompressed bytes the line took.

    Raises:
        TruncatedInputError: If a gzip stream ends before its end marker.
    """
    with open_binary(path) as handle:
        number = 0
        try:
            while True:
                raw = handle.readline(max_line_bytes + 1)
                if not raw:
                    return
                number += 1
                n_bytes = len(raw)
                if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                    while raw and not raw.endswith(b"\n"):  # skip the rest
                        raw = handle.readline(1 << 20)
                        n_bytes += len(raw)
                    yield number, None, n_bytes
                    continue
                yield number, raw.rstrip(b"\r\n"), n_bytes
        except EOFError as exc:
            raise TruncatedInputError(
                f"{path}: compressed stream ends early after line {number} "
                f"(truncated download?): {exc}"
            ) from exc


@dataclass
class IngestReport:
    """Counts gathered while ingesting one file (saved as the ingest report)."""

    source: str
    lines_read: int = 0
    blank_lines: int = 0
    bytes_read: int = 0
    parsed: int = 0
    products: int = 0
    duplicate_asin_lines: int = 0
    rejected: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    relations_by_kind: Counter[str] = field(default_factory=Counter)
    first_rejected_lines: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rejected_fraction(self) -> float:
        """Rejected lines over non-blank lines read."""
        considered = self.lines_read - self.blank_lines
        return self.rejected / considered if considered else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-serialisable data."""
        return {
            "source": self.source,
            "lines_read": self.lines_read,
            "blank_lines": self.blank_lines,
            "megabytes_read": round(self.bytes_read / 1e6, 3),
            "parsed": self.parsed,
            "products": self.products,
            "duplicate_asin_lines": self.duplicate_asin_lines,
            "rejected": self.rejected,
            "rejected_fraction": round(self.rejected_fraction, 6),
            "rejected_by_reason": {
                r: self.rejected_by_reason.get(r, 0) for r in REJECT_REASONS
            },
            "first_rejected_lines": self.first_rejected_lines,
            "relations": sum(self.relations_by_kind.values()),
            "relations_by_kind": dict(sorted(self.relations_by_kind.items())),
            "seconds": round(self.seconds, 3),
            "megabytes_per_second": round(self.bytes_read / 1e6 / self.seconds, 3)
            if self.seconds
            else None,
        }


class _Buffers:
    """Column buffers for one chunk of lines."""

    def __init__(self) -> None:
        self.products: dict[str, list[Any]] = {n: [] for n in PRODUCTS_SCHEMA.names}
        self.rel_asin: list[str] = []
        self.rel_related: list[str] = []
        self.rel_kind: list[str] = []
        self.rejected: dict[str, list[Any]] = {n: [] for n in REJECTED_SCHEMA.names}

    @property
    def rows(self) -> int:
        """Lines buffered (products plus rejected)."""
        return len(self.products["asin"]) + len(self.rejected["line_number"])

    def add_product(self, record: ProductRecord, line_number: int) -> None:
        cols = self.products
        cols["asin"].append(record.asin)
        cols["title"].append(record.title)
        cols["brand"].append(record.brand)
        cols["price"].append(record.price)
        cols["sales_rank"].append(record.sales_rank)
        cols["sales_rank_category"].append(record.sales_rank_category)
        cols["main_category"].append(record.main_category)
        cols["categories"].append(record.categories)
        cols["line_number"].append(line_number)
        for kind, ids in record.related.items():
            self.rel_asin.extend([record.asin] * len(ids))
            self.rel_related.extend(ids)
            self.rel_kind.extend([kind] * len(ids))

    def add_rejected(self, line_number: int, reason: str, text: str) -> None:
        self.rejected["line_number"].append(line_number)
        self.rejected["reason"].append(reason)
        self.rejected["text"].append(text[:REJECTED_TEXT_CHARS])

    def flush(
        self,
        products: pq.ParquetWriter,
        relationships: pq.ParquetWriter,
        rejected: pq.ParquetWriter,
    ) -> None:
        if self.products["asin"]:
            products.write_table(pa.table(self.products, schema=PRODUCTS_SCHEMA))
        if self.rel_asin:
            kinds = pa.array(self.rel_kind, pa.string()).dictionary_encode()
            kinds = kinds.cast(pa.dictionary(pa.int8(), pa.string()))
            relationships.write_table(
                pa.table(
                    [
                        pa.array(self.rel_asin, pa.string()),
                        pa.array(self.rel_related, pa.string()),
                        kinds,
                    ],
                    schema=RELATIONSHIPS_SCHEMA,
                )
            )
        if self.rejected["line_number"]:
            rejected.write_table(pa.table(self.rejected, schema=REJECTED_SCHEMA))
        self.__init__()  # type: ignore[misc]


def ingest_file(
    path: str | os.PathLike[str],
    *,
    products_path: str | os.PathLike[str],
    relationships_path: str | os.PathLike[str],
    rejected_path: str | os.PathLike[str],
    python_parser: LineParser,
    chunk_lines: int = 50_000,
    max_line_bytes: int = 16 * 1024 * 1024,
    max_rejected_fraction: float = 0.01,
    progress_every_lines: int = 200_000,
) -> IngestReport:
    """Parse a metadata dump into three Parquet files, streaming.

    The three output files are written in full or not at all: on any error they
    are removed, so nothing half-written is left behind.

    Args:
        path: The dump (plain or gzip; any of the three formats, line by line).
        products_path: Where to write the products table.
        relationships_path: Where to write the directed relations table.
        rejected_path: Where to write the rejected lines table.
        python_parser: Safe parser for Python-literal lines.
        chunk_lines: Lines buffered before a row group is written.
        max_line_bytes: Lines longer than this are rejected as ``line_too_long``.
        max_rejected_fraction: Fail if more than this share of non-blank lines is
            rejected.
        progress_every_lines: Log progress every this many lines.

    Returns:
        The ingest report.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        TooManyRejectedLines: If the rejected share passes the threshold; the
            message names the file and the first bad line numbers.
        TruncatedInputError: If a gzip file ends mid-stream.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Raw metadata file not found: {path}")
    report = IngestReport(source=str(path))
    seen: set[str] = set()
    buffers = _Buffers()
    outputs = [Path(products_path), Path(relationships_path), Path(rejected_path)]
    start = time.perf_counter()
    try:
        with (
            pq.ParquetWriter(outputs[0], PRODUCTS_SCHEMA) as w_products,
            pq.ParquetWriter(outputs[1], RELATIONSHIPS_SCHEMA) as w_relations,
            pq.ParquetWriter(outputs[2], REJECTED_SCHEMA) as w_rejected,
        ):
            for number, raw, n_bytes in iter_lines(path, max_line_bytes=max_line_bytes):
                report.lines_read += 1
                report.bytes_read += n_bytes
                if buffers.rows >= chunk_lines:
                    buffers.flush(w_products, w_relations, w_rejected)
                if number % progress_every_lines == 0:
                    _log_progress(report, start)
                if raw is None:
                    _reject(
                        report, buffers, number, "line_too_long", f"<{n_bytes} bytes>"
                    )
                    continue
                if not raw.strip():
                    report.blank_lines += 1
                    continue
                try:
                    record = parse_raw_line(raw, python_parser)
                except RejectedLine as exc:
                    text = raw.decode("utf-8", "replace")
                    _reject(report, buffers, number, exc.reason, text)
                    continue
                report.parsed += 1
                if record.asin in seen:
                    report.duplicate_asin_lines += 1
                    continue
                seen.add(record.asin)
                report.products += 1
                for kind, ids in record.related.items():
                    report.relations_by_kind[kind] += len(ids)
                buffers.add_product(record, number)
            buffers.flush(w_products, w_relations, w_rejected)
        report.seconds = time.perf_counter() - start
        _check_rejected(report, max_rejected_fraction)
    except BaseException:
        for output in outputs:
            output.unlink(missing_ok=True)
        raise
    _log_progress(report, start, final=True)
    return report


def _reject(
    report: IngestReport, buffers: _Buffers, number: int, reason: str, text: str
) -> None:
    report.rejected += 1
    report.rejected_by_reason[reason] += 1
    if len(report.first_rejected_lines) < 20:
        report.first_rejected_lines.append(number)
    buffers.add_rejected(number, reason, text)
    logger.debug("Line %d rejected: %s", number, reason)


def _log_progress(report: IngestReport, start: float, final: bool = False) -> None:
    elapsed = max(time.perf_counter() - start, 1e-9)
    logger.info(
        "%s %s: %s lines, %s products, %s relations, %s rejected (%.1f MB/s, %.0f lines/s)",
        "Parsed" if final else "Parsing",
        Path(report.source).name,
        f"{report.lines_read:,}",
        f"{report.products:,}",
        f"{sum(report.relations_by_kind.values()):,}",
        f"{report.rejected:,}",
        report.bytes_read / 1e6 / elapsed,
        report.lines_read / elapsed,
    )


def _check_rejected(report: IngestReport, max_fraction: float) -> None:
    if report.rejected and report.rejected_fraction > max_fraction:
        reasons = ", ".join(
            f"{k}={v}" for k, v in report.rejected_by_reason.most_common()
        )
        raise TooManyRejectedLines(
            f"{report.source}: {report.rejected:,} of {report.lines_read - report.blank_lines:,} "
            f"lines rejected ({report.rejected_fraction:.2%} > max_rejected_fraction="
            f"{max_fraction:.2%}); reasons: {reasons}; first bad lines: "
            f"{report.first_rejected_lines[:10]}"
        )
    if report.rejected:
        logger.warning(
            "%s: %d lines rejected (%.3f%%), first at lines %s; see rejected_lines",
            report.source,
            report.rejected,
            100 * report.rejected_fraction,
            report.first_rejected_lines[:10],
        )
