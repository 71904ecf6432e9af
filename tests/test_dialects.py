"""Markdown dialects of real documents (tests/data/corpus shows each): what CommonMark misreads is
read as its authors' renderers read it - prose inside admonitions translated, their markup kept as
written, formulas found where MathJax finds them - and the file still holds everything its source
does. CopyingBackend's translation (placeholders copied back): every loss is the pipeline's own."""

from pathlib import Path

import pytest

from copying_backend import CopyingBackend, context_over
from pipeline.ingest.reader import parse_text, read_file
from pipeline.output.conservation import output_sides
from pipeline.output.writing import render_conserved
from pipeline.stages import LocalRunner, RunResult, run_articles
from pipeline.text.latex import find_latex_spans
from pipeline.text.protect import find_protected_spans

def translate(source: str):
    """(article, English side, Chinese side, conservation problems) of a markdown source."""
    ctx = context_over(CopyingBackend())
    result = RunResult()
    [done] = list(run_articles(parse_text(source, Path("post.md")), ctx, LocalRunner(ctx), result))
    document = render_conserved(done.article, done.qa, "test", "0" * 64)
    zh, en = output_sides(document)
    return done.article, en, zh, done.qa["conservation"]

def test_mkdocs_admonition_body_is_translated_and_its_marker_kept():
    article, en, zh, lost = translate('# 题\n\n??? example "参考代码"\n    正文内容。\n\n    ```cpp\n    --8<-- "a.cpp"\n'
                                      '    ```\n\n后文。\n')
    assert lost == []
    assert '--8<-- "a.cpp"' in en and "正文" not in en and "??? example" in en
    body = next(b for b in article.blocks if b.source == "正文内容。")
    assert body.prefix == "    "   # still the admonition's body when rendered

def test_myst_admonition_prose_is_translated_its_fence_and_options_kept():
    article, en, zh, lost = translate("# 题\n\n```{note}\n:class: tip\n说明文字，`x` 很重要。\n```\n\n```{code-block} python\n"
                                      "print('中文')\n```\n")
    assert lost == []
    assert "```{note}" in en and ":class: tip" in en and "说明" not in en.split("```{code-block}")[0]
    assert "print('中文')" in en   # other directives are code

def test_footnotes_reference_definitions_and_roles_are_kept():
    source = ("# 题\n\n见 :numref:`sec_x` 与 {eq}`eq-y`，正文[^1]和[链接][r]。\n\n[^1]: 脚注内容。\n\n"
              "[r]: https://example.org/r\n")
    article, en, zh, lost = translate(source)
    assert lost == []
    assert ":numref:`sec_x`" in en and "{eq}`eq-y`" in en and "[r]: https://example.org/r" in en
    assert "[^1]: " in en and "脚注" not in en
    spans = find_protected_spans(":numref:`sec_x` 和 `work_dirs/{timestamp}` 下")
    assert [(s.kind, s.text) for s in spans] == [("markup", ":numref:`sec_x`"), ("code", "`work_dirs/{timestamp}`")]

def test_display_math_in_a_quote_with_lazy_lines_is_one_formula():
    source = "# 题\n\n前文：\n\n> $$\n\\begin{align}\na & b \\tag{7.13} \\\\\nc & d\n\\end{align}\n$$\n\n后文。\n"
    article, en, zh, lost = translate(source)
    assert lost == [] and "$$$$" not in en

@pytest.mark.parametrize("text, spans", [
    ("例题[P4767 \\[IOI2000\\] 邮局](https://x.org)", []),                     # escaped brackets
    ("矩阵$\\mathbf{X}和\\mathbf{W}$的乘法", [("inline", "$\\mathbf{X}和\\mathbf{W}$")]),  # MathJax pairs them
    ("表$\\begin{array}{c}\\textbf{66.07%}\\\\ 1\\end{array}$，后文", [("inline", "$\\begin{array}{c}\\textbf{66.07%}\\\\ 1\\end{array}$")]),
    ("费用$5,然后$x+1$好", [("stray-dollar", "$"), ("inline", "$x+1$")]),
])
def test_formulas_are_found_where_a_reader_s_renderer_finds_them(text, spans):
    assert [(s.kind, s.text) for s in find_latex_spans(text) if s.kind != "macro"] == spans

def test_code_spans_come_first_and_keep_their_text():
    article, en, zh, lost = translate("# 题\n\n类型为 ``complex64``，换行 `\\n`，选项`-u <username>`不是必须的。\n")
    assert lost == []
    assert "``complex64``" in en and "`\\n`" in en and "`-u <username>`" in en

def test_a_stray_dollar_cannot_pair_into_a_formula_in_the_english():
    article, en, zh, lost = translate("# 题\n\n价格是$5，而另一个是$6，然后$x$成立。\n")
    assert lost == []
    assert en.count("\\$") == 2 and "$x$" in en
    # a formula closed a clause late is one formula, as MathJax reads it
    assert [s.kind for s in find_latex_spans("如果$||w||=1，那么函数间隔和几何间隔相等$。")] == ["inline"]

def test_chinese_inside_every_kind_of_formula_is_english_in_the_english_file(tmp_path):
    """`\\text{或}` in a display environment, a tag, Chinese written straight into inline math: the
    English-only file shows English there (every other byte of the formula kept); the bilingual
    file keeps the formulas as the source has them."""
    from pipeline.output.writing import write_article
    from pipeline.text.han import HAN

    source = ("# 题\n\n矩阵$\\mathbf{X}和\\mathbf{W}$相乘，于是\n\\begin{equation}y = \\begin{cases} 1, & \\text{若 } x>0 \\\\"
              " 0, & \\text{或} \\end{cases} \\tag{式一}\\end{equation}\n成立。\n\n$$\nz = \\text{朴素版}\n$$\n")
    ctx = context_over(CopyingBackend(), layout="both")
    [done] = list(run_articles(parse_text(source, Path("post.md")), ctx, LocalRunner(ctx), RunResult()))
    write_article(done.article, done.qa, tmp_path / "post.md", "test", "0" * 64)
    english = (tmp_path / "post.en.md").read_text(encoding="utf-8")
    body = english.split("\n---\n", 1)[1]
    assert not [s.text for s in find_latex_spans(body) if HAN.search(s.text)], body
    assert "\\mathbf{X}\\text{" in body and "\\text{若 }" not in body
    bilingual = (tmp_path / "post.md").read_text(encoding="utf-8")
    assert "$\\mathbf{X}和\\mathbf{W}$" in bilingual and "\\text{朴素版}" in bilingual

def test_inline_code_holding_dollars_is_code_on_both_sides_never_math():
    article, en, zh, lost = translate("# 题\n\n运行 `echo $HOME` 和 `$x$` 看看，再看$y$的值。\n")
    assert lost == []
    assert "`echo $HOME`" in en and "`$x$`" in en and "$y$" in en
    assert [s.text for s in find_latex_spans(en.replace("`echo $HOME`", "").replace("`$x$`", "")) if s.kind == "inline"] == ["$y$"]

def test_link_reference_definitions_are_kept_their_titles_translated_and_unsafe_ones_shown_as_text():
    article, en, zh, lost = translate('# 题\n\n参见[文档][doc]和[另一个][d2]。\n\n[doc]: https://example.org/doc "中文标题"\n'
                                      "[d2]: <https://example.org/d2> (另一标题)\n")
    assert lost == []
    assert "[doc]: https://example.org/doc \"" in en and "[d2]: <https://example.org/d2> (" in en
    assert "中文标题" not in en and "另一标题" not in en and '"中文标题"' in zh

    _, en, _, _ = translate("# 题\n\n点[这里][r]。\n\n[r]: vbscript:msgbox(1)\n[s]: java&#x09;script:alert(1)\n")
    assert "\\[r]: vbscript:" in en and "\\[s]: java&#x09;script:" in en

def test_display_math_in_a_quote_in_a_list_in_a_quote_stays_one_block():
    source = "# 题\n\n> - > 引用中的列表中的引用：\n>   >\n>   > $$\n>   > a=b\n>   > $$\n>   >\n>   > 结束。\n"
    article, en, zh, lost = translate(source)
    assert lost == []
    assert ">   > $$\n>   > a=b\n>   > $$" in en and en.count("> - >") == 1


def test_a_footnote_cited_only_inside_an_admonition_is_translated(tmp_path):
    """markdown-it drops a footnote definition its parse saw no citation of; the admonition's
    body is parsed on its own, so the page's definition came back kept in Chinese."""
    page = tmp_path / "note.md"
    page.write_text('!!! note "注"\n    正文引用了脚注[^a]。\n\n## 参考\n\n[^a]: 这是脚注的内容，\n    它有第二行。\n',
                    encoding="utf-8")
    [article] = read_file(page)
    [footnote] = [b for b in article.blocks if b.prefix.endswith("[^a]: ")]
    assert footnote.kind == "paragraph"
    assert footnote.source == "这是脚注的内容，\n它有第二行。"
