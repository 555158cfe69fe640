"""Progress display: a tqdm bar on a terminal, plain lines anywhere else.

A log file or a pipe gets no bar and no cursor codes: one line when the work starts,
then one every ``LINE_INTERVAL`` seconds at most (with the time left, once known), and
one at the end.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

from tqdm.auto import tqdm

__all__ = ["LINE_INTERVAL", "LineProgress", "progress_bar"]

LINE_INTERVAL = 30.0  # seconds between two progress lines off a terminal


class LineProgress:
    """The part of tqdm's interface the package uses, written as plain lines."""

    def __init__(
        self,
        iterable: Iterable[Any] | None = None,
        total: int | None = None,
        initial: int = 0,
        desc: str | None = None,
        unit: str = "it",
        disable: bool = False,
        **_: Any,
    ) -> None:
        self.iterable = iterable
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)  # type: ignore[arg-type]
        self.total, self.n, self.start_n = total, initial, initial
        self.desc, self.unit, self.disable = desc or "progress", unit, disable
        self.start = self.last = time.monotonic()
        self._say(f"started, {self._count()}")

    def _count(self) -> str:
        of = "" if self.total is None else f" of {self.total}"
        return f"{self.n}{of} {self.unit}s done"

    def _say(self, text: str) -> None:
        if not self.disable:
            print(f"{self.desc}: {text}", file=sys.stderr, flush=True)

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        if now - self.last >= LINE_INTERVAL and (self.total is None or self.n < self.total):
            self.last = now
            elapsed, done = now - self.start, self.n - self.start_n
            left = ""
            if self.total is not None and done > 0:
                left = f", about {elapsed / done * (self.total - self.n):.0f} s left"
            self._say(f"{self._count()} in {elapsed:.0f} s{left}")

    def close(self) -> None:
        if self.total is None or self.n >= self.total:
            self._say(f"{self._count()} in {time.monotonic() - self.start:.1f} s")
        self.disable = True

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Any]:
        for item in self.iterable or ():
            yield item
            self.update()
        self.close()


def progress_bar(*args: Any, **kwargs: Any) -> Any:
    """``tqdm(*args, **kwargs)`` when stderr is a terminal, else :class:`LineProgress`."""
    if sys.stderr.isatty():
        return tqdm(*args, **kwargs)
    return LineProgress(*args, **kwargs)
