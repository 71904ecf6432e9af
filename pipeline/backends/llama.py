"""llama.cpp backend through xllamacpp: any chat GGUF, by default the packaged Qwen2.5-Coder-1.5B.

The server runs in-process with several parallel slots; requests of a batch are submitted from
threads so llama.cpp can decode them together (xllamacpp releases the GIL while it works).
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline.backends.base import Reply, TransientBackendError, TranslationRequest
from pipeline.document import Confidence
from pipeline.backends.prompt_state import SlotStates, state_name
from pipeline.backends.model_store import QWEN_CODER_1_5B, ModelUnavailable, cached_sha256, ensure_packaged_model
from pipeline.backends.prompts import PLAIN_SYSTEM_PROMPT, SYSTEM_PROMPT, clean_reply, user_message

DEFAULT_SLOTS = 4          # measured in docs/design.md: 4 slots on 2 threads beat 1 and 8
CTX_PER_SLOT = 2048
# llama.cpp keeps prompt states it evicts from a slot in RAM (8 GiB by default), so a slot can
# switch back to the translation or summary prompt without recomputing it. A few dozen states
# are all this workload reuses; the default let a long run grow past 2.5 GB.
PROMPT_CACHE_MIB = 256
# A sampled answer (the last retry for a term the model drops): at 0.7, 3 of the 4 seed
# segments that dropped a term at temperature 0 had a sample with it in 4 draws; at 0.4, 2 of 4 in 3.
SAMPLE_TEMPERATURE = 0.7


class LlamaBackend:
    samples = True
    def __init__(self, prompt_state_dir: Path, model_path: Path | None = None, slots: int = DEFAULT_SLOTS,
                 threads: int | None = None, max_tokens: int = 768, summary_prompt: str | None = None):
        try:
            import xllamacpp
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelUnavailable("the llama backend needs xllamacpp: pip install xllamacpp") from exc
        if model_path is None:
            path = ensure_packaged_model()
            self.model_id, self.model_sha256 = QWEN_CODER_1_5B.name, QWEN_CODER_1_5B.sha256
        else:
            path = Path(model_path)
            if not path.is_file():
                raise ModelUnavailable(f"model file {path} does not exist")
            self.model_id, self.model_sha256 = path.stem, cached_sha256(path)
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_parallel = slots
        params.n_ctx = CTX_PER_SLOT * slots
        n_threads = threads or max(1, min(os.cpu_count() or 2, 8))
        params.cpuparams.n_threads = n_threads
        params.cpuparams_batch.n_threads = n_threads
        params.sampling.temp = 0.0
        params.sampling.seed = 0
        params.warmup = False
        params.cache_ram_mib = PROMPT_CACHE_MIB
        params.verbosity = -1  # llama.cpp's log is noise for our users
        params.log_json = False
        slot_folder = Path(prompt_state_dir)
        params.slot_save_path = f"{slot_folder}{os.sep}"   # llama.cpp appends file names as is
        self.slots = slots
        self.max_tokens = max_tokens
        self._server = xllamacpp.Server(params)
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="llama-slot")
        self._lock = threading.Lock()
        # For zh2en bench: tokens sent, of those the ones computed (not served from a slot's
        # cached prefix), and tokens generated.
        self.requests = self.tokens_in = self.tokens_computed = self.tokens_out = 0
        self.last_timings: dict = {}
        self._states = SlotStates(self._server.listening_address, slot_folder)
        self._state_version = (self.model_sha256, getattr(xllamacpp, "__version__", "?"), str(CTX_PER_SLOT))
        # The last slot keeps the summary's system prompt (one summary per article; a one-off
        # run's summary otherwise computes its ~130 prompt tokens first: 1.3 s here).
        self._slot_prompts = [SYSTEM_PROMPT] * slots
        if summary_prompt and slots > 1:
            self._slot_prompts[-1] = summary_prompt
        self.warm_slots()

    def warm_slots(self) -> None:
        """Every slot starts with its fixed system prompt computed: restored from the state
        folder, or computed once in one slot and saved for every later process."""
        for prompt in dict.fromkeys(self._slot_prompts):
            slots = [i for i, p in enumerate(self._slot_prompts) if p == prompt]
            name = state_name(*self._state_version, prompt)
            if self._states.restore(name, slots):
                continue
            self.complete(prompt, "", max_tokens=1, slot=slots[0])
            if self._states.save(slots[0], name):
                self._states.restore(name, slots[1:])

    def complete(self, system: str, user: str, max_tokens: int | None = None, ignore_eos: bool = False,
                 slot: int | None = None) -> str:
        return self._chat(system, user, max_tokens, ignore_eos, slot)["content"]

    def _chat(self, system: str, user: str, max_tokens: int | None = None, ignore_eos: bool = False,
              slot: int | None = None, logprobs: bool = False, sample: int = 0) -> dict:
        """The model's answer ("content") and, with `logprobs`, each generated token's
        probability ("probabilities"); the most likely answer, or with `sample` one drawn with
        that seed."""
        request = {
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "temperature": SAMPLE_TEMPERATURE if sample else 0.0,
            "seed": sample,
            "max_tokens": max_tokens or self.max_tokens,
            # Loops on a small model show up as repeats; a mild penalty stops runaway output.
            "repeat_penalty": 1.05,
            "ignore_eos": ignore_eos,   # the bench's decode measurement: exactly max_tokens
        }
        if slot is not None:
            request["id_slot"] = slot
        if logprobs:
            request["logprobs"] = True
        reply = self._server.handle_chat_completions(request)
        if not isinstance(reply, dict) or "choices" not in reply:
            raise TransientBackendError(f"llama.cpp returned no completion: {str(reply)[:200]}")
        usage, timings = reply.get("usage") or {}, reply.get("timings") or {}
        with self._lock:
            self.requests += 1
            self.tokens_in += usage.get("prompt_tokens", 0)
            self.tokens_computed += timings.get("prompt_n", usage.get("prompt_tokens", 0))
            self.tokens_out += usage.get("completion_tokens", 0)
            self.last_timings = timings
        choice = reply["choices"][0]
        tokens = (choice.get("logprobs") or {}).get("content") or []
        return {"content": choice["message"]["content"] or "",
                "probabilities": [math.exp(t["logprob"]) for t in tokens if "logprob" in t]}

    def translate(self, batch: list[TranslationRequest]) -> list[Reply]:
        def one(req: TranslationRequest) -> Reply:
            answer = self._chat(SYSTEM_PROMPT, user_message(req), logprobs=True, sample=req.sample)
            return Reply(clean_reply(answer["content"]), Confidence.of(answer["probabilities"]))

        return list(self._pool.map(one, batch))

    def translate_plain(self, texts: list[str]) -> list[str]:
        """The same model with a plain prompt: no placeholders, glossary or retries."""
        return list(self._pool.map(lambda t: clean_reply(self.complete(PLAIN_SYSTEM_PROMPT, t)), texts))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._server = None
