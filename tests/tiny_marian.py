"""Build a tiny MarianMT model on disk for tests: random weights and sentencepiece
vocabularies trained on the seed pages (Chinese) and a few English lines.

It exists to test loading, batching and placeholder restore through the real transformers
code path; with random weights it translates nothing, so it says nothing about quality."""

from __future__ import annotations

import json
from pathlib import Path


def build_tiny_marian(dest: Path, zh_lines: list[str], en_lines: list[str]) -> Path:
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    dest.mkdir(parents=True, exist_ok=True)
    for name, lines, size in (("source", zh_lines, 1200), ("target", en_lines, 400)):
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines), model_prefix=str(dest / name), vocab_size=size,
            model_type="unigram", character_coverage=1.0, hard_vocab_limit=False,
            pad_id=0, eos_id=1, unk_id=2, bos_id=-1, minloglevel=2)
        (dest / f"{name}.model").rename(dest / f"{name}.spm")
    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2}
    for name in ("source", "target"):
        sp = spm.SentencePieceProcessor(model_file=str(dest / f"{name}.spm"))
        for i in range(sp.get_piece_size()):
            vocab.setdefault(sp.id_to_piece(i), len(vocab))
    (dest / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    torch.manual_seed(0)
    config = MarianConfig(
        vocab_size=len(vocab), d_model=16, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
        max_position_embeddings=256, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
        forced_eos_token_id=1)
    MarianMTModel(config).save_pretrained(dest)
    MarianTokenizer(source_spm=str(dest / "source.spm"), target_spm=str(dest / "target.spm"),
                    vocab=str(dest / "vocab.json"), source_lang="zh", target_lang="en").save_pretrained(dest)
    return dest
