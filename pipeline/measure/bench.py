"""`zh2en bench`: in one run, on the same articles, (a) the naive loop - one paragraph at a
time, one plain request after another, no placeholders, glossary or cache; (b) the pipeline
cold; (c) the pipeline warm (everything in the memory) - against the compute floor and the
machine's decode rates, measured in the same run."""

from __future__ import annotations

import copy
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.text.han import HAN
from pipeline.context import RunContext
from pipeline.document import TRANSLATED_KINDS, Article, Segment
from pipeline.backends.prompts import PLAIN_SYSTEM_PROMPT, SYSTEM_PROMPT
from pipeline.text.segmenting import DEFAULT_MAX_CHARS
from pipeline.settings import Settings
from pipeline.stages import LocalRunner, RunResult, run_articles

# The targets (docs/benchmarks.md: "Throughput benchmark").
TARGET_NAIVE_OVER_PIPELINE = 1.5
TARGET_PIPELINE_OVER_FLOOR = 1.5
TARGET_WARM_SECONDS = 2.0
TARGET_PEAK_RSS_GB = 2.5
TARGET_ONE_PARAGRAPH_SECONDS = 15.0


@dataclass
class Tally:
    """What one system cost: model requests, tokens sent / computed (not served from a slot's
    cached prefix) / generated, and wall seconds."""

    requests: int = 0
    tokens_in: int = 0
    tokens_computed: int = 0
    tokens_out: int = 0
    seconds: float = 0.0


def counted(backend, fn) -> Tally:
    before = (backend.requests, backend.tokens_in, backend.tokens_computed, backend.tokens_out)
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    after = (backend.requests, backend.tokens_in, backend.tokens_computed, backend.tokens_out)
    return Tally(*(b - a for a, b in zip(before, after)), seconds=seconds)


def paragraphs(articles: list[Article]) -> list[str]:
    """What the naive loop sends: each title and paragraph as it stands, formulas and all."""
    return [b.source for a in articles for b in a.all_blocks
            if b.kind in TRANSLATED_KINDS and HAN.search(b.source)]


def run_pipeline(ctx: RunContext, articles: list[Article]) -> tuple[Tally, list[Segment]]:
    """Fresh copies of `articles` through the pipeline's stages in this process (segment,
    recall, translate, check; no summary, nothing written): what it cost, and the segments."""
    fresh = [copy.deepcopy(a) for a in articles]
    result = RunResult()
    tally = counted(ctx.backend, lambda: list(run_articles(fresh, ctx, LocalRunner(ctx), result)))
    if result.failures:
        raise BenchError("; ".join(f"{label}: {reason}" for label, reason in result.failures[:3]))
    return tally, [s for a in fresh for s in a.segments if s.translate]


def measure_prefill(backend, text: str) -> float:
    """Prompt tokens per second: a long prompt, one generated token."""
    backend.complete(SYSTEM_PROMPT, text[:50], max_tokens=1)  # the first call after loading is slow
    before = backend.tokens_computed
    start = time.perf_counter()
    backend.complete(PLAIN_SYSTEM_PROMPT + " " + text, "Reply with OK.", max_tokens=1)
    timings = backend.last_timings
    if timings.get("prompt_per_second"):
        return timings["prompt_per_second"]
    return (backend.tokens_computed - before) / (time.perf_counter() - start)


def measure_decode(backend, streams: int, prefill: float, tokens: int = 96) -> float:
    """Generated tokens per second, all streams together, with `streams` requests decoding at
    once (their short prompts' time taken out at the measured prefill rate)."""
    def one(i: int) -> None:
        backend.complete(PLAIN_SYSTEM_PROMPT, f"第{i}段：梯度下降", max_tokens=tokens, ignore_eos=True)

    def rate() -> float:
        with ThreadPoolExecutor(streams) as pool:
            tally = counted(backend, lambda: list(pool.map(one, range(streams))))
        return tally.tokens_out / max(tally.seconds - tally.tokens_computed / prefill, 1e-3)

    return max(rate(), rate())   # best of two: a noisy machine only ever slows a run down


def _decode_streams(slots: int) -> list[int]:
    streams = [1]
    while streams[-1] * 2 <= slots:
        streams.append(streams[-1] * 2)
    if streams[-1] != slots:
        streams.append(slots)
    return streams


def bench_context(backend, settings: Settings, max_chars: int, state: Path) -> RunContext:
    """A context over the bench's loaded model, with a memory of its own per segment size."""
    return RunContext(settings.model_copy(update={"state_dir": state / f"chars-{max_chars}", "max_chars": max_chars,
                                                  "use_memory": True, "summaries": False}), backend=backend)


class BenchError(RuntimeError):
    pass


def timed_cli(args: list[str], state: Path) -> tuple[float, float]:
    """(wall seconds, the flow's own seconds from report.json) of `zh2en translate ARGS` in a
    new process, as a user runs it, with its state (memory, caches) in `state`. The saved
    prompt states are shared: a user has them from the second run on."""
    shared = Settings().prompt_state_dir
    if shared.is_dir() and not (state / "llama-slots").exists():
        state.mkdir(parents=True, exist_ok=True)
        shutil.copytree(shared, state / "llama-slots")
    out = state / "bench-output"
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "ZH2EN_STATE_DIR": str(state)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "zh2en", "translate", *args, "-o", str(out)],
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise BenchError(f"zh2en translate {' '.join(args)} failed: {proc.stderr.strip()[-500:]}")
    return wall, json.loads((out / "report.json").read_text(encoding="utf-8"))["seconds"]


def run_bench(backend, articles: list[Article], settings: Settings, limit: int | None = None,
              chunk_sizes: tuple[int, ...] = (), input_path: Path | None = None,
              paragraph: Path | None = None, model_args: tuple[str, ...] = (), decode_tokens: int = 96) -> dict:
    """`input_path` (the file or folder `articles` came from) and `paragraph` (a one-paragraph
    file) add the new-process timings: a warm re-run of the whole input through the CLI
    (without `limit` only: the memory holds just what was benched) and one paragraph, cold."""
    articles = articles[:limit] if limit else articles
    texts = paragraphs(articles)
    chinese = sum(len(HAN.findall(t)) for t in texts)
    prefill = measure_prefill(backend, "\n".join(texts)[:3000])
    decode = {n: round(measure_decode(backend, n, prefill, decode_tokens), 1) for n in _decode_streams(backend.slots)}

    naive = counted(backend, lambda: [backend.complete(PLAIN_SYSTEM_PROMPT, t) for t in texts])
    with tempfile.TemporaryDirectory() as state:
        backend.warm_slots()  # as a new process starts: the rule prompt ready in every slot
        cold_ctx = bench_context(backend, settings, DEFAULT_MAX_CHARS, Path(state))
        cold, segments = run_pipeline(cold_ctx, articles)
        warm, _ = run_pipeline(bench_context(backend, settings, DEFAULT_MAX_CHARS, Path(state)), articles)
        chunks = []
        for size in chunk_sizes:
            tally, segs = (cold, segments) if size == DEFAULT_MAX_CHARS else \
                run_pipeline(bench_context(backend, settings, size, Path(state)), articles)
            chunks.append({"max_chars": size, "segments": len(segs), **asdict(tally),
                           "flagged_segments": sum(1 for s in segs if s.flags)})
        warm_cli = None
        if input_path is not None and not limit:  # the memory pipeline-cold filled, in a new process
            warm_cli = timed_cli([str(input_path), "--no-summary", *model_args], cold_ctx.settings.state_dir)
    one_paragraph = None
    if paragraph is not None:
        with tempfile.TemporaryDirectory() as fresh:
            one_paragraph = timed_cli([str(paragraph), *model_args], Path(fresh))

    # The floor: every token the pipeline made the model compute, at the prefill rate - what
    # the CPU could do if generating a token cost no more than reading one.
    floor = (cold.tokens_computed + cold.tokens_out) / prefill
    # What these tokens cost at the rates this machine reaches: prompts at the prefill rate,
    # generated tokens at the best aggregate decode rate over the model's slots.
    decode_bound = cold.tokens_computed / prefill + cold.tokens_out / max(decode.values())

    def row(name: str, t: Tally) -> dict:
        return {"system": name, **asdict(t), "seconds": round(t.seconds, 2),
                "tokens_per_s": round((t.tokens_computed + t.tokens_out) / t.seconds, 1) if t.seconds else None,
                "chinese_chars_per_s": round(chinese / t.seconds, 1) if t.seconds else None}

    report = {
        "articles": len(articles), "paragraphs": len(texts), "segments": len(segments),
        "chinese_chars": chinese, "slots": backend.slots,
        "prefill_tokens_per_s": round(prefill, 1), "decode_tokens_per_s": decode,
        "runs": [row("naive", naive), row("pipeline-cold", cold), row("pipeline-warm", warm)],
        "pipeline_requests_by_stage": dict(cold_ctx.translator.requests_by_stage),
        "pipeline_fixed_by_stage": dict(cold_ctx.translator.fixed_by_stage),   # each retry stage's yield
        "flagged_segments": sum(1 for s in segments if s.flags),
        "compute_floor_s": round(floor, 2), "decode_bound_s": round(decode_bound, 2),
        "naive_over_pipeline": round(naive.seconds / cold.seconds, 2),
        "pipeline_over_floor": round(cold.seconds / floor, 2),
        "pipeline_over_decode_bound": round(cold.seconds / decode_bound, 2),
        "warm_seconds": round(warm.seconds, 3), "warm_model_requests": warm.requests,
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024, 2),
        "chunk_sizes": chunks,
        # (wall, of which in the flow) seconds, each in a new process
        "warm_cli_seconds": [round(x, 2) for x in warm_cli] if warm_cli else None,
        "one_paragraph_seconds": [round(x, 2) for x in one_paragraph] if one_paragraph else None,
    }
    report["targets"] = targets(report)
    return report


def targets(report: dict) -> list[dict]:
    def one(name, value, target, ok):
        return {"target": name, "measured": value, "goal": target, "met": ok}

    return [
        one("naive / pipeline", report["naive_over_pipeline"], f">= {TARGET_NAIVE_OVER_PIPELINE}",
            report["naive_over_pipeline"] >= TARGET_NAIVE_OVER_PIPELINE),
        one("pipeline / floor", report["pipeline_over_floor"], f"<= {TARGET_PIPELINE_OVER_FLOOR}",
            report["pipeline_over_floor"] <= TARGET_PIPELINE_OVER_FLOOR),
        one("warm re-run (s)", report["warm_seconds"], f"<= {TARGET_WARM_SECONDS}",
            report["warm_seconds"] <= TARGET_WARM_SECONDS),
        one("peak RSS (GB)", report["peak_rss_gb"], f"<= {TARGET_PEAK_RSS_GB}",
            report["peak_rss_gb"] <= TARGET_PEAK_RSS_GB),
    ] + ([one("warm re-run, new process: work beyond start-up (s)", report["warm_cli_seconds"][1],
              f"<= {TARGET_WARM_SECONDS}", report["warm_cli_seconds"][1] <= TARGET_WARM_SECONDS)]
         if report["warm_cli_seconds"] else []) \
      + ([one("one-paragraph file, new process, wall (s)", report["one_paragraph_seconds"][0],
              f"<= {TARGET_ONE_PARAGRAPH_SECONDS}", report["one_paragraph_seconds"][0] <= TARGET_ONE_PARAGRAPH_SECONDS)]
         if report["one_paragraph_seconds"] else [])


def format_bench(report: dict) -> str:
    decode = ", ".join(f"{n} stream(s) {rate}" for n, rate in report["decode_tokens_per_s"].items())
    lines = [f"{report['articles']} articles: {report['paragraphs']} paragraphs (naive), {report['segments']} "
             f"segments (pipeline), {report['chinese_chars']} Chinese characters; {report['slots']} slots",
             f"measured in this run: prefill {report['prefill_tokens_per_s']} tokens/s; decode {decode} tokens/s",
             "",
             "| system | requests | tokens in | computed | tokens out | seconds | tokens/s | Chinese chars/s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in report["runs"]:
        lines.append(f"| {r['system']} | {r['requests']} | {r['tokens_in']} | {r['tokens_computed']} | "
                     f"{r['tokens_out']} | {r['seconds']} | {r['tokens_per_s']} | {r['chinese_chars_per_s']} |")
    stages = ", ".join(f"{k} {v}" for k, v in report["pipeline_requests_by_stage"].items())
    fixed = report["pipeline_fixed_by_stage"]
    yields = ", ".join(f"{k} {fixed.get(k, 0)} of {v}" for k, v in report["pipeline_requests_by_stage"].items()
                       if k != "first pass")
    lines += ["", f"pipeline requests: {stages}; {report['flagged_segments']} segment(s) flagged",
              f"retry yield (segments whose answer was taken / requests spent): {yields or 'no retries'}",
              f"compute floor (computed + generated tokens / prefill rate): {report['compute_floor_s']} s",
              f"decode-bound time (computed / prefill + generated / best decode rate): {report['decode_bound_s']} s",
              f"naive / pipeline: {report['naive_over_pipeline']}x; pipeline / floor: "
              f"{report['pipeline_over_floor']}x; pipeline / decode-bound: {report['pipeline_over_decode_bound']}x",
              f"warm re-run: {report['warm_seconds']} s, {report['warm_model_requests']} model requests",
              f"peak RSS: {report['peak_rss_gb']} GB"]
    for key, what in (("warm_cli_seconds", "warm re-run of the input, new process, no summaries"),
                      ("one_paragraph_seconds", "one-paragraph file, new process, cold")):
        if report[key]:
            lines.append(f"{what}: {report[key][0]} s wall, {report[key][1]} s of it in the flow")
    if report["chunk_sizes"]:
        lines += ["", "| max chars | segments | requests | tokens computed | tokens out | seconds | flagged |",
                  "|---|---|---|---|---|---|---|"]
        lines += [f"| {c['max_chars']} | {c['segments']} | {c['requests']} | {c['tokens_computed']} | "
                  f"{c['tokens_out']} | {round(c['seconds'], 1)} | {c['flagged_segments']} |"
                  for c in report["chunk_sizes"]]
    lines += ["", "| target | measured | goal | met |", "|---|---|---|---|"]
    lines += [f"| {t['target']} | {t['measured']} | {t['goal']} | {'yes' if t['met'] else 'no'} |"
              for t in report["targets"]]
    return "\n".join(lines)
