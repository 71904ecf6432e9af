"""Progress for a run whose stderr is not a terminal (nohup, cron, CI logs), where the progress
bar is off: one line per article written, and one every `every` seconds while segments are with
the model - segments done, requests, elapsed, time left - so a long run is never silent."""

from __future__ import annotations

import threading
import time

from pipeline.context import RunContext


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 90 else f"{seconds:.0f} s"


class ProgressLines:
    def __init__(self, console, ctx: RunContext, every: float, periodic: bool = True):
        """`periodic` False: the article lines only (on a Dask cluster the segments are counted
        in the workers, not here)."""
        self.console, self.ctx, self.every, self.periodic = console, ctx, every, periodic
        self.started = time.monotonic()
        self._translating_since: float | None = None   # the time left is judged from here
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="progress-lines", daemon=True)

    def __enter__(self) -> "ProgressLines":
        if self.periodic:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def article_done(self, done: int, total: int, label: str) -> None:
        self.console.print(f"zh2en: progress: {done} of {total} article(s) done ({label}); "
                           f"{_minutes(time.monotonic() - self.started)} elapsed", markup=False)

    def segments_line(self) -> str | None:
        """The periodic line, or None while no segment is with the model."""
        total, done = self.ctx.segments_to_translate, self.ctx.translator.segments_done
        if not total or done >= total:
            return None
        now = time.monotonic()
        if self._translating_since is None:
            self._translating_since = now
        spent = now - self._translating_since
        left = f", about {_minutes(spent * (total - done) / done)} left" if done and spent else ""
        return (f"zh2en: progress: {done} of {total} segment(s) translated, {self.ctx.backend.requests} model "
                f"request(s), {_minutes(now - self.started)} elapsed{left}")

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            line = self.segments_line()
            if line:
                self.console.print(line, markup=False)
