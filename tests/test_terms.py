"""An article's term table (pipeline/terms.py): the author's own English for a term is asked for
and checked in every segment of the article, and qa.json reports adherence and consistency."""

from pathlib import Path

import pytest

from copying_backend import CopyingBackend, context_over, translate_article
from pipeline.backends.base import Reply
from pipeline.glossary import Glossary
from pipeline.ingest.reader import parse_text
from pipeline.terms import author_glosses, consistency


@pytest.fixture(scope="module")
def glossary():
    return Glossary.default()


def test_the_term_before_a_bracketed_english_gloss(glossary):
    text = ("我们使用梯度裁剪(Gradient Clipping)和大语言模型（LLM），以及所谓的压缩映射（Contraction Mapping）。"
            "这个结果(2019)说的(here)就是：一般的压缩映射都有不动点；而谱半径（Spectral Radius）只出现一次。")
    # Terms that are glossary terms or occur again; not a year, not a one-off phrase.
    assert author_glosses(text, glossary) == {"梯度裁剪": "Gradient Clipping", "大语言模型": "LLM",
                                              "压缩映射": "Contraction Mapping"}


def test_a_gloss_of_a_longer_phrase_is_no_gloss_of_the_term_it_ends_with(glossary):
    from pipeline.terms import author_terms

    text = ("我们使用[大型电影评论数据集（large movie review dataset）]。这个数据集很大。"
            "太平洋海啸预警中心（PTWC）说，中心已发出警报。国家安全顾问（NSA）和国家安全顾问办公室。")
    # 4 words for 数据集's 3 characters, 4 letters for 中心's 2: they name the longer phrase.
    assert author_glosses(text, glossary) == {"国家安全顾问": "NSA"}
    [article] = parse_text("F范数(Frobenius Norm)和谱范数（Spectral Radius）。\n\n范数的性质。\n", Path("f.md"))
    # The glossary's "norm" with a word added is a more specific thing: 范数 stays "norm".
    assert "范数" not in author_terms(article, glossary)


class RecordingBackend(CopyingBackend):
    """Copies like its parent and keeps every request; says it samples, so it is asked for
    sampled answers (they stay copies)."""

    samples = True

    def __init__(self):
        super().__init__()
        self.seen = []

    def translate(self, batch):
        self.seen += batch
        return super().translate(batch)


def test_an_author_gloss_is_asked_for_in_every_segment_and_reported(tmp_path):
    [article] = parse_text("标题\n\n本文讨论收缩映射（Contraction Mapping）。\n\n收缩映射的性质很好。\n\n"
                           "大语言模型（LLM）很强。\n\n大语言模型很大。\n", Path("a.md"))
    backend = RecordingBackend()
    qa = translate_article(article, context_over(backend, use_glossary=True))
    second = next(r for r in backend.seen if r.text.startswith("收缩映射的性质"))
    assert ("收缩映射", "Contraction Mapping") in second.terms
    fourth = next(r for r in backend.seen if r.text.startswith("大语言模型很大"))
    assert ("大语言模型", "large language model (LLM)") in fourth.terms
    rows = {row["zh"]: row for row in qa["term_table"]}
    assert rows["收缩映射"]["origin"] == "author" and rows["收缩映射"]["segments"] == 2
    assert rows["大语言模型"]["en"] == "large language model (LLM)"
    # The copying backend keeps the Latin letters of the glossing segment and renders no other
    # term; asked for samples (RecordingBackend says it samples), it copies again: none is taken.
    assert rows["收缩映射"]["rendered"] == 1 and rows["收缩映射"]["renderings"] == {"Contraction Mapping": 1}
    assert qa["glossary_ok"] < qa["glossary_terms"] and qa["terms_recurring"] == 0
    assert qa["glossary_retries"] >= 1
    assert sorted(r.sample for r in backend.seen if r.text.startswith("收缩映射的性质") and r.sample) == [1, 2, 3]
    seg = next(s for s in article.segments if s.source.startswith("收缩映射的性质"))
    assert "retried for glossary terms with 3 sampled answers (收缩映射): none accepted" in seg.notes


class SamplingBackend(RecordingBackend):
    """Copies; its sampled answers differ: the first puts the term in but drops the formula,
    the second is the plain copy, the third puts the term in and keeps the formula."""

    def translate(self, batch):
        out = []
        for request, reply in zip(batch, super().translate(batch)):
            if request.sample in (1, 3):
                text = "Contraction Mapping " + reply.text
                reply = Reply(text.replace("{v1}", "") if request.sample == 1 else text)
            out.append(reply)
        return out


def test_of_the_sampled_answers_one_that_passes_every_check_and_renders_the_term_is_taken():
    [article] = parse_text("标题\n\n本文讨论收缩映射（Contraction Mapping）。\n\n收缩映射满足$x>1$的条件。\n", Path("a.md"))
    backend = SamplingBackend()
    qa = translate_article(article, context_over(backend, use_glossary=True))
    seg = next(s for s in article.segments if s.source.startswith("收缩映射满足"))
    assert "retried for glossary terms with sampled answers: 收缩映射 (sample 3 of 3 taken)" in seg.notes
    assert seg.translation.startswith("Contraction Mapping") and "$x>1$" in seg.translation
    assert qa["glossary_ok"] == qa["glossary_terms"]


def test_a_backend_that_decodes_greedily_is_never_asked_for_samples():
    class Greedy(RecordingBackend):
        samples = False

    [article] = parse_text("标题\n\n本文讨论收缩映射（Contraction Mapping）。\n\n收缩映射的性质很好。\n", Path("a.md"))
    backend = Greedy()
    qa = translate_article(article, context_over(backend, use_glossary=True))
    assert qa["glossary_ok"] < qa["glossary_terms"] and backend.seen
    assert not any(r.sample for r in backend.seen)


def test_consistency_counts_the_usual_rendering_of_recurring_terms():
    rows = [{"rendered": 3, "renderings": {"mean": 2, "average": 1}},
            {"rendered": 1, "renderings": {"rank": 1}},          # once: nothing to be consistent with
            {"rendered": 2, "renderings": {"norm": 2}}]
    assert consistency(rows) == (4, 5)


def test_with_context_on_each_request_carries_the_previous_segments_chinese_without_formulas():
    from pipeline.backends.prompts import user_message

    [article] = parse_text("标题\n\n第一段讲$x^2$的性质。\n\n第二段继续。\n", Path("c.md"))
    backend = RecordingBackend()
    translate_article(article, context_over(backend, context_chars=6))
    second = next(r for r in backend.seen if r.text.startswith("第二段"))
    assert second.context.endswith("的性质。")
    assert "$" not in second.context and len(second.context) <= 6
    assert "for context only" in user_message(second)
    [plain] = parse_text("标题\n\n第一段。\n\n第二段。\n", Path("d.md"))
    backend = RecordingBackend()
    translate_article(plain, context_over(backend))
    assert all(r.context == "" for r in backend.seen)     # off by default


class NegatingRetryBackend(CopyingBackend):
    """Copies; asked again for a missing term, it puts the term in and adds a negation."""

    def translate(self, batch):
        out = []
        for request, reply in zip(batch, super().translate(batch)):
            if request.strict and any("not translated as required" in note for note in request.notes):
                reply = Reply("Contraction Mapping is not " + reply.text)
            out.append(reply)
        return out


def test_a_glossary_retry_that_breaks_the_meaning_is_not_taken():
    """The retry renders the term but adds a negation the first answer did not have: the first
    answer is kept (a retry must not make a sentence worse)."""
    [article] = parse_text("标题\n\n本文讨论收缩映射（Contraction Mapping）。\n\n收缩映射的性质很好。\n", Path("a.md"))
    translate_article(article, context_over(NegatingRetryBackend(), use_glossary=True))
    seg = next(s for s in article.segments if s.source.startswith("收缩映射的性质"))
    assert "retried for glossary terms (收缩映射): not accepted, the first answer kept" in seg.notes
    assert " not " not in seg.translation
