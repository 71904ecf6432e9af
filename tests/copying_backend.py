"""A test backend that "translates" by copying the request through, each run of Chinese
replaced by a fixed English word: every placeholder comes back exactly once, so the tests of
ingest -> segment -> protect -> restore -> render see only the pipeline's own losses.
It says nothing about translation quality."""

from __future__ import annotations

import re

from pipeline.backends.base import TranslationRequest

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")
_WORDS = ["the", "gradient", "norm", "model", "layer", "weight", "loss", "value", "matrix", "sum",
          "rank", "scale", "token", "step", "rate", "mean", "noise", "kernel", "basis", "limit"]
_FULLWIDTH = re.compile(r"[，。：；！？、（）“”《》【】]")


class CopyingBackend:
    model_id = "copying-test-backend"
    model_sha256 = "0" * 64
    slots = 1

    def __init__(self):
        self.requests = 0

    def translate(self, batch: list[TranslationRequest]) -> list[str]:
        self.requests += len(batch)
        return [self._english(r.text) for r in batch]

    def translate_plain(self, texts: list[str]) -> list[str]:
        return [self._english(t) for t in texts]

    def _english(self, text: str) -> str:
        # Roughly three English letters per Chinese character, so the length checks pass.
        text = _HAN_RUN.sub(lambda m: " " + " ".join(_WORDS[ord(c) % len(_WORDS)] for c in m.group()) + " ", text)
        return _FULLWIDTH.sub(". ", text)

    def close(self) -> None:
        pass
