"""Translate an Article's segments through a backend, checking each and retrying the ones
that come back wrong: first whole, then in smaller pieces with the second placeholder style,
and last piece by piece around the formulas, so no formula is ever lost. A segment that
needed the last resort, or still fails, is flagged - never silently passed."""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pipeline.backends.base import Backend, TranslationRequest
from pipeline.checks import HAN
from pipeline.models import Article, Segment, Span
from pipeline.memory import Entry, MemoryContext, TranslationMemory
from pipeline.prompts import PROMPT_VERSION
from pipeline.qa import QAConfig, strip_spans, structural_problems
from pipeline.protect import DEFAULT_STYLE, RETRY_STYLE, PlaceholderStyle, placeholder_problems, protect, restore
from pipeline.segmenting import DEFAULT_MAX_CHARS, segment_article

_FULLWIDTH = {"，": ", ", "。": ". ", "：": ": ", "；": "; ", "！": "! ", "？": "? ", "（": " (", "）": ") ",
              "“": '"', "”": '"', "‘": "'", "’": "'", "、": ", ", "《": '"', "》": '"', "【": "[", "】": "]"}


# Bump when the retry logic changes what a segment's translation can be (cache keys).
TRANSLATOR_VERSION = "retry-v2"  # v2: code markup the model invents is dropped


@dataclass
class Unit:
    """A piece of a segment on its way through the model."""

    source: str
    spans: list[Span]
    english: str | None = None
    problems: list[str] = field(default_factory=list)
    fragmented: bool = False   # translated piece by piece around its formulas


class Translator:
    def __init__(self, backend: Backend, max_chars: int = DEFAULT_MAX_CHARS, glossary=None,
                 qa: QAConfig = QAConfig(), memory: TranslationMemory | None = None):
        self.backend = backend
        self.qa = qa
        self.memory = memory
        self.memory_context = MemoryContext(
            backend.model_sha256, glossary.version if glossary else "no-glossary",
            f"{PROMPT_VERSION}/{TRANSLATOR_VERSION}/{qa}")
        self.requests_sent = 0   # model requests, for reports and cache tests
        self.requests_by_stage: Counter[str] = Counter()   # first pass vs each kind of retry (bench)
        self._count_lock = threading.Lock()
        self.memory_hits = 0
        self.max_chars = max_chars
        self.glossary = glossary

    def translate_article(self, article: Article) -> Article:
        segment_article(article, self.max_chars)
        self.translate_segments([s for s in article.segments if s.translate])
        return article

    def translate_segments(self, segments: list[Segment]) -> None:
        todo = [seg for seg in segments if not self.settle_without_model(seg)]
        workers = min(getattr(self.backend, "slots", 1), len(todo))
        if workers > 1:
            # One chain per segment (first answer, then at once its retries), as many as the
            # model has slots, longest first: a retry waits for no other segment, and no slot
            # idles while the last long segments finish.
            with ThreadPoolExecutor(workers, thread_name_prefix="segment") as pool:
                list(pool.map(lambda seg: self._translate_with_model([seg]),
                              sorted(todo, key=lambda seg: -len(seg.source))))
        else:
            self._translate_with_model(todo)
        if self.memory is not None:
            for seg in todo:
                self.memory.put(self.memory_context, Entry(seg.source, seg.translation or "", tuple(seg.flags),
                                                           tuple(seg.notes), seg.attempts))

    def settle_without_model(self, seg: Segment) -> bool:
        """Fill in a segment the memory knows, or one with nothing to translate; False if it
        needs the model."""
        return self._recall(seg) or self._pass_through(seg)

    def _recall(self, seg: Segment) -> bool:
        entry = self.memory.get(self.memory_context, seg.source) if self.memory is not None else None
        if entry is None:
            return False
        seg.translation, seg.flags, seg.notes = entry.translation, list(entry.flags), list(entry.notes)
        seg.attempts, seg.from_memory = entry.attempts, True
        seg.terms = self._terms(protect(seg.source, seg.spans))
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

    def _translate_with_model(self, segments: list[Segment]) -> None:
        if not segments:
            return
        units = [Unit(s.source, s.spans) for s in segments]
        self._run(units, DEFAULT_STYLE, strict=False, stage="first pass")
        for seg, unit in zip(segments, units):
            seg.attempts = 1
        failed = [(seg, unit) for seg, unit in zip(segments, units) if unit.problems]
        # Second try: smaller pieces, the other placeholder style, the problems named.
        pieces = {id(seg): split_unit(unit) for seg, unit in failed}
        flat = [p for seg, _ in failed for p in pieces[id(seg)]]
        self._run(flat, RETRY_STYLE, strict=True, stage="retry: sentences")
        # Last resort: the prose between formulas, fragment by fragment.
        self._run_around_spans([p for p in flat if p.problems])
        for seg, unit in zip(segments, units):
            if not unit.problems:
                seg.translation = unit.english
                continue
            parts = pieces[id(seg)]
            seg.attempts = 3 if any(p.fragmented or p.problems for p in parts) else 2
            seg.translation = join_english([p.english or "" for p in parts])
            seg.notes.append(f"first answer rejected ({'; '.join(unit.problems)}); "
                             f"retried in {len(parts)} piece(s)")
            for p in parts:
                if p.fragmented:
                    seg.flags.append("retries failed; translated piece by piece around "
                                     "the formulas - check the wording")
                    break
            unresolved = [q for p in parts for q in p.problems]
            if unresolved:  # the QA checks flag what is still wrong; here we record why
                seg.notes.append(f"still wrong after retries: {'; '.join(unresolved)}")
        if self.glossary:
            self._enforce_terms(segments)
        self._repair_residue(segments)

    def _repair_residue(self, segments: list[Segment]) -> None:
        """Last resort for words the model keeps leaving in Chinese (an idiom, a rare word):
        translate each leftover run of Han characters alone and put it in place."""
        todo = []
        for seg in segments:
            runs = list(dict.fromkeys(HAN_RUN.findall(strip_spans(seg.translation or "", seg.spans))))
            if runs:
                todo.append((seg, runs))
        words = [Unit(run, []) for _, runs in todo for run in runs]
        self._run(words, DEFAULT_STYLE, strict=True, stage="retry: left-over Chinese")
        answers = iter(words)
        for seg, runs in todo:
            fixed = {run: next(answers) for run in runs}
            good = {run: u.english for run, u in fixed.items() if u.english and not HAN.search(u.english)}
            if good:
                seg.translation = replace_outside_spans(seg.translation, seg.spans, good)
                seg.notes.append("left-over Chinese translated word by word: "
                                 + ", ".join(f"{k} = {v}" for k, v in good.items()))

    def _enforce_terms(self, segments: list[Segment]) -> None:
        """One stricter retry, naming the missing terms, for segments that did not render a
        glossary term; accepted only if it keeps the placeholders and misses fewer terms."""
        todo = []
        for seg in segments:
            seg.terms = self._terms(protect(seg.source, seg.spans))
            missing = self.glossary.missing(seg.terms, seg.translation or "")
            if missing and not seg.flags:  # a flagged segment gets no further retries
                todo.append((seg, missing))
        retries = [Unit(seg.source, seg.spans, problems=[
            "these terms were not translated as required: "
            + ", ".join(f"{zh} = {en}" for zh, en in missing)]) for seg, missing in todo]
        self._run(retries, DEFAULT_STYLE, strict=True, stage="retry: glossary")
        for (seg, missing), unit in zip(todo, retries):
            still = self.glossary.missing(seg.terms, unit.english or "")
            if not unit.problems and len(still) < len(missing):
                seg.translation, seg.attempts = unit.english, seg.attempts + 1
                seg.notes.append(f"retried for glossary terms: {', '.join(zh for zh, _ in missing)}")

    # -- internals -------------------------------------------------------------------------

    def _terms(self, text: str) -> tuple[tuple[str, str], ...]:
        return tuple(self.glossary.terms_in(text)) if self.glossary else ()

    def _run(self, units: list[Unit], style: PlaceholderStyle, strict: bool, stage: str) -> None:
        if not units:
            return
        requests = []
        for u in units:
            markers = tuple(style.make(n) for n in range(1, len(u.spans) + 1))
            text = protect(u.source, u.spans, style)
            requests.append(TranslationRequest(
                text=text, placeholders=markers, terms=self._terms(text), strict=strict,
                notes=tuple(u.problems)))
        replies = self.backend.translate(requests)
        with self._count_lock:
            self.requests_sent += len(requests)
            self.requests_by_stage[stage] += len(requests)
        for u, reply in zip(units, replies):
            reply = normalise_punctuation(drop_invented_code(reply))
            problems = placeholder_problems(reply, len(u.spans), style)
            english = style.pattern.sub(" ", reply)
            residue = HAN.findall(english)
            if residue:
                problems.append(f"Chinese left in the English: {''.join(dict.fromkeys(residue))[:20]}")
            problems += structural_problems(strip_spans(u.source, u.spans), english, self.qa)
            u.problems = problems
            u.english = restore(reply, u.spans, style)

    def _run_around_spans(self, units: list[Unit]) -> None:
        fragments: list[Unit] = []
        layout: list[list] = []
        for u in units:
            parts = []
            for piece in cut_at_spans(u.source, u.spans):
                if isinstance(piece, Span) or not HAN.search(piece):
                    parts.append(piece)
                else:
                    frag = Unit(piece, [])
                    fragments.append(frag)
                    parts.append(frag)
            layout.append(parts)
        self._run(fragments, DEFAULT_STYLE, strict=True, stage="retry: around formulas")
        for u, parts in zip(units, layout):
            words = []
            for p in parts:
                if isinstance(p, Span):
                    words.append(p.text)
                elif isinstance(p, Unit):
                    words.append(p.english or "")
                else:
                    words.append(normalise_punctuation(p))
            u.english = join_english(words)
            u.problems = [q for p in parts if isinstance(p, Unit) for q in p.problems]
            u.fragmented = bool(u.spans)


HAN_RUN = re.compile(HAN.pattern + "+")


def replace_outside_spans(text: str, spans: list[Span], replacements: dict[str, str]) -> str:
    """Replace words in the prose of `text`, never inside a restored formula."""
    keep = sorted({s.text for s in spans}, key=len, reverse=True)
    pieces = re.split("(" + "|".join(re.escape(k) for k in keep) + ")", text) if keep else [text]
    out = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:  # prose between formulas
            for zh, en in replacements.items():
                piece = re.sub(rf"\s*{re.escape(zh)}\s*", f" {en.strip().rstrip('.')} ", piece)
            piece = re.sub(r"[ \t]{2,}", " ", piece)
        out.append(piece)
    return "".join(out).strip()


def split_unit(unit: Unit) -> list[Unit]:
    """The sentences of a unit, each with its own spans (one piece if it is one sentence)."""
    from pipeline.segmenting import split_sentences

    located = locate_spans(unit.source, unit.spans)
    out = []
    for a, b in split_sentences(unit.source, 0, len(unit.source), located):
        text = unit.source[a:b]
        if text.strip():
            out.append(Unit(text.strip(), [Span(t, k) for s, e, t, k in located if a <= s and e <= b]))
    return out or [Unit(unit.source, unit.spans)]


def locate_spans(text: str, spans: list[Span]) -> list[tuple[int, int, str, str]]:
    located, pos = [], 0
    for span in spans:
        at = text.index(span.text, pos)
        located.append((at, at + len(span.text), span.text, span.kind))
        pos = at + len(span.text)
    return located


def cut_at_spans(text: str, spans: list[Span]) -> list:
    out, pos = [], 0
    for start, end, _, _ in locate_spans(text, spans):
        if text[pos:start]:
            out.append(text[pos:start])
        out.append(next(s for s in spans if s.text == text[start:end]))
        pos = end
    if text[pos:]:
        out.append(text[pos:])
    return out


# Code markup in a reply is the model's own: the source's code reached it as placeholders.
# Seen on the seeds: a sentence wrapped in a ```plaintext fence, a paper title in backticks.
_INVENTED_FENCE = re.compile(
    r"```(?:[A-Za-z]+[ \t]*\n|(?:plaintext|text|english|markdown|md|latex|tex)[ \t]+)?\s*(.*?)\s*```", re.DOTALL)
_INVENTED_CODE = re.compile(r"`([^`\n]+)`")


def drop_invented_code(reply: str) -> str:
    """The text of code fences and code spans the model added, without the markup (a title it
    put in backticks gets quotes, as the source's 《》 would)."""
    reply = _INVENTED_FENCE.sub(lambda m: m.group(1).strip(), reply)
    return _INVENTED_CODE.sub(lambda m: f'"{m.group(1).strip()}"', reply)


def normalise_punctuation(text: str) -> str:
    for zh, en in _FULLWIDTH.items():
        text = text.replace(zh, en)
    return re.sub(r"[ \t]+", " ", text).replace(" ,", ",").replace(" .", ".").strip()


def join_english(parts: list[str]) -> str:
    """Join English pieces with single spaces; only the seams are touched, never the
    inside of a piece (a restored formula must stay byte-identical)."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out and not part.startswith((",", ".", ";", ":", "!", "?", ")")):
            out += " "
        out += part
    return out
