"""Translation memory keys: only the same model, glossary and prompt get a hit."""

import sqlite3
from contextlib import contextmanager

from pipeline.store import memory as memory_module
from pipeline.store.memory import Entry, MemoryContext, TranslationMemory


def test_hits_need_the_same_model_glossary_and_prompt(tmp_path):
    memory = TranslationMemory(tmp_path / "m.sqlite")
    ctx = MemoryContext("a" * 64, "g1", "p1")
    memory.put(ctx, Entry("梯度下降。", "Gradient descent.", ("flag",), ("note",), 2))
    hit = memory.get(ctx, "梯度下降。")
    assert hit == Entry("梯度下降。", "Gradient descent.", ("flag",), ("note",), 2)
    assert memory.get(ctx, "  梯度下降。\n") == hit          # whitespace-normalised source
    for other in (MemoryContext("b" * 64, "g1", "p1"), MemoryContext("a" * 64, "g2", "p1"),
                  MemoryContext("a" * 64, "g1", "p2")):
        assert memory.get(other, "梯度下降。") is None
    memory.close()
    reopened = TranslationMemory(tmp_path / "m.sqlite")      # committed at once: survives a restart
    assert len(reopened) == 1 and reopened.get(ctx, "梯度下降。").translation == "Gradient descent."


def test_an_answers_confidence_is_kept_and_an_older_memory_gains_the_columns(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)   # a memory as the first release wrote it: no confidence columns
    db.executescript("""CREATE TABLE segments (key TEXT PRIMARY KEY, source TEXT NOT NULL, translation TEXT NOT NULL,
        model_sha256 TEXT NOT NULL, glossary_version TEXT NOT NULL, prompt_version TEXT NOT NULL,
        flags TEXT NOT NULL DEFAULT '[]', notes TEXT NOT NULL DEFAULT '[]', attempts INTEGER NOT NULL DEFAULT 1,
        created TEXT NOT NULL);""")
    ctx = MemoryContext("a" * 64, "g1", "p1")
    db.execute("INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, '[]', '[]', 1, 'then')",
               (ctx.key("旧的。"), "旧的。", "Old.", "a" * 64, "g1", "p1"))
    db.commit()
    db.close()
    memory = TranslationMemory(path)
    assert memory.get(ctx, "旧的。") == Entry("旧的。", "Old.")   # kept, with no confidence
    memory.put(ctx, Entry("新的。", "New.", confidence=(0.91, 0.42, 1.7)))
    assert memory.get(ctx, "新的。").confidence == (0.91, 0.42, 1.7)
    memory.put(ctx, Entry("旧式。", "Old style.", confidence=(0.91, 0.42)))   # no surprise measured
    assert memory.get(ctx, "旧式。").confidence == (0.91, 0.42, None)


@contextmanager
def write_locked(path):
    """Another process's long write transaction on the memory (a `tm import` of another tool)."""
    holder = sqlite3.connect(str(path), check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO term_lookups VALUES ('held', 'held', 'held', 'now')")
    try:
        yield holder
    finally:
        holder.rollback()
        holder.close()


def test_a_busy_memory_keeps_answers_in_memory_and_stores_them_when_the_lock_goes(tmp_path, monkeypatch):
    monkeypatch.setattr(memory_module, "WRITE_WAIT_SECONDS", 0.1)
    path, ctx = tmp_path / "tm.sqlite", MemoryContext("m", "g", "p")
    TranslationMemory(path).close()
    memory = TranslationMemory(path)
    with write_locked(path):
        memory.put_many([(ctx, Entry("中文", "Chinese", ()))], wait=0.1)   # busy: kept, no error
        memory.put_summary("s", "A summary.", [], [], {})
        memory.put_lookup(ctx, "注意力", "attention")
        assert memory.get(ctx, "中文").translation == "Chinese"          # served from what is kept
        assert memory.get_summary("s")[0] == "A summary." and memory.get_lookup(ctx, "注意力") == "attention"
    assert memory.close(wait=5) is None and memory.unstored == 0
    again = TranslationMemory(path)
    assert again.get(ctx, "中文").translation == "Chinese" and again.get_lookup(ctx, "注意力") == "attention"
    again.close()


def test_a_memory_that_stays_locked_is_named_not_an_error(tmp_path):
    path, ctx = tmp_path / "tm.sqlite", MemoryContext("m", "g", "p")
    TranslationMemory(path).close()
    memory = TranslationMemory(path)
    with write_locked(path):
        memory.put_many([(ctx, Entry("中文", "Chinese", ()))], wait=0.1)
        note = memory.close(wait=0.2)
    assert memory.unstored == 1 and str(path) in note and "not stored" in note
    assert TranslationMemory(path).get(ctx, "中文") is None   # nothing half-written


def test_a_locked_memory_never_loses_an_article(tiny_model_dir, tmp_path, monkeypatch, prefect_harness):
    """A whole translation with the memory write-locked by another process the whole time: the
    article is written, and stderr names the database and what was not stored."""
    from typer.testing import CliRunner

    from zh2en.cli import app

    monkeypatch.setattr(memory_module, "WRITE_WAIT_SECONDS", 0.1)
    monkeypatch.setattr(memory_module, "CLOSE_WAIT_SECONDS", 0.5)
    state = tmp_path / "state"
    monkeypatch.setenv("ZH2EN_STATE_DIR", str(state))
    TranslationMemory(state / "memory.sqlite").close()
    source = tmp_path / "a.md"
    source.write_text("# 注意力\n\n我们知道，梯度裁剪是常用技巧。\n\n第二段文字。\n", encoding="utf-8")
    with write_locked(state / "memory.sqlite"):
        result = CliRunner().invoke(app, ["translate", str(source), "-o", str(tmp_path / "out"), "--backend", "marian",
                                          "--model-dir", str(tiny_model_dir), "--no-summary"])
    assert result.exit_code == 0, result.stderr
    assert len(list((tmp_path / "out").glob("*.en.md"))) == 1
    assert "not stored in the translation memory" in result.stderr and str(state / "memory.sqlite") in result.stderr
    assert "Traceback" not in result.stderr and "OperationalError" not in result.stderr
