"""Model backends, chosen by name from configuration (`--backend`)."""

from __future__ import annotations

from pathlib import Path

from pipeline.backends.base import Backend, TranslationRequest


def _llama(model_path: Path | None = None, **options) -> Backend:
    from pipeline.backends.llama import LlamaBackend

    return LlamaBackend(model_path=model_path, **options)


def _marian(model_path: Path | None = None, **options) -> Backend:
    from pipeline.backends.marian import MarianBackend

    return MarianBackend(model_dir=model_path, **options)


BACKENDS = {"llama": _llama, "marian": _marian}


def create_backend(name: str, model_path: Path | None = None, **options) -> Backend:
    try:
        factory = BACKENDS[name]
    except KeyError:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}") from None
    return factory(model_path=model_path, **options)


__all__ = ["Backend", "TranslationRequest", "BACKENDS", "create_backend"]
