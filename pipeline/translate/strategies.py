"""The translator's strategies, each a small named unit: the first pass, then for the segments
whose answer was rejected a retry sentence by sentence and, last, the prose between the
formulas fragment by fragment; after that a glossary retry, a repair of left-over Chinese, a
retry for a failed meaning check (the last resort for a missed term is in sampling.py).
Each takes the segments' `Job`s and a `ModelCall`, and only touches what it is for."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.checks.meaning import MeaningConfig
from pipeline.checks.registry import meaning_problems, retry_request
from pipeline.document import Segment, Span
from pipeline.text.protect import DEFAULT_STYLE, RETRY_STYLE
from pipeline.text.segmenting import split_sentences
from pipeline.text.spans import locate_restored, rewrite, split_at_spans, strip_restored, strip_spans
from pipeline.text.han import HAN, HAN_RUN
from pipeline.translate.units import ModelCall, Unit, join_english, joint_confidence, normalise_punctuation


@dataclass
class Job:
    """One segment through the strategies: its whole-segment unit, and the sentence pieces
    it was retried in (none if the first answer passed)."""

    segment: Segment
    first: Unit
    pieces: list[Unit] = field(default_factory=list)


class FirstPass:
    name = "first pass"

    def run(self, jobs: list[Job], call: ModelCall) -> None:
        call([job.first for job in jobs], DEFAULT_STYLE, strict=False, stage=self.name)
        for job in jobs:
            job.segment.attempts = 1


class RetryBySentence:
    """Smaller pieces, the other placeholder style, the problems named."""

    name = "retry: sentences"

    def run(self, jobs: list[Job], call: ModelCall) -> None:
        for job in jobs:
            if job.first.problems:
                job.pieces = split_unit(job.first)
        call([p for job in jobs for p in job.pieces], RETRY_STYLE, strict=True, stage=self.name)
        call.fixed(self.name, sum(1 for job in jobs if job.pieces and not any(p.problems for p in job.pieces)))


class RetryAroundFormulas:
    """Last resort for a piece still wrong: the prose between its formulas, fragment by
    fragment, so no formula can be lost (the wording suffers: the segment is flagged)."""

    name = "retry: around formulas"

    def run(self, jobs: list[Job], call: ModelCall) -> None:
        units = [p for job in jobs for p in job.pieces if p.problems]
        layouts = [self._layout(u) for u in units]
        call([f for parts in layouts for f in parts if isinstance(f, Unit)], DEFAULT_STYLE, strict=True,
             stage=self.name)
        for u, parts in zip(units, layouts):
            words = [p.text if isinstance(p, Span) else (p.english or "") if isinstance(p, Unit)
                     else normalise_punctuation(p) for p in parts]
            u.english = join_english(words)
            u.confidence = joint_confidence([p for p in parts if isinstance(p, Unit)])
            u.problems = [q for p in parts if isinstance(p, Unit) for q in p.problems]
            u.fragmented = bool(u.spans)
        call.fixed(self.name, len({id(u.owner) for u in units if not u.problems}))

    @staticmethod
    def _layout(u: Unit) -> list:
        """The unit as spans, prose kept as is (no Chinese) and fragments to translate."""
        return [Unit(piece, [], u.owner) if isinstance(piece, str) and HAN.search(piece) else piece
                for piece in split_at_spans(u.source, u.spans)]


NOT_TRANSLATED = ("not translated reliably: the model's answers to a sentence were not a translation "
                  "(words about the task, or a loop); the original sentence is kept")


def _unusable(piece: Unit) -> bool:
    """An answer that still talks about the task or loops after every retry: never shipped."""
    return any(q.startswith(("words about the task", "repetition")) for q in piece.problems)


def settle(job: Job) -> None:
    """The segment's translation from its answers, with notes on what it took."""
    seg, first = job.segment, job.first
    if not first.problems:
        seg.translation, seg.confidence = first.english, first.confidence
        return
    parts = job.pieces
    seg.attempts = 3 if any(p.fragmented or p.problems for p in parts) else 2
    kept = [p for p in parts if _unusable(p)]
    for p in kept:   # an honest gap beats word salad: the original sentence stays, flagged
        p.english, p.confidence = p.source, None
    if kept:
        seg.flags.append(NOT_TRANSLATED)
    seg.translation = join_english([p.english or "" for p in parts])
    seg.confidence = joint_confidence(parts)
    seg.notes.append(f"first answer rejected ({'; '.join(first.problems)}); retried in {len(parts)} piece(s)")
    if any(p.fragmented for p in parts):
        seg.flags.append("retries failed; translated piece by piece around the formulas - check the wording")
    unresolved = [q for p in parts for q in p.problems]
    if unresolved:  # the QA checks flag what is still wrong; here we record why
        seg.notes.append(f"still wrong after retries: {'; '.join(unresolved)}")


class RetryForGlossary:
    """One stricter retry, naming the missing terms, for a segment that did not render a
    glossary term; accepted only if it keeps the placeholders, misses fewer terms and fails no
    meaning check the first answer passed (a retry must not make the sentence worse)."""

    name = "retry: glossary"

    def __init__(self, config: MeaningConfig = MeaningConfig()):
        self.config = config

    def run(self, segments: list[Segment], call: ModelCall) -> None:
        glossary = call.glossary
        todo = []
        for seg in segments:
            missing = glossary.missing(seg.terms, seg.translation or "")
            if missing and not seg.flags:  # a flagged segment gets no further retries
                todo.append((seg, missing))
        retries = [Unit(seg.source, seg.spans, seg, problems=[
            "these terms were not translated as required: "
            + ", ".join(f"{zh} = {en}" for zh, en in missing)]) for seg, missing in todo]
        call(retries, DEFAULT_STYLE, strict=True, stage=self.name)
        for (seg, missing), unit in zip(todo, retries):
            seg.glossary_retries += 1
            still = glossary.missing(seg.terms, unit.english or "")
            terms = ", ".join(zh for zh, _ in missing)
            if not unit.problems and len(still) < len(missing) and \
                    not _new_meaning_problems(seg, unit.english or "", self.config):
                seg.translation, seg.attempts, seg.confidence = unit.english, seg.attempts + 1, unit.confidence
                seg.notes.append(f"retried for glossary terms: {terms}")
                call.fixed(self.name)
            else:
                seg.notes.append(f"retried for glossary terms ({terms}): not accepted, the first answer kept")


def _new_meaning_problems(seg: Segment, english: str, config: MeaningConfig) -> list[str]:
    """Meaning checks the retry's answer fails and the first answer passed: a retry that fixes
    a term must not break the sentence (a dropped negation, a changed number)."""
    zh = strip_spans(seg.source, seg.spans)
    before = {p.name for p in meaning_problems(zh, strip_restored(seg.translation or "", seg.spans), config)}
    return [p.name for p in meaning_problems(zh, strip_restored(english, seg.spans), config)
            if p.name not in before]


class RetryForMeaning:
    """One retry for a segment whose answer fails a meaning check (a lost negation, a changed
    number, a dropped name...), naming the problem; accepted only if the new answer passes
    every check and misses no glossary term the old one had."""

    name = "retry: meaning"

    def __init__(self, config: MeaningConfig):
        self.config = config

    def run(self, segments: list[Segment], call: ModelCall) -> None:
        todo = []
        for seg in segments:
            if seg.flags or not seg.translation:   # a segment given up on gets no further retries
                continue
            problems = meaning_problems(strip_spans(seg.source, seg.spans),
                                        strip_restored(seg.translation, seg.spans), self.config)
            if problems:
                todo.append((seg, problems))
        retries = [Unit(seg.source, seg.spans, seg, problems=[retry_request(p) for p in problems])
                   for seg, problems in todo]
        call(retries, DEFAULT_STYLE, strict=True, stage=self.name)
        for (seg, problems), unit in zip(todo, retries):
            names = ", ".join(p.name for p in problems)
            if not unit.problems and self._better(seg, unit.english or "", call):
                seg.translation, seg.attempts, seg.confidence = unit.english, seg.attempts + 1, unit.confidence
                seg.notes.append(f"retried for meaning ({names}): accepted")
                call.fixed(self.name)
            else:
                seg.notes.append(f"retried for meaning ({names}): not accepted, the first answer kept")

    def _better(self, seg: Segment, english: str, call: ModelCall) -> bool:
        if meaning_problems(strip_spans(seg.source, seg.spans), strip_restored(english, seg.spans), self.config):
            return False
        glossary = call.glossary
        return glossary is None or len(glossary.missing(seg.terms, english)) <= len(
            glossary.missing(seg.terms, seg.translation or ""))


class RepairResidue:
    """Words the model keeps leaving in Chinese (an idiom, a rare word): each left-over run
    of Han characters translated alone and put in place."""

    name = "retry: left-over Chinese"

    def run(self, segments: list[Segment], call: ModelCall) -> None:
        todo = []
        for seg in segments:
            if NOT_TRANSLATED in seg.flags:   # the original sentence kept on purpose: no word salad
                continue
            runs = list(dict.fromkeys(HAN_RUN.findall(strip_restored(seg.translation or "", seg.spans))))
            if runs:
                todo.append((seg, runs))
        words = [Unit(run, [], seg) for seg, runs in todo for run in runs]
        call(words, DEFAULT_STYLE, strict=True, stage=self.name)
        answers = iter(words)
        for seg, runs in todo:
            fixed = {run: next(answers) for run in runs}
            good = {run: u.english for run, u in fixed.items()
                    if u.english and not u.problems and not HAN.search(u.english)}
            if good:
                seg.translation = replace_outside_spans(seg.translation, seg.spans, good)
                seg.notes.append("left-over Chinese translated word by word: "
                                 + ", ".join(f"{k} = {v}" for k, v in good.items()))
                call.fixed(self.name)


def replace_outside_spans(text: str, spans: list[Span], replacements: dict[str, str]) -> str:
    """Replace words in the prose of a translation, never inside a restored formula."""
    def replace_words(prose: str) -> str:
        for zh, en in replacements.items():
            prose = re.sub(rf"\s*{re.escape(zh)}\s*", f" {en.strip().rstrip('.')} ", prose)
        return re.sub(r"[ \t]{2,}", " ", prose)

    return rewrite(text, locate_restored(text, spans), prose=replace_words).strip()


def split_unit(unit: Unit) -> list[Unit]:
    """The sentences of a unit, each with its own spans rebased to it (one piece if it is
    one sentence)."""
    out = []
    for a, b in split_sentences(unit.source, 0, len(unit.source), unit.spans):
        text = unit.source[a:b]
        if text.strip():
            start = a + len(text) - len(text.lstrip())  # where the stripped sentence begins
            out.append(Unit(text.strip(), [s.shifted(-start) for s in unit.spans if a <= s.start and s.end <= b],
                            unit.owner))
    return out or [Unit(unit.source, unit.spans, unit.owner)]
