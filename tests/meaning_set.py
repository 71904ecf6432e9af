"""The labelled error set for the meaning checks, and their precision and recall on it.

Built from the human references of ../shared/eval/dev/ (d2l and FLORES): each reference pair,
and each sentence pair of a reference whose Chinese and English have as many sentences, is
kept untouched; then one error of a known type is injected into a copy of its correct
English, by rule (see `INJECTORS`): a negation added or removed, a number or scale changed, a
sentence dropped, a name or acronym dropped, a glossary term replaced by another term, two
names or terms swapped, words about the task added. Deterministic (seeded), so the set and its figures are reproducible:

    .venv/bin/python tests/meaning_set.py            # writes tests/data/meaning-errors.jsonl, prints the table
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.checks.meaning import check_sentence_alignment, latin_tokens  # noqa: E402
from pipeline.checks.registry import RETRIED, Passage  # noqa: E402
from pipeline.checks.structure import QAConfig, check_length_ratio, check_sentence_coverage  # noqa: E402
from pipeline.glossary import Glossary  # noqa: E402
from pipeline.text.protect import find_protected_spans  # noqa: E402
from pipeline.text.sentences import ZH_SENTENCE_END, split_en_sentences  # noqa: E402
from pipeline.text.spans import strip_spans  # noqa: E402

DEV = REPO.parent / "shared" / "eval" / "dev"
SET_FILE = REPO / "tests" / "data" / "meaning-errors.jsonl"
SEED = 20261129

# -- the pairs ----------------------------------------------------------------------------------


def reference_pairs() -> list[tuple[str, str, str]]:
    """(id, zh, en): every dev reference, and its sentence pairs where the counts agree."""
    pairs = []
    for name in ("d2l-dev", "flores-dev"):
        zh_lines = (DEV / f"{name}.zh").read_text(encoding="utf-8").splitlines()
        en_lines = (DEV / f"{name}.en").read_text(encoding="utf-8").splitlines()
        for i, (zh, en) in enumerate(zip(zh_lines, en_lines), 1):
            pairs.append((f"{name}:{i}", zh.strip(), en.strip()))
            zh_sents, en_sents = zh_sentences(zh), split_en_sentences(en)
            if len(zh_sents) > 1 and len(zh_sents) == len(en_sents):
                pairs += [(f"{name}:{i}.{j}", z, e) for j, (z, e) in enumerate(zip(zh_sents, en_sents), 1)]
    return pairs


def zh_sentences(zh: str) -> list[str]:
    cuts = [0] + [m.end() for m in ZH_SENTENCE_END.finditer(zh)]
    if cuts[-1] < len(zh):
        cuts.append(len(zh))
    return [zh[a:b].strip() for a, b in zip(cuts, cuts[1:]) if zh[a:b].strip()]


_NUMBER_MATH = re.compile(r"\$\s*(\d+(?:\.\d+)?)\s*(?:\^\{\\mathrm\{(th|st|nd|rd)\}\})?\s*\$")


def prose(text: str) -> str:
    """The text without its formulas, code and URLs (what the checks see). A number the
    reference wrote as a formula on one side only ($8$ in the Chinese, 8 in the English) is
    unwrapped on both: in a real translation it reaches the English as the same formula."""
    text = _NUMBER_MATH.sub(lambda m: m.group(1) + (m.group(2) or ""), text)
    return strip_spans(text, find_protected_spans(text))


# -- the injectors: each returns the damaged English, or None where the pair has no place for it --

_AUX = re.compile(r"\b(is|are|was|were|can|will|would|should|could|may|might|must|has|have|had|does|do|did)\b(?! not)")
_NEG = [(r"\bcannot\b", "can"), (r"\b(\w+)n't\b", r"\1"), (r"\b(is|are|was|were|do|does|did|can|will|should|could|has|have|had) not\b", r"\1"),
        (r"\bnever\b", "always"), (r"\bwithout\b", "with"), (r"\bno\b", "some"), (r"\bnot\b ", "")]


def flip_negation(zh: str, en: str, rng: random.Random) -> str | None:
    for pattern, repl in _NEG:
        if re.search(pattern, en):
            return re.sub(pattern, repl, en, count=1)
    m = _AUX.search(en)
    return en[:m.end()] + " not" + en[m.end():] if m else None


_NUMBER_WORDS = "two three four five six seven eight nine ten twelve twenty hundred thousand million billion".split()


def change_number(zh: str, en: str, rng: random.Random) -> str | None:
    spans = find_protected_spans(en)
    digits = [m for m in re.finditer(r"(?<![\w.$\\])\d+(?:\.\d+)?(?![\w$])", en)
              if not any(s.start <= m.start() < s.end for s in spans)]
    if digits:
        m = rng.choice(digits)
        value = m.group()
        new = str(int(value) + rng.choice([1, 2, 9])) if value.isdigit() else str(round(float(value) * 10, 3))
        return en[:m.start()] + new + en[m.end():]
    words = [m for m in re.finditer(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b", en, re.IGNORECASE)]
    if words:
        m = rng.choice(words)
        word = m.group().lower()
        options = [w for w in _NUMBER_WORDS if w != word and (w in ("hundred", "thousand", "million", "billion"))
                   == (word in ("hundred", "thousand", "million", "billion"))]
        return en[:m.start()] + rng.choice(options) + en[m.end():]
    return None


def drop_sentence(zh: str, en: str, rng: random.Random) -> str | None:
    sentences = split_en_sentences(en)
    if len(sentences) < 2 or len(zh_sentences(zh)) < 2:
        return None
    del sentences[rng.randrange(len(sentences))]
    return " ".join(sentences)


def drop_latin_token(zh: str, en: str, rng: random.Random) -> str | None:
    tokens = [t for t in latin_tokens(prose(zh)) if re.search(rf"\b{re.escape(t)}\b", en)]
    if not tokens:
        return None
    token = rng.choice(tokens)
    out = re.sub(rf"\s*\(?\b{re.escape(token)}\b\)?", "", en)
    return " ".join(out.split())


_GLOSSARY = Glossary.default()


def wrong_term(zh: str, en: str, rng: random.Random) -> str | None:
    terms = [(z, e) for z, e in _GLOSSARY.terms_in(zh) if _GLOSSARY.rendered(e, en)]
    if not terms:
        return None
    zh_term, en_term = rng.choice(terms)
    others = sorted({t.en for t in _GLOSSARY.terms.values()} - {en_term})
    core = re.escape(en_term.split(" (")[0])
    replaced = re.sub(core, rng.choice(others).split(" (")[0], en, count=1, flags=re.IGNORECASE)
    return replaced if replaced != en else None


def swap_roles(zh: str, en: str, rng: random.Random) -> str | None:
    """Two names, or two glossary terms, of the sentence trade places ("A beats B" -> "B beats A")."""
    tokens = [t for t in latin_tokens(prose(zh)) if re.search(rf"\b{re.escape(t)}\b", en)]
    tokens += [e.split(" (")[0] for z, e in _GLOSSARY.terms_in(zh) if re.search(rf"\b{re.escape(e.split(' (')[0])}\b", en)]
    tokens = list(dict.fromkeys(t for t in tokens if not any(t != o and t in o for o in tokens)))
    if len(tokens) < 2:
        return None
    a, b = rng.sample(tokens, 2)
    marker = "\x00"
    out = re.sub(rf"\b{re.escape(a)}\b", marker, en, count=1)
    out = re.sub(rf"\b{re.escape(b)}\b", a, out, count=1)
    return out.replace(marker, b, 1)


# Words about the task that this project's outputs were seen to carry (the retry instruction
# echoed, lead-ins, notes on what the model assumed), in the model's own phrasings.
_META_LEAKS = ["The previous answer was rejected: it broke the rules.", "Following the rules, here is the translation:",
               "Note: the term is not provided in the given text, so I have assumed its usual meaning.",
               "Here's the English translation:", "(Note: the markers stand for formulas.)"]


def leak_meta_text(zh: str, en: str, rng: random.Random) -> str | None:
    leak = rng.choice(_META_LEAKS)
    return f"{leak} {en}" if rng.random() < 0.5 else f"{en} {leak}"


# Up to this many differently damaged copies of one pair (the dev sets have fewer pairs with
# a number, two sentences or two names than the 150 a type needs).
VARIANTS = {"number": 3, "dropped_sentence": 2, "dropped_latin_token": 6, "swapped_roles": 3}

INJECTORS = {"negation": flip_negation, "number": change_number, "dropped_sentence": drop_sentence,
             "dropped_latin_token": drop_latin_token, "wrong_term": wrong_term, "swapped_roles": swap_roles,
             "meta_text": leak_meta_text}


def build_set() -> list[dict]:
    rng = random.Random(SEED)
    rows = []
    for pair_id, zh, en in reference_pairs():
        rows.append({"id": pair_id, "type": "untouched", "zh": zh, "en": en})
        for kind, inject in INJECTORS.items():
            made = {inject(zh, en, rng) for _ in range(VARIANTS.get(kind, 1))} - {None, en}
            rows += [{"id": pair_id, "type": kind, "zh": zh, "en": damaged} for damaged in sorted(made)]
    return rows


# -- the detectors and their figures ---------------------------------------------------------------

def dropped_sentence(zh: str, en: str) -> bool:
    """What flags a drop: qa.py's fewer English sentences than Chinese or an English too short
    for its Chinese, or a Chinese sentence the alignment leaves without English."""
    return (not check_sentence_coverage(zh, en).ok or not check_length_ratio(zh, en, QAConfig()).ok
            or not check_sentence_alignment(zh, en).ok)


def glossary_miss(zh: str, en: str) -> bool:
    return bool(_GLOSSARY.missing(_GLOSSARY.terms_in(zh), en))


def _fails(check):
    return lambda zh, en: not check.run(Passage(zh, en)).ok


# The meaning retry's checks as declared (pipeline/checks/registry.py) - the sentence alignment
# measured as part of "dropped_sentence" - then the drop rule and the glossary.
DETECTORS = {**{check.name: _fails(check) for check in RETRIED if check.name != "sentence_alignment"},
             "dropped_sentence": dropped_sentence, "glossary": glossary_miss}
# The meaning checks proper (pipeline/checks/meaning.py); the last two are qa.py's and the glossary's.
MEANING_DETECTORS = [name for name in DETECTORS if name not in ("dropped_sentence", "glossary")]
# Which detector is meant to catch each injected type.
CATCHES = {"negation": "negation", "number": "numbers", "dropped_sentence": "dropped_sentence",
           "dropped_latin_token": "latin_tokens", "wrong_term": "glossary", "swapped_roles": "name_order",
           "meta_text": "meta_text"}


def measure(rows: list[dict]) -> dict:
    """Per detector: false alarms on untouched pairs; per injected type: recall of its detector
    and of any detector."""
    fired = [{name: detect(prose(r["zh"]), prose(r["en"])) for name, detect in DETECTORS.items()} for r in rows]
    untouched = [f for r, f in zip(rows, fired) if r["type"] == "untouched"]
    figures = {"untouched": len(untouched),
               "false_alarms": {name: sum(f[name] for f in untouched) / len(untouched) for name in DETECTORS},
               "any_false_alarm": sum(any(f.values()) for f in untouched) / len(untouched),
               "meaning_false_alarm": sum(any(f[n] for n in MEANING_DETECTORS) for f in untouched) / len(untouched),
               "types": {}}
    for kind, detector in CATCHES.items():
        hits = [f for r, f in zip(rows, fired) if r["type"] == kind]
        figures["types"][kind] = {
            "pairs": len(hits), "detector": detector,
            "recall": sum(f[detector] for f in hits) / len(hits) if detector and hits else None,
            "recall_any": sum(any(f.values()) for f in hits) / len(hits) if hits else None}
    return figures


def table(figures: dict) -> str:
    lines = ["| injected error | pairs | its detector | recall | caught by any check |", "|---|---|---|---|---|"]
    for kind, t in figures["types"].items():
        recall = "-" if t["recall"] is None else f"{100 * t['recall']:.1f}%"
        lines.append(f"| {kind} | {t['pairs']} | {t['detector'] or '-'} | {recall} | {100 * t['recall_any']:.1f}% |")
    lines += ["", f"| detector | false alarms on {figures['untouched']} untouched pairs |", "|---|---|"]
    lines += [f"| {name} | {100 * v:.1f}% |" for name, v in figures["false_alarms"].items()]
    lines.append(f"| any of the meaning checks ({', '.join(MEANING_DETECTORS)}) | "
                 f"{100 * figures['meaning_false_alarm']:.1f}% |")
    lines.append(f"| any check at all | {100 * figures['any_false_alarm']:.1f}% |")
    return "\n".join(lines)


def load_set() -> list[dict]:
    return [json.loads(line) for line in SET_FILE.read_text(encoding="utf-8").splitlines()]


if __name__ == "__main__":
    rows = build_set()
    SET_FILE.parent.mkdir(exist_ok=True)
    SET_FILE.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} pairs: {dict(Counter(r['type'] for r in rows))}")
    print(table(measure(rows)))
