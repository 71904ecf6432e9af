"""The sentences a summary may be made of: the article's English sentences, each scored as a
candidate for the summary, and the few chosen to hand the model.

A summary condensed from the article's key sentences cannot say what the article does not (the
model is asked only to shorten them), and those sentences are a safe summary themselves if the
condensed one fails its check. Key, in the order a reader of these blogs would look: where the
author says what the article does or concludes (本文, 总结, 综上 - found in the Chinese and carried
to the English sentence by sentence alignment), the opening and the closing section, and the
density of the article's terms. A sentence of a segment the checks flagged is not chosen while
an unflagged one is left: a mistranslation must not be carried into the summary."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.checks.meaning import MeaningConfig, align_sentences
from pipeline.document import DISPLAY_MATH, HEADING, Article, Segment
from pipeline.text.han import HAN
from pipeline.text.sentences import ZH_SENTENCE_END, split_en_sentences
from pipeline.text.spans import strip_restored

# The author saying what the article does or concludes.
_ZH_CUES = re.compile("本文|这篇文章|本篇|笔者|总结|综上|总的来说|简而言之|简单来说|一句话|结论|我们提出|主要(?:贡献|结果)")
# A heading over the author's closing section.
_ZH_CLOSING = re.compile("总结|小结|结语|结论|尾声|末")
# The author telling a story or thanking someone: no summary line ("When I shared the preliminary
# results with my group...", "Thanks to ..."). "We" in technical prose states a result; "I" tells.
ANECDOTE = re.compile(r"\b(?:I|I'm|I've|I'd|I'll|me|my|mine|myself)\b|\b(?:thank(?:s|ed|ful)?|grateful|acknowledge?|"
                      r"congratulat\w*)\b", re.IGNORECASE)
_FIRST_PERSON_I = re.compile(r"\bI\b")
_REFERS_BACK = re.compile(r"^(?:This|These|That|Those|It|They|Such|Here|Therefore|Thus|So|Hence|However|But|And)\b")

LONGEST, SHORTEST = 400, 40     # characters: a sentence outside these makes a poor summary line


@dataclass
class SourceSentence:
    """One English sentence of the translation (formulas restored), where it is, and why it is
    a good or poor summary line."""

    index: int                  # in article order, from 1
    text: str
    segment: int                # the segment it belongs to (index in article.segments, from 1)
    flagged: bool               # its segment failed a check
    score: float = 0.0
    why: list[str] = field(default_factory=list)


def article_sentences(article: Article, config: MeaningConfig = MeaningConfig()) -> list[SourceSentence]:
    """Every English sentence of the article's prose (display formulas and headings left out),
    scored."""
    sentences: list[SourceSentence] = []
    closing = False
    numbered = {id(seg): n for n, seg in enumerate(article.segments, 1)}
    prose = [b for b in article.blocks if b.kind not in (DISPLAY_MATH,) and b.segments]
    for block in prose:
        if block.kind == HEADING:
            closing = bool(_ZH_CLOSING.search(block.source))
            continue
        for seg in block.segments:
            if not (seg.translate and seg.translation):
                continue
            cued = _cued_sentences(seg, config)
            for k, text in enumerate(split_en_sentences(seg.translation)):
                s = SourceSentence(len(sentences) + 1, text, numbered[id(seg)], bool(seg.flags))
                if k in cued:
                    s.why.append("the author says what the article does")
                if closing:
                    s.why.append("in the closing section")
                sentences.append(s)
    for s in sentences:
        _score(s, sentences, article)
    return sentences


def _cued_sentences(seg: Segment, config: MeaningConfig) -> set[int]:
    """The English sentences (by position) aligned with a Chinese sentence that holds a cue."""
    zh = [s for s in _split_zh(seg.source) if s.strip()]
    if not any(_ZH_CUES.search(s) for s in zh):
        return set()
    en = split_en_sentences(seg.translation or "")
    steps = align_sentences([len(HAN.findall(s)) or 1 for s in zh],
                            [len(strip_restored(s, seg.spans)) or 1 for s in en], config)
    cued, i, j = set(), 0, 0
    for di, dj, _ in steps:
        if any(_ZH_CUES.search(s) for s in zh[i:i + di]):
            cued.update(range(j, j + dj))
        i, j = i + di, j + dj
    return cued


def _split_zh(text: str) -> list[str]:
    pieces, pos = [], 0
    for m in ZH_SENTENCE_END.finditer(text):
        pieces.append(text[pos:m.end()])
        pos = m.end()
    return pieces + [text[pos:]]


def _score(s: SourceSentence, all_sentences: list[SourceSentence], article: Article) -> None:
    score = 0.0
    if "the author says what the article does" in s.why:
        score += 3
    if "in the closing section" in s.why:
        score += 1.5
    if s.index <= 2:
        score += 2.5 - s.index   # the opening states the subject
        s.why.append("opens the article")
    terms = {en for seg in article.segments for _, en in seg.terms}
    found = sum(1 for en in terms if en.lower() in s.text.lower())
    if found:
        score += min(found, 3) * 0.5
        s.why.append(f"{found} of the article's terms")
    plain = strip_restored(s.text, [sp for seg in article.segments for sp in seg.spans])
    if not SHORTEST <= len(s.text) <= LONGEST:
        score -= 2
    if len(plain) < 0.6 * len(s.text):   # mostly formula
        score -= 2
    if s.text.rstrip().endswith("?"):    # a question the article goes on to answer
        score -= 1.5
    if _REFERS_BACK.match(s.text) and s.index > 1:   # leans on the sentence before it
        score -= 0.5
    if is_anecdote(s.text):
        score -= 4
        s.why.append("a first-person anecdote or thanks")
    s.score = score


def is_anecdote(text: str) -> bool:
    """A sentence of the author's story or thanks, not of the article's matter."""
    found = ANECDOTE.search(text)
    # "I" is the pronoun only as a word of its own in a sentence, not a Roman numeral in "Part I"
    return bool(found) and (found.group().lower() != "i" or _FIRST_PERSON_I.search(text.replace("Part I", "")) is not None)


CHUNK_CHARS = 2500   # a long article is read in parts of this size; each part gets a say


def choose(sentences: list[SourceSentence], most: int, budget: int) -> list[SourceSentence]:
    """The best-scoring sentences (of unflagged segments while there are any), at most `most`
    and about `budget` characters, in article order. A long article's best sentence of each
    ~2,500-character part is taken first (the map of a map-reduce: the model then condenses
    the parts' sentences together), so its later sections are not left out."""
    clean = [s for s in sentences if not s.flagged] or sentences
    ranked = sorted(clean, key=lambda s: (-s.score, s.index))
    parts = _parts(clean)
    firsts = [min(part, key=lambda s: (-s.score, s.index)) for part in parts] if len(parts) > 1 else []
    chosen, size = [], 0
    for s in sorted(firsts, key=lambda s: (-s.score, s.index)) + ranked:
        if len(chosen) >= most or s in chosen:
            continue
        if chosen and size + len(s.text) > budget:
            continue
        chosen.append(s)
        size += len(s.text)
    return sorted(chosen, key=lambda s: s.index)


def _parts(sentences: list[SourceSentence]) -> list[list[SourceSentence]]:
    parts, size = [[]], 0
    for s in sentences:
        if parts[-1] and size + len(s.text) > CHUNK_CHARS:
            parts.append([])
            size = 0
        parts[-1].append(s)
        size += len(s.text)
    return parts
