"""Sentence repair: the last try for a segment whose answer still fails a meaning check or
misses a glossary term after its retries. A whole-segment retry rarely fixes such an answer (on
the seeds 0 of 14 negation retries were accepted): the model rewrites everything and errs
elsewhere. Here the segment's Chinese sentences are aligned with its English ones (by length, as
the sentence-alignment check does); a Chinese sentence whose own English fails is translated
again alone, the problem named, and its English replaced - only if the sentence pair held the
same formulas, the new sentence passes, and the whole segment then has fewer problems."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pipeline.checks.meaning import MeaningConfig, align_sentences
from pipeline.checks.registry import meaning_problems, retry_request
from pipeline.checks.structure import structural_problems
from pipeline.document import Segment
from pipeline.text.han import HAN
from pipeline.text.protect import DEFAULT_STYLE
from pipeline.text.sentences import EN_SENTENCE_END, count_en_sentences, count_zh_sentences
from pipeline.text.spans import locate_restored, strip_restored, strip_spans
from pipeline.text.words import stems
from pipeline.translate.strategies import split_unit
from pipeline.translate.units import ModelCall, Unit


@dataclass
class Repair:
    unit: Unit            # the Chinese sentence, sent again
    start: int            # its English in the segment's translation
    end: int
    problems: int         # what its English got wrong before


class RepairBySentence:
    name = "repair: sentence"

    def __init__(self, config: MeaningConfig):
        self.config = config

    def run(self, segments: list[Segment], call: ModelCall) -> None:
        plans = []
        for seg in segments:
            if seg.flags or not seg.translation or not self.problems(seg.source, seg.spans, seg.translation, seg, call):
                continue
            repairs = self.plan(seg, call)
            if repairs:
                plans.append((seg, repairs))
        call([r.unit for _, repairs in plans for r in repairs], DEFAULT_STYLE, strict=True, stage=self.name)
        for seg, repairs in plans:
            self.splice(seg, repairs, call)

    def problems(self, zh: str, spans, english: str, seg: Segment, call: ModelCall) -> list[str]:
        """What is wrong with `english` as the translation of `zh`: the failed meaning checks
        (named with their detail) and the segment's glossary terms in `zh` it misses."""
        found = [retry_request(p) for p in meaning_problems(strip_spans(zh, spans),
                                                                 strip_restored(english, spans), self.config)]
        terms = [(z, e) for z, e in seg.terms if z in zh]
        missing = call.glossary.missing(terms, english) if call.glossary is not None and terms else []
        if missing:
            found.append("these terms were not translated as required: "
                         + ", ".join(f"{z} = {e}" for z, e in missing))
        return found

    def plan(self, seg: Segment, call: ModelCall) -> list[Repair]:
        """The sentences to translate again: aligned one to one with an English sentence that
        holds exactly their formulas, and failing on their own."""
        english = seg.translation
        sentences = split_unit(Unit(seg.source, seg.spans, seg))
        bounds = english_sentences(english, seg)
        if len(sentences) < 2 or not bounds:
            return []
        steps = align_sentences([len(HAN.findall(u.source)) for u in sentences],
                                [len(strip_restored(english[a:b], seg.spans)) for a, b in bounds], self.config)
        repairs, i, j = [], 0, 0
        for di, dj, _ in steps:
            if di == 1 and dj == 1:
                unit, (a, b) = sentences[i], bounds[j]
                same_formulas = Counter(s.text for s in unit.spans) == Counter(
                    s.text for s in locate_restored(english[a:b], seg.spans))
                asks = self.problems(unit.source, unit.spans, english[a:b], seg, call) if same_formulas else []
                if asks:
                    repairs.append(Repair(Unit(unit.source, unit.spans, seg, problems=asks), a, b, len(asks)))
            i, j = i + di, j + dj
        return repairs

    def splice(self, seg: Segment, repairs: list[Repair], call: ModelCall) -> None:
        before = len(self.problems(seg.source, seg.spans, seg.translation, seg, call))
        english = seg.translation
        fixed = []
        for r in sorted(repairs, key=lambda r: -r.start):   # from the end: earlier offsets stay valid
            new = (r.unit.english or "").strip()
            if r.unit.problems or not new or not self.fits(r, new, english) \
                    or len(self.problems(r.unit.source, r.unit.spans, new, seg, call)) >= r.problems:
                continue
            english = english[:r.start] + new + english[r.end:]
            fixed.append(r)
        after = len(self.problems(seg.source, seg.spans, english, seg, call)) if fixed else before
        if fixed and after < before and not structural_problems(
                strip_spans(seg.source, seg.spans), strip_restored(english, seg.spans), call.qa):
            seg.translation, seg.attempts = english, seg.attempts + 1
            seg.notes.append(f"repaired sentence by sentence ({len(fixed)} of {len(repairs)} sentence(s)): "
                             f"{before} problem(s) before, {after} after")
            call.fixed(self.name)
        else:
            seg.notes.append(f"repair sentence by sentence tried ({len(repairs)} sentence(s)): not accepted")


    @staticmethod
    def fits(r: Repair, new: str, english: str) -> bool:
        """The new English can stand where the old sentence stood: no more sentences than the
        Chinese has, and not saying again what a neighbouring English sentence says - else the
        alignment gave the Chinese sentence only part of its English, and the rest would now
        be said twice (seen on the seeds)."""
        if count_en_sentences(new) > max(1, count_zh_sentences(r.unit.source)):
            return False
        old, added = _content(english[r.start:r.end]), _content(new)
        bounds = english_sentences(english, None)
        before = [english[a:b] for a, b in bounds if b <= r.start][-1:]
        after = [english[a:b] for a, b in bounds if a >= r.end][:1]
        for neighbour in before + after:
            theirs = _content(neighbour)
            if theirs and len((added - old) & theirs) > _MAX_SHARED * len(theirs):
                return False
        return True


_MAX_SHARED = 0.5   # of a neighbouring sentence's content words, newly in the repaired one


def _content(text: str) -> set[str]:
    """The stems of a sentence's longer words (not "the", "is", "of")."""
    return {s for s, word in stems(text) if len(word) >= 4}


def english_sentences(english: str, seg: Segment | None) -> list[tuple[int, int]]:
    """(start, end) of each English sentence; none if a sentence end falls inside one of the
    segment's formulas."""
    inside = [(s.start, s.end) for s in locate_restored(english, seg.spans)] if seg is not None else []
    bounds, pos = [], 0
    for m in EN_SENTENCE_END.finditer(english):
        if any(a < m.end() <= b for a, b in inside):
            return []
        bounds.append((pos, m.end()))
        pos = m.end()
    if english[pos:].strip():
        bounds.append((pos, len(english)))
    return [(a + len(english[a:b]) - len(english[a:b].lstrip()), b) for a, b in bounds if english[a:b].strip()]
