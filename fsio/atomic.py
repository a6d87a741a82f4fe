"""Files written whole or not at all, in one place for every layer.

A file is written to a temporary file in the same folder (``.<name>.<pid>.<random><suffix>``,
so a sweep can tell a live writer's temporary from a dead one's), flushed and ``fsync``-ed,
then given its name in one step: ``os.replace`` over an existing file, or ``os.link`` when
the file must not exist yet (``create_only``: an existing file is never overwritten and the
caller gets :class:`FileExistsError`). The folder is ``fsync``-ed after, so the new name
survives a power cut too. A failure before the rename leaves the old file as it was and no
temporary behind; a crash (SIGKILL) before it leaves the old file and a temporary that the
caller's sweep removes.

Files are created readable by their owner only (0600) unless a mode is given: most of what
this project writes names people (invoices, time reports, the sick-pay ledger). Linux and
macOS (POSIX rename and link semantics).
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], *, mode: int = PRIVATE_FILE, create_only: bool = False,
                  durable: bool = True, suffix: str = ".tmp",
                  before_rename: Callable[[], None] | None = None) -> Iterator[BinaryIO]:
    """A binary file object whose content becomes ``path`` when the ``with`` block ends.

    An exception in the block (a checksum that does not match, say) removes the temporary
    and ``path`` keeps what it held. ``durable=False`` skips both ``fsync`` calls, for
    callers that sync the whole filesystem once later. ``before_rename`` is called once the
    content is written, just before it takes the name (a test's crash point). The folder
    must exist."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            if mode != PRIVATE_FILE:
                os.fchmod(fh.fileno(), mode)
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if before_rename:
            before_rename()
        if create_only:
            os.link(tmp, target)  # FileExistsError: the existing file is left as it is
            os.unlink(tmp)
        else:
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        sync_folder(target.parent)


def write_atomic(path: str | os.PathLike[str], data: bytes | str, *, mode: int = PRIVATE_FILE,
                 create_only: bool = False, durable: bool = True, suffix: str = ".tmp",
                 before_rename: Callable[[], None] | None = None) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` with :func:`atomic_writer`."""
    with atomic_writer(path, mode=mode, create_only=create_only, durable=durable, suffix=suffix,
                       before_rename=before_rename) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


def sync_folder(folder: str | os.PathLike[str]) -> None:
    """``fsync`` a folder: the names created or replaced in it are then on disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private_dirs(folder: str | os.PathLike[str]) -> None:
    """Create ``folder`` and its missing parents readable by the owner only (0700).

    ``mkdir(mode=..., parents=True)`` applies the mode to the last folder only; the archive's
    ``ab/cd/`` folders and a report's new output folder all hold personal data."""
    missing = []
    current = Path(folder)
    while not current.exists():
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=PRIVATE_FOLDER)
