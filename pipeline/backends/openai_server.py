"""A model behind any OpenAI-compatible chat server (Ollama, LM Studio, llama.cpp's llama-server,
vLLM), through the official `openai` client: its timeouts and its retries with backoff on
connection errors, 408, 409, 429 and 5xx.

Nothing leaves the machine unless the user names a server (`--api-base`). The server's reply
is untrusted input: it is read from the raw JSON by `read_completion`, which survives any text
(tests/test_openai_backend.py fuzzes it), never through attribute access that could raise.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pipeline.backends.base import BackendError, Reply, TransientBackendError, TranslationRequest
from pipeline.backends.model_store import ModelUnavailable
from pipeline.backends.prompts import PLAIN_SYSTEM_PROMPT, SYSTEM_PROMPT, clean_reply, user_message
from pipeline.document import Confidence

DEFAULT_TIMEOUT = 300.0   # seconds for one request: a big model on a busy CPU server is slow
HEALTH_TIMEOUT = 10.0     # the check before any work
MAX_RETRIES = 4           # the client's own, with exponential backoff (0.5 s doubling, capped at 8 s)
SAMPLE_TEMPERATURE = 0.7  # as the llama backend's (pipeline/backends/llama.py)
# llama.cpp's mild penalty on the last 64 tokens, as the llama backend sends it (it stops a small
# model's runaway loops). Not an OpenAI parameter: llama-server reads it, others ignore it. vLLM's
# `repetition_penalty` is not sent: it also counts the prompt's tokens, and a translation must
# repeat the terms of its source.
EXTRA_BODY = {"repeat_penalty": 1.05}
# After the server stopped answering (all retries spent), requests fail at once for this long:
# a run's remaining segments end in seconds, not each after its own retries; a long-running
# `zh2en serve` tries the server again on a later run.
DOWN_SECONDS = 60.0


class ServerUnavailable(ModelUnavailable):
    """The server named by --api-base cannot be used: unreachable, not OpenAI-compatible, no such
    model, or it stopped answering during the run. The run's problem, not a passage's."""


@dataclass
class Completion:
    content: str
    probabilities: list[float] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0


def _number(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def read_completion(body: str) -> Completion:
    """The first choice's text, token probabilities and token counts from a chat-completion
    reply's raw body. Raises TransientBackendError (worth a retry) for anything that is not a
    completion; never anything else."""
    try:
        reply = json.loads(body)
    except (ValueError, RecursionError):
        raise TransientBackendError(f"the server's reply is not JSON: {body[:200]!r}") from None
    choices = reply.get("choices") if isinstance(reply, dict) else None
    choice = choices[0] if isinstance(choices, list) and choices else None
    message = choice.get("message") if isinstance(choice, dict) else None
    if not isinstance(message, dict):
        raise TransientBackendError(f"the server returned no completion: {body[:200]!r}")
    content = message.get("content")
    logprobs = choice.get("logprobs")
    tokens = logprobs.get("content") if isinstance(logprobs, dict) else None
    probabilities = []
    for token in tokens if isinstance(tokens, list) else []:
        logprob = token.get("logprob") if isinstance(token, dict) else None
        if isinstance(logprob, (int, float)) and not isinstance(logprob, bool) and math.isfinite(logprob):
            probabilities.append(math.exp(min(logprob, 0.0)))
    usage = reply.get("usage") if isinstance(reply.get("usage"), dict) else {}
    return Completion(content if isinstance(content, str) else "", probabilities,
                      _number(usage.get("prompt_tokens")), _number(usage.get("completion_tokens")))


def shown_address(api_base: str) -> str:
    """The server's address as front matter and messages show it: no user name or password."""
    parts = urllib.parse.urlsplit(api_base)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def server_identity(api_base: str, model: str) -> tuple[str, str]:
    """(model id, key) for a served model: the memory key and front matter name the model and the
    server, so an answer from one model or server is never served for another."""
    address = shown_address(api_base)
    return f"{model} @ {address}", hashlib.sha256(f"openai\x1f{address}\x1f{model}".encode()).hexdigest()


def _api_key() -> str | None:
    """The key for servers that want one, from the environment only: never in the settings that
    Prefect stores as a flow's parameters."""
    return os.environ.get("ZH2EN_API_KEY") or os.environ.get("OPENAI_API_KEY") or None


def _client(api_base: str, timeout: float, max_retries: int):
    try:
        import openai
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelUnavailable("the openai backend needs the openai package: pip install openai") from exc
    # Servers without keys accept any; the client insists on one.
    return openai.OpenAI(base_url=api_base, api_key=_api_key() or "no-key", timeout=timeout, max_retries=max_retries)


def check_server(api_base: str, model: str | None) -> str:
    """The model to use, after asking the server what it serves: one clear reason why not if it
    is unreachable, not OpenAI-compatible, refuses the key, or does not serve `model` (no model
    named: the only one it serves)."""
    import openai

    address = shown_address(api_base)
    if urllib.parse.urlsplit(api_base).scheme not in ("http", "https"):
        raise ServerUnavailable(f"--api-base {api_base!r} is not an http(s) address (e.g. http://127.0.0.1:11434/v1)")
    client = _client(api_base, HEALTH_TIMEOUT, max_retries=0)
    try:
        raw = client.models.with_raw_response.list()
        listing = json.loads(raw.http_response.text)
    except openai.APIConnectionError as exc:
        raise ServerUnavailable(f"no server answers at {address} ({exc.__cause__ or exc}); "
                                f"start it, or check --api-base") from None
    except openai.AuthenticationError:
        raise ServerUnavailable(f"the server at {address} refused the key: set ZH2EN_API_KEY or OPENAI_API_KEY") from None
    except (openai.APIStatusError, ValueError) as exc:
        hint = "" if address.endswith("/v1") else f" (did you mean {address}/v1?)"
        raise ServerUnavailable(f"{address} is not an OpenAI-compatible server: GET /models answered "
                                f"{getattr(exc, 'status_code', 'no JSON')}{hint}") from None
    entries = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(entries, list):
        raise ServerUnavailable(f"{address} is not an OpenAI-compatible server: GET /models has no model list")
    served = [str(e["id"]) for e in entries if isinstance(e, dict) and e.get("id") is not None]
    if model is None:
        if len(served) == 1:
            return served[0]
        raise ServerUnavailable(f"name the model with --model (or ZH2EN_MODEL); {address} serves: "
                                f"{', '.join(served[:20]) or 'none'}")
    if model not in served:
        raise ServerUnavailable(f"{address} does not serve model {model!r}; it serves: {', '.join(served[:20]) or 'none'}")
    return model


class OpenAIServerBackend:
    """`slots` requests in flight at once; a server that batches them (llama-server with
    --parallel, vLLM) answers them together."""

    samples = True   # a request's `sample` becomes temperature + seed; servers that ignore the seed still draw

    def __init__(self, api_base: str, model: str | None = None, slots: int = 4,
                 timeout: float = DEFAULT_TIMEOUT, max_tokens: int = 768, max_retries: int = MAX_RETRIES):
        self.model = check_server(api_base, model)
        self.address = shown_address(api_base)
        self.model_id, self.model_sha256 = server_identity(api_base, self.model)
        self.slots, self.max_tokens, self.timeout = slots, max_tokens, timeout
        self._client = _client(api_base, timeout, max_retries)
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="openai-slot")
        self._lock = threading.Lock()
        self._logprobs = True   # off for good after a server refuses them
        self._down_until, self._down_reason = 0.0, ""
        self.requests = self.tokens_in = self.tokens_computed = self.tokens_out = 0

    def _chat(self, system: str, user: str, max_tokens: int | None = None, logprobs: bool = False,
              sample: int = 0) -> Completion:
        import openai

        request = dict(model=self.model, max_tokens=max_tokens or self.max_tokens, seed=sample,
                       temperature=SAMPLE_TEMPERATURE if sample else 0.0, extra_body=EXTRA_BODY,
                       messages=[{"role": "system", "content": system}, {"role": "user", "content": user}])
        wants_logprobs = logprobs and self._logprobs
        if time.monotonic() < self._down_until:
            raise ServerUnavailable(self._down_reason)
        try:
            try:
                raw = self._client.chat.completions.with_raw_response.create(**request, logprobs=wants_logprobs)
            except openai.BadRequestError:
                if not wants_logprobs:
                    raise
                raw = self._client.chat.completions.with_raw_response.create(**request)
                self._logprobs = False   # the server answers without them: confidence unknown
            body = raw.http_response.text
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            why = f"no answer within {self.timeout:g} s" if isinstance(exc, openai.APITimeoutError) else exc.__cause__ or exc
            self._down_reason = f"the server at {self.address} stopped answering ({why})"
            self._down_until = time.monotonic() + DOWN_SECONDS
            raise ServerUnavailable(self._down_reason) from None
        except (openai.RateLimitError, openai.InternalServerError) as exc:
            raise TransientBackendError(f"the server at {self.address} is busy or failing: {exc}") from None
        except openai.APIStatusError as exc:
            raise BackendError(f"the server at {self.address} refused the request ({exc.status_code}): {exc}") from None
        completion = read_completion(body)
        with self._lock:
            self.requests += 1
            self.tokens_in += completion.prompt_tokens
            self.tokens_computed += completion.prompt_tokens   # a server does not say what it cached
            self.tokens_out += completion.completion_tokens
        return completion

    def complete(self, system: str, user: str, max_tokens: int | None = None) -> str:
        return self._chat(system, user, max_tokens).content

    def translate(self, batch: list[TranslationRequest]) -> list[Reply]:
        def one(req: TranslationRequest) -> Reply:
            answer = self._chat(SYSTEM_PROMPT, user_message(req), logprobs=True, sample=req.sample)
            return Reply(clean_reply(answer.content), Confidence.of(answer.probabilities))

        return list(self._pool.map(one, batch))

    def translate_plain(self, texts: list[str]) -> list[str]:
        return list(self._pool.map(lambda t: clean_reply(self.complete(PLAIN_SYSTEM_PROMPT, t)), texts))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._client.close()
