"""How often a reviewed passage is reused: the 40 seed pages are translated (the copying test
backend: what is measured is which passages recur, not their English), a scripted reviewer edits
every English paragraph of 3 articles (each sentence gains the word "Reviewed:"), zh2en
learns them, and the seeds are translated again: the passages served from the reviewed store, in
the edited articles and in the others (the seeds' listing pages repeat the opening paragraphs of
posts that the archive pages hold whole).

    .venv/bin/python tests/review_reuse.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from copying_backend import CopyingBackend, context_over  # noqa: E402

from pipeline.ingest.reader import read_path  # noqa: E402
from pipeline.learn import learn_paths  # noqa: E402
from pipeline.output.chunks import english_chunks_of  # noqa: E402
from pipeline.output.render import split_front_matter  # noqa: E402
from pipeline.stages import LocalRunner, RunResult, run_articles  # noqa: E402
from pipeline.store.memory import TranslationMemory  # noqa: E402

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def _run(seeds: Path, out: Path, state: Path) -> list:
    out.mkdir(parents=True, exist_ok=True)
    ctx = context_over(CopyingBackend(), use_memory=True, state_dir=state)
    try:
        return list(run_articles(read_path(seeds), ctx, LocalRunner(ctx), RunResult(), out))
    finally:
        ctx.close()


def measure(seeds: Path = SEEDS, edited_articles: int = 3) -> dict:
    work = Path(tempfile.mkdtemp(prefix="zh2en-reuse-"))
    first = _run(seeds, work / "out", work / "state")
    # the 3 articles with most passages: a reviewer's usual long posts
    chosen = sorted(first, key=lambda done: -len(done.article.segments))[:edited_articles]
    for done in chosen:
        qa_file = work / "out" / (done.qa["file"].removesuffix(".md") + ".qa.json")
        target = work / "out" / done.qa["file"]
        text = target.read_text(encoding="utf-8")
        for chunk in english_chunks_of(split_front_matter(text)[1]):
            if chunk and not chunk.startswith("#"):
                text = text.replace(chunk, "Reviewed: " + chunk.replace(". ", ". Reviewed: "), 1)
        target.write_text(text, encoding="utf-8")
        assert qa_file.is_file()
    memory = TranslationMemory(work / "state" / "memory.sqlite")
    learned = learn_paths([work / "out"], memory)
    memory.close()
    again = _run(seeds, work / "out2", work / "state")
    edited = {done.article.label for done in chosen}
    served = {done.article.label: sum(seg.reviewed for seg in done.article.segments) for done in again}
    seen: dict[str, set] = {}
    for done in first:
        for seg in done.article.segments:
            if seg.translate:
                seen.setdefault(" ".join(seg.source.split()), set()).add(done.article.label)
    return {"articles": len(first), "edited_articles": len(chosen),
            "passages": len(seen), "passages_in_more_than_one_article": sum(len(a) > 1 for a in seen.values()),
            "passages_learned": sum(r.passages for r in learned),
            "not_learned": sum(len(r.problems) for r in learned),
            "why_not": [problem for r in learned for problem in r.problems],
            "served_in_edited_articles": sum(n for label, n in served.items() if label in edited),
            "served_in_other_articles": sum(n for label, n in served.items() if label not in edited),
            "other_articles_with_a_reviewed_passage": sum(1 for label, n in served.items() if label not in edited and n)}


if __name__ == "__main__":
    print(json.dumps(measure(), indent=1))
