"""A test backend that "translates" by copying the request through, each run of Chinese
replaced by a fixed English word: every placeholder comes back exactly once, so the tests of
ingest -> segment -> protect -> restore -> render see only the pipeline's own losses.
It says nothing about translation quality.

Also the tests' shared helpers: a run context over any backend, one article through the
stages, and a whole-article formula count."""

from __future__ import annotations

import re

from pipeline.backends.base import NotAChatModel, Reply, TranslationRequest

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")
_WORDS = ["the", "gradient", "norm", "model", "layer", "weight", "loss", "value", "matrix", "sum",
          "rank", "scale", "token", "step", "rate", "mean", "noise", "kernel", "basis", "limit"]
_FULLWIDTH = re.compile(r"[，。：；！？、（）“”《》【】]")


class CopyingBackend:
    model_id = "copying-test-backend"
    model_sha256 = "0" * 64
    slots = 1
    samples = False   # copies: a sampled answer would be the same copy

    def __init__(self):
        self.requests = self.tokens_in = self.tokens_computed = self.tokens_out = 0

    def translate(self, batch: list[TranslationRequest]) -> list[Reply]:
        self.requests += len(batch)
        return [Reply(self._english(r.text)) for r in batch]

    def translate_plain(self, texts: list[str]) -> list[str]:
        return [self._english(t) for t in texts]

    def _english(self, text: str) -> str:
        # Roughly three English letters per Chinese character, so the length checks pass.
        text = _HAN_RUN.sub(lambda m: " " + " ".join(_WORDS[ord(c) % len(_WORDS)] for c in m.group()) + " ", text)
        return _FULLWIDTH.sub(". ", text)

    def complete(self, system: str, user: str, max_tokens: int | None = None) -> str:
        raise NotAChatModel("the copying test backend only translates")

    def close(self) -> None:
        pass


def context_over(backend, **settings):
    """A run context over `backend`: no glossary, memory or summary unless a test asks."""
    from pipeline.context import RunContext
    from pipeline.settings import Settings

    defaults = {"use_glossary": False, "use_memory": False, "summaries": False}
    return RunContext(Settings(**{**defaults, **settings}), backend=backend)


def formula_integrity(article):
    """Every protected span of the article appears in its English, byte-identical, as often -
    across segments (qa.py checks each segment alone)."""
    from collections import Counter

    from pipeline.checks.result import CheckResult

    expected: Counter[str] = Counter()
    found: Counter[str] = Counter()
    for seg in article.segments:
        for span in seg.spans:
            expected[span.text] += 1
        if not seg.translate:
            found.update(s.text for s in seg.spans)
    english = "\n".join(seg.output for seg in article.segments if seg.translate)
    for text in expected:
        found[text] += english.count(text)
    missing = [t for t in expected if found[t] < expected[t]]
    extra = [t for t in expected if found[t] > expected[t]]
    detail = "; ".join([f"missing {t!r}" for t in missing[:3]] + [f"repeated {t!r}" for t in extra[:3]])
    return CheckResult("formula_integrity", not missing and not extra, detail)


def translate_article(article, ctx) -> dict:
    """One article through the pipeline's stages in this process (segment, recall, translate,
    check; no summary, nothing written). Returns its QA figures."""
    from pipeline.stages import LocalRunner, RunResult, run_articles

    result = RunResult()
    finished = list(run_articles([article], ctx, LocalRunner(ctx), result))
    if result.failures:
        raise RuntimeError(result.failures[0][1])
    return finished[0].qa


def lose_display_equations(monkeypatch) -> None:
    """The old defect put back: ingest's markdown parser loses every display equation between
    two lines of a paragraph (what conservation from the raw source must catch)."""
    import re

    import pipeline.ingest.markdown_source as markdown_source

    real = markdown_source._PARSER

    class LossyParser:
        def parse(self, text):
            tokens = real.parse(text)
            for tok in tokens:
                if tok.type == "inline":
                    tok.content = re.sub(r"\\begin\{equation\}.*?\\end\{equation\}", "", tok.content, flags=re.S)
            return tokens

    monkeypatch.setattr(markdown_source, "_PARSER", LossyParser())
