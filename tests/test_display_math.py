"""Display formulas in the output markdown: every one between `$$` (the only display math that
GitHub-style markdown typesets), its body byte-identical, and counted by that body."""

from __future__ import annotations

import pytest

from pipeline.text.display_math import dollar_delimited, formula_key

EQ = "\\begin{equation}a_1 = b_2 \\\\ c\\label{eq:x}\\end{equation}"


@pytest.mark.parametrize("source, written", [
    (f"前文\n\n{EQ}\n\n后文", f"前文\n\n$$\n{EQ}\n$$\n\n后文"),          # own lines: `$$` lines around it
    (EQ, f"$$\n{EQ}\n$$"),
    ("\\[\n x^2 \n\\]", "$$\nx^2\n$$"),                                     # `\[…\]`: same body, `$$` around
    (f"其中 {EQ} 成立", f"其中 $${EQ}$$ 成立"),                              # inside a line: stays in it
    ("$$x$$ 与 $y$", "$$x$$ 与 $y$"),                                        # already dollars: unchanged
    ("$$\n\\begin{align}x&=1\\end{align}\n$$", "$$\n\\begin{align}x&=1\\end{align}\n$$"),
    ("没有公式", "没有公式"),
    # formulas sharing a line: each on its own lines, or a space between them in a line of prose
    (f"{EQ}\\[b\\]", f"$$\n{EQ}\n$$\n$$\nb\n$$"),
    ("$$a$$\\[b\\]", "$$a$$\n$$\nb\n$$"),
    ("其中\\[a\\]\\[b\\]成立", "其中$$a$$ $$b$$成立"),
    ("\\[ a\\ \\]", "$$\na\\ \n$$"),                                     # a control space at the end stays
])
def test_display_formulas_are_written_between_dollars(source, written):
    assert dollar_delimited(source) == written


def test_every_display_formula_parses_as_math_in_github_style_markdown():
    from tests.github_style import markdown_renderer

    md = markdown_renderer()
    for source in (f"{EQ}{EQ}", "\\[a\\]\\[b\\]", f"前文\n{EQ}\n后文", "其中\\[a\\]\\[b\\]成立",
                   f"> 引用\n>\n> {EQ}", "| 名 | \\[a\\]\\[b\\] |\n|---|---|\n| 1 | 2 |"):
        html = md.render(dollar_delimited(source))
        assert "$" not in html and "\\begin{equation}" not in html.replace("\\[\\begin{equation}", ""), html


def test_a_display_formula_is_counted_by_its_body():
    bare = formula_key(EQ, "environment")
    assert formula_key(f"$$\n{EQ}\n$$", "display") == formula_key(f"$${EQ}$$", "display") == bare == EQ
    assert formula_key("\\[ x^2 \\]", "display") == formula_key("$$\nx^2\n$$", "display") == "$$x^2$$"
    # what is inside is compared byte for byte
    assert formula_key("$$x^3$$", "display") != formula_key("$$x^2$$", "display")
    assert formula_key("$$\\begin{equation}x\\end{equation} + 1$$", "display") != "\\begin{equation}x\\end{equation}"
    assert formula_key("$x$", "inline") == "$x$"
