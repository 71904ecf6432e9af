"""Cut a block into Segments: display formulas stand alone (never sent to the model), prose
is split at sentence ends into chunks within a size budget (the model drops sentences from
long inputs)."""

from __future__ import annotations

import re
from typing import Callable

from pipeline.text.markup import HTML_TAG
from pipeline.text.latex import find_latex_spans
from pipeline.document import DEFINITIONS, DISPLAY_MATH, HTML, PARAGRAPH, TABLE, TRANSLATED_KINDS, Article, Block, Segment, Span
from pipeline.text.links import unsafe_links, words_to_translate
from pipeline.text.protect import find_protected_spans
from pipeline.text.sentences import SEGMENT_CUT
from pipeline.text.spans import strip_spans

DEFAULT_MAX_CHARS = 160
# Where an over-long sentence may be cut, best first: after a comma, then at a space.
_SOFT_BREAKS = [re.compile(r"[，,、：:]+"), re.compile(r"\s+")]


def segment_article(article: Article, max_chars: int = DEFAULT_MAX_CHARS, context_chars: int = 0,
                    on_error: Callable[[Block, Exception], list[Segment]] | None = None) -> Article:
    """Each block cut into segments. With `on_error`, a block that cannot be cut (a bug met on
    odd input) gets the segments `on_error` gives it instead of stopping the article."""
    for block in article.all_blocks:
        try:
            block.segments = segment_block(block, max_chars)
        except Exception as exc:
            if on_error is None:
                raise
            block.segments = on_error(block, exc)
        for seg in block.segments:
            seg.flags += unsafe_markup_flags(seg)
    if context_chars:
        attach_context(article, context_chars)
    article.word_segments = reader_word_segments(article)
    return article


def reader_word_segments(article: Article) -> list[Segment]:
    """A segment for each distinct piece of Chinese a reader sees inside a link, an image or an
    HTML block (pipeline/text/links.py), to be translated like the prose."""
    words: list[str] = []
    for block in article.all_blocks:
        if block.kind in (HTML, DEFINITIONS):
            words += words_to_translate(block.source, block.kind)
        for seg in block.segments:
            for span in seg.spans:
                if span.kind in ("link", "image"):
                    words += words_to_translate(span.text, span.kind)
    return [Segment(source=w, spans=find_protected_spans(w)) for w in dict.fromkeys(words)]


def attach_context(article: Article, chars: int) -> None:
    """Each translated segment gets the end of the previous one's Chinese prose (formulas
    left out: their markers would be confused with the request's own)."""
    previous = ""
    for seg in article.segments:
        if not seg.translate:
            continue
        seg.context = previous
        prose = " ".join(strip_spans(seg.source, seg.spans).split())
        previous = prose[-chars:] if prose else previous


def unsafe_markup_flags(seg: Segment) -> list[str]:
    """A "formula" that holds an HTML tag is not LaTeX (render escapes it, so it is not
    byte-identical), and a link a browser would run is shown as text: say so."""
    flags = []
    if any(HTML_TAG.search(s.text) for s in seg.spans if s.kind not in ("markup", "code")):
        flags.append("a formula in the source holds an HTML tag: shown escaped, not as written")
    if unsafe_links(seg.source):
        flags.append("a link in the source is not to http, https, mailto or this site (javascript:, data:, …): "
                     "shown as text, not as a link")
    return flags


def segment_block(block: Block, max_chars: int = DEFAULT_MAX_CHARS) -> list[Segment]:
    if block.kind == TABLE:  # each cell translated on its own; render rebuilds the table
        per_cell = [segment_block(Block(PARAGRAPH, cell), max_chars) if cell.strip() else []
                    for row in block.cells for cell in row]
        block.cell_sizes = [len(segs) for segs in per_cell]
        return [seg for segs in per_cell for seg in segs]
    if block.kind not in TRANSLATED_KINDS:
        spans = find_latex_spans(block.source) if block.kind == DISPLAY_MATH else []
        return [Segment(source=block.source, translate=False, spans=spans)]
    segments: list[Segment] = []
    pos = 0
    prose_spans: list[Span] = []
    for span in find_protected_spans(block.source):
        if span.stands_alone:
            segments += _prose_segments(block.source, pos, span.start, prose_spans, max_chars)
            segments.append(Segment(source=span.text, translate=False, spans=[span.shifted(-span.start)]))
            if span.kind == "unterminated":
                segments[-1].flags.append("formula never closes: kept verbatim")
            pos, prose_spans = span.end, []
        else:
            prose_spans.append(span)
    segments += _prose_segments(block.source, pos, len(block.source), prose_spans, max_chars)
    return segments


# A work's title in 《》 is one name: cut inside it (at its ！ or ，), each half is translated
# out of context and the reader gets two fragments of a title.
_TITLE = re.compile(r"《[^《》\n]{1,80}》")


def _prose_segments(text: str, lo: int, hi: int, spans: list[Span], max_chars: int) -> list[Segment]:
    whole = sorted(spans + [Span(m.start(), m.end(), m.group(), "title") for m in _TITLE.finditer(text, lo, hi)
                            if not any(s.start < m.end() and m.start() < s.end for s in spans)],
                   key=lambda s: s.start)   # never cut inside these; only `spans` are protected
    pieces = [p for a, b in split_sentences(text, lo, hi, whole) for p in fit(text, a, b, whole, max_chars)]
    return [_make_segment(text, a, b, spans) for a, b in pack(pieces, max_chars)
            if text[a:b].strip()]


def split_sentences(text: str, lo: int, hi: int, spans: list[Span]) -> list[tuple[int, int]]:
    """Sentence (and clause) boundaries in text[lo:hi], never inside a protected span."""
    cuts = [lo]
    for m in SEGMENT_CUT.finditer(text, lo, hi):
        if not any(s.start < m.end() <= s.end - 1 or s.start <= m.start() < s.end for s in spans):
            cuts.append(m.end())
    if cuts[-1] != hi:
        cuts.append(hi)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def fit(text: str, a: int, b: int, spans: list[Span], max_chars: int, level: int = 0) -> list[tuple[int, int]]:
    """A sentence longer than `max_chars` cut at commas, then at spaces, then every
    `max_chars` characters - never inside a protected span (a formula is one piece, however
    long: the model sees it as one placeholder)."""
    if b - a <= max_chars:
        return [(a, b)]
    if level < len(_SOFT_BREAKS):
        cuts = [m.end() for m in _SOFT_BREAKS[level].finditer(text, a, b)
                if not any(s.start < m.end() < s.end for s in spans)]
        bounds = [a] + cuts + [b]
        return [p for x, y in zip(bounds, bounds[1:]) if y > x for p in fit(text, x, y, spans, max_chars, level + 1)]
    pieces, pos = [], a
    while b - pos > max_chars:
        cut = pos + max_chars
        for s in spans:
            if s.start < cut < s.end:
                cut = s.start if s.start > pos else s.end
        pieces.append((pos, cut))
        pos = cut
    return pieces + [(pos, b)] if b > pos else pieces


def pack(pieces: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Greedily join consecutive sentences while the chunk stays within `max_chars`."""
    chunks: list[tuple[int, int]] = []
    for a, b in pieces:
        if chunks and b - chunks[-1][0] <= max_chars:
            chunks[-1] = (chunks[-1][0], b)
        else:
            chunks.append((a, b))
    return chunks


def _make_segment(text: str, a: int, b: int, spans: list[Span]) -> Segment:
    # Keep the chunk's outer whitespace out of the segment, its spans in order, rebased to it.
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    inside = [s.shifted(-a) for s in spans if a <= s.start and s.end <= b]
    segment = Segment(source=text[a:b], spans=inside)
    if any(span.kind == "stray-dollar" for span in inside):
        segment.flags.append("unbalanced $ kept as text")
    return segment
