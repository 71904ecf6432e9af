"""An article's term table: the glossary's terms, the English the author gave for a term
(梯度裁剪(Gradient Clipping)) - and, reported beside them, the rendering looked up for a
recurring noun outside both (pipeline/recurring_terms.py) - so every segment of the article - not only the one holding the
gloss - is asked for and checked against the same rendering. Each segment's terms are set here,
once, before the model sees it; qa.json shows the table and how each term was rendered."""

from __future__ import annotations

import regex

from pipeline.document import Article
from pipeline.glossary import Glossary, Term, renderings
from pipeline.text.han import HAN_CLASS
from pipeline.text.protect import protect
from pipeline.text.words import AUTHOR_GLOSS, contains, is_acronym, stems, words

# Characters that end the words before a term (的, 为, 称...): the term is what follows the last.
_BEFORE_TERM = set("的了是为称叫即和与或在把被对将从这那个种所谓就也都而及其用以让使由得该此")
_MAX_TERM_CHARS = 8
_HAN_TAIL = regex.compile(f"{HAN_CLASS}*$")


def author_glosses(text: str, glossary: Glossary | None) -> dict[str, str]:
    """zh -> the English the author wrote after it, for the terms that matter to other segments:
    the term is the longest ending of the Han characters before the bracket (after the last
    function character such as 的) that is a glossary term or occurs again in the text."""
    found: dict[str, str] = {}
    for m in AUTHOR_GLOSS.finditer(text):
        run = _after_function_words(_han_tail(text[:m.start()].rstrip()))
        gloss = m.group(1).strip()
        for start in range(max(0, len(run) - _MAX_TERM_CHARS), len(run) - 1):
            zh = run[start:]
            if (glossary is not None and zh in glossary.terms) or text.count(zh) >= 2:
                if not _longer_than(gloss, zh):
                    found.setdefault(zh, gloss)
                break
    return found


def _longer_than(gloss: str, zh: str) -> bool:
    """Whether the gloss says more than the term can: more words (an acronym: letters) than the
    term has characters - it names the longer phrase the term ends (大型电影评论数据集 (large movie
    review dataset) is no gloss of 数据集, 太平洋海啸预警中心 (PTWC) none of 中心)."""
    return (len(gloss) if is_acronym(gloss) else len(words(gloss))) > len(zh)


def _han_tail(text: str) -> str:
    return _HAN_TAIL.search(text).group()


def _after_function_words(run: str) -> str:
    return run[max((i + 1 for i, c in enumerate(run) if c in _BEFORE_TERM), default=0):]


def author_terms(article: Article, glossary: Glossary | None) -> dict[str, Term]:
    """The article's author glosses as terms: an acronym gloss is accepted beside the glossary's
    rendering (large language model (LLM)); a worded one becomes the rendering."""
    text = "\n".join(b.source for b in article.all_blocks)
    extra: dict[str, Term] = {}
    for zh, gloss in author_glosses(text, glossary).items():
        known = glossary.terms.get(zh) if glossary is not None else None
        if known is None:
            extra[zh] = Term(zh, gloss, "", "author's gloss")
        elif gloss.isupper():
            if not any(r.lower() == gloss.lower() for r in known.renderings()):
                extra[zh] = Term(zh, f"{renderings(known.en)[0]} ({gloss})", "", "author's gloss")
        elif stems(gloss) != stems(renderings(known.en)[0]) and not _qualifies(gloss, known):
            extra[zh] = Term(zh, gloss, "", "author's gloss")
    return extra


def _qualifies(gloss: str, term: Term) -> bool:
    """Whether a worded gloss is the glossary's rendering with words added - a more specific
    thing than the term (F范数 (Frobenius Norm) does not make every 范数 "Frobenius norm")."""
    glossed = stems(gloss)
    return any(len(stems(r)) < len(glossed) and contains(glossed, stems(r)) for r in term.renderings())


def attach_terms(article: Article, glossary: Glossary | None) -> None:
    """Each segment's terms, from the glossary and the article's author glosses."""
    article.author_terms = author_terms(article, glossary)
    table = glossary.with_terms(article.author_terms) if glossary is not None else (
        Glossary(article.author_terms) if article.author_terms else None)
    for seg in article.segments + article.word_segments:
        seg.terms = tuple(table.terms_in(protect(seg.source, seg.spans))) if table is not None else ()


def term_table(article: Article, glossary: Glossary | None) -> list[dict]:
    """Each term of the article (and each looked-up recurring noun): its rendering, where it
    comes from, in how many segments it occurs and is rendered, and which accepted renderings
    were used (consistency)."""
    rows: dict[str, dict] = {}
    for block in article.all_blocks:
        for seg in block.segments:
            words = stems(seg.translation or "")
            for zh, en in seg.terms + seg.suggested_terms:
                row = rows.setdefault(zh, {"zh": zh, "en": en, "origin": _origin(article, zh),
                                           "segments": 0, "rendered": 0, "renderings": {}})
                row["segments"] += 1
                used = rendering_used(glossary, zh, en, words)
                if used is not None:
                    row["rendered"] += 1
                    row["renderings"][used] = row["renderings"].get(used, 0) + 1
    return list(rows.values())


def _origin(article: Article, zh: str) -> str:
    if zh in article.author_terms:
        return "author"
    return "looked up" if zh in article.looked_up_terms else "glossary"


def rendering_used(glossary: Glossary | None, zh: str, en: str, words: tuple) -> str | None:
    """Which accepted rendering the translation uses (the same ones the glossary check
    accepts); `X (Y)` counts as one (an abbreviation after its expansion is not a second
    rendering; an acronym's expansion counts as the acronym)."""
    text = (glossary if glossary is not None else _NO_GLOSSARY).used(zh, en, words)
    return renderings(en)[0] if text is not None and text in renderings(en) else text


_NO_GLOSSARY = Glossary({})   # accepts a term's own English forms only


def consistency(rows: list[dict]) -> tuple[int, int]:
    """(occurrences in the term's most used rendering, rendered occurrences) over the terms
    rendered in two segments or more."""
    same = total = 0
    for row in rows:
        if row["rendered"] >= 2:
            same += max(row["renderings"].values())
            total += row["rendered"]
    return same, total
