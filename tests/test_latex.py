"""LaTeX span finding (pylatexenc) and placeholder protect/restore."""

from collections import Counter

import pytest
from pylatexenc.latexwalker import LatexMacroNode, LatexWalker

from pipeline.text.latex import _CONTEXT, find_latex_spans
from pipeline.document import Span
from pipeline.text.protect import STYLES, placeholder_problems, protect, restore
from pipeline.text.segmenting import segment_article


def kinds_and_texts(text):
    return [(s.kind, s.text) for s in find_latex_spans(text)]


def test_every_seed_span_round_trips(seed_articles):
    total = Counter()
    for article in seed_articles:
        segment_article(article)
        for seg in article.segments:
            for span in seg.spans:
                total[span.kind] += 1
            if not seg.translate:
                continue
            for style in STYLES.values():
                protected = protect(seg.source, seg.spans, style)
                for span in seg.spans:
                    assert span.text not in protected or span.text in ("$",), (article.label, span.text)
                assert placeholder_problems(protected, len(seg.spans), style) == []
                assert restore(protected, seg.spans, style) == seg.source
    # ~100 formulas in the seeds (docs/design.md); every one is found as a whole formula
    assert total["inline"] + total["display"] + total["environment"] >= 100
    assert total["unterminated"] == 0 and total["stray-dollar"] == 0


def test_spans_are_exact_substrings_in_order(seed_articles):
    for article in seed_articles:
        for block in article.blocks:
            pos = 0
            for span in find_latex_spans(block.source):
                assert block.source[span.start:span.end] == span.text
                assert span.start >= pos
                pos = span.end


@pytest.mark.parametrize("text, expected", [
    (r"行内$a+b$与\(c\)", [("inline", "$a+b$"), ("inline", r"\(c\)")]),
    (r"显示$$x^2$$和\[y\]", [("display", "$$x^2$$"), ("display", r"\[y\]")]),
    (r"公式\begin{equation}a=b\label{eq:1}\end{equation}见\eqref{eq:1}",
     [("environment", r"\begin{equation}a=b\label{eq:1}\end{equation}"), ("macro", r"\eqref{eq:1}")]),
    (r"\begin{align}a&=b\\c&=d\end{align}", [("environment", r"\begin{align}a&=b\\c&=d\end{align}")]),
    (r"价格是\$5,而$x$是变量", [("escaped-dollar", r"\$"), ("inline", "$x$")]),
    (r"费用$5,然后$x+1$好", [("stray-dollar", "$"), ("inline", "$x+1$")]),
    (r"一个孤立的$符号", [("stray-dollar", "$")]),
    (r"$$\style{color: red}{x}$$", [("display", r"$$\style{color: red}{x}$$")]),
    (r"记为\cdot维度", [("macro", r"\cdot")]),
    (r"向量$\boldsymbol{x}$维度", [("inline", r"$\boldsymbol{x}$")]),
    ("截断的公式$$\\style{a}{b", [("unterminated", "$$\\style{a}{b")]),
])
def test_span_forms(text, expected):
    assert kinds_and_texts(text) == expected


def test_pylatexenc_pitfalls_are_handled_by_macro_specs():
    # Without specs pylatexenc gives \style and \boldsymbol no arguments (docs/design.md).
    walker = LatexWalker(r"\style{color:red}{x}\boldsymbol{y}", latex_context=_CONTEXT, tolerant_parsing=False)
    nodes, _, _ = walker.get_latex_nodes()
    style, bold = [n for n in nodes if isinstance(n, LatexMacroNode)]
    assert style.macroname == "style" and len([a for a in style.nodeargd.argnlist if a]) == 2
    assert bold.macroname == "boldsymbol" and len([a for a in bold.nodeargd.argnlist if a]) == 1
    # equation comes back as an environment, not a math node: still one display span
    assert kinds_and_texts(r"\begin{equation}x\end{equation}")[0][0] == "environment"


def test_placeholder_problems_name_what_is_wrong():
    style = STYLES["brace"]
    assert placeholder_problems("a {v1} b {v2}", 2, style) == []
    assert placeholder_problems("a {v1}", 2, style) == ["missing {v2}"]
    assert placeholder_problems("{v1} {v1} {v2}", 2, style) == ["{v1} appears 2 times"]
    assert placeholder_problems("{v1} {v2} {v3}", 2, style) == ["unknown {v3}"]


def test_restore_puts_spans_back_byte_identical():
    spans = [Span(3, 23, r"$\frac{1}{\sqrt{d}}$", "inline"), Span(26, 29, "$d$", "inline")]
    protected = protect(r"因子是$\frac{1}{\sqrt{d}}$,其中$d$是维度", spans)
    assert protected == "因子是{v1},其中{v2}是维度"
    assert restore("the factor is {v1}, where {v2} is the dimension", spans) == \
        r"the factor is $\frac{1}{\sqrt{d}}$, where $d$ is the dimension"
    # a model that spaces out the marker is still understood
    assert restore("{ v2 } and { v1 }", spans) == r"$d$ and $\frac{1}{\sqrt{d}}$"
