"""English words reduced to a comparable form, so a term is recognised whatever its inflection
or spelling: Snowball's English (Porter2) stemmer after British -ise/-isation/-our spellings and
the Latin plurals of mathematics are brought to one form.

`stem("Normalised")` == `stem("normalization")` == "normal", `stem("matrices")` == "matrix".
Porter2 is not symmetric across derivations (dimension -> dimens, dimensional -> dimension;
embedding -> embed, embed -> emb), so two words also match when one is a long enough beginning
of the other, and a term matches whether written apart, hyphenated or solid (pre-training,
pretraining).
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")
# The author's own English for a term, in brackets after it: 梯度裁剪(Gradient Clipping), 大语言模型（LLM）.
AUTHOR_GLOSS = re.compile(r"[（(]\s*([A-Za-z][A-Za-z0-9 .'-]*[A-Za-z0-9])\s*[)）]")
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_ACRONYM_PLURAL = re.compile(r"[A-Z][A-Z0-9]+s")

# Plurals the stemmer leaves apart from their singular (matrix/matric).
_LATIN_PLURALS = {"matrices": "matrix", "indices": "index", "vertices": "vertex", "simplices": "simplex",
                  "hypotheses": "hypothesis", "analyses": "analysis", "bases": "basis", "axes": "axis",
                  "theses": "thesis", "criteria": "criterion", "phenomena": "phenomenon", "lemmata": "lemma",
                  "lemmas": "lemma", "formulae": "formula", "spectra": "spectrum", "maxima": "maximum",
                  "minima": "minimum", "optima": "optimum", "extrema": "extremum"}
# British spellings: the stemmer keeps "normalis" apart from "normal" ("normaliz" -> "normal").
_BRITISH = ((re.compile(r"(?<=[a-z]{3})is(ation|ations|e|es|ed|ing|er|ers)$"), r"iz\1"),
            (re.compile(r"(?<=[a-z]{2})our$"), "or"), (re.compile(r"(?<=[a-z]{3})tre$"), "ter"),
            (re.compile(r"(?<=[a-z]{3})lled$"), "led"), (re.compile(r"(?<=[a-z]{3})lling$"), "ling"))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One word's comparable form (lower case)."""
    if _ACRONYM_PLURAL.fullmatch(word):   # RNNs, LLMs
        word = word[:-1]
    word = word.lower()
    if word.endswith("'s"):
        word = word[:-2]
    word = _LATIN_PLURALS.get(word, word)
    if word.isascii() and word.isalpha():
        for pattern, american in _BRITISH:
            word = pattern.sub(american, word)
    return _STEMMER.stemWord(word)


def words(text: str) -> list[str]:
    """The words of a text: runs of letters and digits; hyphens and punctuation separate."""
    return _WORD.findall(text)


def stems(text: str) -> tuple[tuple[str, str], ...]:
    """Each word's stem and its lower-case self."""
    return tuple((stem(w), w.lower()) for w in words(text))


_MIN_SHARED_BEGINNING = 5


def same_word(a: tuple[str, str], b: tuple[str, str]) -> bool:
    """Two forms of one word: the same stem, or one stem or word a beginning of the other of
    5 letters or more."""
    return a[0] == b[0] or _begins(a[0], b[0]) or _begins(a[1], b[1])


def _begins(a: str, b: str) -> bool:
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= _MIN_SHARED_BEGINNING and long_.startswith(short)


# Small words an expansion skips in its initials (Islamic State of Iraq and the Levant: ISIL), and
# words too common to stand for a letter of one ("no such agreement" is no NSA).
_SKIPPED_IN_INITIALS = frozenset({"of", "and", "the", "for", "in", "on", "to", "a", "an"})
_NOT_IN_INITIALS = frozenset("""such was were are this that these those with from into its his her their
our has have had not but can may will all any who which what when than then also only very more most
some each both other""".split())


def is_acronym(text: str) -> bool:
    return 3 <= len(text) <= 6 and text.isascii() and text.isalpha() and text.isupper()


def spells(haystack: tuple[tuple[str, str], ...], acronym: str) -> bool:
    """Whether consecutive words of `haystack` spell `acronym` with their initials (national
    security advisor = NSA): the expansion renders it. Small words are skipped after the first;
    a letter stands for a word of 3+ letters that is not a common function word."""
    letters = acronym.lower()
    for start in range(len(haystack)):
        if haystack[start][1][0] != letters[0]:
            continue
        got = ""
        for at in range(start, len(haystack)):
            word = haystack[at][1]
            if len(got) == len(letters):
                break
            if at > start and word in _SKIPPED_IN_INITIALS and word[0] != letters[len(got)]:
                continue
            if word[0] != letters[len(got)] or len(word) < 3 or word in _NOT_IN_INITIALS:
                break
            got += word[0]
        if got == letters:
            return True
    return False


def contains(haystack: tuple[tuple[str, str], ...], needle: tuple[tuple[str, str], ...]) -> bool:
    """Whether `needle` occurs in `haystack` as consecutive words, or with its words joined or
    split differently (pre train / pretrain)."""
    n = len(needle)
    if n == 0:
        return False
    for i in range(len(haystack) - n + 1):
        if all(same_word(h, w) for h, w in zip(haystack[i:i + n], needle)):
            return True
    joined = "".join(s for s, _ in needle)
    for i in range(len(haystack)):
        run = ""
        for word, _ in haystack[i:i + n + 1]:
            run += word
            if run == joined:
                return True
            if len(run) >= len(joined):
                break
    return False
