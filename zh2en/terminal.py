"""Terminal and process helpers of the command line: a console that prints user text inert,
argument checks for `serve`, and the signal handling that lets a run stop cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading

from rich.console import Console

# Control characters (ESC sequences, carriage returns, bidi overrides) in user text are shown
# escaped: a title must not forge a line, retitle the terminal or hide text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class PlainConsole(Console):
    """rich without markup or emoji codes (`:x:` in a path stays `:x:`), control characters
    escaped; on stderr every message is one line."""

    def __init__(self, one_line: bool, **options):
        super().__init__(highlight=False, soft_wrap=True, emoji=False, markup=False, **options)
        self.one_line = one_line

    def print(self, *objects, **options) -> None:
        options.update(markup=False, emoji=False, highlight=False)
        super().print(*(self.printable(o) if isinstance(o, str) else o for o in objects), **options)

    def printable(self, text: str) -> str:
        text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", text)
        return text.replace("\n", "\\n") if self.one_line else text


def valid_cron(expression: str) -> bool:
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=expression)
    except ValueError:
        return False
    return True


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def relay_until(stream, stop: threading.Event) -> threading.Thread:
    """Copy a child's stderr to ours until `stop` is set; after that, drain it unseen: Prefect's
    runner, stopped, logs asyncio tracebacks of its own shutdown that say nothing to a user."""
    def relay() -> None:
        for line in stream:
            if not stop.is_set():
                sys.stderr.write(line)
                sys.stderr.flush()
    thread = threading.Thread(target=relay, name="runner-stderr", daemon=True)
    thread.start()
    return thread


def end_process_group(proc: subprocess.Popen, grace: float = 20) -> None:
    """Ask the runner (and the flow runs it started) to stop; after `grace` seconds, make it."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # whatever is left of its group
    except ProcessLookupError:
        pass
    proc.wait()


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every `finally` runs: the temporary server
    stops, the model closes, files already written stay."""


def terminate(signum, frame) -> None:
    raise Terminated()


def stop_behind(exc: BaseException) -> type[BaseException] | None:
    """KeyboardInterrupt or Terminated if that is what `exc` really is: a stop raised inside a
    library that wraps what it catches. Pydantic's serializer (Prefect serialises a flow's
    settings as the run starts) turns it into a PydanticSerializationError that only names it."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (KeyboardInterrupt, Terminated)):
            return type(seen)
        seen = seen.__cause__ or seen.__context__
    if type(exc).__name__ == "PydanticSerializationError":
        for stop in (KeyboardInterrupt, Terminated):
            if f"{stop.__name__}:" in str(exc):
                return stop
    return None
