"""Run one ``kedro`` command in this process, then write its peak RSS to a file.

``python -m benchmarks.stage PEAK_FILE run --pipeline ingest ...`` is ``kedro run
--pipeline ingest ...`` plus, at exit, this process's own high-water mark of
resident memory (``VmHWM`` in ``/proc/self/status``) written to ``PEAK_FILE`` in
bytes. ``getrusage`` cannot tell it: a child's ``ru_maxrss`` starts from its
parent's size at ``fork``, so after the benchmark itself has held a large split in
memory, every later stage would seem to need that much.
"""

from __future__ import annotations

import atexit
import sys
from pathlib import Path


def peak_rss_bytes() -> int | None:
    """This process's peak resident set size, from ``/proc/self/status``.

    Returns:
        Bytes, or ``None`` where ``/proc`` is not available.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _write_peak(path: Path) -> None:
    peak = peak_rss_bytes()
    if peak is not None:
        path.write_text(f"{peak}\n", encoding="ascii")


def main() -> None:
    """Run kedro with the arguments after the peak file; record the peak at exit."""
    if len(sys.argv) < 3:
        raise SystemExit("usage: python -m benchmarks.stage PEAK_FILE KEDRO_ARGS...")
    atexit.register(_write_peak, Path(sys.argv[1]))
    sys.argv = ["kedro", *sys.argv[2:]]
    from kedro.framework.cli import main as kedro_main

    kedro_main()


if __name__ == "__main__":
    main()
