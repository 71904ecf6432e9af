"""`zh2en bench --api-base URL`: the openai backend measured in one run, on the same articles:
the pipeline cold through the server at each number of requests in flight (1, 2, 4, 8), and
through the same model in this process (`--model`, a GGUF: the one the server serves) - the
server's overhead as a ratio of wall times, and how many segments came back the same."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path

from pipeline.backends.openai_server import OpenAIServerBackend
from pipeline.document import Article
from pipeline.measure.bench import bench_context, run_pipeline
from pipeline.settings import Settings
from pipeline.text.segmenting import DEFAULT_MAX_CHARS

SERVER_SLOTS = (1, 2, 4, 8)


def _row(name: str, slots: int, tally, segments) -> dict:
    return {"system": name, "slots": slots, **asdict(tally), "seconds": round(tally.seconds, 2),
            "segments_per_s": round(len(segments) / tally.seconds, 3) if tally.seconds else None,
            "flagged_segments": sum(1 for s in segments if s.flags)}


def run_server_bench(articles: list[Article], settings: Settings, api_base: str, model: str | None,
                     in_process=None, slot_counts: tuple[int, ...] = SERVER_SLOTS) -> dict:
    """Each system cold, with a memory of its own. `in_process` is a loaded llama backend of the
    same model, or None to measure the server alone."""
    runs, translations, model_id = [], {}, model
    with tempfile.TemporaryDirectory() as state:
        for slots in slot_counts:
            backend = OpenAIServerBackend(api_base, model, slots=slots, timeout=settings.request_timeout)
            try:
                ctx = bench_context(backend, settings, DEFAULT_MAX_CHARS, Path(state) / f"server-{slots}")
                tally, segments = run_pipeline(ctx, articles)
            finally:
                backend.close()
            runs.append(_row("server", slots, tally, segments))
            translations[("server", slots)] = [s.translation for s in segments]
            model_id = backend.model_id
        if in_process is not None:
            if hasattr(in_process, "warm_slots"):
                in_process.warm_slots()   # as a new process starts: the rule prompt ready in every slot
            ctx = bench_context(in_process, settings, DEFAULT_MAX_CHARS, Path(state) / "in-process")
            tally, segments = run_pipeline(ctx, articles)
            runs.append(_row("in-process", in_process.slots, tally, segments))
            translations[("in-process", in_process.slots)] = [s.translation for s in segments]
    report = {"articles": len(articles), "server": api_base, "model": model_id, "runs": runs}
    if in_process is not None:
        same_slots = ("server", in_process.slots)
        if same_slots in translations:
            server_row = next(r for r in runs if (r["system"], r["slots"]) == same_slots)
            local = translations[("in-process", in_process.slots)]
            remote = translations[same_slots]
            report["server_over_in_process"] = round(server_row["seconds"] / runs[-1]["seconds"], 2)
            report["same_translation"] = f"{sum(a == b for a, b in zip(local, remote))} of {len(local)}"
    return report


def format_server_bench(report: dict) -> str:
    lines = [f"Server {report['server']}, model {report['model']}, {report['articles']} article(s), "
             f"pipeline cold (no summary):", "",
             "| system | requests in flight | seconds | segments/s | requests | tokens in | tokens out | flagged |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in report["runs"]:
        lines.append(f"| {r['system']} | {r['slots']} | {r['seconds']} | {r['segments_per_s']} | {r['requests']} | "
                     f"{r['tokens_in']} | {r['tokens_out']} | {r['flagged_segments']} |")
    if "server_over_in_process" in report:
        lines += ["", f"Server over in-process (same model, same requests in flight): "
                      f"{report['server_over_in_process']}x wall time; same translation for "
                      f"{report['same_translation']} segments."]
    return "\n".join(lines)
