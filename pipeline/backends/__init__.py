"""Model backends, chosen by name from configuration (`--backend`)."""

from __future__ import annotations

import threading
from pathlib import Path

from pipeline.backends.base import Backend, Reply, TranslationRequest


def _llama(model_path: Path | None = None, slots: int | None = None, prompt_state_dir: Path | None = None,
           **options) -> Backend:
    from pipeline.backends.llama import DEFAULT_SLOTS, LlamaBackend

    if prompt_state_dir is None:  # where the computed rule prompt is kept: Settings.prompt_state_dir
        raise ValueError("the llama backend needs prompt_state_dir")
    return LlamaBackend(model_path=model_path, slots=slots or DEFAULT_SLOTS, prompt_state_dir=prompt_state_dir,
                        **options)


def _marian(model_path: Path | None = None, slots: int | None = None, prompt_state_dir: Path | None = None,
            summary_prompt: str | None = None, **options) -> Backend:
    from pipeline.backends.marian import MarianBackend

    return MarianBackend(model_dir=model_path, **options)   # one batch at a time, no chat: no slots, no prompts


def _openai(model_path: Path | str | None = None, slots: int | None = None, prompt_state_dir: Path | None = None,
            summary_prompt: str | None = None, api_base: str | None = None, **options) -> Backend:
    from pipeline.backends.openai_server import OpenAIServerBackend

    return OpenAIServerBackend(_api_base(api_base), served_model_name(model_path), slots=slots or 4, **options)


BACKENDS = {"llama": _llama, "marian": _marian, "openai": _openai}
CHAT_BACKENDS = ("llama", "openai")   # those that can summarize


def served_model_name(model_path: Path | str | None) -> str | None:
    """--model names a served model for the openai backend (e.g. `qwen2.5:7b`), not a file."""
    return str(model_path) if model_path else None


def _api_base(api_base: str | None) -> str:
    if not api_base:
        from pipeline.backends.openai_server import ServerUnavailable

        raise ServerUnavailable("the openai backend needs the server's address: --api-base URL "
                                "(or ZH2EN_API_BASE), e.g. http://127.0.0.1:11434/v1 for Ollama")
    return api_base


def create_backend(name: str, model_path: Path | None = None, **options) -> Backend:
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}") from None
    return factory(model_path=model_path, **options)


def model_identity(name: str, model_path: Path | None = None, api_base: str | None = None) -> tuple[str, str]:
    """(model id, sha256) of what `create_backend` would load, without loading it: cache keys
    and front matter need it even on a run the memory serves entirely. A served model's is its
    name and server's (the server is asked first: the check before any work)."""
    from pipeline.backends.model_store import QWEN_CODER_1_5B, ModelUnavailable, cached_sha256

    if name == "openai":
        from pipeline.backends.openai_server import check_server, server_identity

        base = _api_base(api_base)
        return server_identity(base, check_server(base, served_model_name(model_path)))
    if name == "llama":
        if model_path is None:
            return QWEN_CODER_1_5B.name, QWEN_CODER_1_5B.sha256
        if not Path(model_path).is_file():
            raise ModelUnavailable(f"model file {model_path} does not exist")
        return Path(model_path).stem, cached_sha256(Path(model_path))
    if name == "marian":
        from pipeline.backends.marian import marian_identity

        return marian_identity(model_path)
    raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")


class LazyBackend:
    """A backend that loads its model on the first request: a run served from the memory,
    or one with nothing to translate, never pays for loading it."""

    def __init__(self, name: str, model_path: Path | None = None, **options):
        self.name, self.model_path, self.options = name, model_path, options
        self.model_id, self.model_sha256 = model_identity(name, model_path, options.get("api_base"))
        self.slots = (options.get("slots") or 1) if name in CHAT_BACKENDS else 1
        self.samples = name in CHAT_BACKENDS
        self._backend: Backend | None = None
        self._lock = threading.Lock()
        self._loader: threading.Thread | None = None

    # What the loaded model has cost (nothing while it is not loaded).
    requests = property(lambda self: self._backend.requests if self._backend else 0)
    tokens_in = property(lambda self: self._backend.tokens_in if self._backend else 0)
    tokens_computed = property(lambda self: self._backend.tokens_computed if self._backend else 0)
    tokens_out = property(lambda self: self._backend.tokens_out if self._backend else 0)

    def _get(self) -> Backend:
        with self._lock:
            if self._backend is None:
                self._backend = create_backend(self.name, self.model_path, **self.options)
            return self._backend

    def load_in_background(self) -> None:
        """Start loading the model now, on a thread of its own, so the load overlaps other
        start-up work (a one-off run's Prefect server). The first request waits for it; a load
        that fails is tried again there, and its error reported then."""
        if self._backend is None and self._loader is None:
            self._loader = threading.Thread(target=self._load_quietly, name="zh2en-model-load", daemon=True)
            self._loader.start()

    def _load_quietly(self) -> None:
        try:
            self._get()
        except Exception:   # the first request loads it again and reports why it fails
            pass

    def translate(self, batch: list[TranslationRequest]) -> list[Reply]:
        return self._get().translate(batch)

    def translate_plain(self, texts: list[str]) -> list[str]:
        return self._get().translate_plain(texts)

    def complete(self, system: str, user: str, max_tokens: int | None = None) -> str:
        return self._get().complete(system, user, max_tokens)

    def close(self) -> None:
        if self._loader is not None:
            self._loader.join()
        if self._backend is not None:
            self._backend.close()
            self._backend = None


__all__ = ["Backend", "TranslationRequest", "BACKENDS", "CHAT_BACKENDS", "LazyBackend", "create_backend",
           "model_identity"]
