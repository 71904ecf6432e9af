"""The chunks of a written bilingual file (each after its `<!-- zh -->`, `<!-- en -->`,
`<!-- both -->` or `<!-- note -->` line), and the map of its English chunks that qa.json keeps
for `zh2en learn` (pipeline/learn.py) and the site's margin markers (pipeline/output/site.py)."""

from __future__ import annotations

import re

from pipeline.document import CAPTION, HEADING, LIST_ITEM, PARAGRAPH, Article
from pipeline.output.render import EN_MARK, render_block, split_front_matter


def english_chunks(article: Article, document: str) -> list[dict]:
    """For `zh2en learn`: every English chunk of the bilingual `document` (the text after each
    `<!-- en -->` line), in order, with the Chinese chunk beside it (`zh`: how an edited file's
    chunk is found again, wherever it was moved), its block's kind and markdown prefix, the
    passages it shows (their `index` in qa.json's segments_detail; none for a table, HTML or link
    definitions, which are not learned) and the display formulas shown between them (`shown`).
    [] if the chunks cannot be told apart."""
    index = {id(seg): i for i, seg in enumerate(article.segments, 1)}
    owners = ([article.title_block] if article.title_block else []) + \
        [block for block in article.blocks if EN_MARK in render_block(block, article.reader_words)]
    sides = chunks_of(split_front_matter(document)[1])
    shown = [(k, text) for k, (side, text) in enumerate(sides) if side == "en"]
    if len(shown) != len(owners):
        return []
    return [{"zh": partner_of(sides, k), "kind": block.kind, "prefix": block.prefix,
             "passages": [index[id(seg)] for seg in block.segments if seg.translate]
             if block.kind in (PARAGRAPH, LIST_ITEM, HEADING, CAPTION) else [],
             "shown": [seg.source for seg in block.segments if not seg.translate], "en": text}
            for block, (k, text) in zip(owners, shown)]


def partner_of(sides: list[tuple[str, str]], k: int) -> str | None:
    """The Chinese chunk of the English chunk at `k`: just before it (a paragraph), or just after
    it (a heading shows its English first)."""
    for j in (k - 1, k + 1):
        if 0 <= j < len(sides) and sides[j][0] == "zh":
            return sides[j][1]
    return None


def chunks_of(body: str) -> list[tuple[str, str]]:
    """(side, text) of each marked chunk of a bilingual file's body, in order."""
    chunks, side, current = [], None, []
    for line in body.splitlines():
        mark = _MARK.match(line.strip())
        if mark:
            if side is not None:
                chunks.append((side, "\n".join(current).strip()))
            side, current = mark.group(1), []
        elif side is not None:
            current.append(line)
    if side is not None:
        chunks.append((side, "\n".join(current).strip()))
    return chunks


_MARK = re.compile(r"^<!-- (zh|en|both|note) -->$")


def english_chunks_of(body: str) -> list[str]:
    """The text after each `<!-- en -->` line of a bilingual file's body, up to the next marker."""
    return [text for side, text in chunks_of(body) if side == "en"]
