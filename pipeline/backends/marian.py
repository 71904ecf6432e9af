"""MarianMT backend (transformers + sentencepiece), loaded from a local directory only:
e.g. Helsinki-NLP/opus-mt-zh-en or a fine-tune the user has on disk. Nothing is downloaded."""

from __future__ import annotations

from pathlib import Path

from pipeline.backends.base import NotAChatModel, Reply, TranslationRequest
from pipeline.backends.model_store import ModelUnavailable, cached_sha256

REQUIRED_FILES = ("config.json", "source.spm", "target.spm", "vocab.json")


def check_model_dir(model_dir: Path | None) -> Path:
    model_dir = Path(model_dir) if model_dir else None
    if model_dir is None or not model_dir.is_dir():
        raise ModelUnavailable(
            f"the marian backend needs --model-dir pointing at a local MarianMT folder "
            f"(e.g. a saved Helsinki-NLP/opus-mt-zh-en); got {model_dir}")
    missing = [f for f in REQUIRED_FILES if not (model_dir / f).is_file()]
    if missing:
        raise ModelUnavailable(f"{model_dir} is not a MarianMT folder: missing {', '.join(missing)}")
    return model_dir


def marian_identity(model_dir: Path | None) -> tuple[str, str]:
    model_dir = check_model_dir(model_dir)
    weights = sorted(model_dir.glob("*.safetensors")) or sorted(model_dir.glob("*.bin"))
    return f"marian:{model_dir.name}", (cached_sha256(weights[0]) if weights else "unknown")


class MarianBackend:
    def __init__(self, model_dir: Path, batch_size: int = 8, max_new_tokens: int = 512):
        model_dir = check_model_dir(model_dir)
        try:
            import torch
            from transformers import MarianMTModel, MarianTokenizer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelUnavailable("the marian backend needs: pip install torch==2.13.0 transformers sentencepiece") from exc
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # our CLI has its own progress bar
        self._torch = torch
        self.tokenizer = MarianTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        self.model = MarianMTModel.from_pretrained(str(model_dir), local_files_only=True).eval()
        self.batch_size = batch_size
        self.max_new_tokens = max_new_tokens
        self.model_id, self.model_sha256 = marian_identity(model_dir)
        self.slots = 1   # batches are decoded together; one batch at a time
        self.samples = False   # decodes greedily: three samples would be one answer three times
        self.requests = self.tokens_in = self.tokens_computed = self.tokens_out = 0

    def translate(self, batch: list[TranslationRequest]) -> list[Reply]:
        return [Reply(text) for text in self._generate([r.text for r in batch])]

    def _generate(self, texts: list[str]) -> list[str]:
        out: list[str] = []
        for i in range(0, len(texts), self.batch_size):
            chunk = texts[i:i + self.batch_size]
            enc = self.tokenizer(chunk, return_tensors="pt", padding=True, truncation=True)
            # English needs a few tokens per source token; the decoder's position table is
            # the hard limit (going past it is an index error inside the model).
            limit = min(self.max_new_tokens, 3 * enc["input_ids"].shape[1] + 16,
                        self.model.config.max_position_embeddings - 1)
            with self._torch.inference_mode():
                generated = self.model.generate(**enc, num_beams=1, do_sample=False, max_new_tokens=limit)
            out += self.tokenizer.batch_decode(generated, skip_special_tokens=True)
            self.requests += len(chunk)
            self.tokens_in += int(enc["attention_mask"].sum())
            self.tokens_computed += int(enc["attention_mask"].sum())
            self.tokens_out += int((generated != self.tokenizer.pad_token_id).sum())
        return out

    def translate_plain(self, texts: list[str]) -> list[str]:
        """A MarianMT model has no prompt: plain means the raw text, formulas and all."""
        return self._generate(texts)

    def complete(self, system: str, user: str, max_tokens: int | None = None) -> str:
        raise NotAChatModel("a MarianMT model only translates: summaries need the llama backend")

    def close(self) -> None:
        self.model = None
