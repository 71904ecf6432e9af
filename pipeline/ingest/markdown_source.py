"""A single markdown article -> Article, using markdown-it-py to find its structure.

Code blocks, display math and HTML blocks are kept verbatim; headings, paragraphs, list
items and quotes are translated, their markdown markers kept outside the model's reach.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from pipeline.document import CODE, DISPLAY_MATH, HEADING, HTML, LIST_ITEM, PARAGRAPH, TABLE, Article, Block

_PARSER = (
    MarkdownIt("commonmark")
    .use(front_matter_plugin)
    .use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
    .use(amsmath_plugin)
    .enable("table")
)
_VERBATIM_TOKENS = {"fence", "code_block", "html_block", "hr"}
_MATH_TOKENS = {"math_block", "math_block_label", "amsmath"}


def parse_markdown_article(text: str, source: Path) -> Article:
    lines = text.split("\n")
    tokens = _PARSER.parse(text)
    meta: dict = {}
    blocks: list[Block] = []
    dropped: list[tuple[int, int, str]] = []
    containers: list[list] = []  # open list items [kind, marker, fresh] / quotes [kind], innermost last
    list_markers: list[str] = []
    for k, tok in enumerate(tokens):
        if tok.type == "front_matter":
            loaded = yaml.safe_load(tok.content) or {}
            meta = loaded if isinstance(loaded, dict) else {}
            dropped.append((0, len("\n".join(lines[:tok.map[1]])), "front matter (title, date, author kept)"))
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            list_markers.append(tok.markup or "-")
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            list_markers.pop()
        elif tok.type == "list_item_open":
            marker = list_markers[-1] if list_markers else "-"
            containers.append(["list_item_open", "1. " if marker in (".", ")") else f"{marker} ", True])
        elif tok.type == "blockquote_open":
            containers.append(["blockquote_open"])
        elif tok.type in ("list_item_close", "blockquote_close"):
            containers.pop()
        elif tok.type == "heading_open":
            inline = tokens[k + 1]
            blocks.append(Block(HEADING, inline.content, level=int(tok.tag[1:])))
        elif tok.type == "paragraph_open":
            inline = tokens[k + 1]
            kind = LIST_ITEM if any(c[0] == "list_item_open" for c in containers) else PARAGRAPH
            blocks.append(Block(kind, inline.content, prefix=_prefix(containers)))
        elif tok.type == "table_open" and tok.map:
            cells, align = _table_cells(tokens, k)
            blocks.append(Block(TABLE, _verbatim_source(tok, lines, containers),
                                prefix=_prefix(containers), cells=cells, align=align))
        elif tok.type in _MATH_TOKENS:
            blocks.append(Block(DISPLAY_MATH, _display_math_source(tok), prefix=_prefix(containers)))
        elif tok.type in _VERBATIM_TOKENS and tok.map:
            kind = HTML if tok.type == "html_block" else CODE
            blocks.append(Block(kind, _verbatim_source(tok, lines, containers), prefix=_prefix(containers)))
    title = meta.get("title")
    if blocks and blocks[0].kind == HEADING and blocks[0].level == 1 and title in (None, blocks[0].source):
        title = blocks.pop(0).source  # the title heading (repeated from the front matter or not)
    article = Article(title=str(title) if title else None, date=_str_or_none(meta.get("date")),
                      author=_str_or_none(meta.get("author")), source=source, index=1, blocks=blocks,
                      dropped=dropped)
    if article.title:
        article.title_block = Block(HEADING, article.title, level=1)
    return article


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
    """A display formula as written, from the token's content - not from its line map, which
    for an environment between two lines of a paragraph ends one line short (it lost the
    formula's last line, or all of a one-line one). The content holds the formula without the
    container's `>` or indentation; render puts those back."""
    if tok.type == "amsmath":
        return tok.content.strip("\n")
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
