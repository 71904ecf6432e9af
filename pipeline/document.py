"""The one data model every stage shares: an Article of Blocks, each cut into Segments.

Stages fill in fields (protected text, translation, flags); none re-parses the source.
"""

from __future__ import annotations

import math

from dataclasses import dataclass, field, replace
from pathlib import Path

# Block kinds. Only `translate` kinds go to the model; the others are kept verbatim.
PARAGRAPH = "paragraph"
HEADING = "heading"
CAPTION = "caption"
LIST_ITEM = "list_item"
CODE = "code"            # fenced or indented code: never translated
DISPLAY_MATH = "display_math"  # a display formula standing alone: never translated
HTML = "html"            # raw HTML: kept, but escaped so it cannot run when rendered
DEFINITIONS = "definitions"  # link reference definitions ([r]: url "title"): kept, titles translated
TABLE = "table"          # a markdown table: kept as written (formulas too), HTML in it escaped

TRANSLATED_KINDS = {PARAGRAPH, HEADING, CAPTION, LIST_ITEM, TABLE}


# Span kinds. LaTeX (pipeline/text/latex.py): inline, display, environment, macro, escaped-dollar,
# stray-dollar, unterminated; markdown (pipeline/text/protect.py): code, markup, name.
DISPLAY_SPAN_KINDS = frozenset({"display", "environment"})
# What segmenting cuts out as a segment of its own, never sent to the model: display formulas
# and a display formula that never closes.
STANDALONE_SPAN_KINDS = DISPLAY_SPAN_KINDS | {"unterminated"}


@dataclass(frozen=True)
class Span:
    """A piece of text the model must not touch (formula, code, URL, ...): `text` is
    exactly text[start:end] of the text it was found in (a segment's spans: its source)."""

    start: int
    end: int
    text: str
    kind: str

    @property
    def is_display(self) -> bool:
        """A display formula ($$...$$, \\[...\\], a display environment). ingest relies on
        this meaning: a paragraph that is one display formula becomes a DISPLAY_MATH block,
        one that never closes stays a paragraph (segmenting flags it)."""
        return self.kind in DISPLAY_SPAN_KINDS

    @property
    def stands_alone(self) -> bool:
        """Cut out of its paragraph as a segment of its own (display or unterminated)."""
        return self.kind in STANDALONE_SPAN_KINDS

    def shifted(self, offset: int) -> "Span":
        """The same span in a text that starts `offset` characters later (a piece cut out at
        `-offset`)."""
        return replace(self, start=self.start + offset, end=self.end + offset)


@dataclass(frozen=True)
class Confidence:
    """How sure the model was of an answer: the mean and the lowest probability it gave the
    tokens it generated (cf. BoostedProb, EMNLP 2025), and its surprise: the sum of -ln p over
    the tokens it gave less than an even chance (several doubtful words add up where the lowest
    sees one; None when not known, e.g. an answer stored before it was measured)."""

    mean: float
    minimum: float
    surprise: float | None = None

    @classmethod
    def of(cls, probabilities: list[float]) -> "Confidence | None":
        if not probabilities:
            return None
        surprise = sum(-math.log(max(p, 1e-9)) for p in probabilities if p < 0.5)
        return cls(round(sum(probabilities) / len(probabilities), 4), round(min(probabilities), 4), round(surprise, 3))


@dataclass
class Segment:
    """The unit sent to the model: part of one block, within the token budget."""

    source: str                      # Chinese text, spans in place
    translate: bool = True           # False: a display formula or code kept verbatim
    spans: list[Span] = field(default_factory=list)   # in order, positions within `source`
    translation: str | None = None   # English with spans restored
    flags: list[str] = field(default_factory=list)   # why this segment needs a look
    notes: list[str] = field(default_factory=list)   # what was done to get it right
    attempts: int = 0
    terms: tuple[tuple[str, str], ...] = ()  # (zh, en) of the article's terms in it (pipeline/terms.py)
    # (zh, en) of its recurring nouns looked up once (pipeline/recurring_terms.py): asked for, so
    # the article renders them one way, but not required (no retry, no flag).
    suggested_terms: tuple[tuple[str, str], ...] = ()
    qa: list = field(default_factory=list)   # CheckResults of the finished translation
    from_memory: bool = False                # served by the translation memory, no model call
    reviewed: bool = False                   # a reviewer's English (zh2en learn): not the model's, not checked
    requests: int = 0                        # model requests spent on it (the run's count)
    glossary_retries: int = 0                # of which asked again for missing terms
    context: str = ""                        # the previous segment's Chinese, if context is on
    confidence: Confidence | None = None     # of the answer kept, where the model can say
    # Set when an internal error kept the original as its text (pipeline/store/error_log.py):
    # where it happened and what it was.
    internal_error: str = ""

    @property
    def output(self) -> str:
        return self.source if not self.translate else (self.translation or "")


@dataclass
class Block:
    kind: str
    source: str
    segments: list[Segment] = field(default_factory=list)
    prefix: str = ""   # markdown marker kept verbatim, e.g. "- " or "1. "
    level: int = 0     # heading level
    # A table: its cells' text row by row (header first), column alignments, and how many of
    # `segments` each cell has (row-major), so the English table can be put back together.
    cells: list[list[str]] = field(default_factory=list)
    align: list[str] = field(default_factory=list)
    cell_sizes: list[int] = field(default_factory=list)

    @property
    def translation(self) -> str:
        return join_segments(self.segments)

    @property
    def flags(self) -> list[str]:
        return [f for seg in self.segments for f in seg.flags]


@dataclass
class Article:
    title: str | None
    date: str | None
    author: str | None
    source: Path
    index: int                      # position of the article in its source file (1-based)
    blocks: list[Block] = field(default_factory=list)
    title_block: Block | None = None
    notices: list[str] = field(default_factory=list)  # ingest-time remarks (encoding, no Chinese)
    excerpt: bool = False           # a listing-page excerpt, not the whole article
    summary: str | None = None      # English summary of the article
    summary_flags: list[str] = field(default_factory=list)
    summary_check: dict = field(default_factory=dict)   # how the summary was made and held to the article
    # The article's stretch of the decoded source file, verbatim, and the parts of it ingest
    # left out on purpose (start, end, reason; offsets into source_text): what the
    # conservation check (pipeline/output/conservation.py) holds the output to.
    source_text: str = ""
    dropped: list[tuple[int, int, str]] = field(default_factory=list)
    conservation: list[str] = field(default_factory=list)  # what the output lost or gained
    # The English the author gave for terms, 梯度裁剪(Gradient Clipping): zh -> glossary Term
    # (pipeline/terms.py), used for every segment of the article.
    author_terms: dict = field(default_factory=dict)
    # Recurring nouns outside the glossary -> the English looked up for them (pipeline/recurring_terms.py).
    looked_up_terms: dict = field(default_factory=dict)
    # Chinese inside the formulas' text commands -> its English, for the English-only layout
    # (pipeline/translate/formula_words.py); and what stayed Chinese.
    formula_words: dict = field(default_factory=dict)
    formula_words_kept: list = field(default_factory=list)
    # The words a reader sees in links, images and HTML blocks (a link's text, alt text, titles),
    # each distinct one a segment of its own, translated with the others (pipeline/text/links.py);
    # and, once translated, their English.
    word_segments: list[Segment] = field(default_factory=list)
    reader_words: dict = field(default_factory=dict)

    @property
    def title_en(self) -> str | None:
        return self.title_block.translation if self.title_block else None

    @property
    def all_blocks(self) -> list[Block]:
        return ([self.title_block] if self.title_block else []) + self.blocks

    @property
    def segments(self) -> list[Segment]:
        return [seg for block in self.all_blocks for seg in block.segments]

    @property
    def flags(self) -> list[str]:
        return [f for block in self.all_blocks for f in block.flags] + self.conservation

    @property
    def label(self) -> str:
        return f"{self.source.name}#{self.index}" + (f" ({self.title})" if self.title else "")


def join_segments(segments: list[Segment], display_gap: str = "\n", prose_gap: str = " ",
                  original: bool = False) -> str:
    """Reassemble a block: prose pieces joined by a space, display formulas on lines of
    their own (`display_gap` is what separates them from the prose around them)."""
    out, prev_display = "", False
    for seg in segments:
        text = (seg.source if original else seg.output).strip()
        if not text:
            continue
        display = not seg.translate
        if out:
            out += display_gap if (display or prev_display) else prose_gap
        out += text
        prev_display = display
    return out
