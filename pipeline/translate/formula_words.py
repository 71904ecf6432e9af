"""The English of the Chinese inside formulas (`\\text{朴素版}`), for the English-only layout: a
glossary term as the glossary gives it, anything else through the model with the glossary's terms
(pipeline/text/formula_text.py keeps every other byte of the formula). A reply that would not be
safe inside `\\text{}` leaves the Chinese as it is (recorded)."""

from __future__ import annotations

from pipeline.backends.base import TranslationRequest
from pipeline.document import Article
from pipeline.text.formula_text import chinese_text_args, formula_safe
from pipeline.text.latex import FORMULA_SPAN_KINDS



def chinese_in_formulas(article: Article) -> list[str]:
    """The distinct Chinese text arguments of the article's formulas, in order."""
    found: dict[str, None] = {}
    for seg in article.segments:
        for span in seg.spans:
            if span.kind in FORMULA_SPAN_KINDS:
                for start, end in chinese_text_args(span.text):
                    found.setdefault(span.text[start:end], None)
    return list(found)


def translate_formula_words(article: Article, backend, glossary=None) -> tuple[dict[str, str], list[str]]:
    """({Chinese: English} for the article's formulas, the Chinese left as it is)."""
    wanted = chinese_in_formulas(article)
    english: dict[str, str] = {}
    asked = []
    for zh in wanted:
        term = glossary.terms.get(zh) if glossary is not None else None
        rendering = formula_safe(term.en) if term is not None else None
        if rendering:
            english[zh] = rendering
        else:
            asked.append(zh)
    if asked:
        terms = [tuple(glossary.terms_in(zh)) if glossary is not None else () for zh in asked]
        replies = backend.translate([TranslationRequest(zh, terms=t) for zh, t in zip(asked, terms)])
        for zh, reply in zip(asked, replies):
            rendering = formula_safe(reply.text)
            if rendering:
                english[zh] = rendering
    return english, [zh for zh in wanted if zh not in english]
