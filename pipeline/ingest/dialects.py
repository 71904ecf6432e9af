"""Markdown dialects that CommonMark misreads, found before markdown-it parses a document, so that
the prose inside them is translated and their markup is kept as written:

- MkDocs / Python-Markdown admonitions and content tabs (`!!! note "标题"`, `??? example`,
  `???+ tip`, `=== "C++"`): a marker line, then a body indented by four spaces. CommonMark reads
  the body as an indented code block, or as more lines of the paragraph above (OI-wiki).
- MyST / Sphinx admonitions (```` ```{note} ````, `:::{warning}`): a fence whose body is prose
  (mmengine, PaddlePaddle); CommonMark reads it as code. Other directives (```` ```{code-block} ````,
  ```` ```{eval-rst} ````) stay code.

The document is cut into regions, in order: markdown to parse (with the indentation to remove
from its lines), verbatim lines (a marker line without a title, a fence line, MyST option
lines), and titles (the quoted title of a marker line, translated like a heading)."""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKDOWN, VERBATIM, TITLE = "markdown", "verbatim", "title"

# `!!! note "标题"`, `???+ example`, `=== "C++"` at most 3 spaces in (relative to the region).
_MKDOCS_MARKER = re.compile(r"^(?P<marker> {0,3}(?:!!!|\?\?\?\+?|===)(?:[ \t]+[\w-]+)*)(?:[ \t]+(?P<title>\"[^\"]*\"))?[ \t]*$")
MYST_ADMONITIONS = frozenset("""admonition attention caution danger error hint important note seealso tip warning
todo versionadded versionchanged deprecated margin sidebar topic dropdown card tab-item tab-set grid-item-card
div""".split())
_MYST_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,}|:{3,})\{(?P<name>[\w-]+)\}(?P<rest>.*)$")
_MYST_OPTION = re.compile(r"^ {0,3}:[\w-]+:")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Region:
    kind: str        # MARKDOWN, VERBATIM or TITLE
    start: int       # lines [start, end) of the document
    end: int
    indent: int = 0  # MARKDOWN: columns removed from each of its lines (an admonition's body)
    marker: str = "" # TITLE: the marker line before the title, e.g. `??? example `


def regions(lines: list[str], indent: int = 0, start: int = 0, end: int | None = None) -> list[Region]:
    """The regions of lines[start:end], whose lines all begin with `indent` spaces of a
    containing admonition (blank lines aside)."""
    end = len(lines) if end is None else end
    out: list[Region] = []
    plain_from, i, fence = start, start, None
    while i < end:
        line = lines[i][indent:]
        if fence is not None:   # inside an ordinary code fence: nothing is a marker
            if re.match(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", line):
                fence = None
            i += 1
            continue
        mkdocs, myst = _MKDOCS_MARKER.match(line), _MYST_OPEN.match(line)
        if mkdocs:
            body_end = _indented_body_end(lines, i + 1, end, indent + 4)
            if body_end > i + 1:
                out += _markdown(plain_from, i, indent)
                out.append(_marker_region(mkdocs, i, indent))
                out += regions(lines, indent + 4, i + 1, body_end)
                plain_from = i = body_end
                continue
        elif myst and myst.group("name") in MYST_ADMONITIONS:
            close = _myst_close(lines, i + 1, end, indent, myst.group("fence"))
            out += _markdown(plain_from, i, indent)
            out.append(Region(VERBATIM, i, i + 1))
            body = i + 1
            while body < close and _MYST_OPTION.match(lines[body][indent:]):
                body += 1
            if body > i + 1:
                out.append(Region(VERBATIM, i + 1, body))
            out += regions(lines, indent, body, close)
            if close < end:
                out.append(Region(VERBATIM, close, close + 1))
            plain_from = i = min(close + 1, end)
            continue
        elif (m := _FENCE.match(line)) is not None:
            fence = m.group(1)
        i += 1
    return out + _markdown(plain_from, end, indent)


def _markdown(start: int, end: int, indent: int) -> list[Region]:
    return [Region(MARKDOWN, start, end, indent)] if end > start else []


def _marker_region(match: re.Match, line: int, indent: int) -> Region:
    if match.group("title") and match.group("title").strip('"'):
        return Region(TITLE, line, line + 1, indent, marker=match.group("marker") + " ")
    return Region(VERBATIM, line, line + 1)


def _indented_body_end(lines: list[str], start: int, end: int, indent: int) -> int:
    """The end of the body indented by `indent` spaces after a marker line (blank lines inside
    it belong to it, blank lines after it do not)."""
    last = start
    for i in range(start, end):
        line = lines[i]
        if not line.strip():
            continue
        if len(line) - len(line.lstrip(" ")) < indent and not line.startswith("\t"):
            break
        last = i + 1
    return last


def _myst_close(lines: list[str], start: int, end: int, indent: int, fence: str) -> int:
    """The line closing a MyST fence opened with `fence` (the end if it never closes)."""
    return next((i for i in range(start, end) if closes_fence(lines[i][indent:], fence)), end)


def admonition_fence(line: str) -> str | None:
    """The fence of a MyST admonition's opening line (```` ```{note} ```` -> ```` ``` ````), else None."""
    m = _MYST_OPEN.match(line)
    return m.group("fence") if m and m.group("name") in MYST_ADMONITIONS else None


def closes_fence(line: str, fence: str) -> bool:
    return re.match(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", line) is not None
