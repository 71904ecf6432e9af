"""Fuzzing everything that reads a model's reply (strategies in reply_fuzz.py): no reply may raise,
and an article translated through any replies at all is still written whole - every formula, code
span, link and Chinese sentence of its source in the file (the conservation check against the
raw source), nothing the source lacks added.

Bounded: the unit-level properties run a few hundred replies each in seconds; the whole-article
property a few dozen articles. A failure prints the falsifying example (Hypothesis)."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copying_backend import context_over
from reply_fuzz import FuzzBackend, any_text, replies
from pipeline.backends.prompts import clean_reply
from pipeline.checks.meaning import MeaningConfig
from pipeline.checks.qa import assess_segment
from pipeline.checks.structure import QAConfig
from pipeline.document import Article, Block, Segment, PARAGRAPH
from pipeline.glossary import Glossary
from pipeline.ingest.reader import parse_text
from pipeline.recurring_terms import clean_rendering
from pipeline.stages import LocalRunner, RunResult, run_articles
from pipeline.summarize import summarize_article
from pipeline.summarize.support import check_sentence
from pipeline.text.protect import DEFAULT_STYLE, RETRY_STYLE, find_protected_spans, placeholder_problems, protect, restore
from pipeline.text.segmenting import segment_article
from pipeline.translate.formula_words import translate_formula_words
from pipeline.translate.repair import RepairBySentence
from pipeline.translate.sampling import RetryBySampling
from pipeline.translate.units import ModelCall, Unit
from pipeline.translate.formula_words import formula_safe

FAST = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
WHOLE = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

GLOSSARY = Glossary.default()
SENTENCES = ("我们知道，梯度裁剪（Gradient Clipping）的默认阈值是$1$，但这并不是说$\\|g\\|\\leq 1$总成立。"
             "难道不是三百万个参数吗？GPT-4和LLaMA都收敛了！参考[《科学空间FAQ》](https://kexue.fm/faq)。")
SPANS = find_protected_spans(SENTENCES)


def _segment(translation: str | None = None) -> Segment:
    seg = Segment(SENTENCES, spans=SPANS, translation=translation)
    seg.terms = tuple(GLOSSARY.terms_in(protect(SENTENCES, SPANS)))
    return seg


reply = replies(protect(SENTENCES, SPANS)) | replies(protect(SENTENCES, SPANS, RETRY_STYLE)) | any_text


@FAST
@given(reply)
def test_restoring_and_checking_placeholders_never_raises(text):
    for style in (DEFAULT_STYLE, RETRY_STYLE):
        placeholder_problems(text, len(SPANS), style)
        restored = restore(text, SPANS, style)
        assert isinstance(restored, str)
    clean_reply(text)


@FAST
@given(reply)
def test_every_check_reads_any_translation(text):
    results = assess_segment(_segment(restore(text, SPANS)), GLOSSARY, QAConfig(), MeaningConfig())
    assert results and all(isinstance(r.ok, bool) for r in results)


class _Answers:
    """A backend answering each request with the next drawn reply."""
    slots, samples, model_id, model_sha256 = 1, True, "fuzz", "0" * 64

    def __init__(self, data):
        self.data = data

    def translate(self, batch):
        from pipeline.backends.base import Reply
        return [Reply(self.data.draw(replies(r.text) | any_text)) for r in batch]


@FAST
@given(st.data())
def test_a_model_call_checks_any_reply(data):
    call = ModelCall(_Answers(data), GLOSSARY, QAConfig())
    unit = Unit(SENTENCES, SPANS, _segment())
    call([unit], DEFAULT_STYLE, strict=False, stage="fuzz")
    assert isinstance(unit.english, str) and isinstance(unit.problems, list)


@FAST
@given(reply, st.data())
def test_sentence_repair_aligns_and_splices_any_translation(text, data):
    seg = _segment(restore(text, SPANS))
    call = ModelCall(_Answers(data), GLOSSARY, QAConfig())
    RepairBySentence(MeaningConfig()).run([seg], call)
    assert isinstance(seg.translation, str)


@FAST
@given(reply, st.data())
def test_sampled_answers_are_judged_whatever_they_say(text, data):
    seg = _segment(restore(text, SPANS))
    RetryBySampling(MeaningConfig()).run([seg], ModelCall(_Answers(data), GLOSSARY, QAConfig()))
    assert isinstance(seg.translation, str)


@FAST
@given(reply)
def test_words_for_formulas_and_term_lookups_take_any_reply(text):
    assert formula_safe(text) is None or "\\" not in text.replace("\\%", "")
    assert clean_rendering(text) is None or "\n" not in clean_rendering(text)


@FAST
@given(st.data())
def test_formula_words_take_any_reply(data):
    article = Article("t", None, None, Path("a.md"), 1, [Block(PARAGRAPH, "见$\\text{朴素版} + \\text{改进版}$。")])
    segment_article(article)
    english, kept = translate_formula_words(article, _Answers(data), GLOSSARY)
    assert set(english) | set(kept) == {"朴素版", "改进版"}


@FAST
@given(reply, st.lists(reply, min_size=1, max_size=4))
def test_summary_sentences_are_held_to_any_article_sentences(summary, sentences):
    support = check_sentence(summary, sentences)
    assert 0.0 <= support.coverage <= 1.0


@FAST
@given(st.data())
def test_a_summary_is_made_from_any_reply(data):
    article = parse_text("# 标题\n\n" + SENTENCES + "\n\n第二段讲学习率$\\eta$的选择，这是总结。\n", Path("a.md"))[0]
    segment_article(article)
    for seg in article.segments:
        seg.translation = data.draw(replies(seg.source) | any_text)
    outcome = summarize_article(article, lambda system, user, max_tokens=None: data.draw(replies(user) | any_text))
    assert outcome.text is None or isinstance(outcome.text, str)


# -- whole articles ---------------------------------------------------------------------------

DOCUMENTS = {
    "formula-dense.md": (Path(__file__).parent / "data" / "formula-dense.md").read_text(encoding="utf-8"),
    "post.md": "# 梯度裁剪\n\n" + SENTENCES + "\n\n"
               "- 列表项：`code` 和 $x^2$，以及 @张宇 的意见\n\n"
               "> 引用中的公式\n$$\n\\begin{equation}\\text{损失} = \\sum_i x_i \\label{eq:a}\\end{equation}\n$$\n"
               "\n| 方法 | 结果 |\n|---|---|\n| 朴素版 | $66.07\\%$ |\n\n"
               "![示意图](a.png \"点击查看原图\")由式$\\eqref{eq:a}$可知，作者[@张宇](https://e.x/zy)说得对。\n",
}


@WHOLE
@given(st.sampled_from(sorted(DOCUMENTS)), st.data())
def test_an_article_through_any_replies_is_written_whole(tmp_path_factory, name, data):
    out = tmp_path_factory.mktemp("fuzz")
    ctx = context_over(FuzzBackend(data), use_glossary=True, summaries=True, state_dir=out / "state")
    result = RunResult()
    finished = list(run_articles(parse_text(DOCUMENTS[name], Path(name)), ctx, LocalRunner(ctx), result, out))
    assert result.failures == [] and len(finished) == 1
    assert finished[0].qa["conservation"] == [], finished[0].qa["conservation"]
    assert result.internal_errors == 0, ctx.errors.path.read_text(encoding="utf-8")
