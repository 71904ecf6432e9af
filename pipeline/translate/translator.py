"""The Translator: a segment the memory knows (or with no Chinese) is settled without the
model; the rest go through the strategies of strategies.py in order - first pass, retry by
sentence, retry around the formulas, then the glossary retry, the residue repair, the meaning
retry, the sentence repair (repair.py) and, for a term still missed, sampled answers
(sampling.py) - and what they produced is stored in the memory. A segment that needed the last
resort, or still fails, is flagged: never silently passed."""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from pipeline.backends.base import Backend, BackendError
from pipeline.checks.meaning import MeaningConfig
from pipeline.document import Confidence
from pipeline.store.error_log import ErrorLog, keep_original
from pipeline.store.memory import Entry, MemoryContext, TranslationMemory
from pipeline.document import Segment
from pipeline.backends import prompts
from pipeline.checks.qa import CHECKS_VERSION
from pipeline.signature import code_signature
from pipeline.text import protect
from pipeline.translate import repair, sampling, strategies, units
from pipeline.checks.structure import QAConfig
from pipeline.text.spans import strip_spans
from pipeline.text.han import HAN
from pipeline.translate.strategies import (FirstPass, Job, RepairResidue, RetryAroundFormulas,
                                           RetryBySentence, RetryForGlossary, RetryForMeaning, settle)
from pipeline.translate.sampling import RetryBySampling
from pipeline.translate.repair import RepairBySentence
from pipeline.translate.units import ModelCall, Unit

# Bump when the retry logic changes what a segment's translation can be (cache keys).
# What decides an answer kept in the memory: the prompts, the strategies and their rules, the
# placeholders, and the checks that trigger retries. Derived from that code (pipeline/signature.py).
TRANSLATOR_VERSION = code_signature("translator", [prompts, units, strategies, repair, sampling, protect,
                                                   sys.modules[__name__]], CHECKS_VERSION)

# The order the strategies run in: each answer-level retry sees only what the one before left wrong.
ANSWER_STRATEGIES = (FirstPass(), RetryBySentence(), RetryAroundFormulas())


class Translator:
    def __init__(self, backend: Backend, glossary=None, qa: QAConfig = QAConfig(),
                 memory: TranslationMemory | None = None, meaning: MeaningConfig = MeaningConfig(),
                 context_chars: int = 0, term_lookup: bool = False, errors: ErrorLog | None = None):
        self.backend, self.glossary, self.qa, self.memory = backend, glossary, qa, memory
        self.errors = errors   # where an internal error met on one segment is logged
        # An answer made with context is the answer for that context only.
        with_context = f"/context{context_chars}" if context_chars else ""
        with_context += "/term-lookup" if term_lookup else ""
        self.memory_context = MemoryContext(
            backend.model_sha256, glossary.version if glossary else "no-glossary",
            f"{TRANSLATOR_VERSION}/{qa}/{meaning}{with_context}")
        self.meaning = meaning
        self.call = ModelCall(backend, glossary, qa)
        self._count_lock = threading.Lock()
        self.memory_hits = 0   # this translator's, for the bench; a run counts on its segments
        self.segments_done = 0   # through the model so far (a progress line reads it from another thread)

    @property
    def requests_by_stage(self):
        """Model requests per strategy so far (the bench's yield table)."""
        return self.call.requests_by_stage

    @property
    def fixed_by_stage(self):
        """Segments each retry strategy's answers were accepted for (its yield)."""
        return self.call.fixed_by_stage

    def translate_segments(self, segments: list[Segment]) -> None:
        todo = [seg for seg in segments if not self.settle_without_model(seg)]
        workers = min(self.backend.slots, len(todo))
        if workers > 1:
            # One chain per segment (first answer, then at once its retries), as many as the
            # model has slots, longest first: a retry waits for no other segment, and no slot
            # idles while the last long segments finish.
            with ThreadPoolExecutor(workers, thread_name_prefix="segment") as pool:
                list(pool.map(lambda seg: self._translate_counted([seg]),
                              sorted(todo, key=lambda seg: -len(seg.source))))
        else:
            self._translate_counted(todo)
        if self.memory is not None:
            for seg in (s for s in todo if not s.internal_error):   # a bug's outcome is not remembered
                confidence = (seg.confidence.mean, seg.confidence.minimum, seg.confidence.surprise) if seg.confidence else None
                self.memory.put(self.memory_context, Entry(seg.source, seg.translation or "", tuple(seg.flags),
                                                           tuple(seg.notes), seg.attempts, confidence))

    def _translate_counted(self, segments: list[Segment]) -> None:
        self._translate_isolated(segments)
        with self._count_lock:
            self.segments_done += len(segments)

    def settle_without_model(self, seg: Segment) -> bool:
        """Fill in a segment the memory knows, or one with nothing to translate; False if it
        needs the model."""
        return self._recall(seg) or self._pass_through(seg)

    def _recall(self, seg: Segment) -> bool:
        if self.memory is not None and (reviewed := self.memory.get_reviewed(seg.source)) is not None:
            seg.translation, seg.from_memory, seg.reviewed = reviewed, True, True   # a person's: no flags, no retry
            seg.notes.append("a reviewer's translation (zh2en learn)")
            with self._count_lock:
                self.memory_hits += 1
            return True
        entry = self.memory.get(self.memory_context, seg.source) if self.memory is not None else None
        if entry is None:
            return False
        seg.translation, seg.flags, seg.notes = entry.translation, list(entry.flags), list(entry.notes)
        seg.attempts, seg.from_memory = entry.attempts, True
        seg.confidence = Confidence(*entry.confidence) if entry.confidence else None
        with self._count_lock:
            self.memory_hits += 1
        return True

    def _pass_through(self, seg: Segment) -> bool:
        """Text with no Chinese (an English heading, a name) is kept as it is, not sent."""
        if HAN.search(strip_spans(seg.source, seg.spans)):
            return False
        seg.translation = seg.source
        seg.notes.append("no Chinese: kept as is")
        return True

    def _translate_isolated(self, segments: list[Segment]) -> None:
        """The strategies over `segments`; an internal error (a bug met on some reply) costs
        only the segment it was met on: the batch is run again one segment at a time, and
        the segment that fails alone keeps its original, flagged. A backend error is the
        run's, not a segment's: it propagates."""
        before = [_state(seg) for seg in segments]
        try:
            self._translate_with_model(segments)
        except BackendError:
            raise
        except Exception as exc:
            for seg, state in zip(segments, before):
                _restore(seg, state)
            if len(segments) == 1:
                keep_original(segments[0], "translating", exc, self.errors)
                return
            for seg in segments:
                self._translate_isolated([seg])

    def _translate_with_model(self, segments: list[Segment]) -> None:
        if not segments:
            return
        jobs = [Job(seg, Unit(seg.source, seg.spans, seg)) for seg in segments]
        for strategy in ANSWER_STRATEGIES:
            strategy.run(jobs, self.call)
        for job in jobs:
            settle(job)
        if self.glossary:
            RetryForGlossary(self.meaning).run(segments, self.call)
        RepairResidue().run(segments, self.call)
        if self.meaning.retry:
            RetryForMeaning(self.meaning).run(segments, self.call)
            RepairBySentence(self.meaning).run(segments, self.call)
        if self.glossary:
            RetryBySampling(self.meaning).run(segments, self.call)


_MUTABLE = ("translation", "flags", "notes", "attempts", "glossary_retries", "confidence", "reviewed")


def _state(seg: Segment) -> dict:
    """What the strategies change on a segment (lists copied), to undo a failed batch; its
    request count is not undone: those requests were made."""
    return {name: list(value) if isinstance(value, list) else value
            for name, value in ((n, getattr(seg, n)) for n in _MUTABLE)}


def _restore(seg: Segment, state: dict) -> None:
    for name, value in state.items():
        setattr(seg, name, list(value) if isinstance(value, list) else value)
