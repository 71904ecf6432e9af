"""A single markdown article -> Article, using markdown-it-py to find its structure.

Code blocks, display math and HTML blocks are kept verbatim; headings, paragraphs, list
items and quotes are translated, their markdown markers kept outside the model's reach.
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from pipeline.document import CODE, DEFINITIONS, DISPLAY_MATH, HEADING, HTML, LIST_ITEM, PARAGRAPH, TABLE, Article, Block
from pipeline.ingest.dialects import TITLE, VERBATIM, regions
from pipeline.ingest.front_matter import read_front_matter
from pipeline.text.links import REFERENCE_DEFINITION
from pipeline.text.latex import find_latex_spans

_PARSER = (
    MarkdownIt("commonmark")
    .use(front_matter_plugin)
    .use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
    .use(footnote_plugin)
    .enable("table")
)
_VERBATIM_TOKENS = {"fence", "code_block", "html_block", "hr"}
_MATH_TOKENS = {"math_block", "math_block_label"}


def parse_markdown_article(text: str, source: Path) -> Article:
    lines = text.split("\n")
    meta: dict = {}
    placed: list[tuple[int, Block]] = []   # (first line, block): blocks in the document's order
    dropped: list[tuple[int, int, str]] = []
    for region in regions(lines):
        if region.kind == VERBATIM:   # a directive's marker, fence or option lines: kept as written
            placed.append((region.start, Block(CODE, "\n".join(lines[region.start:region.end]))))
        elif region.kind == TITLE:    # an admonition's quoted title: translated after its marker
            line = lines[region.start][region.indent:]
            placed.append((region.start, Block(PARAGRAPH, line[len(region.marker):].strip(),
                                               prefix=" " * region.indent + region.marker)))
        else:
            body = [line[region.indent:] for line in lines[region.start:region.end]]
            placed += _parse_region(body, region.start, " " * region.indent, meta if region.start == 0 else None,
                                    dropped)
    blocks = [block for _, block in sorted(placed, key=lambda pair: pair[0])]
    title = meta.get("title")
    if blocks and blocks[0].kind == HEADING and blocks[0].level == 1 and title in (None, blocks[0].source):
        title = blocks.pop(0).source  # the title heading (repeated from the front matter or not)
    article = Article(title=str(title) if title else None, date=_str_or_none(meta.get("date")),
                      author=_str_or_none(meta.get("author")), source=source, index=1, blocks=blocks,
                      dropped=dropped)
    if article.title:
        article.title_block = Block(HEADING, article.title, level=1)
    return article


def _parse_region(lines: list[str], first_line: int, indent: str, meta: dict | None,
                  dropped: list) -> list[tuple[int, Block]]:
    """The blocks of one markdown region (its lines without the admonition's indentation
    `indent`), each with the document line it starts on. Lines markdown-it shows as nothing
    (link reference definitions) are kept as written."""
    tokens = _PARSER.parse("\n".join(lines))
    placed: list[tuple[int, Block]] = []
    covered: set[int] = set()
    containers: list[list] = []  # open list items [kind, marker, fresh] / quotes [kind], innermost last
    list_markers: list[str] = []
    footnote = ""
    for k, tok in enumerate(tokens):
        if tok.map:
            covered.update(range(*tok.map))
        at = first_line + (tok.map[0] if tok.map else len(lines))

        def add(block: Block) -> None:
            block.prefix = indent + block.prefix
            placed.append((at, block))

        if tok.type == "front_matter":
            covered.update(range(*tok.map))
            if meta is not None:
                meta.update(read_front_matter(tok.content))
                dropped.append((0, len("\n".join(lines[:tok.map[1]])), "front matter (title, date, author kept)"))
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            list_markers.append(tok.markup or "-")
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_markers.pop()
        elif tok.type == "list_item_open":
            marker = list_markers[-1] if list_markers else "-"
            containers.append(["list_item_open", "1. " if marker in (".", ")") else f"{marker} ", True])
        elif tok.type == "footnote_open":   # its paragraphs follow `[^label]: `
            footnote = f"[^{tok.meta['label']}]: "
            containers.append(["footnote", footnote, True])
        elif tok.type == "blockquote_open":
            containers.append(["blockquote_open"])
        elif tok.type in ("list_item_close", "blockquote_close", "footnote_close"):
            containers.pop()
        elif tok.type == "heading_open":
            add(Block(HEADING, tokens[k + 1].content, level=int(tok.tag[1:])))
        elif tok.type == "paragraph_open":
            text = tokens[k + 1].content
            kind = DISPLAY_MATH if _one_display_formula(text) else \
                LIST_ITEM if any(c[0] == "list_item_open" for c in containers) else PARAGRAPH
            add(Block(kind, text, prefix=_prefix(containers)))
        elif tok.type == "table_open" and tok.map:
            cells, align = _table_cells(tokens, k)
            add(Block(TABLE, _verbatim_source(tok, lines, containers), prefix=_prefix(containers),
                      cells=cells, align=align))
        elif tok.type in _MATH_TOKENS:
            add(Block(DISPLAY_MATH, _display_math_source(tok), prefix=_prefix(containers)))
        elif tok.type in _VERBATIM_TOKENS and tok.map:
            kind = HTML if tok.type == "html_block" else CODE
            add(Block(kind, _verbatim_source(tok, lines, containers), prefix=_prefix(containers)))
    for start, end in _uncovered(lines, covered):
        for at, block in _uncovered_blocks(lines, start, end):
            block.prefix = indent + block.prefix
            placed.append((first_line + at, block))
    return placed


# A footnote defined in one region (an admonition's body, the page around it) and cited only in
# another: markdown-it drops definitions its parse saw no citation of, so they come back here.
_FOOTNOTE_DEFINITION = re.compile(r"^\[\^(?P<label>[^\]\s]+)\]:[ \t]*(?P<text>.*)$")


def _uncovered_blocks(lines: list[str], start: int, end: int) -> list[tuple[int, Block]]:
    """A run of lines no token covers: footnote definitions are paragraphs to translate (their
    continuation lines with them); anything else is kept as written - link reference definitions
    as such, the rest as code."""
    pieces: list[list[int]] = []
    for i in range(start, end):
        if _FOOTNOTE_DEFINITION.match(lines[i]) or not pieces:
            pieces.append([i, i + 1])
        else:
            pieces[-1][1] = i + 1
    blocks = []
    for first, last in pieces:
        footnote = _FOOTNOTE_DEFINITION.match(lines[first])
        if footnote:
            text = "\n".join([footnote["text"]] + [line.strip() for line in lines[first + 1:last]])
            blocks.append((first, Block(PARAGRAPH, text, prefix=f"[^{footnote['label']}]: ")))
        else:
            text = "\n".join(lines[first:last])
            kind = DEFINITIONS if all(REFERENCE_DEFINITION.match(line) for line in lines[first:last]) else CODE
            blocks.append((first, Block(kind, text)))
    return blocks


def _one_display_formula(text: str) -> bool:
    """A paragraph that is one display formula (`\\begin{equation}…`, `$$…$$` with text glued
    to neither side): shown once, not as the original and its translation. Read as GitHub
    reads it - markdown has no environment blocks, so a bare `\\begin{align}` stays in its
    paragraph, quote or list item."""
    spans = find_latex_spans(text)
    return len(spans) == 1 and spans[0].is_display and spans[0].text == text.strip()


def _uncovered(lines: list[str], covered: set[int]) -> list[tuple[int, int]]:
    """Runs of non-blank lines no block covers (link reference definitions, `[r]: url`)."""
    runs, start = [], None
    for i, line in enumerate(lines + [""]):
        if line.strip() and i not in covered:
            start = i if start is None else start
        elif start is not None:
            runs.append((start, i))
            start = None
    return runs


def _table_cells(tokens, start: int) -> tuple[list[list[str]], list[str]]:
    """The cells' inline text row by row, and the columns' alignment, of the table at `start`."""
    rows: list[list[str]] = []
    align: list[str] = []
    for tok in tokens[start + 1:]:
        if tok.type == "table_close":
            break
        if tok.type == "tr_open":
            rows.append([])
        elif tok.type == "th_open":
            align.append((tok.attrGet("style") or "").removeprefix("text-align:"))
        elif tok.type == "inline" and rows:
            rows[-1].append(tok.content)
    return rows, align


def _display_math_source(tok) -> str:
    """A `$$` block as written, from the token's content: without the container's `>` or
    indentation (render puts those back)."""
    label = f" ({tok.info})" if tok.type == "math_block_label" else ""
    return f"{tok.markup}{tok.content}{tok.markup}{label}"


def _prefix(containers: list[list]) -> str:
    """What puts a block back in its list items and quotes, on its first line: `> ` per quote;
    per list item its marker if this is the item's first block, else the marker's width in
    spaces (the block continues the item). Taking it marks the items as begun."""
    prefix = ""
    for c in containers:
        if c[0] == "blockquote_open":
            prefix += "> "
        else:
            prefix += c[1] if c[2] else " " * len(c[1])
            c[2] = False
    return prefix


def _verbatim_source(tok, lines: list[str], containers: list[list]) -> str:
    """A code, HTML or table block as written. Inside a list item or quote, without the
    container's `>` and indentation (render puts the block's own prefix back): from the token's
    content where it has one, so the container's markers are not written twice."""
    raw = "\n".join(lines[tok.map[0]:tok.map[1]]).rstrip()
    if not containers or tok.type == "table_open":
        return raw if not containers else _strip_container(raw, tok.map, lines)
    if tok.type == "fence":
        closed = tok.map[1] - tok.map[0] > 1 and lines[tok.map[1] - 1].strip(" \t>").startswith(tok.markup)
        return f"{tok.markup}{tok.info}\n{tok.content}{tok.markup if closed else ''}".rstrip("\n")
    if tok.type == "code_block":
        return "\n".join(f"    {line}" if line else line for line in tok.content.rstrip("\n").split("\n"))
    if tok.type == "hr":
        return tok.markup
    return tok.content.rstrip("\n")


def _strip_container(raw: str, span, lines) -> str:
    """A table's lines without the quote markers or list indentation before them (the table's
    rows start where its first line's `|` or text starts)."""
    first = lines[span[0]]
    cut = len(first) - len(first.lstrip(" \t>"))
    return "\n".join(line[cut:] if line[:cut].strip(" \t>") == "" else line.lstrip(" \t>")
                     for line in raw.split("\n"))


def _str_or_none(value) -> str | None:
    return None if value is None else str(value)
