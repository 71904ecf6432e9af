"""Technical glossary: load and validate term lists, find the terms of a text (longest match
first, through an Aho-Corasick automaton), and check that a translation renders them (word by
word after stemming, pipeline/text/words.py).

Files are TSV (`zh<TAB>en<TAB>note<TAB>variants`, `#` comments, optional header; `variants` are
other accepted renderings separated by `;`, e.g. the adjective of a noun: constraint ->
constrained) or BabelDOC-style CSV (`source,target,tgt_lng`). Errors name the file and line.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from pipeline.text.chinese_words import split_by_neighbours
from pipeline.text.words import contains, is_acronym, spells, stems


class GlossaryError(ValueError):
    """A glossary file is malformed; the message names file and line."""


@dataclass(frozen=True)
class Term:
    zh: str
    en: str
    note: str
    origin: str  # "file:line"
    variants: tuple[str, ...] = ()   # other accepted renderings

    def renderings(self) -> list[str]:
        """Every accepted English: `X (Y)` gives X and Y, then the variants."""
        return renderings(self.en) + list(self.variants)


def renderings(en: str) -> list[str]:
    m = re.fullmatch(r"(.+?)\s*\((.+)\)", en)
    return [m.group(1), m.group(2)] if m else [en]


def read_tsv(path: Path) -> list[Term]:
    terms = []
    for n, raw in enumerate(Path(path).read_text(encoding="utf-8-sig").splitlines(), 1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if fields[:2] == ["zh", "en"]:
            continue
        if len(fields) < 2 or len(fields) > 4:
            raise GlossaryError(f"{path}:{n}: expected zh<TAB>en<TAB>note<TAB>variants, got {len(fields)} field(s)")
        zh, en = fields[0].strip(), fields[1].strip()
        if not zh or not en:
            raise GlossaryError(f"{path}:{n}: empty {'zh' if not zh else 'en'} field")
        variants = tuple(v.strip() for v in fields[3].split(";") if v.strip()) if len(fields) == 4 else ()
        terms.append(Term(zh, en, fields[2].strip() if len(fields) >= 3 else "", f"{path}:{n}", variants))
    return terms


def read_babeldoc_csv(path: Path, target_language: str = "en") -> list[Term]:
    """BabelDOC glossary CSV: header `source,target[,tgt_lng]`; rows for other target
    languages are skipped."""
    terms = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"source", "target"} <= set(reader.fieldnames):
            raise GlossaryError(f"{path}:1: expected a header with source,target[,tgt_lng]")
        for n, row in enumerate(reader, 2):
            lang = (row.get("tgt_lng") or "").strip().lower()
            if lang and not lang.startswith(target_language):
                continue
            zh, en = (row.get("source") or "").strip(), (row.get("target") or "").strip()
            if not zh or not en:
                raise GlossaryError(f"{path}:{n}: empty {'source' if not zh else 'target'} field")
            terms.append(Term(zh, en, "", f"{path}:{n}"))
    return terms


def read_terms(path: Path) -> list[Term]:
    path = Path(path)
    if not path.is_file():
        raise GlossaryError(f"{path}: no such glossary file")
    try:
        return read_babeldoc_csv(path) if path.suffix.lower() == ".csv" else read_tsv(path)
    except UnicodeDecodeError as exc:
        raise GlossaryError(f"{path}: not UTF-8 text (byte {exc.start}); save the glossary as UTF-8") from None


class Glossary:
    def __init__(self, terms: dict[str, Term]):
        self.terms = terms
        digest = hashlib.sha256("\n".join(f"{k}\t{t.en}\t{';'.join(t.variants)}"
                                          for k, t in sorted(terms.items())).encode())
        self.version = digest.hexdigest()[:12]
        self._automaton = ahocorasick.Automaton()
        for zh in terms:
            self._automaton.add_word(zh, zh)
        if terms:
            self._automaton.make_automaton()
        self._options: dict[tuple[str, str], list[tuple]] = {}

    @classmethod
    def load(cls, builtin: list[Path], user: list[Path] = ()) -> "Glossary":
        """Built-in files must agree with each other; a user's files must agree with each
        other and override the built-in rendering of a term (that is their purpose)."""
        merged = _merge([t for p in builtin for t in read_terms(p)])
        merged.update(_merge([t for p in user for t in read_terms(p)]))
        return cls(merged)

    @classmethod
    def default(cls, user: list[Path] = ()) -> "Glossary":
        from glossary import GLOSSARY_DIR

        return cls.load(sorted(GLOSSARY_DIR.glob("*.tsv")), list(user))

    def with_terms(self, extra: dict[str, Term]) -> "Glossary":
        """This glossary with `extra` added, overriding its own rendering of the same term (an
        article's author glosses)."""
        return Glossary({**self.terms, **extra}) if extra else self

    def __len__(self) -> int:
        return len(self.terms)

    def terms_in(self, text: str) -> list[tuple[str, str]]:
        """(zh, en) of the terms in `text`, longest match first, each once, in text order. A term
        right after 不/非/无 is part of another word (一致性 in 不一致性, 线性 in 非线性), and so is
        one whose edges make words with their neighbours (样本 in 一样本质: 一样|本质)."""
        found: dict[str, str] = {}
        if not self.terms:
            return []
        for end, zh in self._automaton.iter_long(text):
            start = end - len(zh) + 1
            if start > 0 and text[start - 1] in _NEGATING_PREFIXES and zh[0] not in _NEGATING_PREFIXES:
                continue
            if split_by_neighbours(text, start, end + 1):
                continue
            found.setdefault(zh, self.terms[zh].en)
        return list(found.items())

    def rendered(self, en: str, translation: str, zh: str | None = None) -> bool:
        """Whether `translation` renders the term: any of its accepted renderings, word by word
        after stemming (case, inflection, British spelling, hyphen vs space do not matter)."""
        return self._rendered(zh, en, stems(translation))

    def missing(self, terms, translation: str) -> list[tuple[str, str]]:
        words = stems(translation)
        return [(zh, en) for zh, en in terms if not self._rendered(zh, en, words)]

    def accepted(self, zh: str | None, en: str) -> list[str]:
        """The accepted English of a (zh, en) pair: the glossary term's renderings and variants,
        or - for English the glossary does not hold (an author's gloss) - `en`'s own forms."""
        term = self.terms.get(zh) if zh else None
        return term.renderings() if term is not None and term.en == en else renderings(en)

    def used(self, zh: str | None, en: str, words: tuple) -> str | None:
        """The accepted rendering a translation (`words`: its stems) holds, or None; an acronym
        (an author's NSA) is held by its expansion too."""
        for text, option in self._options_of(zh, en):
            if (option and contains(words, option)) or (is_acronym(text) and spells(words, text)):
                return text
        return None

    def _options_of(self, zh: str | None, en: str) -> list[tuple[str, tuple]]:
        key = (zh or "", en)
        options = self._options.get(key)
        if options is None:
            options = self._options[key] = [(t, stems(t)) for t in self.accepted(zh, en)]
        return options

    def _rendered(self, zh: str | None, en: str, words: tuple) -> bool:
        return self.used(zh, en, words) is not None


_NEGATING_PREFIXES = "不非无"


COMMON_CHARACTER_FREQUENCY = 10_000   # jieba's dictionary: 的 318,825, 点 24,685; 秩 340, 熵 189


def _common_character(char: str) -> bool:
    """A character so common as a word or part of one (jieba's dictionary frequency) that a
    glossary term of it alone would match nearly everywhere; 秩 (rank) and 熵 (entropy) are not."""
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba.dt.FREQ.get(char, 0) >= COMMON_CHARACTER_FREQUENCY


def _merge(terms: list[Term]) -> dict[str, Term]:
    merged: dict[str, Term] = {}
    for term in terms:
        if len(term.zh.strip()) == 1 and _common_character(term.zh.strip()):
            raise GlossaryError(f"{term.origin}: {term.zh!r} is a single common character: it would match inside "
                                "many words and flag most sentences; use a word of two or more characters")
        seen = merged.get(term.zh)
        if seen is None:
            merged[term.zh] = term
        elif seen.en == term.en:
            raise GlossaryError(f"{term.origin}: duplicate entry for {term.zh!r} (first at {seen.origin})")
        else:
            raise GlossaryError(f"{term.origin}: {term.zh!r} -> {term.en!r} conflicts with "
                                f"{seen.en!r} at {seen.origin}")
    return merged
