"""One number and one label per equation on a page. A display formula inside a paragraph is
written twice in the bilingual file - under the Chinese and under the English - so a `\\label`
would be defined twice (MathJax: "Label 'eq:loss' multiply defined"; KaTeX: red text) and a
numbered environment numbered twice. The English copy is the source's, byte for byte (the
conservation check holds it so); the Chinese copy is shown unnumbered and unlabelled - its
`\\eqref`s still point at the English copy's label, on the same page."""

from __future__ import annotations

import re

from pipeline.text.formula_text import closing_brace
from pipeline.text.latex import find_latex_spans
from pipeline.text.spans import rewrite

_LABEL_OR_TAG = re.compile(r"\\(?:label|tag\*?)\s*\{")
_NUMBERED_ENV = re.compile(r"\\(begin|end)\{(equation|align|gather|multline|flalign|alignat|eqnarray)\}")


def unnumbered(formula: str) -> str:
    """`formula` without its labels and tags (their braces matched, `\\tag{\\text{I}}` too), its
    numbered environments made starred."""
    out, pos = [], 0
    for m in _LABEL_OR_TAG.finditer(formula):
        if m.start() < pos:
            continue
        end = closing_brace(formula, m.end())
        if end is None:   # unbalanced: leave the rest as it is
            break
        out.append(formula[pos:m.start()])
        pos = end + 1
    formula = "".join(out) + formula[pos:]
    return _NUMBERED_ENV.sub(lambda m: f"\\{m.group(1)}{{{m.group(2)}*}}", formula)


def unnumbered_copy(text: str) -> str:
    """`text` (a Chinese-side chunk) with each display formula in it `unnumbered`."""
    spans = [s for s in find_latex_spans(text) if s.is_display]
    return rewrite(text, spans, span=lambda _, span: unnumbered(span.text)) if spans else text
