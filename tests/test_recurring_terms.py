"""Recurring nouns outside the glossary (pipeline/recurring_terms.py): looked up once with a
sentence for context, asked for in every segment holding them (never required), reported in
qa.json's term table, kept in the memory."""

from pathlib import Path

import pytest

from copying_backend import CopyingBackend, context_over, translate_article
from pipeline.glossary import Glossary
from pipeline.ingest.reader import parse_text
from pipeline.recurring_terms import clean_rendering, recurring_candidates
from pipeline.text.segmenting import segment_article
from pipeline.terms import attach_terms

TEXT = ("蚂蚁与工作站\n\n一只蚂蚁在球面上爬行，工作站记录它的位置。\n\n这只蚂蚁走得很慢，高分辨率的相机拍下了它。\n\n"
        "高分辨率图像来自另一台工作站，配方只写在这里。\n")


class RecordingBackend(CopyingBackend):
    def __init__(self, fail_lookups=False):
        super().__init__()
        self.seen, self.fail_lookups = [], fail_lookups

    def translate(self, batch):
        if self.fail_lookups and any(len(r.text) <= 4 for r in batch):
            raise RuntimeError("lookup refused")
        self.seen += batch
        return super().translate(batch)

    def lookups(self):
        return [r for r in self.seen if r.text in ("蚂蚁", "工作站")]


def _article():
    [article] = parse_text(TEXT, Path("ant.md"))
    return article


def test_candidates_are_rare_nouns_of_two_segments_that_are_no_term_yet():
    article = _article()
    segment_article(article, 1200)
    attach_terms(article, Glossary.default())
    # 球面 is a glossary term, 高分辨率 holds one (分辨率), 配方 and 相机 occur once,
    # 位置 and 图像 are everyday words.
    assert recurring_candidates(article) == {"蚂蚁": "蚂蚁与工作站", "工作站": "蚂蚁与工作站"}


def test_the_context_of_a_lookup_is_a_body_sentence_before_a_heading():
    # A title's few words rarely tell the sense (熟悉配方: recipe, not formula).
    [article] = parse_text("# 蚂蚁与工作站\n\n一只蚂蚁在球面上爬行，工作站记录它的位置。\n\n"
                           "## 工作站\n\n这只蚂蚁走得很慢。\n", Path("ant.md"))
    segment_article(article, 1200)
    attach_terms(article, Glossary.default())
    assert recurring_candidates(article) == {"蚂蚁": "一只蚂蚁在球面上爬行，工作站记录它的位置",
                                             "工作站": "一只蚂蚁在球面上爬行，工作站记录它的位置"}
    [headings_only] = parse_text("# 蚂蚁与工作站\n\n## 蚂蚁\n\n一只球面上的工作站。\n", Path("h.md"))
    segment_article(headings_only, 1200)
    attach_terms(headings_only, Glossary.default())
    assert recurring_candidates(headings_only)["蚂蚁"] == "蚂蚁与工作站"


@pytest.mark.parametrize("reply, term", [
    ("Ant.", "Ant"), ("The ant", "ant"), ("“Spherical surface”", "Spherical surface"), ("SVD", "SVD"),
    ("Fourier transform", "Fourier transform"), ("an ant.\nAn ant crawls.", "ant"), ("the", None), ("蚂蚁", None),
    ("An ant crawls on the sphere while we watch it.", None), ("", None), ("ant (蚂蚁)", None)])
def test_a_looked_up_rendering_is_a_short_english_phrase(reply, term):
    assert clean_rendering(reply) == term


def test_a_recurring_noun_is_asked_for_in_each_segment_and_reported(tmp_path):
    backend = RecordingBackend()
    ctx = context_over(backend, use_glossary=True, use_memory=True, state_dir=tmp_path)
    article = _article()
    qa = translate_article(article, ctx)
    lookups = {r.text: r.context for r in backend.lookups()}
    assert lookups == {"蚂蚁": "蚂蚁与工作站", "工作站": "蚂蚁与工作站"}
    rows = {row["zh"]: row for row in qa["term_table"]}
    assert rows["蚂蚁"]["origin"] == "looked up" and rows["蚂蚁"]["segments"] == 3
    ant = rows["蚂蚁"]["en"]
    holding = [r for r in backend.seen if "蚂蚁" in r.text and r.text != "蚂蚁"]
    assert len({r.text for r in holding}) == 3 and all(("蚂蚁", ant) in r.terms for r in holding)
    # Suggested, not required: adherence counts the glossary's terms only (球面, 分辨率 twice).
    assert qa["glossary_terms"] == 3
    assert article.segments[2].suggested_terms == (("蚂蚁", ant),)

    # A second run finds the renderings (and the segments) in the memory: no request at all.
    again = RecordingBackend()
    translate_article(_article(), context_over(again, use_glossary=True, use_memory=True, state_dir=tmp_path))
    assert again.seen == []


def test_a_noun_overlapping_a_required_term_is_not_suggested_there():
    from pipeline.recurring_terms import suggest_terms

    article = _article()
    segment_article(article, 1200)
    attach_terms(article, Glossary.default())
    suggest_terms(article, {"高分": "high score", "蚂蚁": "ant"})   # 高分 overlaps 分辨率 in 高分辨率
    third = article.segments[2]
    assert ("分辨率", "resolution") in third.terms
    assert third.suggested_terms == (("蚂蚁", "ant"),)


def test_a_failed_lookup_is_said_and_the_article_still_translated():
    backend = RecordingBackend(fail_lookups=True)
    article = _article()
    qa = translate_article(article, context_over(backend, use_glossary=True))
    assert any("recurring terms not looked up" in n for n in article.notices)
    assert all(row["origin"] != "looked up" for row in qa["term_table"])
    assert qa["segments"] == 4 and all(seg.translation for seg in article.segments)


@pytest.mark.parametrize("settings", [{"use_glossary": True, "recurring_terms": False}, {"use_glossary": False}])
def test_no_lookup_when_turned_off_or_without_the_glossary(settings):
    backend = RecordingBackend()
    qa = translate_article(_article(), context_over(backend, **settings))
    assert backend.seen and not backend.lookups()
    assert all(row["origin"] != "looked up" for row in qa["term_table"])
