"""Recurring nouns outside the glossary: a noun the article uses in two segments or more (蚂蚁,
工作站, 场景) that neither the glossary nor the author glosses. Translated in separate requests
the model may render it two ways (scene / scenario); so each such noun is looked up once - the
model's English for the noun alone, with the first sentence that holds it as context (a body
sentence before a heading), kept in the memory - and every segment holding it is asked for that
rendering. It is a suggestion, not a requirement: these are often everyday words in context
(场景 is "use case" as often as "scenario"), so a segment that renders one otherwise is neither
retried nor flagged; qa.json's term table shows how each was rendered, and consistency counts
them.

Nouns are found with jieba (segmentation and part of speech); only those rare in general
Chinese (jieba's IDF, words it does not know included) count, so 问题 and 方法 are left alone."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from pipeline.backends.base import TranslationRequest
from pipeline.document import HEADING, Article, Segment
from pipeline.store.memory import MemoryContext, TranslationMemory
from pipeline.text.chinese_words import idf, tagged_words
from pipeline.text.spans import strip_spans
from pipeline.text.words import stems

_NOUNS = {"n", "nz", "vn"}           # jieba's tags: noun, other proper noun, verbal noun
_MIN_IDF = 8.0                       # below: everyday Chinese (问题 4.0, 方法 5.0; 球面 9.5, 工作站 10.1)
_MIN_SEGMENTS = 2
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,8}")
_ENGLISH_TERM = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*(?: [A-Za-z0-9][A-Za-z0-9'\-]*){0,3}")
_FUNCTION_STEMS = {"the", "a", "an", "of", "to", "in", "and", "or", "is", "be", "for", "on", "with", "by",
                   "as", "that", "this", "it", "we", "can", "from", "at", "not"}
_ARTICLE = re.compile(r"(?i)^(?:the|a|an) ")
_SENTENCE = re.compile(r"[^。！？；!?;\n]+")
_CONTEXT_CHARS = 80


def recurring_candidates(article: Article) -> dict[str, str]:
    """{noun: the first sentence holding it - of the body if it has one, a title's words being
    too few to tell the sense} for the article's rare nouns that occur in two segments or more
    and are not a term of it already, nor part of one (分辨率 in 高分辨率)."""
    segments = [(block.kind, seg) for block in article.all_blocks for seg in block.segments if seg.translate]
    if len(segments) < _MIN_SEGMENTS:
        return {}
    seen: Counter = Counter()
    in_body: dict[str, str] = {}
    in_heading: dict[str, str] = {}
    known = {zh for _, seg in segments for zh, _ in seg.terms}
    for kind, seg in segments:
        prose = strip_spans(seg.source, seg.spans)
        nouns = {w for w, tag in tagged_words(prose)
                 if tag in _NOUNS and _HAN_WORD.fullmatch(w) and idf(w, _MIN_IDF) >= _MIN_IDF}
        for word in nouns:
            if not any(word in zh or zh in word for zh in known):
                seen[word] += 1
                first = in_heading if kind == HEADING else in_body
                first.setdefault(word, _sentence_with(prose, word))
    return {w: in_body.get(w) or in_heading[w] for w in seen if seen[w] >= _MIN_SEGMENTS}


def _sentence_with(prose: str, word: str) -> str:
    sentence = next((m.group().strip() for m in _SENTENCE.finditer(prose) if word in m.group()), word)
    if len(sentence) > _CONTEXT_CHARS:
        at = max(0, sentence.index(word) - _CONTEXT_CHARS // 2)
        sentence = sentence[at:at + _CONTEXT_CHARS]
    return sentence


def clean_rendering(reply: str) -> str | None:
    """The model's English for a noun as a term ("The ant." -> "ant"), or None when it is not a
    short English phrase (a sentence, the context translated too, Chinese left in). Case is the
    model's: matching ignores it, and a name keeps its capital."""
    text = reply.strip().splitlines()[0].strip() if reply.strip() else ""
    text = _ARTICLE.sub("", text.strip("\"'“”‘’`*").rstrip(".;:,!?").strip())
    if not _ENGLISH_TERM.fullmatch(text) or all(s in _FUNCTION_STEMS for s, _ in stems(text)):
        return None
    return text


def lookup_context(base: MemoryContext) -> MemoryContext:
    """The memory's key for lookups: the translator's, marked as a lookup."""
    return replace(base, prompt_version=f"{base.prompt_version}/term-lookup")


def look_up(wanted: list[tuple[str, str]], backend, memory: TranslationMemory | None,
            context: MemoryContext) -> tuple[list[str], int]:
    """The English for each (noun, sentence) - "" where the model gave no short English term -
    and the model requests spent. Answers, unusable ones too, are kept in the memory."""
    english = [memory.get_lookup(context, _asked(*pair)) if memory is not None else None for pair in wanted]
    asked = [i for i, known in enumerate(english) if known is None]
    if asked:
        replies = backend.translate([TranslationRequest(wanted[i][0], context=wanted[i][1]) for i in asked])
        for i, reply in zip(asked, replies):
            english[i] = clean_rendering(reply.text) or ""
            if memory is not None:
                memory.put_lookup(context, _asked(*wanted[i]), english[i])
    return [e or "" for e in english], len(asked)


def _asked(noun: str, sentence: str) -> str:
    return f"{noun}\x1f{sentence}"


def suggest_terms(article: Article, rendered: dict[str, str]) -> None:
    """Each segment's looked-up nouns, where an occurrence stands clear of its required terms
    (a lookup never takes the place of a glossary term's match)."""
    article.looked_up_terms = dict(rendered)
    for seg in article.segments:
        if seg.translate:
            prose = strip_spans(seg.source, seg.spans)
            seg.suggested_terms = tuple((zh, en) for zh, en in rendered.items()
                                        if zh in prose and not _inside_terms(prose, zh, seg))


def _inside_terms(prose: str, word: str, seg: Segment) -> bool:
    """Whether every occurrence of `word` overlaps one of the segment's required terms."""
    taken = {i for zh, _ in seg.terms for m in re.finditer(re.escape(zh), prose) for i in range(m.start(), m.end())}
    return all(taken.intersection(range(m.start(), m.end())) for m in re.finditer(re.escape(word), prose))
