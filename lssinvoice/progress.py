"""Progress bars (rich) on stderr, shown only on a terminal and only for longer jobs."""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress_bar(total: int, label: str, threshold: int = 8) -> Iterator[Callable[[], None]]:
    """Yield an ``advance()`` callable; a bar is drawn when ``total > threshold`` on a TTY."""
    from rich.console import Console

    console = Console(stderr=True)
    if total <= threshold or not console.is_terminal:
        yield lambda: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)
