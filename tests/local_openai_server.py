"""A real OpenAI-compatible server for the openai backend's tests: llama.cpp's own HTTP server, as
xllamacpp ships it, in a process of its own on 127.0.0.1 (so a test can kill it mid-run).

    python tests/local_openai_server.py MODEL.gguf PORT SLOTS

serves MODEL.gguf as `qwen2.5-coder-1.5b` until it is terminated."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

MODEL_ALIAS = "qwen2.5-coder-1.5b"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def served_models(base: str, timeout: float = 2) -> list[str] | None:
    try:
        with urllib.request.urlopen(f"{base}/models", timeout=timeout) as reply:
            return [m["id"] for m in json.load(reply)["data"]]
    except (OSError, ValueError, KeyError):
        return None


@contextlib.contextmanager
def openai_server(model: Path, slots: int = 2, ready_within: float = 300):
    """(process, base URL ending in /v1) of a running server; stopped when the block ends."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, str(model), str(port), str(slots)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + ready_within
        while served_models(base) is None:   # loading the model: wait on the server, not a clock
            if proc.poll() is not None:
                raise RuntimeError(f"the test server exited ({proc.returncode}): {proc.stderr.read()[-500:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the test server did not answer within {ready_within} s")
            time.sleep(0.2)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def serve(model: str, port: int, slots: int) -> None:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = model
    params.model_alias = {MODEL_ALIAS}   # a set of names
    params.hostnames = ["127.0.0.1"]
    params.port = port
    params.n_parallel = slots
    params.n_ctx = 2048 * slots
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = 2
    params.sampling.temp = 0.0
    params.warmup = False
    params.verbosity = -1
    server = xllamacpp.Server(params)
    print(server.listening_address, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
