"""Benchmark ``parse_python_literal`` against ``ast.literal_eval`` on real lines.

Usage::

    python benchmarks/bench_literal.py [FILE ...] [--repeat N]

Each FILE is a (gzipped or plain) 2014 Amazon metadata dump with one Python dict
literal per line. Without FILE, the Beauty and Digital Music samples in
``../shared/data`` (or ``$BASELINE_RECSYS_DATA_DIR``) are used when present. Every
parser runs over all lines of a file ``--repeat`` times (results are discarded line
by line, as a streaming reader would; the two parsers take turns); the median run
gives MB/s (of uncompressed UTF-8 text), lines/s and the speed-up, by wall-clock time
and by the process's CPU time (steadier on a busy machine).
"""

from __future__ import annotations

import argparse
import ast
import gzip
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from baseline_recsys import literal
from baseline_recsys.literal import parse_python_literal

_DEFAULT_FILES = (
    "meta_Beauty.pgpr.json.gz",
    "meta_Digital_Music.2014-prefix.json.gz",
)


def _data_dir() -> Path:
    """Locate the shared data folder.

    Returns:
        ``$BASELINE_RECSYS_DATA_DIR`` if set, else ``../shared/data`` next to the repo.
    """
    override = os.environ.get("BASELINE_RECSYS_DATA_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def _read_lines(path: Path) -> list[str]:
    """Read all lines of a possibly gzipped text file, line breaks kept.

    Args:
        path: The file.

    Returns:
        The non-blank lines.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [line for line in handle if line.strip()]


def cpu_model() -> str:
    """Describe the CPU from ``/proc/cpuinfo`` when available.

    Returns:
        The CPU model name, or ``platform.processor()`` as a fallback.
    """
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def time_parser(
    parse: Callable[[str], object], lines: Sequence[str]
) -> tuple[float, float]:
    """Time one pass of a parser over all lines.

    Args:
        parse: The parser.
        lines: The input lines.

    Returns:
        Elapsed wall-clock seconds and CPU seconds of this process (the latter is
        less disturbed by other load on the machine).
    """
    wall, cpu = time.perf_counter(), time.process_time()
    for line in lines:
        parse(line)
    return time.perf_counter() - wall, time.process_time() - cpu


def _count_fallbacks(lines: Sequence[str]) -> int:
    """Count the lines that ``parse_python_literal`` hands to ``ast.literal_eval``.

    Args:
        lines: The input lines.

    Returns:
        How many lines took the fallback path.
    """
    calls = 0
    original = literal.literal_eval_parser

    def counting(text: str) -> object:
        nonlocal calls
        calls += 1
        return original(text)

    literal.literal_eval_parser = counting
    try:
        for line in lines:
            try:
                parse_python_literal(line)
            except ValueError:
                pass
    finally:
        literal.literal_eval_parser = original
    return calls


def _bench_file(path: Path, repeat: int) -> None:
    """Benchmark both parsers on one file and print the results.

    Args:
        path: The metadata dump.
        repeat: How many timed passes per parser.
    """
    lines = _read_lines(path)
    megabytes = sum(len(line.encode("utf-8")) for line in lines) / 1e6
    fallbacks = _count_fallbacks(lines)
    for line in lines:  # check the results once, outside the timed runs
        if parse_python_literal(line) != ast.literal_eval(line):
            raise SystemExit(f"results differ on line {line[:80]!r}")
    print(
        f"  {len(lines)} lines, {megabytes:.1f} MB;"
        f" lines sent to the ast.literal_eval fallback: {fallbacks}"
    )
    parsers: dict[str, Callable[[str], object]] = {
        "ast.literal_eval": ast.literal_eval,
        "parse_python_literal": parse_python_literal,
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in parsers}
    for _ in range(repeat):  # interleaved, so that both see the same machine load
        for name, parse in parsers.items():
            runs[name].append(time_parser(parse, lines))
    wall = {
        name: statistics.median(r[0] for r in times) for name, times in runs.items()
    }
    cpu = {name: statistics.median(r[1] for r in times) for name, times in runs.items()}
    for name in parsers:
        runs_text = ", ".join(f"{megabytes / r[0]:.1f}" for r in runs[name])
        print(
            f"  {name:<22} {megabytes / wall[name]:7.1f} MB/s"
            f" {len(lines) / wall[name]:9.0f} lines/s  (CPU time: {megabytes / cpu[name]:.1f}"
            f" MB/s; wall-clock runs MB/s: {runs_text})"
        )
    ratio = wall["ast.literal_eval"] / wall["parse_python_literal"]
    cpu_ratio = cpu["ast.literal_eval"] / cpu["parse_python_literal"]
    print(f"  speed-up: {ratio:.1f}x wall-clock, {cpu_ratio:.1f}x CPU time")


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark.

    Args:
        argv: Command-line arguments (defaults to ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="metadata dumps")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes (>= 3)")
    args = parser.parse_args(argv)
    files: list[Path] = list(args.files) or [
        _data_dir() / name for name in _DEFAULT_FILES if (_data_dir() / name).exists()
    ]
    if not files:
        raise SystemExit("no input files (pass paths or set BASELINE_RECSYS_DATA_DIR)")
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} cores;"
        f" Python {platform.python_version()} ({sys.implementation.name})"
    )
    for path in files:
        print(f"{path.name}:")
        _bench_file(path, max(3, args.repeat))


if __name__ == "__main__":
    main()
