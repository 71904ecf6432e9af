"""A piece of a segment on its way through the model (`Unit`), the one way every strategy talks
to the model (`ModelCall`: protect, send, check the reply, restore), and the English clean-up
applied to every reply."""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field

from pipeline.backends.base import Backend, TranslationRequest
from pipeline.document import Confidence, Segment, Span
from pipeline.text.protect import PlaceholderStyle, placeholder_problems, protect, restore
from pipeline.checks.meaning import meta_text
from pipeline.checks.structure import QAConfig, structural_problems
from pipeline.text.spans import strip_spans
from pipeline.text.han import HAN

_FULLWIDTH = {"，": ", ", "。": ". ", "：": ": ", "；": "; ", "！": "! ", "？": "? ", "（": " (", "）": ") ",
              "“": '"', "”": '"', "‘": "'", "’": "'", "、": ", ", "《": '"', "》": '"', "【": "[", "】": "]"}


@dataclass
class Unit:
    """A text sent to the model: a whole segment, one of its sentences, or a fragment."""

    source: str
    spans: list[Span]                # positions within `source`
    owner: Segment | None = None     # the segment whose request count this adds to
    english: str | None = None
    problems: list[str] = field(default_factory=list)   # what was wrong with the last answer
    fragmented: bool = False         # translated piece by piece around its formulas
    confidence: Confidence | None = None
    sample: int = 0                  # 0: the most likely answer; n: one sampled with seed n


class ModelCall:
    """Sends units under one placeholder style and checks each answer: placeholders each
    exactly once, no Chinese left, the structural checks of qa.py. Counts requests per
    strategy and the segments each fixed (the bench's yield table) and on each unit's segment (the run's count)."""

    def __init__(self, backend: Backend, glossary, qa: QAConfig):
        self.backend, self.glossary, self.qa = backend, glossary, qa
        self.requests_by_stage: Counter[str] = Counter()
        self.fixed_by_stage: Counter[str] = Counter()   # segments a stage's answers were accepted for
        self._lock = threading.Lock()

    def fixed(self, stage: str, segments: int = 1) -> None:
        """A stage's answer was taken for `segments` segment(s): the yield of its requests."""
        if segments:
            with self._lock:
                self.fixed_by_stage[stage] += segments

    def terms(self, text: str, owner: Segment | None) -> tuple[tuple[str, str], ...]:
        """The terms a request asks for: its segment's (glossary and the article's author
        glosses, pipeline/terms.py; then its looked-up recurring nouns) that occur in its text."""
        if owner is not None:
            return tuple((zh, en) for zh, en in owner.terms + owner.suggested_terms if zh in text)
        return tuple(self.glossary.terms_in(text)) if self.glossary else ()

    def __call__(self, units: list[Unit], style: PlaceholderStyle, strict: bool, stage: str) -> None:
        if not units:
            return
        requests = []
        for u in units:
            text = protect(u.source, u.spans, style)
            requests.append(TranslationRequest(
                text=text, placeholders=tuple(style.make(n) for n in range(1, len(u.spans) + 1)),
                terms=self.terms(text, u.owner), strict=strict, notes=tuple(u.problems),
                context=u.owner.context if u.owner is not None else "", sample=u.sample))
        replies = self.backend.translate(requests)
        with self._lock:
            self.requests_by_stage[stage] += len(requests)
            for u in units:
                if u.owner is not None:
                    u.owner.requests += 1
        for u, reply in zip(units, replies):
            u.confidence = reply.confidence
            self._check(u, normalise_punctuation(neutralise_invented_latex(drop_invented_code(reply.text))), style)

    def _check(self, u: Unit, reply: str, style: PlaceholderStyle) -> None:
        problems = placeholder_problems(reply, len(u.spans), style)
        english = style.pattern.sub(" ", reply)
        residue = HAN.findall(english)
        if residue:
            problems.append(f"Chinese left in the English: {''.join(dict.fromkeys(residue))[:20]}")
        problems += structural_problems(strip_spans(u.source, u.spans), english, self.qa)
        talk = meta_text(english) if not meta_text(u.source) else None
        if talk:   # the model spoke about its task (e.g. echoed the retry instruction)
            problems.append(f"words about the task, not a translation: {talk}")
        u.problems = problems
        u.english = restore(reply, u.spans, style)


# Code markup in a reply is the model's own: the source's code reached it as placeholders.
# Seen on the seeds: a sentence wrapped in a ```plaintext fence, a paper title in backticks.
_INVENTED_FENCE = re.compile(
    r"```(?:[A-Za-z]+[ \t]*\n|(?:plaintext|text|english|markdown|md|latex|tex)[ \t]+)?\s*(.*?)\s*```", re.DOTALL)
_INVENTED_CODE = re.compile(r"`([^`\n]+)`")


def drop_invented_code(reply: str) -> str:
    """The text of code fences and code spans the model added, without the markup (a title it
    put in backticks gets quotes, as the source's 《》 would)."""
    reply = _INVENTED_FENCE.sub(lambda m: m.group(1).strip(), reply)
    return _INVENTED_CODE.sub(lambda m: f'"{m.group(1).strip()}"', reply).replace("`", "'")


# LaTeX in a reply is the model's own too: the source's formulas, and every `$` of the source
# (an escaped or stray one), reached it as placeholders. Left in, an invented `\alpha` or `$5`
# would be typeset, or pair with a `$` of the next sentence into a formula the source lacks.
_INVENTED_COMMAND = re.compile(r"\\+(?=[A-Za-z()\[\]{}$])")


def neutralise_invented_latex(reply: str) -> str:
    """The reply with no way to open math: a backslash before a command or a math delimiter
    dropped (`\\alpha` -> `alpha`, `\\(` -> `(`), then each `$` escaped (`\\$`, shown as a dollar sign)."""
    return _INVENTED_COMMAND.sub("", reply).replace("$", "\\$")


def normalise_punctuation(text: str) -> str:
    for zh, en in _FULLWIDTH.items():
        text = text.replace(zh, en)
    return re.sub(r"[ \t]+", " ", text).replace(" ,", ",").replace(" .", ".").strip()


def joint_confidence(units: list[Unit]) -> Confidence | None:
    """An answer made of several: its mean over theirs, its lowest their lowest."""
    known = [u.confidence for u in units if u.confidence is not None]
    if not known or len(known) < len(units):
        return None
    surprises = [c.surprise for c in known]
    return Confidence(round(sum(c.mean for c in known) / len(known), 4), min(c.minimum for c in known),
                      None if None in surprises else round(sum(surprises), 3))


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
