"""The last try for a glossary term the model dropped through the named retry and the sentence
repair (导数, 维度, 最优解, 近似 on the seeds): a few answers sampled instead of the most likely
one. At temperature 0 the model drops such a term every time - asked by name, written in English
inside the Chinese, even made a marker it must copy (tried on those four: 0 of 4 each way); a
sampled answer often keeps it (3 of the 4 in 4 draws). Of the samples that pass every check,
miss fewer terms and fail no more meaning checks than the answer they would replace, the one
missing fewest terms - then the one the model was surest of - is taken. Only on a backend that
samples (llama.cpp; MarianMT decodes greedily)."""

from __future__ import annotations

from pipeline.checks.meaning import MeaningConfig
from pipeline.checks.registry import meaning_problems
from pipeline.document import Segment
from pipeline.text.protect import DEFAULT_STYLE
from pipeline.text.spans import strip_restored, strip_spans
from pipeline.translate.units import ModelCall, Unit

SAMPLES = 3   # answers drawn per segment (seeds 1..SAMPLES): each is one more request


class RetryBySampling:
    name = "retry: sampled"

    def __init__(self, config: MeaningConfig):
        self.config = config

    def run(self, segments: list[Segment], call: ModelCall) -> None:
        if not call.backend.samples:   # greedy decoding: the same answer again, a wasted request
            return
        todo = []
        for seg in segments:
            missing = call.glossary.missing(seg.terms, seg.translation or "") if seg.translation else []
            if missing and not seg.flags:   # a segment given up on gets no further retries
                ask = "these terms were not translated as required: " + ", ".join(f"{z} = {e}" for z, e in missing)
                todo.append((seg, missing, [Unit(seg.source, seg.spans, seg, problems=[ask], sample=n)
                                            for n in range(1, SAMPLES + 1)]))
        call([u for _, _, samples in todo for u in samples], DEFAULT_STYLE, strict=True, stage=self.name)
        for seg, missing, samples in todo:
            terms = ", ".join(zh for zh, _ in missing)
            best = self.best(seg, samples, len(missing), call)
            if best is not None:
                seg.translation, seg.attempts, seg.confidence = best.english, seg.attempts + 1, best.confidence
                seg.notes.append(f"retried for glossary terms with sampled answers: {terms} (sample {best.sample} "
                                 f"of {len(samples)} taken)")
                call.fixed(self.name)
            else:
                seg.notes.append(f"retried for glossary terms with {len(samples)} sampled answers ({terms}): "
                                 "none accepted")

    def best(self, seg: Segment, samples: list[Unit], missed: int, call: ModelCall) -> Unit | None:
        zh = strip_spans(seg.source, seg.spans)
        allowed = len(meaning_problems(zh, strip_restored(seg.translation or "", seg.spans), self.config))
        ranked = []
        for u in samples:
            still = len(call.glossary.missing(seg.terms, u.english or ""))
            if u.problems or not u.english or still >= missed:
                continue
            if len(meaning_problems(zh, strip_restored(u.english, seg.spans), self.config)) > allowed:
                continue
            ranked.append((still, -(u.confidence.mean if u.confidence else 0.0), u.sample, u))
        return min(ranked)[-1] if ranked else None
