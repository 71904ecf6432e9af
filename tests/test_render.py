"""Bilingual markdown layout, front matter, slugs and atomic writes (no model needed)."""

from pathlib import Path

import pytest
import yaml

from pipeline.store.atomic import atomic_output_path, write_text_atomic
from pipeline.ingest.reader import parse_text
from pipeline.output.render import BOTH_MARK, EN_MARK, ZH_MARK, render_article
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
    # display math on lines of its own, on both sides, byte-identical
    # a formula standing alone between paragraphs is shown once, on lines of its own
    eq = "\\begin{equation}\\mathbb{V}ar[\\boldsymbol{q}\\cdot\\boldsymbol{k}] = d\\end{equation}"
    assert body.count(f"\n{BOTH_MARK}\n{eq}\n\n") == 1 and body.count(eq) == 1
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
