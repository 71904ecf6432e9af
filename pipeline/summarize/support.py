"""Is each summary sentence said by the article? The sentence is aligned to the article sentences
it comes from (those that together hold most of its content words), then held to them: every
name, number, relation word (better, more, reduces, equivalent, only...) and negation in it must
be in those sentences, and a claim that the author proposed something must not be made of a
sentence that credits another paper.

What it is built to catch (a review found all of these in fluent summaries that reused the
article's words): another paper's work attributed to the author, a conclusion the article does not
draw, a flipped comparison or dropped negation, an invented number. Measured on a labelled set of
summaries with one injected claim each (tests/data/summary-claims.jsonl, docs/quality.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.summarize.claims import (FORMULA, Claim, added_clause, attribution, content_words, formulas, held,
                                       names, negation, numbers, relations, stems, swapped_sides)

MIN_COVERAGE = 0.65   # of a summary sentence's content words found in its aligned sentences
MOST_SOURCES = 3      # a summary sentence condenses at most this many article sentences
CLAIM_CHECKS = (names, numbers, formulas, relations, swapped_sides, negation, attribution, added_clause)
_ENUMERATOR = re.compile(r"^\s*\d{1,2}[.)]\s*")   # "3. " before a list item is not a number the sentence states


@dataclass
class SentenceSupport:
    """A summary sentence, the article sentences it was aligned to (positions in the list it was
    checked against), how much of it they hold, and what in it they do not."""

    sentence: str
    sources: list[int]
    coverage: float
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_sentence(sentence: str, article_sentences: list[str]) -> SentenceSupport:
    plain = FORMULA.sub(" ", _ENUMERATOR.sub("", sentence))
    content = content_words(plain)
    sources = [FORMULA.sub(" ", s) for s in article_sentences]
    source_words = [stems(s) for s in sources]
    aligned = _align(content, source_words)
    words = [w for i in aligned for w in source_words[i]]
    coverage = round(sum(1 for w in content if held(w, words)) / len(content), 2) if content else 1.0
    support = SentenceSupport(sentence, aligned, coverage)
    if not aligned and content:
        support.problems.append("no sentence of the article says this")
        return support
    if coverage < MIN_COVERAGE:
        missing = [w[1] for w in content if not held(w, words)]
        support.problems.append("not in the article's sentences: " + ", ".join(dict.fromkeys(missing)))
    claim = Claim(sentence, plain, content, sources, aligned, article_sentences)
    for check in CLAIM_CHECKS:
        support.problems += check(claim)
    return support


def _align(content: list, source_words: list[list]) -> list[int]:
    """Greedy cover: the article sentence holding most of the still-uncovered words, then the
    next, while each adds at least two (one, for a first pick)."""
    uncovered, aligned = list(content), []
    while uncovered and len(aligned) < MOST_SOURCES:
        gains = [(sum(1 for w in uncovered if held(w, words)), -i) for i, words in enumerate(source_words)
                 if i not in aligned]
        if not gains:
            break
        gain, neg_i = max(gains)
        if gain == 0 or (aligned and gain < 2):
            break
        aligned.append(-neg_i)
        uncovered = [w for w in uncovered if not held(w, source_words[-neg_i])]
    return sorted(aligned)
