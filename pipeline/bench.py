"""`zh2en bench`: in one run, on the same segments, (a) the naive loop - one plain request
after another, no placeholders, glossary or cache; (b) the pipeline cold; (c) the pipeline
warm (everything in the memory) - with the compute floor measured in the same run."""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from pipeline.checks import HAN
from pipeline.memory import TranslationMemory
from pipeline.models import Segment
from pipeline.prompts import PLAIN_SYSTEM_PROMPT, SYSTEM_PROMPT
from pipeline.segmenting import segment_article
from pipeline.translate import Translator


def bench_segments(articles, limit: int | None) -> list[Segment]:
    segments = []
    for article in articles:
        segment_article(article)
        segments += [s for s in article.segments if s.translate]
    return segments[:limit] if limit else segments


def _fresh(segments: list[Segment]) -> list[Segment]:
    return [Segment(source=s.source, spans=list(s.spans), flags=[f for f in s.flags if "unbalanced" in f])
            for s in segments]


def measure_prefill(backend, text: str) -> float:
    """Prompt tokens per second on this machine: a long prompt, one generated token."""
    backend.complete(SYSTEM_PROMPT, text[:50], max_tokens=1)  # warm the cached prefix first
    backend.complete(PLAIN_SYSTEM_PROMPT + " " + text, "Reply with OK.", max_tokens=1)
    timings = backend.last_timings
    return timings.get("prompt_per_second") or (1000 * timings["prompt_n"] / timings["prompt_ms"])


def run_bench(backend, articles, glossary, limit: int | None = None) -> dict:
    segments = bench_segments(articles, limit)
    chinese = sum(len(HAN.findall(s.source)) for s in segments)
    prefill = measure_prefill(backend, "\n".join(s.source for s in segments)[:3000])

    def counted(fn):
        t_in, t_out, start = backend.tokens_in, backend.tokens_out, time.perf_counter()
        fn()
        return backend.tokens_in - t_in, backend.tokens_out - t_out, time.perf_counter() - start

    naive = counted(lambda: [backend.complete(PLAIN_SYSTEM_PROMPT, s.source) for s in segments])
    with tempfile.TemporaryDirectory() as state:
        translator = Translator(backend, glossary=glossary, memory=TranslationMemory(Path(state) / "m.sqlite"))
        cold = counted(lambda: translator.translate_segments(_fresh(segments)))
        warm_translator = Translator(backend, glossary=glossary, memory=translator.memory)
        warm = counted(lambda: warm_translator.translate_segments(_fresh(segments)))
        warm_requests = warm_translator.requests_sent
    floor = (cold[0] + cold[1]) / prefill

    def row(name, figures):
        t_in, t_out, seconds = figures
        return {"system": name, "tokens_in": t_in, "tokens_out": t_out, "seconds": round(seconds, 2),
                "tokens_per_s": round((t_in + t_out) / seconds, 1) if seconds else None,
                "chinese_chars_per_s": round(chinese / seconds, 1) if seconds else None}

    return {
        "segments": len(segments), "chinese_chars": chinese,
        "prefill_tokens_per_s": round(prefill, 1),
        "runs": [row("naive", naive), row("pipeline-cold", cold), row("pipeline-warm", warm)],
        "compute_floor_s": round(floor, 2),
        "naive_over_pipeline": round(naive[2] / cold[2], 2),
        "pipeline_over_floor": round(cold[2] / floor, 2),
        "warm_seconds": round(warm[2], 2), "warm_model_requests": warm_requests,
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2),
    }


def format_bench(report: dict) -> str:
    lines = [f"{report['segments']} segments, {report['chinese_chars']} Chinese characters; "
             f"prefill {report['prefill_tokens_per_s']} tokens/s measured in this run",
             "| system | tokens in | tokens out | seconds | tokens/s | Chinese chars/s |", "|---|---|---|---|---|---|"]
    for r in report["runs"]:
        lines.append(f"| {r['system']} | {r['tokens_in']} | {r['tokens_out']} | {r['seconds']} | "
                     f"{r['tokens_per_s']} | {r['chinese_chars_per_s']} |")
    lines += ["", f"compute floor (pipeline tokens / prefill rate): {report['compute_floor_s']} s",
              f"naive / pipeline: {report['naive_over_pipeline']}x; pipeline / floor: {report['pipeline_over_floor']}x",
              f"warm re-run: {report['warm_seconds']} s, {report['warm_model_requests']} model requests",
              f"peak RSS: {report['peak_rss_gb']} GB"]
    return "\n".join(lines)
