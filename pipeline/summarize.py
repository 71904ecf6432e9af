"""English summaries, written from the English translation (the packaged model summarises
English well and tends to translate when handed Chinese).

Formulas reach the model as placeholders; any it keeps are restored to the article's real
spans, so a summary holds a byte-identical formula or none. DESIGN.md measured the failure to
guard against: asked for a conclusion, the model answered the article's open question
(wrongly) - so the prompt asks what the article discusses and claims, and each sentence is
checked for support in the translation."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.document import DISPLAY_MATH, HEADING, Article
from pipeline.text.protect import DEFAULT_STYLE, placeholder_problems, restore
from pipeline.backends.prompts import clean_reply
from pipeline.checks.qa import QAConfig, check_repetition
from pipeline.text.sentences import split_en_sentences
from pipeline.text.spans import locate_restored, rewrite
from pipeline.text.han import HAN

SUMMARY_PROMPT_VERSION = "summary-v2"
CHUNK_CHARS = 2500   # English characters per map step: well inside a 2048-token slot

SYSTEM = """You summarize English technical articles (machine learning, mathematics) for readers deciding what to read.
Rules:
1. Say what the article discusses and what it claims. Never answer a question the article leaves open, never add facts, never give your opinion.
2. Write plain English sentences, no lists, no headings, no formulas. Markers such as {v1} stand for formulas: leave them out.
3. Output only the summary."""

_STOP = set("""the a an and or of to in on for with by from as is are was were be been this that these those it its
we our they their which what how why when can may also into than then there here such more most about between
article paper author authors discusses discuss introduces introduce explains explain shows show""".split())


@dataclass
class SummaryResult:
    text: str | None
    flags: list[str]
    notes: list[str]


def english_text(article: Article) -> tuple[str, list]:
    """The article's English prose (display formulas left out), and its inline spans."""
    parts, spans = [], []
    for block in article.blocks:
        if block.kind in (DISPLAY_MATH, HEADING) or not block.segments:
            continue
        for seg in block.segments:
            if seg.translate and seg.translation:
                parts.append(seg.translation)
                spans += seg.spans
    return "\n\n".join(parts), spans


SHORT_TEXT = 400  # English characters: a text this short gets a one- or two-sentence summary


def summary_length(article: Article, english_chars: int) -> tuple[int, int]:
    if article.excerpt:
        return (1, 1)
    return (1, 2) if english_chars < SHORT_TEXT else (2, 4)


def summarize_article(article: Article, complete, glossary=None, qa: QAConfig = QAConfig()) -> SummaryResult:
    """`complete(system, user, max_tokens) -> str` is a chat model (the llama backend)."""
    text, spans = english_text(article)
    if not text.strip():
        return SummaryResult(None, ["no English text to summarise"], [])
    lo, hi = summary_length(article, len(text))
    used = _present(text, spans)
    protected = _mask(text, used)
    notes = []
    if len(protected) > CHUNK_CHARS:  # map-reduce: a sentence or two per chunk, then combine
        chunks = _chunks(protected, CHUNK_CHARS)
        partial = [clean_reply(complete(SYSTEM, _ask(c, 1, 2, "part of an article"), 200)) for c in chunks]
        protected = "\n".join(partial)
        notes.append(f"summarised in {len(chunks)} parts, then combined")
    terms = [en for zh, en in (glossary.terms_in("".join(b.source for b in article.blocks)) if glossary else [])]
    summary, problems = None, []
    for attempt in range(2):
        reply = clean_reply(complete(SYSTEM, _ask(protected, lo, hi, "article", problems if attempt else ()), 300))
        problems = summary_problems(reply, len(used), lo, hi, text, terms, glossary, qa)
        summary = restore(reply, used, DEFAULT_STYLE)
        if not problems:
            break
        notes.append(f"first summary rejected: {'; '.join(problems)}")
    return SummaryResult(summary, [f"summary: {p}" for p in problems], notes)


def summary_problems(reply: str, n_spans: int, lo: int, hi: int, english: str, terms: list[str],
                     glossary, qa: QAConfig) -> list[str]:
    problems = []
    if HAN.search(reply):
        problems.append("Chinese in the summary")
    leaked = [p for p in placeholder_problems(reply, n_spans, DEFAULT_STYLE) if p.startswith("unknown")]
    if leaked or re.search(r"\[\[\d+\]\]|<m\d+/>", reply):
        problems.append("a formula marker leaked")
    if "$" in reply or "\\(" in reply:
        problems.append("a formula written by the model, not copied from the article")
    sentences = split_en_sentences(reply)
    if not lo <= len(sentences) <= hi + 1 or not 30 <= len(reply) <= 900:
        problems.append(f"{len(sentences)} sentence(s), {len(reply)} characters (wanted {lo}-{hi} sentences)")
    if not check_repetition(reply, qa).ok:
        problems.append("repetition")
    if terms and glossary and not any(glossary.rendered(t, reply) for t in terms):
        problems.append("names none of the article's technical terms")
    unsupported = [s for s in sentences if not _supported(s, english)]
    if unsupported:
        problems.append(f"not supported by the translation: {unsupported[0][:60]}")
    return problems


def _supported(sentence: str, english: str, threshold: float = 0.5) -> bool:
    """Most content words of a summary sentence occur in the translation (crude, lexical)."""
    words = [w for w in re.findall(r"[a-z][a-z\-]{3,}", sentence.lower()) if w not in _STOP]
    if not words:
        return True
    source = english.lower()
    return sum(1 for w in words if w[:5] in source) / len(words) >= threshold


def _ask(text: str, lo: int, hi: int, what: str, problems=()) -> str:
    n = f"{lo} sentence" if lo == hi == 1 else f"{lo} to {hi} sentences"
    ask = f"Summarize this {what} in {n}.\n\n{text}\n\nSummary:"
    if problems:
        ask = f"Your previous summary was rejected: {'; '.join(problems)}.\n" + ask
    return ask


def _mask(text: str, spans) -> str:
    """Every occurrence of each formula becomes its marker ({v1} for the first formula);
    `spans` differ in text (see _present)."""
    number = {span.text: n for n, span in enumerate(spans, 1)}
    return rewrite(text, locate_restored(text, spans), span=lambda _, span: DEFAULT_STYLE.make(number[span.text]))


def _present(text: str, spans) -> list:
    seen, out = set(), []
    for span in spans:
        if span.text in text and span.text not in seen:
            seen.add(span.text)
            out.append(span)
    return out


def _chunks(text: str, size: int) -> list[str]:
    chunks, current = [], ""
    for para in text.split("\n\n"):
        if current and len(current) + len(para) > size:
            chunks.append(current)
            current = ""
        current = f"{current}\n\n{para}" if current else para
    return chunks + ([current] if current else [])
