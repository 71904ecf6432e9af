"""Where sentences end: the one definition, Chinese and English, and which marks end only a
clause. Segmenting cuts at sentence and clause ends; QA counts sentences only; conservation
cuts the source finer still; summaries split English sentences."""

from __future__ import annotations

import re

# End a Chinese sentence (the ASCII ! and ? too: mixed prose uses them).
SENTENCE_MARKS = "。！？!?"
# End a clause, not a sentence: a place to cut a long text, not a sentence to count.
CLAUSE_MARKS = "；;"
# Closing quotes and brackets that belong to the sentence before them.
CLOSERS = "”’」』）)"
ELLIPSIS = "…"

# A Chinese sentence end: marks, then any closers (QA counts these).
ZH_SENTENCE_END = re.compile(f"[{SENTENCE_MARKS}]+[{CLOSERS}]*")
# A Latin full stop inside Chinese prose: after a lower-case letter or digit and before a
# space (so not after an initial like "A. ").
LATIN_FULL_STOP = r"(?<=[a-z0-9])\.(?=\s)"
# Where segmenting may cut Chinese prose: a sentence or clause end (closers kept with it), a
# Latin full stop, a line end.
SEGMENT_CUT = re.compile(rf"[{SENTENCE_MARKS}{CLAUSE_MARKS}]+[{CLOSERS}]*|{LATIN_FULL_STOP}|\n")
# Where conservation cuts a source into pieces whose Han characters must each reach the
# output: after any sentence, clause or ellipsis mark or line end (small pieces name what
# was lost precisely; closers hold no Han, so they need no care).
PIECE_CUT = re.compile(rf"(?<=[{SENTENCE_MARKS}{CLAUSE_MARKS}{ELLIPSIS}\n])")

# An English sentence end: marks, then any closing quotes or brackets, then a space or the end.
EN_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)")


def count_zh_sentences(text: str) -> int:
    """Sentence ends in Chinese text (clause ends are not counted)."""
    return len(ZH_SENTENCE_END.findall(text))


def count_en_sentences(text: str) -> int:
    return len(EN_SENTENCE_END.findall(text))


def split_en_sentences(text: str) -> list[str]:
    """The English sentences of `text`, each with its closing mark, spaces between dropped."""
    sentences, pos = [], 0
    for m in EN_SENTENCE_END.finditer(text):
        sentences.append(text[pos:m.end()].strip())
        pos = m.end()
    sentences.append(text[pos:].strip())
    return [s for s in sentences if s]
