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


class _Counter:
    def __init__(self, progress=None, task=None, threshold: int = 8):
        self.progress, self.task, self.threshold = progress, task, threshold

    def total(self, n: int) -> None:
        if self.progress is not None:
            self.progress.update(self.task, total=n, visible=n > self.threshold)

    def advance(self) -> None:
        if self.progress is not None:
            self.progress.advance(self.task)


@contextlib.contextmanager
def progress_counter(label: str, threshold: int = 8) -> Iterator[_Counter]:
    """Like :func:`progress_bar` when the total is known only once the work has started."""
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield _Counter()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console, transient=True) as progress:
        yield _Counter(progress, progress.add_task(label, total=None, visible=False), threshold)
