"""The model backend interface: a batch of requests in, one English text per request out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from pipeline.document import Confidence


@dataclass(frozen=True)
class TranslationRequest:
    text: str                          # Chinese, with placeholders
    placeholders: tuple[str, ...] = () # the placeholders in `text`, in order
    terms: tuple[tuple[str, str], ...] = ()  # (zh, en) glossary terms found in `text`
    strict: bool = False               # a retry: restate the rules more firmly
    notes: tuple[str, ...] = field(default_factory=tuple)  # what went wrong last time
    context: str = ""                  # the Chinese before `text`, not to be translated
    sample: int = 0                    # 0: the model's most likely answer; n: a sampled one, seed n


@dataclass(frozen=True)
class Reply:
    text: str
    confidence: Confidence | None = None   # None: the backend cannot say (MarianMT here)


class BackendError(RuntimeError):
    """The model backend cannot answer (no model, a server that stopped answering): the run's
    problem, reported as such - never taken for a bug met on one passage."""


class TransientBackendError(BackendError):
    """A request that failed for a reason that may pass (e.g. the model server returned no
    completion); worth a retry, unlike a missing model or bad input."""


class NotAChatModel(BackendError):
    """`complete` on a backend that only translates (MarianMT): summaries need the llama backend."""


class Backend(Protocol):
    """Everything the pipeline asks of a model; every backend has all of it."""

    model_id: str      # human-readable model name
    model_sha256: str  # identifies the exact weights (cache keys, front matter)
    slots: int         # requests it serves at once (the translator keeps that many in flight)
    samples: bool      # answers a request's `sample` with a drawn answer (else: never asked for one)
    # What it has cost so far, for `zh2en bench`: requests, prompt tokens sent, of those the
    # ones computed (not served from a cached prefix), tokens generated.
    requests: int
    tokens_in: int
    tokens_computed: int
    tokens_out: int

    def translate(self, batch: list[TranslationRequest]) -> list[Reply]:
        """English for each request, in order, with the model's confidence where it has one."""
        ...

    def translate_plain(self, texts: list[str]) -> list[str]:
        """The model used naively (the `zh2en eval --baseline` system)."""
        ...

    def complete(self, system: str, user: str, max_tokens: int | None = None) -> str:
        """A chat completion (summaries); raises NotAChatModel on a translation-only model."""
        ...

    def close(self) -> None:
        ...
