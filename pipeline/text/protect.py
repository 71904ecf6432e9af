"""Replace protected spans with numbered placeholders, and put them back.

Placeholders are what the model copies through; docs/design.md measured `{v1}` as reliable on
both packaged models, `[[1]]` as the best second style for a retry.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipeline.text.latex import find_latex_spans
from pipeline.text.links import LINK, link_kind
from pipeline.document import Span
from pipeline.text.spans import rewrite


@dataclass(frozen=True)
class PlaceholderStyle:
    name: str
    template: str       # with {n}
    pattern: re.Pattern  # finds any placeholder of this style, group 1 = number

    def make(self, n: int) -> str:
        return self.template.format(n=n)


STYLES = {
    "brace": PlaceholderStyle("brace", "{{v{n}}}", re.compile(r"\{\s*v\s*(\d+)\s*\}")),
    "bracket": PlaceholderStyle("bracket", "[[{n}]]", re.compile(r"\[\[\s*(\d+)\s*\]\]")),
}
DEFAULT_STYLE = STYLES["brace"]
RETRY_STYLE = STYLES["bracket"]

# A code span (CommonMark: a run of backticks closed by a run of the same length): found first,
# since nothing inside code is markup or math (`\n` is not a command, `<x>` not a tag).
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)[^\n]*?[^`\n][^\n]*?(?<!`)\1(?!`)")
# A role of Sphinx/MyST or d2l: `:numref:`sec_x``, `{eq}`x`` - markup, never prose.
_ROLE = re.compile(r"(?<![`\w/\\{])(?::[A-Za-z][\w-]*:|\{[A-Za-z][\w-]*\})" + CODE_SPAN.pattern.replace("(`+)", "(?P<r>`+)")
                   .replace("\\1", "(?P=r)"))

AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^>\s]+>|<[\w.+-]+@[\w-]+(?:\.[\w-]+)+>")

# Non-LaTeX pieces of markdown prose that must reach the output unchanged.
_MARKDOWN_INLINE = re.compile(
    r"!\[[^\]\n]*\]\([^)\s]+[^)]*\)"  # an image LINK does not read, whole
    r"|(?<=\])\([^)\s]+[^)]*\)"  # the (url) of a link LINK does not read; its text is translated
    r"|<(?:https?://|mailto:)[^>\s]+>|<[\w.+-]+@[\w-]+(?:\.[\w-]+)+>"  # autolink (web, e-mail)
    r"|https?://[^\s)<>，。]+"   # bare URL
    r"|</?[A-Za-z][^<>]*>"       # inline HTML tag
    r"|(?<![\w@])@[^\s,，。:：;；!！?？)）]+"  # an @handle: a name, kept as written
)


def find_protected_spans(text: str) -> list[Span]:
    """Every span of `text` the model must not see, in order: code spans and roles first, then
    LaTeX outside them, then links and images whole (formulas and code inside a link's text are
    part of the link: its words are translated on their own, pipeline/text/links.py), then the
    other markdown pieces."""
    found = [Span(m.start(), m.end(), m.group(), "markup") for m in _ROLE.finditer(text)]
    found += [Span(m.start(), m.end(), m.group(), "code") for m in CODE_SPAN.finditer(text)
              if not _overlaps(m, found)]
    found += [s for s in find_latex_spans(_blanked(text, found)) if not _overlaps(s, found)]
    for m in LINK.finditer(text):
        inside = [s for s in found if s.start < m.end() and m.start() < s.end]
        if all(m.start("text") <= s.start and s.end <= m.end("text") for s in inside):
            found = [s for s in found if s not in inside] + [Span(m.start(), m.end(), m.group(), link_kind(m))]
    for m in _MARKDOWN_INLINE.finditer(text):
        if not _overlaps(m, found):
            kind = "name" if m.group().startswith("@") else "autolink" if AUTOLINK.fullmatch(m.group()) else "markup"
            found.append(Span(m.start(), m.end(), m.group(), kind))
    return sorted(found, key=lambda s: (s.start, s.end))


def _overlaps(piece, spans: list[Span]) -> bool:
    start, end = (piece.start(), piece.end()) if isinstance(piece, re.Match) else (piece.start, piece.end)
    return any(s.start < end and start < s.end for s in spans)


def _blanked(text: str, spans: list[Span]) -> str:
    """`text` with each span's characters replaced by spaces (positions kept), so the LaTeX
    finder does not read into code."""
    for s in spans:
        text = text[:s.start] + " " * (s.end - s.start) + text[s.end:]
    return text


def protect(text: str, spans: list[Span], style: PlaceholderStyle = DEFAULT_STYLE) -> str:
    """`text` with each span (in order, at its position) replaced by its placeholder,
    numbered from 1."""
    return rewrite(text, spans, span=lambda n, span: style.make(n))


def placeholder_problems(translated: str, n_spans: int, style: PlaceholderStyle) -> list[str]:
    """What is wrong with the placeholders of a translation; empty when each is there once."""
    counts = Counter(int(m.group(1)) for m in style.pattern.finditer(translated))
    problems = []
    for n in range(1, n_spans + 1):
        if counts[n] == 0:
            problems.append(f"missing {style.make(n)}")
        elif counts[n] > 1:
            problems.append(f"{style.make(n)} appears {counts[n]} times")
    for n in sorted(set(counts) - set(range(1, n_spans + 1))):
        problems.append(f"unknown {style.make(n)}")
    return problems


def restore(translated: str, spans: list[Span], style: PlaceholderStyle = DEFAULT_STYLE) -> str:
    """Put each span back in place of its placeholder (byte-identical)."""
    def put_back(m: re.Match) -> str:
        n = int(m.group(1))
        return spans[n - 1].text if 1 <= n <= len(spans) else m.group()

    return style.pattern.sub(put_back, translated)
