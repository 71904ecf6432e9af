"""--backend openai against real servers: llama.cpp's OpenAI-compatible server (xllamacpp's, on
127.0.0.1, tests/local_openai_server.py) for everything the model answers; for the faults no
model can produce on demand (refused requests, a server that never answers, one that is not
OpenAI-compatible), small HTTP servers on loopback in front of it or on their own."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from local_openai_server import MODEL_ALIAS, free_port, openai_server
from pipeline.backends.base import TransientBackendError
from pipeline.backends.openai_server import read_completion, server_identity, shown_address

DATA = Path(__file__).parent / "data"


def zh2en(*args, env=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "zh2en", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def zh2en_started(*args, env=None):
    return subprocess.Popen([sys.executable, "-m", "zh2en", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers with `self.server.answer(handler)`; quiet."""

    def do_GET(self):
        self.server.answer(self)

    do_POST = do_GET

    def log_message(self, *args):
        pass


class LoopbackServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer, self.seen = answer, []
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


def reply(handler, status: int, body: bytes, content_type="application/json", headers=()):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers:
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


MODELS = json.dumps({"object": "list", "data": [{"id": "served-model", "object": "model"}]}).encode()


# --- the reply is untrusted input --------------------------------------------------------------

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                       max_size=4), max_leaves=20)
completion_like = st.fixed_dictionaries({"choices": st.lists(st.fixed_dictionaries(
    {"message": st.dictionaries(st.sampled_from(["content", "role"]), json_values) | json_values,
     "logprobs": st.fixed_dictionaries({"content": st.lists(st.dictionaries(st.sampled_from(["logprob", "token"]),
                                                                            json_values), max_size=4) | json_values})
     | json_values}), max_size=2) | json_values, "usage": st.dictionaries(
        st.sampled_from(["prompt_tokens", "completion_tokens"]), json_values) | json_values})


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), json_values.map(json.dumps), completion_like.map(json.dumps)))
def test_any_reply_body_is_read_or_refused_as_transient(body):
    try:
        completion = read_completion(body)
    except TransientBackendError:
        return
    assert isinstance(completion.content, str)
    assert all(0.0 <= p <= 1.0 for p in completion.probabilities)
    assert completion.prompt_tokens >= 0 and completion.completion_tokens >= 0


def test_a_well_formed_reply_is_read_whole():
    body = json.dumps({"choices": [{"message": {"role": "assistant", "content": "Gradient descent."},
                                    "logprobs": {"content": [{"token": "G", "logprob": -0.1}, {"logprob": 0.0}]}}],
                       "usage": {"prompt_tokens": 12, "completion_tokens": 3}})
    completion = read_completion(body)
    assert completion.content == "Gradient descent."
    assert completion.probabilities == pytest.approx([0.904837, 1.0], rel=1e-5)
    assert (completion.prompt_tokens, completion.completion_tokens) == (12, 3)


def test_the_identity_names_model_and_server_and_never_a_password():
    a_id, a_key = server_identity("http://me:secret@gpu-box:8000/v1/", "Qwen/Qwen2.5-7B-Instruct")
    assert a_id == "Qwen/Qwen2.5-7B-Instruct @ http://gpu-box:8000/v1" and "secret" not in a_id
    assert a_key != server_identity("http://gpu-box:8000/v1", "qwen2.5:7b")[1]
    assert a_key != server_identity("http://other-box:8000/v1", "Qwen/Qwen2.5-7B-Instruct")[1]
    assert shown_address("http://[::1]:11434/v1") == "http://[::1]:11434/v1"


# --- the check before any work: one line, exit 2 --------------------------------------------------

def test_an_unreachable_server_is_one_line_and_exit_2(tmp_path):
    base = f"http://127.0.0.1:{free_port()}/v1"
    proc = zh2en("translate", str(DATA / "formula-dense.md"), "--backend", "openai", "--api-base", base,
                 "-o", str(tmp_path / "out"), timeout=120)
    assert proc.returncode == 2, proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"zh2en: error: no server answers at {base} (") and "check --api-base" in line
    assert not (tmp_path / "out").exists()


def test_no_server_named_is_one_line_and_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ZH2EN_API_BASE"}
    proc = subprocess.run([sys.executable, "-m", "zh2en", "translate", str(DATA / "formula-dense.md"),
                           "--backend", "openai", "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == ["zh2en: error: the openai backend needs the server's address: --api-base URL "
                                        "(or ZH2EN_API_BASE), e.g. http://127.0.0.1:11434/v1 for Ollama"]


def test_a_server_that_is_not_openai_compatible_is_named(tmp_path):
    page = b"<html><body>It works!</body></html>"
    with LoopbackServer(lambda h: reply(h, 404 if h.path.endswith("/models") else 200, page, "text/html")) as server, \
            LoopbackServer(lambda h: reply(h, 200, page, "text/html")) as html_server:
        for base, answered in ((server.base, "404"), (html_server.base, "no JSON")):
            proc = zh2en("translate", str(DATA / "formula-dense.md"), "--backend", "openai", "--api-base", base,
                         "-o", str(tmp_path / "out"), timeout=120)
            assert proc.returncode == 2, proc.stderr
            assert proc.stderr.splitlines() == [f"zh2en: error: {base} is not an OpenAI-compatible server: "
                                                f"GET /models answered {answered}"]


def test_a_server_that_never_answers_times_out_with_a_clear_error(tmp_path):
    """A chat request that never gets its answer: each try ends at ZH2EN_REQUEST_TIMEOUT, the
    client retries with backoff, then the run ends naming the server; nothing half-written."""
    stop = threading.Event()

    def answer(handler):
        if handler.path.endswith("/models"):
            reply(handler, 200, MODELS)
        else:
            handler.server.seen.append(handler.path)
            stop.wait(120)   # the slow server: holds the request open

    with LoopbackServer(answer) as server:
        started = time.monotonic()
        proc = zh2en("translate", str(DATA / "formula-dense.md"), "--backend", "openai", "--api-base", server.base,
                     "--no-summary", "--no-memory", "--no-glossary", "-o", str(tmp_path / "out"),
                     env={"ZH2EN_REQUEST_TIMEOUT": "1"}, timeout=300)
        stop.set()
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"the server at {server.base} stopped answering (no answer within 1 s)" in proc.stderr
    assert len(server.seen) >= 5   # each request tried 1 + 4 times
    assert not list((tmp_path / "out").glob("*.qa.json"))   # no article written, only the run report
    assert time.monotonic() - started < 240


# --- against llama.cpp's server with the packaged model -------------------------------------------

@pytest.fixture(scope="module")
def served():
    from pipeline.backends.model_store import ensure_packaged_model

    with openai_server(ensure_packaged_model(), slots=2) as (proc, base):
        yield base


@pytest.mark.model
def test_a_model_the_server_does_not_serve_is_named_with_what_it_serves(served, tmp_path):
    proc = zh2en("translate", str(DATA / "formula-dense.md"), "--backend", "openai", "--api-base", served,
                 "--model", "qwen2.5:72b", "-o", str(tmp_path / "out"), timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [f"zh2en: error: {served} does not serve model 'qwen2.5:72b'; "
                                        f"it serves: {MODEL_ALIAS}"]


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1])


@pytest.mark.model
def test_an_article_through_the_server_is_checked_and_written_like_any_other(served, tmp_path):
    """Placeholders, glossary, checks and summary as with the in-process model; the front matter,
    the QA file and the memory name the served model and its server."""
    out = tmp_path / "out"
    proc = zh2en("translate", str(DATA / "formula-dense.md"), "--backend", "openai", "--api-base", served,
                 "--model", MODEL_ALIAS, "--slots", "2", "-o", str(out),
                 env={"ZH2EN_STATE_DIR": str(tmp_path / "state")})
    assert proc.returncode == 0, proc.stderr
    [qa_file] = out.glob("*.qa.json")
    qa = json.loads(qa_file.read_text(encoding="utf-8"))
    model = {"id": f"{MODEL_ALIAS} @ {served}", "sha256": server_identity(served, MODEL_ALIAS)[1]}
    assert qa["model"] == model
    assert qa["formula_integrity"] == 100.0 and qa["conservation"] == []
    bilingual = qa_file.with_suffix("").with_suffix(".md")
    meta = _front_matter(bilingual)
    assert meta["model"] == model
    assert meta["summary"] and "no summary" not in proc.stderr
    assert "0 difference(s) between outputs and their sources" in proc.stderr
    # A second run is served from the memory: the same model on the same server.
    again = zh2en("translate", str(DATA / "formula-dense.md"), "--backend", "openai", "--api-base", served,
                  "-o", str(tmp_path / "again"), env={"ZH2EN_STATE_DIR": str(tmp_path / "state")})
    assert again.returncode == 0 and ", 0 model request(s)" in again.stderr, again.stderr


class Proxy(LoopbackServer):
    """Forwards to `target`; the first `refuse` chat requests get 429 Too Many Requests."""

    def __init__(self, target: str, refuse: int):
        self.target, self.refuse, self.refused, self.forwarded = target, refuse, 0, 0
        self.lock = threading.Lock()
        super().__init__(self._answer)

    def _answer(self, handler):
        if handler.command == "POST":
            with self.lock:
                refuse = self.refused < self.refuse
                self.refused += refuse
                self.forwarded += not refuse
            if refuse:
                body = json.dumps({"error": {"message": "rate limited", "type": "rate_limit"}}).encode()
                return reply(handler, 429, body, headers=[("Retry-After", "0")])
        data = handler.rfile.read(int(handler.headers.get("Content-Length") or 0)) or None
        request = urllib.request.Request(self.target + handler.path.removeprefix("/v1"), data=data,
                                         method=handler.command, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as answer:
            reply(handler, answer.status, answer.read())


@pytest.mark.model
def test_a_burst_of_429_is_retried_and_costs_nothing(served, tmp_path):
    with Proxy(served, refuse=6) as proxy:
        proc = zh2en("translate", str(DATA / "formula-dense.md"), "--backend", "openai", "--api-base", proxy.base,
                     "--no-summary", "--no-memory", "-o", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert proxy.refused == 6 and proxy.forwarded > 0
    assert "0 failure(s)" in proc.stderr and "0 segment(s) untranslated" in proc.stderr


@pytest.mark.model
def test_a_server_killed_mid_run_keeps_the_files_written_and_says_why(tmp_path, seeds_dir):
    """The server dies after the first article is written: that file stays, the others fail with
    one line naming the server, and the run exits 1 without a traceback."""
    from pipeline.backends.model_store import ensure_packaged_model

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.md").write_text((DATA / "formula-dense.md").read_text(encoding="utf-8"), encoding="utf-8")
    for seed in sorted(seeds_dir.iterdir())[:2]:
        (inbox / f"z-{seed.name}").write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    with openai_server(ensure_packaged_model(), slots=1) as (server, base):
        run = zh2en_started("translate", str(inbox), "--backend", "openai", "--api-base", base, "--slots", "1",
                            "--no-summary", "--no-memory", "-o", str(out))
        try:
            deadline = time.monotonic() + 600
            while not list(out.glob("*.qa.json")) and run.poll() is None and time.monotonic() < deadline:
                time.sleep(0.5)   # until the first article is written
            assert run.poll() is None, run.stderr.read()
            server.kill()
            _, stderr = run.communicate(timeout=600)
        finally:
            if run.poll() is None:
                run.kill()
    assert run.returncode == 1, stderr
    assert "Traceback" not in stderr
    written = sorted(p.name for p in out.glob("*.qa.json"))
    assert len(written) == 1
    failures = [line for line in stderr.splitlines() if line.startswith("zh2en: error:")]
    assert failures and all(f"the server at {base} stopped answering" in line for line in failures), stderr


def test_eval_against_an_unreachable_server_is_one_line_and_exit_2(tmp_path):
    src, ref = tmp_path / "a.zh", tmp_path / "a.en"
    src.write_text("梯度下降。\n", encoding="utf-8")
    ref.write_text("Gradient descent.\n", encoding="utf-8")
    base = f"http://127.0.0.1:{free_port()}/v1"
    proc = zh2en("eval", "--src", str(src), "--ref", str(ref), "--backend", "openai", "--api-base", base, timeout=120)
    assert proc.returncode == 2, proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"zh2en: error: no server answers at {base} (")
