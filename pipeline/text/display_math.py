"""How a display formula is written in the output markdown, and how it is compared with the source.

Sources write display math three ways: `$$…$$`, `\\[…\\]`, or a bare `\\begin{equation}…\\end{equation}`
(kexue.fm's pages are typeset by MathJax, which finds all three in the text). GitHub-style
markdown typesets only dollar-delimited math: `\\[` is an escaped bracket there, and a bare
environment is text whose `\\\\` and `_…_` the markdown parser eats. So the output writes every
display formula between `$$` - on lines of their own when the formula has its own lines - and
keeps its body byte-identical. The conservation check compares display formulas by that body
(`formula_key`): the delimiters are markup, the formula is what is inside them.
"""

from __future__ import annotations

from pipeline.document import Span
from pipeline.text.latex import find_latex_spans
from pipeline.text.spans import rewrite

def display_body(span: Span) -> str | None:
    """What is inside a display formula's delimiters (None for any other span): the body of
    `$$…$$` or `\\[…\\]` stripped of the blank space at its ends; a bare environment whole."""
    if span.kind == "environment":
        return span.text
    if span.kind == "display":
        return span.text[2:-2].strip()
    return None


def formula_key(text: str, kind: str) -> str:
    """A formula (its text and span kind) as the conservation check counts it: a display formula
    by its body (a `$$` holding exactly one display environment is that environment), any other
    by its text."""
    body = display_body(Span(0, len(text), text, kind))
    if body is None:
        return text
    if kind == "display":
        inner = find_latex_spans(body)
        if len(inner) == 1 and inner[0].kind == "environment" and inner[0].text == body:
            return body
        return f"$${body}$$"
    return body


def dollar_delimited(text: str) -> str:
    """`text` with each bare display environment and each `\\[…\\]` written between `$$`: on
    lines of their own (`$$`, the formula, `$$`) where the formula starts and ends a line, else
    `$$…$$` in the line. Formulas already between `$$`, and everything outside formulas, unchanged."""
    spans = [s for s in find_latex_spans(text)
             if s.kind == "environment" or (s.kind == "display" and s.text.startswith("\\["))]
    if not spans:
        return text

    def write(_: int, span: Span) -> str:
        body = display_body(span)
        own_lines = (span.start == 0 or text[span.start - 1] == "\n") and \
            (span.end == len(text) or text[span.end] == "\n")
        return f"$$\n{body}\n$$" if own_lines else f"$${body}$$"

    return rewrite(text, spans, span=write)
