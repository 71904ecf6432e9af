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
    `$$…$$` or `\\[…\\]` without the blank space at its ends (but a control space `\\ ` at its
    end stays one); a bare environment whole."""
    if span.kind == "environment":
        return span.text
    if span.kind != "display":
        return None
    body = span.text[2:-2].strip()
    backslashes = len(body) - len(body.rstrip("\\"))
    return body + " " if backslashes % 2 else body


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
    """`text` with each bare display environment and each `\\[…\\]` written between `$$`. A
    formula on a line of formulas only gets lines of its own (`$$`, the formula, `$$`; formulas
    that shared the line each on their own); one in a line of prose stays in it as `$$…$$`, a
    space between it and a formula that touches it. Formulas already between `$$` are kept as
    written; nothing outside formulas changes but the line breaks and spaces between them."""
    displays = [s for s in find_latex_spans(text) if s.kind in ("environment", "display")]
    if not any(_wrapped(s) for s in displays):
        return text
    alone = [_alone_on_line(text, s, displays) for s in displays]
    out, pos = [], 0
    for i, span in enumerate(displays):
        gap = text[pos:span.start]
        touching = i > 0 and not gap.strip() and "\n" not in gap
        if touching and alone[i]:
            gap = "\n"          # formulas that shared a line: one per line
        elif touching and not gap and (_wrapped(span) or _wrapped(displays[i - 1])):
            gap = " "           # `$$a$$$$b$$` would read as one formula
        out.append(gap)
        body = display_body(span)
        out.append(span.text if not _wrapped(span) else f"$$\n{body}\n$$" if alone[i] else f"$${body}$$")
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def _wrapped(span: Span) -> bool:
    """A display formula the output writes between `$$` (not already so)."""
    return span.kind == "environment" or (span.kind == "display" and span.text.startswith("\\["))


def _alone_on_line(text: str, span: Span, displays: list[Span]) -> bool:
    """Nothing but blank space and other display formulas shares `span`'s first and last lines."""
    start = text.rfind("\n", 0, span.start) + 1
    end = text.find("\n", span.end)
    end = len(text) if end < 0 else end
    rest, pos = [], start
    for other in displays:   # in order, not overlapping; `span` is one of them
        if start <= other.start and other.end <= end:
            rest.append(text[pos:other.start])
            pos = other.end
    rest.append(text[pos:end])
    return not "".join(rest).strip()
