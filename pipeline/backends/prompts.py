"""Prompts for chat models. The rule prompt is what made placeholders survive (docs/design.md:
46-47 of 49 spans with it, 27-43 without)."""

from __future__ import annotations

import re

from pipeline.backends.base import TranslationRequest


SYSTEM_PROMPT = """You are a professional translator of Chinese machine-learning and mathematics articles into English.
Translate the user's Chinese text into fluent, faithful English.
Rules:
1. Markers such as {v1}, {v2} or [[1]], [[2]] stand for formulas or code. Copy every marker exactly once, unchanged, at the matching place in the English sentence. Never translate, renumber, merge, drop or repeat a marker, and never replace it with a formula.
2. Translate every sentence; do not summarise, add explanations, or answer questions in the text.
3. Keep English words, names and abbreviations (e.g. LoRA, Attention, RNN) as they are.
4. Output only the English translation, with no Chinese characters, notes or quotation marks around it.

Example:
Chinese: 设{v1}为学习率,那么更新量{v2}满足{v3}。
English: Let {v1} be the learning rate; then the update {v2} satisfies {v3}."""


# The baseline of `zh2en eval --baseline`: what a user would type without this project.
PLAIN_SYSTEM_PROMPT = "Translate the user's Chinese text into English. Output only the translation."


def user_message(request: TranslationRequest) -> str:
    lines = []
    if request.context:
        lines.append(f"Preceding text, for context only - do not translate it: {request.context}")
    if request.terms:
        lines.append("Use these term translations:")
        lines += [f"- {zh} = {en}" for zh, en in request.terms]
    if request.placeholders:
        lines.append(f"Markers to copy exactly once each: {' '.join(request.placeholders)}")
    if request.strict:
        lines.append("Your previous answer was rejected: " + "; ".join(request.notes or ("it broke the rules",))
                     + ". Translate again and follow every rule.")
    lines.append(f"Chinese: {request.text}")
    lines.append("English:")
    return "\n".join(lines)


_LEAD_IN = re.compile(
    r"^(?:english|translation|english translation)\s*:\s*"
    # Seen on a seed title, every time: `Translating the Chinese text into English while adhering
    # to the specified rules, we get: "Discussing ..."`.
    r"|^translating (?:the|this) (?:chinese |given |above |following )?(?:text|sentence|title|passage)\b[^:\"\n]{0,150}:\s*"
    r"|(?:^|(?<=[.!?]\s))(?:(?:sure|certainly|okay|ok)[,!.]?\s+)?here(?: is|'s| are) (?:the|my) (?:english )?"
    r"translations?[^:\n]{0,80}:\s*",
    re.IGNORECASE | re.MULTILINE,
)


def clean_reply(text: str) -> str:
    """Drop wrappers small chat models add around an answer ("Here is the translation:",
    quotes, code fences) and fold it onto one line: a prose segment has no line breaks."""
    text = text.strip()
    if text.startswith("```") and text.endswith("```"):
        text = text.strip("`").strip()
    text = _LEAD_IN.sub("", text)
    text = " ".join(text.split())
    if len(text) > 1 and text[0] in "\"“" and text[-1] in "\"”" and text.count('"') <= 2:
        text = text[1:-1].strip()
    return _QUOTED_SENTENCE.sub(r"\1", text)


# A lead-in removed mid-answer leaves the rest in quotes: `... 1. "Note that ..."`.
_QUOTED_SENTENCE = re.compile(r'(?<=[.!?] )"([^"]+[.!?])"$')
