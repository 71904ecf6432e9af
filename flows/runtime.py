"""What a flow run needs besides its inputs: the run configuration, and one Translator (so
one model) per process - shared by every task a process runs, Dask workers included."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.backends import LazyBackend
from pipeline.decoding import DEFAULT_MAX_BYTES
from pipeline.glossary import Glossary
from pipeline.memory import TranslationMemory
from pipeline.segmenting import DEFAULT_MAX_CHARS
from pipeline.translate import Translator


@dataclass(frozen=True)
class RunConfig:
    backend: str = "llama"
    model_path: str | None = None
    max_chars: int = DEFAULT_MAX_CHARS
    glossaries: tuple[str, ...] = ()
    use_glossary: bool = True
    use_memory: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES
    force: bool = False
    slots: int = 4   # concurrent segment tasks: what one llama.cpp model serves at once
    summaries: bool = True   # needs a chat model: the llama backend
    follow_symlinks: bool = False  # read links in an input folder that lead outside it

    @property
    def summarizes(self) -> bool:
        return self.summaries and self.backend == "llama"

    def model_key(self) -> "RunConfig":
        """The fields that decide which Translator (model, glossary, memory) to use."""
        return replace(self, max_bytes=0, force=False, follow_symlinks=False)


_lock = threading.Lock()
_translators: dict[RunConfig, Translator] = {}


def get_translator(config: RunConfig) -> Translator:
    """The process's Translator for this configuration; the model loads on first use only."""
    key = config.model_key()
    with _lock:
        translator = _translators.get(key)
        if translator is None:
            backend = LazyBackend(config.backend, Path(config.model_path) if config.model_path else None)
            glossary = Glossary.default([Path(g) for g in config.glossaries]) if config.use_glossary else None
            memory = TranslationMemory.default() if config.use_memory else None
            translator = _translators[key] = Translator(backend, config.max_chars, glossary, memory=memory)
        return translator


def close_translators() -> None:
    with _lock:
        for translator in _translators.values():
            translator.backend.close()
        _translators.clear()


# The CLI's progress bar: called in the flow's process as articles finish (not a flow
# parameter: it is neither serialisable nor part of what the flow computes).
_progress = None


def set_progress(callback) -> None:
    global _progress
    _progress = callback


def report_progress(done: int, total: int) -> None:
    if _progress is not None:
        _progress(done, total)
