"""Atomic file output: write to a temporary file beside the target, then rename.

A run killed half-way through a write leaves at most a ``*.tmp-*`` file behind,
never a truncated file under the final name that a later run would read as
complete. ``os.replace`` is atomic on POSIX when source and target are on the same
filesystem, which is why temporary files are always created in the target's folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    Args:
        target: The final path. Its parent folder is created if missing.

    Yields:
        A path in the same folder as ``target`` to write to. If the ``with`` body
        raises, the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; use normal permissions
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_open(
    target: str | os.PathLike[str], mode: str = "w", **kwargs: object
) -> Iterator[IO]:
    """Open a file for writing that appears under ``target`` only once closed cleanly.

    Args:
        target: The final path.
        mode: A write mode, ``"w"`` or ``"wb"``.
        **kwargs: Passed to :func:`open` (e.g. ``encoding``).

    Yields:
        The open file object.
    """
    with atomic_path(target) as tmp, open(tmp, mode, **kwargs) as handle:  # noqa: PTH123
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def move_into_place(
    source: str | os.PathLike[str], target: str | os.PathLike[str]
) -> None:
    """Move a finished file onto ``target`` atomically, even across filesystems.

    Args:
        source: A complete file (e.g. a staged Parquet file). It is removed.
        target: The final path.
    """
    source, target = Path(source), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(source, target)
    except OSError:  # different filesystem: copy beside the target, then rename
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
        source.unlink(missing_ok=True)
