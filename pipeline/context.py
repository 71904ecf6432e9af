"""What a run works with besides its inputs: its Settings and what they open - the model
(loaded on first use), the glossary, the translation memory - plus who is told of progress.

A command opens one context per run (translate, summarize, bench, eval) and passes it to every
stage. Two callers cannot be handed an open context: a scheduled deployment's run (Prefect
builds its parameters from JSON) and a Dask worker in another process (it receives the context
pickled - only the settings travel). Both take `shared_context(settings)`: one per process and
settings, so a long-running `zh2en serve` or a worker loads the model once, not per run or
per task."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable, Optional

from pipeline.backends import LazyBackend
from pipeline.glossary import Glossary
from pipeline.store.error_log import ErrorLog
from pipeline.store.memory import TranslationMemory
from pipeline.settings import Settings
from pipeline.summarize.summary import SYSTEM as SUMMARY_SYSTEM
from pipeline.translate import Translator

Progress = Callable[[int, int, str], None]   # (articles done, articles in the run, the one just done)


class RunContext:
    def __init__(self, settings: Settings, progress: Optional[Progress] = None, backend=None):
        """Opens the glossary and identifies the model now, so a bad glossary or a missing
        model fails before any work. `backend` replaces the configured one (tests, bench)."""
        self.settings = settings
        self.progress = progress
        self.segments_to_translate = 0   # this run's segments the model must answer (for progress lines)
        self.glossary = Glossary.default([Path(g) for g in settings.glossaries]) if settings.use_glossary else None
        self.memory = TranslationMemory(settings.memory_path) if settings.use_memory else None
        self.errors = ErrorLog(settings.error_log_path)
        self.backend = backend if backend is not None else LazyBackend(
            settings.backend, _model(settings), slots=settings.slots, prompt_state_dir=settings.prompt_state_dir,
            summary_prompt=SUMMARY_SYSTEM if settings.summaries else None, **_server(settings))
        self.translator = Translator(self.backend, self.glossary, settings.qa, self.memory, settings.meaning,
                                     settings.context_chars, term_lookup=settings.looks_up_terms,
                                     errors=self.errors)

    def report_progress(self, done: int, total: int, label: str = "") -> None:
        if self.progress is not None:
            self.progress(done, total, label)

    def close(self) -> str | None:
        """Close the model and the memory; a line for the user if the memory could not store
        everything (TranslationMemory.close)."""
        self.backend.close()
        return self.memory.close() if self.memory is not None else None

    def __reduce__(self):
        # Pickled for another process (a Dask worker): only the settings travel.
        return (shared_context, (self.settings,))


def _model(settings: Settings) -> Path | str | None:
    """A model file or folder; for the openai backend a served model's name, kept as written."""
    if not settings.model_path:
        return None
    return settings.model_path if settings.backend == "openai" else Path(settings.model_path)


def _server(settings: Settings) -> dict:
    if settings.backend != "openai":
        return {}
    return {"api_base": settings.api_base, "timeout": settings.request_timeout}


@functools.lru_cache(maxsize=None)
def shared_context(settings: Settings) -> RunContext:
    """This process's context for `settings`, opened on first use and kept until it ends."""
    return RunContext(settings)
