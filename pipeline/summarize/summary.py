"""English summaries, faithful by construction: the article's key sentences are chosen from its
English translation (select.py), the model is asked only to condense them, and every sentence
it writes is held to the sentences it came from (support.py). A sentence that fails is dropped;
if too few are left, the summary is the chosen sentences themselves (extractive), and the reason
is recorded. Formulas reach the model as markers; any it keeps are restored to the article's
real spans, and an extractive summary carries the article's own spans.

Why not "summarise the article" as before: a review of whole held-out posts found every such
summary unfaithful (another paper's work credited to the author, discussions the article never
has) while reusing the article's words, so a lexical check passed them."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field

from pipeline.checks.meaning import MeaningConfig
from pipeline.checks.structure import QAConfig, check_repetition
from pipeline.document import Article
from pipeline.backends.prompts import clean_reply
from pipeline.signature import code_signature
from pipeline.summarize import claims, select, support
from pipeline.summarize.select import CHUNK_CHARS, SourceSentence, article_sentences, choose, is_anecdote
from pipeline.summarize.support import SentenceSupport, check_sentence
from pipeline.text.han import HAN
from pipeline.text.protect import DEFAULT_STYLE, placeholder_problems, restore
from pipeline.text.sentences import split_en_sentences
from pipeline.text.spans import locate_restored, rewrite

# What decides a stored summary: its prompt, the choice of sentences and the checks it passed
# (pipeline/signature.py).
SUMMARY_PROMPT_VERSION = code_signature("summary", [select, support, claims, sys.modules[__name__]])

SYSTEM = """You shorten a few sentences taken from an English technical article (machine learning, mathematics) into a summary.
Rules:
1. Use only what the given sentences state. Never add a fact, name, number, comparison or conclusion; never say who proposed something unless a sentence says so.
2. Keep the sentences' own words for terms, names and numbers, and keep every "not" and every comparison as it is.
3. Write plain English sentences, no lists, no headings, no formulas. Markers such as {v1} stand for formulas: leave them out.
4. Output only the summary."""

SHORT_TEXT = 400  # English characters: a text this short gets a one- or two-sentence summary


@dataclass
class SummaryResult:
    text: str | None
    flags: list[str]
    notes: list[str]
    # How it was made and checked (qa.json "summary_check"): mode (condensed / extractive), the
    # chosen sentences, each summary sentence with the article sentences it is aligned to.
    details: dict = field(default_factory=dict)


def english_text(article: Article) -> tuple[str, list]:
    """The article's English prose (display formulas and headings left out) and its spans: what a
    summary is made from (and keyed by in the memory)."""
    sentences = article_sentences(article)
    return " ".join(s.text for s in sentences), [sp for seg in article.segments for sp in seg.spans]


def summary_length(article: Article, english_chars: int) -> tuple[int, int]:
    if article.excerpt:
        return (1, 1)
    return (1, 2) if english_chars < SHORT_TEXT else (2, 4)


def how_many(article: Article, english_chars: int) -> tuple[int, int]:
    """(sentences to choose, their character budget) for a summary of (lo, hi) sentences."""
    lo, hi = summary_length(article, english_chars)
    if hi == 1:
        return (3, 700)
    return (hi + 2, 1400) if english_chars <= 2 * CHUNK_CHARS else (8, 2000)   # long: parts (select.choose)


def summarize_article(article: Article, complete, qa: QAConfig = QAConfig(),
                      meaning: MeaningConfig = MeaningConfig()) -> SummaryResult:
    """`complete(system, user, max_tokens) -> str` is a chat model (the llama backend)."""
    sentences = article_sentences(article, meaning)
    if not sentences:
        return SummaryResult(None, ["no English text to summarise"], [])
    chars = sum(len(s.text) for s in sentences)
    lo, hi = summary_length(article, chars)
    chosen = choose(sentences, *how_many(article, chars))
    spans = _present(" ".join(s.text for s in chosen), [sp for seg in article.segments for sp in seg.spans])
    notes: list[str] = []
    problems: list[str] = []
    supports: list[SentenceSupport] = []
    condensed = None
    for attempt in range(2):
        reply = clean_reply(complete(SYSTEM, _ask(chosen, spans, lo, hi, problems), 300))
        problems = whole_summary_problems(reply, len(spans), qa)
        if not problems:
            condensed = restore(reply, spans, DEFAULT_STYLE)
            supports = [check_sentence(s, [c.text for c in chosen]) for s in split_en_sentences(condensed)]
            break
        notes.append(f"condensed summary rejected: {'; '.join(problems)}")
    kept = [s for s in supports if s.ok]
    dropped = [s for s in supports if not s.ok]
    for s in dropped:
        notes.append(f"summary sentence dropped ({'; '.join(s.problems)}): {s.sentence}")
    if len(kept) > hi:   # the model often keeps every sentence it was given: the first `hi` stand
        notes.append(f"kept the first {hi} of {len(kept)} supported sentences")
        kept = kept[:hi]
    if kept and len(kept) >= len(dropped):   # at least half of what the model wrote stands
        text, mode = " ".join(s.sentence for s in kept), "condensed"
    else:
        reason = "; ".join(problems) or f"{len(dropped)} of {len(supports)} sentences not supported"
        notes.append(f"extractive summary (the article's own sentences): {reason}")
        extract = extractive(chosen, hi)
        text, mode = " ".join(s.text for s in extract), "extractive"
        kept = [SentenceSupport(s.text, [chosen.index(s)], 1.0) for s in extract]
    details = {"mode": mode, "condensed": condensed,
               "chosen": [{"index": s.index, "segment": s.segment, "text": s.text, "why": s.why} for s in chosen],
               "sentences": [_shown(s, chosen) for s in kept],
               "dropped": [_shown(s, chosen) for s in dropped],
               "notes": notes}
    flags = ["summary: made from sentences the checks flagged (no unflagged sentence was left)"] \
        if any(s.flagged for s in chosen) else []
    return SummaryResult(text, flags, notes, details)


EXTRACTIVE_MOST = 3   # sentences of the article quoted as its summary


def extractive(chosen: list[SourceSentence], most: int, budget: int = 600) -> list[SourceSentence]:
    """The safe summary: the best of the chosen sentences, in article order, within a budget -
    at most three, never the author's anecdotes or thanks while another sentence is left."""
    most = min(most, EXTRACTIVE_MOST)
    plain = [s for s in chosen if not is_anecdote(s.text)] or chosen
    ranked = sorted(plain, key=lambda s: (-s.score, s.index))
    picked, size = [], 0
    for s in ranked:
        if len(picked) >= most or (picked and size + len(s.text) > budget):
            continue
        picked.append(s)
        size += len(s.text)
    return sorted(picked, key=lambda s: s.index)


def _shown(support: SentenceSupport, chosen: list[SourceSentence]) -> dict:
    """A summary sentence for qa.json, its sources named by their index in the article."""
    return {"text": support.sentence, "sources": [chosen[i].index for i in support.sources],
            "coverage": support.coverage, "problems": support.problems}


def whole_summary_problems(reply: str, n_spans: int, qa: QAConfig) -> list[str]:
    """What makes a condensed reply unusable as a whole (then it is asked for once more)."""
    problems = []
    if HAN.search(reply):
        problems.append("Chinese in the summary")
    leaked = [p for p in placeholder_problems(reply, n_spans, DEFAULT_STYLE) if p.startswith("unknown")]
    if leaked or re.search(r"\[\[\d+\]\]|<m\d+/>", reply):
        problems.append("a formula marker leaked")
    if "$" in reply or "\\(" in reply:
        problems.append("a formula written by the model, not copied from the article")
    if len(reply.strip()) < 30:   # too many sentences is not a problem: the first `hi` that hold are kept
        problems.append(f"{len(reply.strip())} characters: no summary")
    if not check_repetition(reply, qa).ok:
        problems.append("repetition")
    return problems


def _ask(chosen: list[SourceSentence], spans, lo: int, hi: int, problems=()) -> str:
    n = f"{lo} sentence" if lo == hi == 1 else f"{lo} to {hi} sentences"
    numbered = "\n".join(f"[{k}] {_mask(s.text, spans)}" for k, s in enumerate(chosen, 1))
    ask = f"Sentences from the article:\n{numbered}\n\nShorten them into a summary of {n}.\n\nSummary:"
    if problems:
        ask = f"Your previous summary was rejected: {'; '.join(problems)}.\n" + ask
    return ask


def _mask(text: str, spans) -> str:
    """Every occurrence of each formula becomes its marker ({v1} for the first formula)."""
    number = {span.text: n for n, span in enumerate(spans, 1)}
    return rewrite(text, locate_restored(text, spans), span=lambda _, span: DEFAULT_STYLE.make(number[span.text]))


def _present(text: str, spans) -> list:
    """The article's spans that occur in `text`, each once (spans of different segments may
    share a text)."""
    seen, out = set(), []
    for span in spans:
        if span.text in text and span.text not in seen:
            seen.add(span.text)
            out.append(span)
    return out
