"""The labelled summary set: how well the summary support check (pipeline/summarize/support.py)
tells a summary that says only what its article says from one with an unsupported claim.

tests/data/summary-claims.jsonl holds one record per summary: the article sentences the model was
given (`sentences`), the summary, and a label - "untouched" (the model's condensed summary as a
reviewer read it: every sentence said by the article) or "injected" with the kind of claim a
reviewer wrote into it (attribution, conclusion, relation, number) and the sentence that carries
it. The summaries come from `zh2en translate` runs of the 40 seed articles and of the d2l dev
lines grouped by their source page (21 pages), made with `collect`:

    python tests/summary_set.py collect OUT_DIR... > candidates.jsonl   # from qa.json files
    python tests/summary_set.py                                          # the figures (docs/quality.md)

A summary is flagged when any of its sentences fails the check against `sentences`.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.summarize.support import check_sentence  # noqa: E402
from pipeline.text.sentences import split_en_sentences  # noqa: E402

SET = Path(__file__).parent / "data" / "summary-claims.jsonl"


def collect(out_dirs: list[str]) -> None:
    """One candidate per article whose summary the model condensed: its chosen sentences and the
    model's whole condensed summary (before the check dropped anything)."""
    for out in out_dirs:
        for qa_path in sorted(Path(out).glob("*.qa.json")):
            qa = json.loads(qa_path.read_text(encoding="utf-8"))
            check = qa.get("summary_check") or {}
            if not check.get("condensed"):
                continue
            print(json.dumps({"id": qa_path.name.removesuffix(".qa.json"), "article": qa["article"],
                              "sentences": [c["text"] for c in check["chosen"]], "summary": check["condensed"]},
                             ensure_ascii=False))


def flagged(record: dict) -> list[str]:
    problems = []
    for sentence in split_en_sentences(record["summary"]):
        problems += check_sentence(sentence, record["sentences"]).problems
    return problems


def evaluate(path: Path = SET, only: str | None = None) -> dict:
    """Flagged counts per kind; recall on the injected claims and, apart, on the model's own
    unsupported sentences ("natural"); false alarms on the untouched summaries."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    caught, total = Counter(), Counter()
    for record in records:
        if only and record.get("set") != only:
            continue
        kind = record.get("kind") or record["label"]
        total[kind] += 1
        caught[kind] += bool(flagged(record))
    injected = [k for k in total if k not in ("untouched", "natural")]
    hits, n = sum(caught[k] for k in injected), sum(total[k] for k in injected)

    def pct(a, b):
        return round(100 * a / b, 1) if b else None
    return {"total": dict(total), "caught": dict(caught), "recall_injected": pct(hits, n),
            "recall_natural": pct(caught["natural"], total["natural"]),
            "false_alarm_rate": pct(caught["untouched"], total["untouched"]),
            "precision": pct(hits + caught["natural"], hits + caught["natural"] + caught["untouched"])}


def main() -> None:
    if sys.argv[1:2] == ["collect"]:
        collect(sys.argv[2:])
        return
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else SET
    for only in (None, "seeds", "d2l"):
        figures = evaluate(path, only)
        if not figures["total"]:
            continue
        print(f"\n{only or 'all'}:\n| claims | summaries | flagged |\n|---|---|---|")
        for kind, n in sorted(figures["total"].items()):
            print(f"| {kind} | {n} | {figures['caught'].get(kind, 0)} ({100 * figures['caught'].get(kind, 0) / n:.1f}%) |")
        print(f"recall {figures['recall_injected']}% of injected claims, {figures['recall_natural']}% of the model's "
              f"own unsupported summaries; false alarms {figures['false_alarm_rate']}% of untouched summaries; "
              f"precision {figures['precision']}%")


if __name__ == "__main__":
    main()
