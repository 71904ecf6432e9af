"""Translation memory keys: only the same model, glossary and prompt get a hit."""

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
    memory.put(ctx, Entry("新的。", "New.", confidence=(0.91, 0.42)))
    assert memory.get(ctx, "新的。").confidence == (0.91, 0.42)
