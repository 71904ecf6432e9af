"""Cutting blocks into segments: display formulas apart, prose in sentence chunks."""

import re
from pathlib import Path

from hypothesis import given, settings, strategies as st

from pipeline.ingest.reader import parse_text
from pipeline.document import Block
from pipeline.text.segmenting import segment_article, segment_block


def test_display_formulas_are_never_sent_to_the_model():
    block = Block("paragraph", "那么可以算得\n\\begin{equation}a=b\\end{equation}\n其中$a$是常数。")
    segs = segment_block(block)
    assert [(s.translate, s.source) for s in segs] == [
        (True, "那么可以算得"), (False, "\\begin{equation}a=b\\end{equation}"), (True, "其中$a$是常数。")]
    assert [sp.text for sp in segs[2].spans] == ["$a$"]


def test_long_paragraphs_split_at_sentence_ends_within_budget(seed_articles):
    for article in seed_articles:
        segment_article(article, max_chars=80)
        for block in article.blocks:
            prose = [s for s in block.segments if s.translate]
            for seg in prose:
                # a chunk over budget is a single sentence that cannot be cut further
                if len(seg.source) > 80:
                    assert seg.source.count("。") <= 1, seg.source
            # nothing lost: the chunks put back together give the block's text
            joined = "".join(s.source for s in block.segments).replace("\n", "")
            assert joined == block.source.replace("\n", "").replace(" ", "") or \
                joined.replace(" ", "") == block.source.replace("\n", "").replace(" ", "")


def test_sentence_cuts_never_fall_inside_a_formula():
    [article] = parse_text("标题\n\n第一句$a;b$结束。第二句$c$。\n", Path("x.txt"))
    segment_article(article, max_chars=12)
    prose = [s.source for s in article.segments if s.translate][1:]
    assert prose == ["第一句$a;b$结束。", "第二句$c$。"]
    # over budget, a sentence is cut further (at characters here) - still never inside a formula
    segment_article(article, max_chars=5)
    prose = [s.source for s in article.segments if s.translate][1:]
    assert prose == ["第一句", "$a;b$", "结束。", "第二句", "$c$。"]


_PIECES = ["我们", "研究了", "，", "。", "！", "、", "模型", "$x^2$", "《深度学习：原理，方法！》", "《你好！世界》",
           "《注意力。机制》", " ", "训练", "？", "《》", "《未闭合，"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=60), st.integers(min_value=20, max_value=80))
def test_a_title_in_guillemets_is_never_cut(pieces, max_chars):
    """The segmenter cuts at sentence and clause marks and, in a long sentence, at commas - never
    inside 《…》: each half of a cut title is translated alone, and the reader gets fragments."""
    text = "".join(pieces)
    segments = segment_block(Block("paragraph", text), max_chars)
    assert "".join(s.source for s in segments).replace(" ", "") == text.replace(" ", "")
    pos = 0
    bounds = []
    for seg in segments:
        pos = text.index(seg.source, pos)
        bounds.append((pos, pos + len(seg.source)))
        pos += len(seg.source)
    titles = [(m.start(), m.end()) for m in re.finditer(r"《[^《》\n]{1,80}》", text)]
    for a, b in bounds:
        for start, end in titles:
            assert not start < a < end and not start < b < end, (text, [s.source for s in segments])
