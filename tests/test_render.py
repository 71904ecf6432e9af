"""Bilingual markdown layout, front matter, slugs and atomic writes (no model needed)."""

import json
from pathlib import Path

import pytest
import yaml

from pipeline.store.atomic import atomic_output_path, write_text_atomic
from pipeline.ingest.reader import parse_text
from pipeline.output.render import BOTH_MARK, EN_MARK, ZH_MARK, render_article, split_front_matter
from pipeline.output.writing import edited_by_hand
from pipeline.text.segmenting import segment_article
from pipeline.output.slugs import SlugAllocator, article_slug

PAGE = """从梯度最大化看Attention的Scale操作
By 苏剑林 | 2023-10-22 | 66237位读者 | 引用我们知道,Scale因子是$\\frac{1}{\\sqrt{d}}$。
已有结果
那么可以算得
\\begin{equation}\\mathbb{V}ar[\\boldsymbol{q}\\cdot\\boldsymbol{k}] = d\\end{equation}
最近评论
"""


def translated_article():
    [article] = parse_text(PAGE, Path("page.txt"))
    segment_article(article)
    english = {
        "从梯度最大化看Attention的Scale操作": "Looking at Attention's Scale from gradient maximisation.",
        "我们知道,Scale因子是$\\frac{1}{\\sqrt{d}}$。": "We know the Scale factor is $\\frac{1}{\\sqrt{d}}$.",
        "已有结果": "Existing results",
        "那么可以算得": "then we can compute",
    }
    for seg in article.segments:
        if seg.translate:
            seg.translation = english[seg.source]
    article.blocks[-1].segments[0].flags.append("example flag")
    return article


def test_layout_front_matter_and_pairs():
    text = render_article(translated_article(), "test-model", "ab" * 32)
    _, meta, body = text.split("---\n", 2)
    meta = yaml.safe_load(meta)
    assert meta["title_zh"] == "从梯度最大化看Attention的Scale操作"
    assert meta["title_en"].startswith("Looking at Attention")
    assert meta["date"] == "2023-10-22" and meta["author"] == "苏剑林"
    assert meta["model"] == {"id": "test-model", "sha256": "ab" * 32}
    assert meta["source"] == "page.txt#1" and meta["created"].endswith("Z")
    lines = body.split("\n")
    # English title (full stop dropped), Chinese under it; every chunk starts with its side
    assert lines[1:6] == [EN_MARK, "# Looking at Attention's Scale from gradient maximisation", "", ZH_MARK,
                          "从梯度最大化看Attention的Scale操作"]
    assert f"{EN_MARK}\n## Existing results\n\n{ZH_MARK}\n已有结果" in body
    # each paragraph: Chinese block, then its English (plus the title's and heading's pair)
    assert body.count(ZH_MARK) == body.count(EN_MARK) == 4
    assert body.index("我们知道") < body.index("We know") < body.index("那么可以算得")
    # a formula standing alone between paragraphs is shown once, byte-identical, between `$$`
    # lines of their own (GitHub-style markdown typesets only dollar-delimited math)
    eq = "\\begin{equation}\\mathbb{V}ar[\\boldsymbol{q}\\cdot\\boldsymbol{k}] = d\\end{equation}"
    assert body.count(f"\n{BOTH_MARK}\n$$\n{eq}\n$$\n\n") == 1 and body.count(eq) == 1
    assert "> [!WARNING]" in body and "example flag" in body


@pytest.mark.parametrize("title", ["../../etc/passwd", "a/b\\c", "..", "", None, "中文标题", "CON", "report"])
def test_slugs_are_safe_names(title):
    slug = article_slug(title, None, "page-3")
    assert slug and all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
    assert "/" not in slug and ".." not in slug and slug not in ("report", "con")


def test_slug_falls_back_to_opening_words_and_is_unique():
    assert article_slug(None, "We share today a paper on distillation, which", "x") == \
        "we-share-today-a-paper-on-distillation-which"
    alloc = SlugAllocator()
    assert [alloc.allocate("mla"), alloc.allocate("mla"), alloc.allocate("mla")] == ["mla", "mla-2", "mla-3"]
    assert len(article_slug("word " * 60, None, "x")) <= 80


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "a.md"
    write_text_atomic(target, "good")
    with pytest.raises(RuntimeError):
        with atomic_output_path(target) as tmp:
            tmp.write_text("half written")
            raise RuntimeError("crash")
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]  # no temporary left behind
    assert target.stat().st_mode & 0o044  # readable by others, like a normal file


def test_display_math_inside_a_paragraph_stands_on_its_own_lines_on_both_sides():
    [article] = parse_text("1 May\n\n标题\n\n那么可以算得\n$$a=b$$\n其中$a$是常数。\n", Path("list.txt"))
    segment_article(article)
    for seg in article.segments:
        if seg.translate:
            seg.translation = {"标题": "Title", "那么可以算得": "then we get", "其中$a$是常数。": "where $a$ is a constant."}[seg.source]
    body = render_article(article, "m", "0" * 64)
    assert body.count("\n\n$$a=b$$\n\n") == 2
    assert "那么可以算得\n\n$$a=b$$\n\n其中$a$是常数。" in body
    assert "then we get\n\n$$a=b$$\n\nwhere $a$ is a constant." in body


def test_an_equation_written_on_both_sides_is_labelled_and_numbered_once(tmp_path):
    """A numbered display formula inside a paragraph is shown under the Chinese and the
    English: the English copy is the source's byte for byte, the Chinese copy unnumbered."""
    from pipeline.ingest.reader import read_file
    from pipeline.output.conservation import check_conservation, output_sides

    from tests.copying_backend import CopyingBackend, context_over, translate_article

    equation = "\\begin{equation}\\mathcal{L} = \\sum_i \\ell_i \\label{eq:loss}\\end{equation}"
    tagged = "$$y = Wx \\tag{2}$$"
    source = tmp_path / "post.md"
    source.write_text(f"# 损失\n\n损失函数定义为{equation}其中求和遍历样本。公式\\eqref{{eq:loss}}和\n{tagged}\n都很常见。\n",
                      encoding="utf-8")
    [article] = read_file(source)
    translate_article(article, context_over(CopyingBackend()))
    document = render_article(article, "test", "0" * 64)
    zh, en = output_sides(document)
    assert document.count("\\label{eq:loss}") == 1 and equation in en
    assert document.count("\\tag{2}") == 1 and tagged in en
    assert "\\begin{equation*}" in zh and "\\end{equation*}" in zh and "\\label" not in zh
    assert "\\eqref{eq:loss}" in zh   # still points at the English copy's label
    assert check_conservation(article, document).problems == []


def _translated_post(tmp_path):
    """A short post through the pipeline (copying backend): (article, its QA figures, an empty out folder)."""
    from pipeline.ingest.reader import read_file
    from tests.copying_backend import CopyingBackend, context_over, translate_article

    source = tmp_path / "post.txt"
    source.write_text("梯度裁剪\n\n我们知道,梯度裁剪是常用技巧,其中$\\tau$是阈值。\n\n$$\\|g\\| \\le \\tau$$\n", encoding="utf-8")
    [article] = read_file(source)
    qa = translate_article(article, context_over(CopyingBackend()))
    out = tmp_path / "out"
    out.mkdir()
    return article, qa, out


@pytest.mark.parametrize("layout, files", [("both", {"a.md", "a.en.md", "a.qa.json"}),
                                           ("english", {"a.en.md", "a.qa.json"}),
                                           ("bilingual", {"a.md", "a.qa.json"})])
def test_layouts_write_the_english_only_file_with_the_same_english(tmp_path, layout, files):
    from pipeline.output.conservation import output_sides
    from pipeline.output.writing import write_article

    article, qa, out = _translated_post(tmp_path)
    assert write_article(article, qa, out / "a.md", "test", "0" * 64, layout=layout) is None
    assert {p.name for p in out.iterdir()} == files
    if layout != "both":
        return
    bilingual, english = (out / "a.md").read_text(encoding="utf-8"), (out / "a.en.md").read_text(encoding="utf-8")
    assert output_sides(english)[1] == output_sides(bilingual)[1]   # the same English side, formulas and all
    assert "我们知道" in bilingual and "我们知道" not in english and "$\\tau$" in english
    meta, _ = split_front_matter(english)
    assert meta["layout"] == "english" and meta["title_en"] and not edited_by_hand(out / "a.en.md")
    (out / "a.en.md").write_text(english.replace("threshold", "limit") + "\nmy note\n", encoding="utf-8")
    assert write_article(article, qa, out / "a.md", "test", "0" * 64).startswith("kept the existing a.en.md")


def test_an_untitled_excerpt_gets_a_heading_said_to_be_zh2ens():


    [article] = parse_text("2 Jan\n\n我们知道梯度裁剪是常用技巧。\n", Path("list.txt"))
    segment_article(article)
    for seg in article.segments:
        seg.translation = "We know that gradient clipping is a common technique."
    document = render_article(article, "test", "0" * 64)
    meta, body = split_front_matter(document)
    assert "# Untitled excerpt" in body and "We know that gradient clipping" in body.split("\n# ")[1]
    assert "no title" in meta["heading_by"]


def test_switching_layouts_keeps_the_better_file_and_removes_a_stale_one(tmp_path):
    from pipeline.output.writing import write_article

    article, qa, out = _translated_post(tmp_path)
    assert write_article(article, dict(qa), out / "a.md", "test", "0" * 64, layout="english") is None
    assert json.loads((out / "a.qa.json").read_text(encoding="utf-8"))["file"] == "a.en.md"
    worse = {**qa, "flagged": qa["flagged"] + 2}
    kept = write_article(article, worse, out / "a.md", "test", "0" * 64, layout="bilingual")
    assert kept and "kept the existing file" in kept and not (out / "a.md").exists()   # the better .en.md stands
    assert write_article(article, dict(qa), out / "a.md", "test", "0" * 64, layout="bilingual") is None
    assert (out / "a.md").is_file() and not (out / "a.en.md").exists()   # zh2en's own stale .en.md removed


def test_chinese_inside_formulas_is_english_in_the_english_layout_only(tmp_path):
    """\\text{朴素版} in a display formula: the English-only file shows English there, every other
    byte of the formula kept; the bilingual file keeps the original; qa.json records the change."""
    from pipeline.ingest.reader import read_file
    from pipeline.output.conservation import check_conservation
    from pipeline.output.writing import write_article
    from tests.copying_backend import CopyingBackend, context_over, translate_article

    [article] = read_file(Path(__file__).parent / "data" / "formula-dense.md")
    qa = translate_article(article, context_over(CopyingBackend()))
    assert set(article.formula_words) == {"朴素版", "MuP版"} and article.formula_words_kept == []
    out = tmp_path / "out"
    out.mkdir()
    assert write_article(article, qa, out / "a.md", "test", "0" * 64) is None
    bilingual, english = (out / "a.md").read_text(encoding="utf-8"), (out / "a.en.md").read_text(encoding="utf-8")
    assert "\\text{朴素版}" in bilingual and check_conservation(article, bilingual).problems == []
    assert "朴素版" not in english and "MuP版" not in english
    mup = "\\color{blue}{(\\text{" + article.formula_words["MuP版"] + "})}"
    assert mup in english   # only the argument changed
    recorded = json.loads((out / "a.qa.json").read_text(encoding="utf-8"))["formula_words"]
    assert {r["zh"] for r in recorded} == {"朴素版", "MuP版"}
