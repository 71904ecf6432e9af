"""Summaries: key sentences chosen from the translation, each condensed sentence held to the
sentences it came from, failures dropped or replaced by the article's own sentences."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.document import HEADING, PARAGRAPH, Article, Block, Segment, Span
from pipeline.summarize.select import article_sentences, choose
from pipeline.summarize.summary import summarize_article
from pipeline.summarize.support import check_sentence

LORA = [
    'The conclusion comes from the recent paper "LoRA+: Efficient Low Rank Adaptation of Large Models" (LoRA+).',
    "LoRA+ asserts that the learning rate of the right matrix must be greater than that of the left matrix.",
    "Assigning the two matrices of LoRA different learning rates can further improve its effectiveness.",
    "Assigning different learning rates does not increase the number of parameters.",
    "We derive the ratio of the two learning rates from a scale analysis.",
]


@pytest.mark.parametrize("sentence, problem", [
    ("The author proposes LoRA+, which gives the two matrices of LoRA different learning rates.", "credits the author"),
    ("LoRA+ asserts that the learning rate of the right matrix must be smaller than that of the left matrix.", "relation"),
    ("Assigning different learning rates improves the effectiveness of LoRA by 15%.", "number"),
    ("Assigning different learning rates increases the number of parameters.", "drops the article's"),
    ("Google's LoRA+ asserts the right matrix needs a greater learning rate than the left matrix.", "name"),
    ("The article concludes that LoRA is always better than full fine-tuning.", "not in the article's sentences"),
    ("Assigning different learning rates never improves LoRA.", "negation"),
    ("Assigning different learning rates introduces three new hyperparameters.", "number"),
    ("LoRA+ sets the right learning rate to $16\\eta$.", "formula"),
    ("The ratio of the two learning rates is derived from the paper LoRA+ by a scale analysis.", "derived from"),
    ("LoRA+ was proposed by Google as an efficient low rank adaptation.", "name"),
])
def test_an_unsupported_claim_is_named(sentence, problem):
    support = check_sentence(sentence, LORA)
    assert not support.ok
    assert any(problem in p for p in support.problems), support.problems


OWNERS = ['Meng Yan\'s book "Understanding Matrices" and my own book "New Understanding of Matrices" were well received.',
          "The two leading systems are OpenAI's DALL·E 2 and Google's Imagen, both based on diffusion models.",
          "In summary, LoRA+ is a classic example of training guided by theory.",
          "I have been busy, so I haven't had time to read the model details carefully yet."]


@pytest.mark.parametrize("sentence, problem", [
    ('Meng Yan\'s book "New Understanding of Matrices" was well received.', "gives Yan"),
    ("The leading systems are Google's DALL·E 2 and OpenAI's Imagen.", "gives Google"),
    ("The author's own book Understanding Matrices was well received.", "gives the author"),
    ("LoRA+ is a classic example of theory guided by training.", "the other way round"),
    ("The author has read the model details carefully.", "drops the article's"),
])
def test_who_owns_what_which_way_round_and_a_dropped_not(sentence, problem):
    support = check_sentence(sentence, OWNERS)
    assert any(problem in p for p in support.problems), support.problems


@pytest.mark.parametrize("sources, sentence", [
    (LORA, "Assigning different learning rates to the two matrices of LoRA can further improve its effectiveness."),
    (LORA, "LoRA+ asserts that the right matrix's learning rate must be greater than the left matrix's."),
    (LORA, "The author derives the ratio of the two learning rates from a scale analysis."),
    (OWNERS, 'Meng Yan wrote "Understanding Matrices" and the author wrote "New Understanding of Matrices".'),
    (OWNERS, "OpenAI's DALL·E 2 and Google's Imagen are both based on diffusion models."),
    (OWNERS, "LoRA+ is a classic example of training guided by theory."),
    (OWNERS, "The author has not yet read the model details carefully."),
])
def test_a_faithful_condensation_is_supported_and_aligned(sources, sentence):
    support = check_sentence(sentence, sources)
    assert support.ok, support.problems
    assert support.sources and support.coverage >= 0.7


def _article(paragraphs: list[tuple[str, str]], flagged: set[int] = frozenset(), heading: str | None = None) -> Article:
    blocks = []
    for i, (zh, en) in enumerate(paragraphs):
        if heading and i == len(paragraphs) - 1:
            blocks.append(Block(HEADING, heading, [Segment(heading, translation="Summary")], level=2))
        spans = [Span(zh.index(f), zh.index(f) + len(f), f, "inline") for f in ("$r$", "$W$") if f in zh]
        seg = Segment(zh, spans=spans, translation=en, flags=["negation lost"] if i in flagged else [])
        blocks.append(Block(PARAGRAPH, zh, [seg]))
    return Article(title=None, date=None, author=None, source=Path("post.md"), index=1, blocks=blocks)


PARAGRAPHS = [
    ("配置不同的学习率，LoRA的效果还能进一步提升。", LORA[2]),
    ("该结论出自最近的论文《LoRA+》。它断定右矩阵的学习率必然大于左矩阵的学习率。", LORA[0] + " " + LORA[1]),
    ("我们用$r$表示秩，用$W$表示权重。这里省略推导细节。", "We write $r$ for the rank and $W$ for the weight. The details of the derivation are left out here."),
    ("不同的学习率并不增加参数量。", LORA[3]),
    ("本文介绍了LoRA+的结论并从尺度分析推导了两个学习率的比值。",
     "This article introduced the conclusion of LoRA+ and derived the ratio of the two learning rates from a scale analysis."),
]


def test_the_authors_own_summary_sentence_and_the_opening_are_chosen_and_flagged_text_is_not():
    article = _article(PARAGRAPHS, flagged={3}, heading="总结")
    sentences = article_sentences(article)
    assert [s.text for s in sentences][:2] == [LORA[2], LORA[0]]
    closing = sentences[-1]
    assert "the author says what the article does" in closing.why and "in the closing section" in closing.why
    chosen = choose(sentences, 3, 700)
    assert sentences[0] in chosen and closing in chosen
    assert not any(s.flagged for s in chosen)   # the flagged paragraph's sentence is left out
    assert [s.index for s in chosen] == sorted(s.index for s in chosen)


class Model:
    """A chat model that answers from a script (records what it was asked)."""

    def __init__(self, *replies: str):
        self.replies, self.asked = list(replies), []

    def __call__(self, system: str, user: str, max_tokens: int | None = None) -> str:
        self.asked.append(user)
        return self.replies.pop(0)


def test_a_faithful_condensed_summary_is_kept_with_its_alignment():
    article = _article(PARAGRAPHS)
    model = Model("Assigning LoRA's two matrices different learning rates can further improve its effectiveness. "
                  "The article derived the ratio of the two learning rates from a scale analysis.")
    result = summarize_article(article, model)
    assert result.details["mode"] == "condensed" and result.text.startswith("Assigning LoRA")
    assert "Sentences from the article:\n[1]" in model.asked[0]
    for sentence in result.details["sentences"]:
        assert sentence["sources"] and not sentence["problems"]
    assert result.flags == []


def test_an_unsupported_sentence_is_dropped_and_the_reason_recorded():
    article = _article(PARAGRAPHS)
    model = Model("Assigning LoRA's two matrices different learning rates can further improve its effectiveness. "
                  "The author proposes LoRA+ and shows it beats full fine-tuning by 15%.")
    result = summarize_article(article, model)
    assert result.details["mode"] == "condensed"
    assert "15%" not in result.text and len(result.details["dropped"]) == 1
    assert any("dropped" in n and "15" in n for n in result.notes)


def test_a_summary_that_fails_twice_becomes_the_articles_own_sentences_formulas_intact():
    paragraphs = [(zh, en) for zh, en in PARAGRAPHS]
    paragraphs[0] = ("配置不同的学习率，秩$r$的LoRA的效果还能进一步提升。",
                     "Assigning different learning rates can further improve LoRA of rank $r$.")
    article = _article(paragraphs)
    model = Model("这是中文。", "Google invented LoRA in 1999. It is always the best method.")
    result = summarize_article(article, model)
    assert result.details["mode"] == "extractive"
    assert "$r$" in result.text   # the article's own span, byte-identical
    assert all(s["sources"] for s in result.details["sentences"])
    assert "Google" not in result.text and any("extractive" in n for n in result.notes)
    assert "rejected: Chinese in the summary" in model.asked[1]


def test_the_extractive_summary_quotes_no_anecdote_or_thanks_and_at_most_three_sentences():
    """The fallback once quoted "When I shared the preliminary results ... with my group" as a
    summary (a real post): the author's story is no summary line."""
    story = [("我把初步结果分享给组里的同学时，大家都很惊讶。", "When I shared the preliminary results with my group, "
              "everyone was surprised."), ("感谢张宇的讨论。", "Thanks to Zhang Yu for the discussion.")]
    article = _article(story + PARAGRAPHS + [("结论是学习率之比约为十六。", "The conclusion is that the ratio of "
                                                                       "the learning rates is about sixteen.")])
    result = summarize_article(article, Model("这是中文。", "这也是中文。"))
    assert result.details["mode"] == "extractive"
    quoted = result.details["sentences"]
    assert 1 <= len(quoted) <= 3
    assert "shared the preliminary" not in result.text and "Thanks" not in result.text


def test_the_summary_check_is_kept_in_the_memory(tmp_path):
    from pipeline.store.memory import TranslationMemory

    memory = TranslationMemory(tmp_path / "memory.sqlite")
    details = {"mode": "condensed", "sentences": [{"text": "A.", "sources": [1], "coverage": 1.0, "problems": []}]}
    memory.put_summary("k", "A.", [], ["note"], details)
    assert memory.get_summary("k") == ("A.", [], ["note"], details)


def test_a_long_articles_later_parts_have_a_say():
    """Sixty paragraphs: the best sentence of each ~2,500-character part is chosen before the
    rest compete on score, so the closing parts are not left out (the 'map' of a map-reduce)."""
    paragraphs = [(f"第{i}段讨论了梯度的第{i}个性质。", f"Paragraph {i} discusses property number {i} of the gradient, "
                   "which matters for the training of the model in several ways.") for i in range(60)]
    article = _article(paragraphs)
    sentences = article_sentences(article)
    chosen = choose(sentences, 8, 2000)
    assert len(chosen) <= 8 and sum(len(s.text) for s in chosen) <= 2000
    assert max(s.index for s in chosen) > 40   # the last part of the article is represented
    assert any(s.index <= 2 for s in chosen)   # and the opening


def test_the_labelled_summary_set_meets_the_targets():
    """tests/data/summary-claims.jsonl (docs/quality.md, "Summaries"): 60+ untouched summaries of seed and
    d2l dev articles, 60+ with one injected unsupported claim; catch >= 90%, false alarms <= 10%."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from summary_set import evaluate

    figures = evaluate()
    injected = sum(n for kind, n in figures["total"].items() if kind not in ("untouched", "natural"))
    assert injected >= 60 and figures["total"]["untouched"] >= 60
    assert figures["recall_injected"] >= 90 and figures["false_alarm_rate"] <= 10, figures


def test_a_summary_made_only_of_flagged_text_is_flagged():
    article = _article(PARAGRAPHS, flagged={0, 1, 2, 3, 4})
    result = summarize_article(article, Model("Assigning LoRA's two matrices different learning rates can further "
                                              "improve its effectiveness."))
    assert result.text and any("flagged" in f for f in result.flags)
