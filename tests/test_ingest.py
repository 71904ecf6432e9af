"""Ingest of the five seed pages (40 article excerpts) and of single articles."""

import re
from collections import Counter
from pathlib import Path

import pytest

from pipeline.ingest.reader import IngestError, parse_text, read_path
from pipeline.document import CAPTION, CODE, DISPLAY_MATH, HEADING, LIST_ITEM, PARAGRAPH

BOILERPLATE = ["点击阅读全文", "最近评论", "宇宙驿站", "LAMOST", "版权科学空间", "会员注册",
               "参与科学空间", "By 苏剑林", "位读者"]


def test_forty_articles_eight_per_page(seed_articles):
    assert len(seed_articles) == 40
    per_page = Counter(a.source.name[:3] for a in seed_articles)
    assert per_page == {"000": 8, "001": 8, "002": 8, "003": 8, "004": 8}


def test_listing_dates_as_given_without_invented_year(seed_articles):
    listing = [a for a in seed_articles if a.source.name[:3] in ("000", "001", "004")]
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}", a.date) for a in listing)
    assert [a.date for a in listing if a.source.name.startswith("004")] == [
        "17 Jan", "12 Jan", "2 Jan", "25 Dec", "18 Dec", "15 Dec", "10 Dec", "29 Nov"]
    assert all(a.author is None for a in listing)  # listing pages name no author


def test_archive_dates_authors_and_titles(seed_articles):
    archive = [a for a in seed_articles if a.source.name[:3] in ("002", "003")]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", a.date) for a in archive)
    assert {a.author for a in archive} == {"苏剑林"}
    first = archive[0]
    assert (first.title, first.date) == ("从梯度最大化看Attention的Scale操作", "2023-10-22")
    # the by-line is glued to the first paragraph: the paragraph must survive without it
    assert first.blocks[0].source.startswith("我们知道,Scaled Dot-Product Attention的Scale因子是")


def test_titles_and_untitled_entries(seed_articles):
    untitled = [(a.source.name[:3], a.index, a.date) for a in seed_articles if a.title is None]
    assert untitled == [("000", 1, "1 May"), ("000", 6, "7 Dec"), ("004", 5, "18 Dec"), ("004", 6, "15 Dec")]
    titles = {a.title for a in seed_articles}
    assert "时空之章:将Attention视为平方复杂度的RNN" in titles
    assert "为什么梯度裁剪的默认模长是1?" in titles
    assert "Transformer升级之路:18、RoPE的底数选择原则" in titles
    # an untitled entry keeps its first paragraph as body text
    assert next(a for a in seed_articles if a.date == "7 Dec").blocks[0].source.startswith("在生成扩散模型的发展史上")


def test_no_boilerplate_reaches_articles(seed_articles):
    for article in seed_articles:
        for block in article.all_blocks:
            for marker in BOILERPLATE:
                assert marker not in block.source, (article.label, marker)


def test_section_headings_captions_and_display_math(seed_articles):
    kinds = Counter(b.kind for a in seed_articles for b in a.blocks)
    assert kinds[HEADING] >= 25 and kinds[CAPTION] == 4 and kinds[DISPLAY_MATH] >= 5
    lora = next(a for a in seed_articles if a.date == "2024-02-27")
    assert [b.source for b in lora.blocks if b.kind == HEADING] == ["结论简析"]
    # an equation environment spanning several lines stays one block
    clip = next(a for a in seed_articles if a.date == "2 Jan")
    assert any("\\begin{equation}\\text{clip}" in b.source and "\\end{equation}" in b.source for b in clip.blocks)


def test_plain_text_article(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("梯度下降简介\n\n梯度下降是一种优化方法。\n\n基本思想\n\n沿着负梯度方向更新$x$。\n", encoding="utf-8")
    [article] = read_path(path)
    assert article.title == "梯度下降简介" and article.date is None
    assert [(b.kind, b.source) for b in article.blocks] == [
        (PARAGRAPH, "梯度下降是一种优化方法。"), (HEADING, "基本思想"), (PARAGRAPH, "沿着负梯度方向更新$x$。")]


def test_markdown_article_structure(tmp_path):
    path = tmp_path / "post.md"
    path.write_text(
        "---\ntitle: 注意力机制\ndate: 2024-01-02\n---\n\n## 背景\n\n注意力是[一种机制](https://example.org/a)。\n\n"
        "- 第一点$x$\n- 第二点\n\n```python\nprint('不要翻译')\n```\n\n$$\na^2+b^2\n$$\n\n![图](img.png)\n",
        encoding="utf-8")
    [article] = read_path(path)
    assert article.title == "注意力机制" and article.date == "2024-01-02"
    kinds = [b.kind for b in article.blocks]
    assert kinds == [HEADING, PARAGRAPH, LIST_ITEM, LIST_ITEM, CODE, DISPLAY_MATH, PARAGRAPH]
    assert article.blocks[2].prefix == "- "
    assert "print('不要翻译')" in article.blocks[4].source


def test_missing_and_empty_inputs(tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        read_path(tmp_path / "absent.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IngestError, match="no text files"):
        read_path(tmp_path / "empty")
    blank = tmp_path / "blank.txt"
    blank.write_text("   \n\n", encoding="utf-8")
    with pytest.raises(IngestError, match="empty file"):
        read_path(blank)


def test_crlf_and_bom_are_normalised(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes("\ufeff标题\r\n\r\n第一段。\r\n".encode("utf-8"))
    [article] = read_path(path)
    assert article.title == "标题" and article.blocks[0].source == "第一段。"


def test_a_repeated_paragraph_with_a_formula_is_kept_twice():
    """Found by the Hypothesis conservation test: a repeated caption is kept once, but a repeated
    paragraph holding a formula is not a caption - dropping it lost a formula."""
    text = "标题\n\n正文第一段。\n\n一段$x$文字。\n\n一段$x$文字。\n\n图的说明\n\n图的说明\n"
    [article] = parse_text(text, Path("post.txt"))
    sources = [b.source for b in article.blocks]
    assert sources.count("一段$x$文字。") == 2 and sources.count("图的说明") == 1
