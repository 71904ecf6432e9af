"""The prose outside a text's spans: the one place a text is cut at its protected spans, so
every stage that edits or inspects "the text outside the formulas" does it the same way.

Spans carry their positions (pipeline/models.Span). In a translation they are unknown - the
model wrote the text around the restored spans - so `locate_restored` finds them there by
their text; nowhere else is a span looked up by its text.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from pipeline.document import Span


def split_at_spans(text: str, spans: Sequence[Span]) -> list[str | Span]:
    """`text` in order as its prose pieces (str, empty ones left out) and its spans."""
    pieces: list[str | Span] = []
    pos = 0
    for span in spans:
        if span.start < pos or text[span.start:span.end] != span.text:
            raise ValueError(f"span {span.text[:40]!r} is not at {span.start}:{span.end} of the text "
                             f"(or spans overlap or are out of order)")
        if span.start > pos:
            pieces.append(text[pos:span.start])
        pieces.append(span)
        pos = span.end
    if pos < len(text):
        pieces.append(text[pos:])
    return pieces


def _unchanged(prose: str) -> str:
    return prose


def _verbatim(number: int, span: Span) -> str:
    return span.text


def rewrite(text: str, spans: Sequence[Span], prose: Callable[[str], str] = _unchanged,
            span: Callable[[int, Span], str] = _verbatim) -> str:
    """`text` rebuilt piece by piece: each stretch of prose through `prose`, each span
    (numbered from 1, in order) through `span`. By default both are kept as they are."""
    out, number = [], 0
    for piece in split_at_spans(text, spans):
        if isinstance(piece, Span):
            number += 1
            out.append(span(number, piece))
        else:
            out.append(prose(piece))
    return "".join(out)


def strip_spans(text: str, spans: Sequence[Span]) -> str:
    """The prose of `text`, each span replaced by a space (so words on either side stay apart)."""
    return rewrite(text, spans, span=lambda number, span: " ")


def locate_restored(english: str, spans: Sequence[Span]) -> list[Span]:
    """Every occurrence, left to right, of a span's text in a translation: where the spans were
    restored (a model may repeat, drop or reorder them, so all are found, not one each in
    order). Where two span texts could match, the longer wins. The Spans returned are
    positioned in `english`."""
    kinds: dict[str, str] = {}
    for span in spans:
        kinds.setdefault(span.text, span.kind)
    if not kinds:
        return []
    pattern = re.compile("|".join(re.escape(t) for t in sorted(kinds, key=len, reverse=True)))
    return [Span(m.start(), m.end(), m.group(), kinds[m.group()]) for m in pattern.finditer(english)]


def strip_restored(english: str, spans: Sequence[Span]) -> str:
    """The prose of a translation: `strip_spans` with the spans located by their text."""
    return strip_spans(english, locate_restored(english, spans))
