"""The claim checks of a summary sentence, one small function each: what in the sentence its
article sentences must also say. Each gets a `Claim` (the sentence and its sources, formulas
taken out, words stemmed) and returns the problems it finds, in words a reader understands.

Names, numbers and formulas are looked for in all the sentences the model was given (alignment
is by shared words and may miss the one that holds a name); relations, negations and who owns
or did what, in the sentences the summary sentence is aligned to."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.checks.meaning import en_negations
from pipeline.text.numbers import en_quantities
from pipeline.text.words import same_word, stem

Word = tuple[str, str]   # (stem, lower-case word)

FORMULA = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]|\{v\d+\}", re.DOTALL)
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-'’][A-Za-z0-9]+)*\+*|\d+(?:\.\d+)?|@\S+|[\u4e00-\u9fff]+")
STOP = set("""a an the and or but nor of to in on at for with by from as is are was were be been being this that these
those it its they them their there here we our us you your he she his her i my me not no so such than then thus also
into onto over under about between through during while where when which who whom whose what how why whether if
can could may might will would shall do does did done has have had having one ones some any each other another
more most very much many own same just only both either neither well even still yet however therefore hence
article paper post author authors text discusses discuss discussed discussing introduces introduce introduced
explains explain explained explaining shows show shown showing describes describe described presents present
presented explores explore explored examines examine focuses focus highlights highlight covers cover covered
addresses address argues argue provides provide provided gives give given offers offer outlines outline
summarizes summarize reviews review considers consider mentions mention notes note points point way ways
approach approaches method methods idea ideas concept concepts topic topics aspect aspects thing things
use used uses using based main key several various different new""".split())
# The relation words a claim turns on; a summary may not add one its sentences lack.
RELATIONS = set("""better worse best worst less fewer least higher lower highest lowest larger smaller largest
smallest bigger greater faster slower stronger weaker longer shorter cheaper simpler easier harder
increase increases increased decrease decreases decreased reduce reduces reduced improve improves improved
degrade degrades degraded outperform outperforms outperformed underperform exceed exceeds surpass surpasses
accelerate accelerates slows hurt hurts boost boosts shrink shrinks add adds added remove removes removed
exclude excludes enable enables disable disables gain gains lose loses
equivalent equal equals identical differ differs opposite independent unrelated
necessary sufficient must always never only all every none impossible guarantee guarantees guaranteed
optimal prove proves proved proven cause causes caused because conclude concludes concluded conclusion
recommend recommends should replace replaces replaced instead superior inferior first earliest
upward upwards downward downwards above below earlier later positive negative maximize minimize
maximum minimum increasing decreasing""".split())
# Words whose two sides a summary may swap: "training guided by theory" / "theory guided by training".
_ORDERED = re.compile(r"\b(?:by|than|over|rather than|instead of|into|to)\b", re.IGNORECASE)
_SUPERLATIVE = re.compile(r"\b(?:most|least)\s+([a-z]{4,})", re.IGNORECASE)
# The summary crediting the author: "the author proposes", "we present" ("the article introduces X"
# is how one presents another's work too).
_AUTHOR_CLAIM = re.compile(r"\b(?:the authors?|this (?:article|post|paper|blog|section|chapter)|the (?:article|post|blog|section)|"
                           r"we|he)\b[^.]{0,40}?\b(?:propos|invent|develop|design|creat|devis|discover|pioneer)\w*"
                           r"|\b(?:the authors?|we|he)\b[^.]{0,20}?\b(?:introduc|present)\w*"
                           r"|\b(?:propos|introduc|develop|devis|invent)\w*\s+(?:in|by)\s+(?:this|the)\s+"
                           r"(?:section|article|chapter|post|paper|authors?)\b(?!\s+of\b)", re.IGNORECASE)
# The article's sentences crediting the author: "we introduce", "I proposed", "we define".
_AUTHOR_DID = re.compile(r"\b(?:we|I|this (?:article|post|paper|blog|section|chapter)|the author|here)\b[^.]{0,30}?"
                         r"\b(?:propos|introduc|invent|develop|design|creat|devis|discover|present|deriv|give|construct|"
                         r"defin|build|built|implement|put together|wr[io]te|make|made)",
                         re.IGNORECASE)
_OTHERS = re.compile(r"\b(?:paper|papers|proposed by|introduced by|from the|et al|researchers|team|[A-Z][a-z]+'s)\b"
                     r"|《|\"[^\"]{6,}\"|“[^”]{6,}”")
_WHO = r"((?:[A-Z@][\w@.-]*|[a-z]+)(?:\s+[A-Z@][\w@.-]*){0,3})"
# "proposed by X", "derived from X": the article's sentences must pair X with the same verb.
_ORIGINS = (re.compile(r"\b(propos|introduc|develop|invent|releas|design|creat|writ|deriv|publish)\w*\s+by\s+" + _WHO),
            re.compile(r"\b(deriv|come|taken|adapt|borrow|inspir)\w*\s+from\s+(?:the\s+)?" + _WHO))
_POSSESSIVE = re.compile(r"(?:\b(?P<name>[A-Z][\w.·-]*)['’]s|(?P<author>\b[Tt]he author['’]s|\b[Mm]y|\b[Oo]ur))\s+")
_AUTHOR_OWNS = re.compile(r"\b(?:my|our|the author['’]s)\s+", re.IGNORECASE)
_FUNCTION = {"of", "the", "a", "an", "own", "to", "in", "on", "for", "with"}
_GENERIC = {"book", "article", "paper", "post", "blog", "model", "work", "method", "idea", "view", "new", "previous",
            "earlier", "latest", "recent", "first", "second", "series", "team", "lab"}
_NEGATED = re.compile(r"\b(?:not|never|cannot)\b|n't\b", re.IGNORECASE)
# The summary's own ways of saying no: "less accurate" for "not as good", "prevents".
_NEGATIVE_WORDS = re.compile(r"\b(?:prevent|avoid|stop|eliminat|lack|absen|free of|fail|unabl|insufficien)\w*",
                             re.IGNORECASE)
_NON = re.compile(r"\bnon-?([a-z]{3,})\b", re.IGNORECASE)
_TRAILING = re.compile(r",\s*(?:which|thus|so that|making|allowing|leading to|enabling|ensuring|resulting in|"
                       r"meaning|because|so)\b", re.IGNORECASE)
_NOT_A_NUMBER = re.compile(r"\b(?:both|second|seconds|half|one)\b", re.IGNORECASE)
# A name: an acronym or a word with capitals or digits inside (LoRA, GPT-4, RoPE), a handle or Chinese,
# or a capitalised word after the sentence's first (Google, Adam); a first word only if possessive.
_STRONG_NAME = re.compile(r"\b[A-Z][a-z]*[A-Z0-9][A-Za-z0-9+-]*\+*|@\S+|[\u4e00-\u9fff]+")
_CAPITALISED = re.compile(r"(?<=[^.!?\s] )[A-Z][a-z]{2,}(?:-[A-Z]?[a-z]+)*\b|^[A-Z][a-z]{2,}(?=['’]s\b)")


@dataclass
class Claim:
    sentence: str                  # the summary sentence as written
    plain: str                     # ... formulas taken out
    content: list[Word]            # its content words
    sources: list[str]             # every article sentence given (formulas taken out)
    aligned: list[int]             # the ones it is aligned to
    originals: list[str]           # every article sentence given, as written

    @property
    def aligned_text(self) -> str:
        return " ".join(self.sources[i] for i in self.aligned)

    @property
    def aligned_words(self) -> list[Word]:
        return stems(self.aligned_text)


def content_words(text: str) -> list[Word]:
    out = []
    for token in TOKEN.findall(text):
        low = token.lower()
        if low in STOP or len(low) < 3 or low[0].isdigit():
            continue
        out.append((stem(token), low))
    return out


def stems(text: str) -> list[Word]:
    return [(stem(t), t.lower()) for t in TOKEN.findall(text)]


def held(word: Word, words: list[Word]) -> bool:
    return any(same_word(word, h) for h in words)


def name_candidates(text: str) -> list[str]:
    text = text.strip()
    return [m.group() for m in _STRONG_NAME.finditer(text)] + \
        [m.group() for m in _CAPITALISED.finditer(text) if m.group().lower() not in STOP]


def names(claim: Claim) -> list[str]:
    """Names (Google, LoRA, GPT-4, @鶴舞) none of the article's sentences give."""
    everything = stems(" ".join(claim.sources))
    missing = [n for n in name_candidates(claim.plain) if not all(held(w, everything) for w in stems(n))]
    return [f"a name the article's sentences do not give: {', '.join(dict.fromkeys(missing))}"] if missing else []


def numbers(claim: Claim) -> list[str]:
    """A number (in digits or words: "two", "three weeks") none of the sentences gives."""
    have = en_quantities(" ".join(claim.sources))
    stated = en_quantities(_NOT_A_NUMBER.sub(" ", claim.plain))
    extra = [q for q in stated if not any(q.matches(h) for h in have)]
    return [f"a number the article's sentences do not give: {', '.join(f'{q.value:g}' for q in extra)}"] if extra else []


def formulas(claim: Claim) -> list[str]:
    """A formula the article's sentences do not hold byte for byte."""
    given = " ".join(claim.originals)
    extra = [f for f in FORMULA.findall(claim.sentence) if not f.startswith("{v") and f not in given]
    return [f"a formula not in the article's sentences: {', '.join(extra)}"] if extra else []


def relations(claim: Claim) -> list[str]:
    """A relation word (larger, reduces, removes, only...) or superlative the aligned sentences lack."""
    words = claim.aligned_words
    bases = {_degree_base(w[1]) for w in words}
    added = [w[1] for w in claim.content if w[1] in RELATIONS and not held(w, words) and _degree_base(w[1]) not in bases]
    text = claim.aligned_text.lower()
    added += [m.group().lower() for m in _SUPERLATIVE.finditer(claim.plain)
              if not re.search(rf"\b(?:most|least)\s+{re.escape(m.group(1).lower()[:5])}", text)]
    return [f"a relation the article's sentences do not state: {', '.join(dict.fromkeys(added))}"] if added else []


def _degree_base(word: str) -> str:
    """short for shorter and shortest (larger, largest -> larg): a comparative stated as a superlative agrees."""
    return re.sub(r"(?:er|est)$", "", word) if len(word) > 5 else word


def added_clause(claim: Claim) -> list[str]:
    """A trailing clause ("..., which keeps either task from dominating") whose words the aligned
    sentences mostly lack: a consequence or evaluation the summary added to a faithful sentence."""
    words = claim.aligned_words
    for m in _TRAILING.finditer(claim.plain):
        clause = content_words(claim.plain[m.start():])
        if len(clause) >= 2 and sum(1 for w in clause if not held(w, words)) >= len(clause) / 2:
            return [f"adds what the article's sentences do not say: \"{claim.plain[m.start():].strip(' ,.')}\""]
    return []


def swapped_sides(claim: Claim) -> list[str]:
    """The two sides of "by", "than", "over", "into"... the other way round from the aligned
    sentences ("theory guided by training" for "training guided by theory")."""
    for m in _ORDERED.finditer(claim.plain):
        left, right = content_words(claim.plain[:m.start()])[-4:], content_words(claim.plain[m.end():])[:1]
        if not left or not right:
            continue
        for source in (claim.sources[i] for i in claim.aligned):
            for n in re.finditer(rf"\b{re.escape(m.group().lower())}\b", source.lower()):
                before, after = content_words(source[:n.start()])[-4:], content_words(source[n.end():])[:1]
                if after and held(right[0], before) and held(after[0], left) and not same_word(after[0], right[0]):
                    return [f"says \"{left[-1][1]} {m.group()} {right[0][1]}\" where the article has it the other way round"]
    return []


def negation(claim: Claim) -> list[str]:
    """A negation the aligned sentences lack, or one they put on words the summary states plainly."""
    text = claim.aligned_text
    said, prefixed = en_negations(claim.plain)
    had, _ = en_negations(text)
    if said and not had:
        return ["a negation the article's sentences do not make"]
    for m in _NON.finditer(text):   # "non-zero" in the article, "zero" in the summary
        base = m.group(1).lower()
        if re.search(rf"\b{re.escape(base)}\b", claim.plain, re.IGNORECASE) and \
                not re.search(rf"\bnon-?{re.escape(base)}\b", claim.plain, re.IGNORECASE):
            return [f"drops the article's \"{m.group()}\""]
    if had and not (said or prefixed or _NEGATIVE_WORDS.search(claim.plain)):
        for m in _NEGATED.finditer(text):
            after = content_words(" ".join(text[m.end():].split()[:4]))[:2]
            hit = [w for w in after if held(w, claim.content)]
            if hit:
                return [f"drops the article's \"{m.group()}\" (on {hit[0][1]})"]
    return []


def attribution(claim: Claim) -> list[str]:
    """Who did or owns what: the author credited with what the article's sentences about the
    same names credit to another paper or person; "X's Y" or "Y by X" where the sentences pair
    X with something else."""
    return _author_credited(claim) + _agent(claim) + _owner(claim)


def _author_credited(claim: Claim) -> list[str]:
    if not _AUTHOR_CLAIM.search(claim.plain):
        return []
    named = [stems(n) for n in name_candidates(claim.plain)]
    about = [s for s in claim.sources if any(held(w, stems(s)) for n in named for w in n)] or \
        [claim.sources[i] for i in claim.aligned]
    if about and not any(_AUTHOR_DID.search(s) for s in about):   # no sentence says the author did it
        return ["credits the author with work the article attributes to others" if any(_OTHERS.search(s) for s in about)
                else "credits the author with what the article's sentences do not say the author did"]
    return []


def _agent(claim: Claim) -> list[str]:
    """"proposed by X", "derived from X": some sentence must name X near the same verb."""
    for pattern in _ORIGINS:
        for m in pattern.finditer(claim.plain):
            verb, who = m.group(1).lower(), content_words(m.group(2))[:1]
            if not who:
                continue
            near = [s for s in claim.sources for k in re.finditer(verb, s.lower())
                    if held(who[0], stems(_window(s, k.start())))]
            if not near:
                return [f"says \"{m.group().strip()}\", which the article's sentences do not"]
    return []


def _window(text: str, at: int, chars: int = 60) -> str:
    return text[max(0, at - chars):at + chars]


def _owner(claim: Claim) -> list[str]:
    """"X's Y" (Google's DALL·E 2, the author's model, my book): where the sentences give X's
    something, it must be Y."""
    for m in _POSSESSIVE.finditer(claim.plain):
        owned = _owned(claim.plain[m.end():])
        if not owned:
            continue
        if m.group("author"):
            phrases = [_owned(s[p.end():]) for s in claim.sources for p in _AUTHOR_OWNS.finditer(s)]
        else:
            phrases = [_owned(s[p.end():]) for s in claim.sources
                       for p in re.finditer(rf"\b{re.escape(m.group('name'))}['’]s\s+", s)]
            if not phrases:
                continue   # "X's" not in the sentences: names() and coverage speak to it
        if not any(all(held(w, p) for w in owned) for p in phrases):
            who = "the author" if m.group("author") else m.group("name")
            return [f"gives {who} {' '.join(w[1] for w in owned)}, which the article's sentences do not"]
    return []


def _owned(text: str) -> list[Word]:
    """What a possessive owns: its first word, or two after a generic one ("book "New...")."""
    phrase = re.split(r"[,.;:!?()]|\band\b|\bor\b|\bwhich\b", text, maxsplit=1)[0]
    words = [w for w in stems(phrase) if w[1] not in _FUNCTION and len(w[1]) > 1]
    return words[:2] if words and words[0][1] in _GENERIC else words[:1]
