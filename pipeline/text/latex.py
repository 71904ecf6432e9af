"""Find the LaTeX spans of a paragraph, so they can be protected from the model.

A regex only proposes where a span may start (`$`, `$$`, `\\(`, `\\[`, `\\begin{...}`,
`\\$`); pylatexenc then reads exactly one node from there, in strict mode, with macro specs
for the macros this blog uses, and decides where it ends. A candidate that pylatexenc
cannot close, or inline `$...$` that swallows Chinese prose, is a stray `$`: it stays
literal text, protected on its own so the model cannot drop or "fix" it.
"""

from __future__ import annotations

import re

import regex
from pylatexenc import macrospec
from pylatexenc.latexwalker import (
    LatexEnvironmentNode,
    LatexMacroNode,
    LatexMathNode,
    LatexWalker,
    get_default_latex_context_db,
)

from pipeline.document import Span
from pipeline.text.han import CJK_PUNCTUATION_CLASS, HAN_CLASS

# pylatexenc does not know these macros; without specs it gives them no arguments.
_EXTRA_MACROS = [
    macrospec.MacroSpec("boldsymbol", "{"),
    macrospec.MacroSpec("style", "{{"),
    macrospec.MacroSpec("label", "{"),
    macrospec.MacroSpec("eqref", "{"),
    macrospec.MacroSpec("ref", "{"),
    macrospec.MacroSpec("text", "{"),
    macrospec.MacroSpec("mathop", "{"),
    macrospec.MacroSpec("operatorname", "*{"),
    macrospec.MacroSpec("color", "{"),
    macrospec.MacroSpec("tag", "*{"),
]


def _latex_context():
    db = get_default_latex_context_db()
    db.add_context_category("zh2en-blog-macros", macros=_EXTRA_MACROS, prepend=True)
    return db


_CONTEXT = _latex_context()

# Where a span may begin. Order matters: `\$` before `$`, `$$` before `$`.
_CANDIDATE = re.compile(r"\\\$|\$\$|\$|\\\(|\\\[|\\begin\{|\\[A-Za-z]+")
_ASCII_MACRO = re.compile(r"\\[A-Za-z]+")
# CJK prose inside inline math means the `$` pairing is wrong (prose, not a formula),
# unless the Chinese sits inside a text-like macro argument. CJK punctuation counts too, on
# purpose: `$` pairs that swallow a "，" or "。" enclose prose even where no Han is left. A few Han
# characters with no punctuation are the author's words inside a formula, as MathJax reads it
# (d2l: `$\mathbf{X}和\mathbf{W}$`).
_CJK_PUNCTUATION = regex.compile(f"[{CJK_PUNCTUATION_CLASS}]")
_HAN = regex.compile(f"[{HAN_CLASS}]")
MOST_HAN_IN_A_FORMULA = 6
LATE_CLOSE_CHARS = 80
_SENTENCE_END = re.compile("[。！？!?]")
_MATH_SIGNS = re.compile(r"\\[A-Za-z]|[\^_=]")   # a command, a script, an equation: math around the words
# `\[IOI2000\]`, `\[1\]`: markdown's escaped brackets around a name or a number, not display math.
_ESCAPED_BRACKETS_BODY = re.compile(r"\s*(?:[A-Za-z]*\d[A-Za-z\d]*)\s*")
# A TeX comment sign: pylatexenc reads a comment to the end of the line, MathJax's delimiter search
# does not - `\textbf{66.07%}` in a table cell would hide where the formula ends.
_COMMENT_SIGN = re.compile(r"(?<!\\)%")
_TEXT_ARG = re.compile(r"\\(?:text|mbox|mathrm|textbf|textit|operatorname|style|tag)\s*\{[^{}]*\}")

# The spans that are formulas a reader sees (a "macro" span is a lone command in prose).
FORMULA_SPAN_KINDS = ("inline", "display", "environment")

DISPLAY_ENVS = {
    "equation", "equation*", "align", "align*", "gather", "gather*", "multline",
    "multline*", "eqnarray", "eqnarray*", "flalign", "flalign*", "displaymath",
}


def _has_prose(math_body: str) -> bool:
    """Whether a `$…$` pair encloses prose (a stray `$` paired with the next one), not a formula."""
    plain = _TEXT_ARG.sub("", math_body)
    if _closed_late(plain):
        return False
    han = len(_HAN.findall(plain))
    return bool(_CJK_PUNCTUATION.search(plain)) or han > MOST_HAN_IN_A_FORMULA or (
        han > 0 and not _MATH_SIGNS.search(plain))


def _closed_late(plain: str) -> bool:
    """A formula its author closed a clause too late (`$||w||=1，那么两者相等$`): it opens with math
    - an equation, a script or a command before the first Chinese - and ends within the sentence.
    MathJax typesets it so, and so it is counted (the English layout puts its Chinese in `\\text{}`)."""
    first_han = _HAN.search(plain)
    return (first_han is not None and len(plain) <= LATE_CLOSE_CHARS and not _SENTENCE_END.search(plain)
            and _MATH_SIGNS.search(plain[:first_han.start()]) is not None)


def _not_math(token: str, body: str) -> bool:
    """`\\[…\\]` or `\\(…\\)` that markdown reads as escaped brackets around words (Chinese, a
    name with digits, a number): text, not a formula."""
    return token in ("\\[", "\\(") and (_has_prose(body) or bool(_HAN.search(body)) or
                                         (token == "\\[" and _ESCAPED_BRACKETS_BODY.fullmatch(body) is not None))


def _read_node(text: str, pos: int):
    text = _COMMENT_SIGN.sub(" ", text)   # same length: positions hold
    walker = LatexWalker(text, latex_context=_CONTEXT, tolerant_parsing=False)
    nodes, npos, nlen = walker.get_latex_nodes(pos=pos, read_max_nodes=1)
    return nodes[0] if nodes else None


def find_latex_spans(text: str) -> list[Span]:
    """All LaTeX spans in `text`, in order, non-overlapping."""
    spans: list[Span] = []
    pos = 0
    while (m := _CANDIDATE.search(text, pos)) is not None:
        start, token = m.start(), m.group()
        if token == "\\$":
            spans.append(Span(start, m.end(), token, "escaped-dollar"))
            pos = m.end()
            continue
        try:
            node = _read_node(text, start)
        except Exception:   # LatexWalkerError, RecursionError (nesting too deep), or pylatexenc's own
            # bugs on odd input (`\\verb` at the end of a text: IndexError in 2.11, found by fuzzing)
            node = None   # not a formula we can vouch for
        span = _span_from_node(text, start, token, node)
        if span is not None and span.kind in ("inline", "display") and _not_math(token, span.text[2:-2]):
            pos = m.end()   # escaped brackets: the words inside are prose
            continue
        if span is None:
            if token in ("$$", "\\[", "\\begin{"):
                spans.append(_unterminated(text, start))
                pos = spans[-1].end
            elif token == "$":
                # A `$` that opens no formula: keep it literal, protected by itself.
                spans.append(Span(start, start + 1, "$", "stray-dollar"))
                pos = start + 1
            else:
                pos = m.end()
            continue
        spans.append(span)
        pos = span.end
    return spans


def _span_from_node(text: str, start: int, token: str, node) -> Span | None:
    if node is None or node.pos != start:
        return None
    end = node.pos + node.len
    verbatim = text[start:end]
    if isinstance(node, LatexMathNode):
        if node.displaytype == "inline":
            body = verbatim[1:-1] if token == "$" else verbatim[2:-2]
            if token == "$" and (_has_prose(body) or not body.strip()):
                return None
            return Span(start, end, verbatim, "inline")
        return Span(start, end, verbatim, "display")
    if isinstance(node, LatexMacroNode):
        # pylatexenc reads letters of any script as the macro name (`\\cdot维度`);
        # a TeX macro name is ASCII letters only, and prose after it is not LaTeX.
        name_end = _ASCII_MACRO.match(text, start).end()
        if not node.macroname.isascii():
            return Span(start, name_end, text[start:name_end], "macro")
        return Span(start, end, verbatim, "macro")
    if isinstance(node, LatexEnvironmentNode):
        kind = "environment" if node.environmentname in DISPLAY_ENVS else "inline"
        return Span(start, end, verbatim, kind)
    return None


def _unterminated(text: str, start: int) -> Span:
    """An opened display formula that never closes (e.g. a page excerpt cut mid-formula):
    everything to the end of the paragraph is formula, kept verbatim and flagged."""
    return Span(start, len(text), text[start:], "unterminated")
