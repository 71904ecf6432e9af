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
# purpose: `$` pairs that swallow a "，" or "。" enclose prose even where no Han is left.
_CJK = regex.compile(f"[{HAN_CLASS}{CJK_PUNCTUATION_CLASS}]")
_TEXT_ARG = re.compile(r"\\(?:text|mbox|mathrm|textbf|textit|operatorname|style|tag)\s*\{[^{}]*\}")

# The spans that are formulas a reader sees (a "macro" span is a lone command in prose).
FORMULA_SPAN_KINDS = ("inline", "display", "environment")

DISPLAY_ENVS = {
    "equation", "equation*", "align", "align*", "gather", "gather*", "multline",
    "multline*", "eqnarray", "eqnarray*", "flalign", "flalign*", "displaymath",
}


def _has_prose(math_body: str) -> bool:
    return bool(_CJK.search(_TEXT_ARG.sub("", math_body)))


def _read_node(text: str, pos: int):
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
