"""How often a reviewed passage is reused: the 40 seed pages are translated (the copying test
backend: what is measured is which passages recur, not their English), a scripted reviewer edits
every English paragraph of 3 articles (each sentence gains the word "Reviewed:"), zh2en
learns them, and the seeds are translated again: the passages served from the reviewed store, in
the edited articles and in the others (the seeds' listing pages repeat the opening paragraphs of
posts that the archive pages hold whole). Then the glossary proposals of a scripted reviewer who
prefers another word for one term (measure_proposals).

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

from pipeline.backends.base import Reply  # noqa: E402

from pipeline.ingest.reader import read_path  # noqa: E402
from pipeline.learn import learn_paths  # noqa: E402
from pipeline.output.chunks import english_chunks_of  # noqa: E402
from pipeline.output.render import split_front_matter  # noqa: E402
from pipeline.stages import LocalRunner, RunResult, run_articles  # noqa: E402
from pipeline.store.memory import TranslationMemory  # noqa: E402

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


class TermCopyingBackend(CopyingBackend):
    """The copying backend, with each request's glossary terms rendered as the glossary says."""

    def translate(self, batch):
        return [Reply(reply.text.rstrip() + (" With " + ", ".join(en for _, en in r.terms) + "." if r.terms else ""))
                for r, reply in zip(batch, super().translate(batch))]


def _run(seeds: Path, out: Path, state: Path, backend=None, glossary: bool = False) -> list:
    out.mkdir(parents=True, exist_ok=True)
    ctx = context_over(backend or CopyingBackend(), use_memory=True, use_glossary=glossary, state_dir=state)
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


def measure_proposals(seeds: Path = SEEDS, edited_articles: int = 3) -> dict:
    """A scripted reviewer who prefers another word for the commonest glossary term of 3 articles
    (its English written "reviewed-<english>") everywhere in them: what zh2en learn proposes."""
    from collections import Counter

    from pipeline.learn import learn_paths

    work = Path(tempfile.mkdtemp(prefix="zh2en-proposals-"))
    first = _run(seeds, work / "out", work / "state", TermCopyingBackend(), glossary=True)
    chosen = sorted(first, key=lambda done: -len(done.article.segments))[:edited_articles]
    terms = Counter(term for done in chosen for seg in done.article.segments for term in seg.terms)
    (zh, en), uses = terms.most_common(1)[0]
    for done in chosen:
        target = work / "out" / done.qa["file"]
        target.write_text(target.read_text(encoding="utf-8").replace(f"With {en}", f"With reviewed-{en.replace(' ', '-')}")
                          .replace(f", {en}", f", reviewed-{en.replace(' ', '-')}"), encoding="utf-8")
    memory = TranslationMemory(work / "state" / "memory.sqlite")
    learned = learn_paths([work / "out"], memory)
    memory.close()
    proposals = sorted({(p[0], p[1]) for r in learned for p in r.proposals})
    return {"term": f"{zh} = {en}", "its_passages_in_the_3_articles": uses,
            "passages_learned": sum(r.passages for r in learned), "proposals": proposals}


if __name__ == "__main__":
    print(json.dumps(measure(), indent=1))
    print(json.dumps(measure_proposals(), indent=1, ensure_ascii=False))
