"""A TensorFlow-free progress bar for the commands' long steps, drawn on stderr only when it is a terminal.

Commands that must start without TensorFlow (``train-tokenizer``) cannot use ``keras.utils.Progbar``, so
the data tools and ``export`` share this one. It redraws one line at most ten times a second and stays
silent when stderr is not a TTY (logs, CI, pipes) or when the command's ``--noprogress_bar`` is given,
so it never interleaves with absl's log lines in files.

Example:
    >>> with ProgressBar(3, "export", enabled=False) as bar:
    ...     for stage in ("tracing", "saving", "warmup check"):
    ...         bar.update(1, stage)
    >>> bar.count
    3
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from typing import Iterator, TextIO

WIDTH = 30
REDRAW_SECONDS = 0.1


def progress_enabled(flag: bool, stream: TextIO | None = None) -> bool:
    """The bar is drawn when the command's --progress_bar is on and ``stream`` (stderr) is a terminal."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(flag) and bool(isatty and isatty())


class ProgressBar:
    """``done/total [=====>    ] pct elapsed`` (or a running count when ``total`` is None)."""

    def __init__(self, total: int | None, description: str, *, unit: str = "", enabled: bool = True,
                 stream: TextIO | None = None):
        self.total, self.description, self.unit = total, description, unit
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.count = 0
        self.note = ""
        self._started = time.monotonic()
        self._drawn_at = 0.0
        self._width = 0

    def update(self, n: int = 1, note: str | None = None) -> None:
        """Adds ``n`` done units; ``note`` (e.g. the current stage) is shown after the bar."""
        self.count += n
        new_note = note is not None and note != self.note
        if new_note:
            self.note = note
        now = time.monotonic()
        if self.enabled and (now - self._drawn_at >= REDRAW_SECONDS or self.count == self.total or new_note):
            self._drawn_at = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = f"{now - self._started:.1f}s"
        unit = f" {self.unit}" if self.unit else ""
        if self.total:
            filled = min(WIDTH, WIDTH * self.count // self.total)
            bar = "=" * filled + (">" if filled < WIDTH else "") + " " * (WIDTH - filled - 1)
            text = f"{self.description}: {self.count}/{self.total}{unit} [{bar}] {elapsed}"
        else:
            text = f"{self.description}: {self.count}{unit} {elapsed}"
        if self.note:
            text += f"  {self.note}"
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = len(text)

    def close(self) -> None:
        if self.enabled and self._width:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def ticking(bar: ProgressBar, note: str, every: float = 0.5) -> Iterator[None]:
    """Redraws ``bar`` (elapsed time, ``note``) from a background thread while one long call runs."""
    if not bar.enabled:
        yield
        return
    stop = threading.Event()

    def tick():
        bar.update(0, note)
        while not stop.wait(every):
            bar.update(0)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def tensorboard_hint(logdir: str) -> str:
    """The line trainers print as training starts (TensorBoard itself: ``pip install 'albert-tf[tensorboard]'``).

    >>> tensorboard_hint("/tmp/run")
    'TensorBoard: tensorboard --logdir /tmp/run'
    """
    import shlex

    return f"TensorBoard: tensorboard --logdir {shlex.quote(logdir)}"
