"""Chinese words, from jieba's dictionary and part-of-speech tagger: loaded once, on first use
(~1 s; `load_in_background` starts it early), shared by every thread."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_jieba = None


def _loaded():
    global _jieba
    with _lock:
        if _jieba is None:
            import jieba
            import jieba.analyse
            import jieba.posseg

            jieba.setLogLevel(60)
            jieba.initialize()
            _jieba = jieba
    return _jieba


def load_in_background() -> None:
    """Load jieba on a thread now, so it overlaps a one-off run's start-up (a load that fails
    fails again, and is reported, where the words are first needed)."""
    def load():
        try:
            _loaded()
        except Exception:
            pass
    threading.Thread(target=load, name="jieba-load", daemon=True).start()


def tagged_words(text: str) -> list[tuple[str, str]]:
    """(word, part-of-speech tag) of `text`, in order (jieba's tags: n noun, v verb, ...)."""
    return [(w, tag) for w, tag in _loaded().posseg.lcut(text)]


def idf(word: str, default: float) -> float:
    """How rare `word` is in general Chinese (jieba's IDF table; `default` for a word it lacks)."""
    return _loaded().analyse.default_tfidf.idf_freq.get(word, default)


def split_by_neighbours(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is there only by accident: its last character makes a word with
    the one after it, and its first character either makes a word with the one before (一样本质
    holds 样本 only as 一样|本质) or follows a number, where it reads as a measure word (64对数字
    is 64对|数字, no 对数; 二进制表示 no 进制)."""
    if start == 0 or end >= len(text):
        return False
    freq = _loaded().dt.FREQ
    if not freq.get(text[end - 1:end + 1], 0) > 0:
        return False
    return text[start - 1] in _NUMERALS or freq.get(text[start - 1:start + 1], 0) > 0


# What may stand right before a measure word: a digit, a numeral, or the end of an inline formula -
# `$64$` itself, or its placeholder `{v2}` in the text the terms are found in (pipeline/terms.py).
_NUMERALS = frozenset("0123456789$}一二三四五六七八九十两几多每百千万")
