"""Hypothesis strategies for a model's reply: the model is untrusted input, so every function that
reads a reply is driven with what a small model has been seen to send and with what it might -
empty or very long answers, the request or the source echoed, placeholders dropped, doubled,
reordered, malformed, nested or out of range, stray `$` and LaTeX commands, half a code fence,
Chinese and Latin mixed, lead-ins and notes, extra sentences or none - and with any string at all.

`FuzzBackend` answers every request of the pipeline (translations, term lookups, formula words,
summaries) with a reply drawn by Hypothesis for that request, so one example drives a whole
article through every stage."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from copying_backend import CopyingBackend
from pipeline.backends.base import Reply

_PLACEHOLDER = re.compile(r"\{v\d+\}|\[\[\d+\]\]")
# Pieces a reply is made of when it goes wrong (each seen from a model here, or close to it).
NOISE = ["{v1}", "{v2}", "{v3}", "{v", "{v1", "v1}", "{ v 1 }", "{v999}", "{v0}", "{v{v1}}", "[[1]]", "[[2]]",
         "[[", "]]", "$", "$$", "$x$", "$$y$$", "\\(", "\\)", "\\[", "\\]", "\\begin{equation}", "\\end{equation}",
         "\\verb", "\\alpha", "\\text{中}", "\\", "%", "```", "```python\n", "`", "``", "~~~", "中文", "梯度", "。", "，",
         "？", "！", "《", "》", "“", "”", "?", "!", ".", "...", "…", "\n", "\n\n", " ", "\t", "not ", "no ", "never ",
         "three ", "3 ", "1,000,000 ", "1" + "0" * 400, "II ", "(IV) ", "Note: ", "Translation: ", "English: ",
         "Here is the translation: ", "the previous answer was rejected", "the gradient ", "GPT-4 ", "LoRA ",
         "<img src=x onerror=alert(1)>", "<!-- zh -->", "\n<!-- en -->\n", "](", "[", "]", "(", ")", "[text](http://e.x/y)",
         "![alt](a.png)", "**", "_", "#", ">", "|", "-", "---", "İ", "ß", "ﬁ", "\u200b", "\ufeff", "\u202e", "\x00",
         "e.g. ", "U.S. ", "Dr. ", "'s ", "national security advisor "]
noise = st.sampled_from(NOISE)
any_text = st.text(max_size=300)


def copy_of(request: str) -> str:
    """What the copying test backend answers: the request's structure, English-like words."""
    return CopyingBackend()._english(request)


@st.composite
def replies(draw, request: str) -> str:
    """A reply to `request` (the Chinese the model was sent, placeholders in it)."""
    base = copy_of(request)
    kind = draw(st.sampled_from(["copy", "empty", "echo", "noise", "mutated", "placeholders", "long", "text",
                                 "extra", "negated"]))
    if kind == "copy":
        return base
    if kind == "empty":
        return draw(st.sampled_from(["", " ", "\n", "。"]))
    if kind == "echo":
        return draw(st.sampled_from([request, f"Chinese: {request}\nEnglish: {base}", f'"{base}"', f"```\n{base}\n```"]))
    if kind == "noise":
        return "".join(draw(st.lists(noise, min_size=1, max_size=30)))
    if kind == "long":
        return base * draw(st.integers(2, 40))
    if kind == "text":
        return draw(any_text)
    if kind == "extra":
        return base + " " + draw(st.sampled_from(["This is an extra sentence.", "Note: the model added this.",
                                                  "It is not so. It is three.", "What? Why!"]))
    if kind == "negated":
        words = base.split(" ")
        at = draw(st.integers(0, len(words)))
        return " ".join(words[:at] + [draw(st.sampled_from(["not", "never", "no", "3", "twelve", "GPT-4"]))] + words[at:])
    if kind == "placeholders":
        found = _PLACEHOLDER.findall(base)
        if not found:
            return base + draw(noise)
        change = draw(st.sampled_from(["drop", "double", "swap", "malform", "nest", "range", "formula"]))
        target = draw(st.sampled_from(found))
        if change == "drop":
            return base.replace(target, "", 1)
        if change == "double":
            return base.replace(target, target * 2, 1)
        if change == "swap" and len(found) > 1:
            a, b = found[0], found[-1]
            return base.replace(a, "\x01").replace(b, a).replace("\x01", b)
        if change == "malform":
            return base.replace(target, target[:-1], 1)
        if change == "nest":
            return base.replace(target, target[0] + target + target[-1], 1)
        if change == "range":
            return base.replace(target, "{v99}", 1)
        return base.replace(target, draw(st.sampled_from(["$x$", "\\[y\\]", "$$z$$", "\\(w\\)"])), 1)
    # mutated: noise inserted at random places
    chars = list(base)
    for _ in range(draw(st.integers(1, 6))):
        chars.insert(draw(st.integers(0, len(chars))), draw(noise))
    return "".join(chars)


class FuzzBackend(CopyingBackend):
    """Every answer drawn by Hypothesis (`data`) for the request it answers; it samples, so the
    sampled-answers retry runs too. A chat completion (summaries) gets a reply too."""

    model_id = "fuzzing-test-backend"
    samples = True

    def __init__(self, data):
        super().__init__()
        self.data = data

    def translate(self, batch):
        self.requests += len(batch)
        return [Reply(self.data.draw(replies(r.text), label=f"reply to {r.text[:30]!r}")) for r in batch]

    def translate_plain(self, texts):
        return [self.data.draw(replies(t)) for t in texts]

    def complete(self, system, user, max_tokens=None):
        return self.data.draw(replies(user.rsplit("Summary:", 1)[0][-400:]), label="summary reply")
