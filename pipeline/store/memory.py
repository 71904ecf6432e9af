"""Translation memory: a SQLite store of finished segment translations and article summaries -
the one answer to "was this done before?" (`--no-memory`: nothing is reused).

A segment is found again only under the same normalised source text, model (sha256),
glossary version and prompt version - so another model's output, or one made under an older
glossary or prompt, is never served. Writes commit at once, so a killed run keeps every
segment it finished and the next run resumes from there.

Another process may hold the write lock for a while (`zh2en tm import` of a large file commits
in batches, but other tools may not). A write that finds the database busy is kept in memory
(and served from there) and retried with the next write; closing waits a bounded time for the
lock. What still could not be stored is counted and named (`unstored`), never an error: the
memory is a cache, the translated articles are written whatever it does.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS segments (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    translation TEXT NOT NULL,
    model_sha256 TEXT NOT NULL,
    glossary_version TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    flags TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '[]',
    attempts INTEGER NOT NULL DEFAULT 1,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS term_lookups (
    key TEXT PRIMARY KEY,
    term TEXT NOT NULL,
    english TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reviewed (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    translation TEXT NOT NULL,
    origin TEXT NOT NULL,
    reviewed TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS learned_files (
    path TEXT PRIMARY KEY,
    version TEXT NOT NULL,
    learned TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS summaries (
    key TEXT PRIMARY KEY,
    text TEXT,
    flags TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '[]',
    created TEXT NOT NULL
);
"""


def normalise(text: str) -> str:
    """NFC, with runs of whitespace folded: the same sentence re-wrapped is the same segment."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def reviewed_key(source: str) -> str:
    return hashlib.sha256(("reviewed\x1f" + normalise(source)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MemoryContext:
    model_sha256: str
    glossary_version: str
    prompt_version: str

    def key(self, source: str) -> str:
        payload = "\x1f".join([normalise(source), self.model_sha256, self.glossary_version, self.prompt_version])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    source: str
    translation: str
    flags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    attempts: int = 1
    confidence: tuple | None = None   # (mean, lowest, surprise) of the answer's tokens (document.Confidence)


# Columns added after the first release: added to an older memory when it is opened.
_ADDED_COLUMNS = {"confidence_mean": "REAL", "confidence_min": "REAL", "confidence_surprise": "REAL"}


WRITE_WAIT_SECONDS = 2.0    # a write waits this long for a busy database, then is kept for later
CLOSE_WAIT_SECONDS = 60.0   # closing waits this long for the lock before giving up what is kept


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


class TranslationMemory:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self.notice: str | None = None  # set when a corrupt memory was moved aside
        self._pending: list[tuple[str, str, str, tuple]] = []   # (table, key, SQL, row) a busy database has not taken
        self.unstored = 0                                         # rows given up at close
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            # Outputs are files; the memory is only a cache: keep the damaged file for
            # inspection, start a fresh one, and say so.
            aside = self.path.with_name(f"{self.path.name}.corrupt-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}")
            for suffix in ("", "-wal", "-shm"):
                part = Path(str(self.path) + suffix)
                if part.exists():
                    part.replace(Path(str(aside) + suffix))
            self.notice = (f"translation memory {self.path} was unreadable ({exc}); moved it to {aside} "
                           f"and started a new one")
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=30)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            verdict = db.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {verdict}")
            db.executescript(SCHEMA)
            present = {row[1] for row in db.execute("PRAGMA table_info(segments)")}
            for column, kind in _ADDED_COLUMNS.items():
                if column not in present:
                    db.execute(f"ALTER TABLE segments ADD COLUMN {column} {kind}")
            db.commit()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _kept(self, table: str, key: str) -> tuple | None:
        """The newest row for `key` still waiting for a busy database (caller holds the lock)."""
        return next((row for t, k, _, row in reversed(self._pending) if t == table and k == key), None)

    def _write(self, rows: list[tuple[str, str, str, tuple]], wait: float = WRITE_WAIT_SECONDS) -> None:
        """Store `rows` (with any kept earlier) in one transaction; a database busy for `wait`
        seconds keeps them for the next write (caller holds the lock)."""
        self._pending.extend(rows)
        if not self._pending:
            return
        self._db.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        try:
            with self._db:
                for _, _, sql, row in self._pending:
                    self._db.execute(sql, row)
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                del self._pending[len(self._pending) - len(rows):]
                raise
            return
        self._pending.clear()

    def get(self, ctx: MemoryContext, source: str) -> Entry | None:
        with self._lock:
            kept = self._kept("segments", ctx.key(source))
            row = (kept[1], kept[2], kept[6], kept[7], kept[8], kept[10], kept[11], kept[12]) if kept else self._db.execute(
                "SELECT source, translation, flags, notes, attempts, confidence_mean, confidence_min, confidence_surprise "
                "FROM segments WHERE key = ?", (ctx.key(source),)).fetchone()
        if row is None:
            return None
        confidence = (row[5], row[6], row[7]) if row[5] is not None else None
        return Entry(row[0], row[1], tuple(json.loads(row[2])), tuple(json.loads(row[3])), row[4], confidence)

    def put(self, ctx: MemoryContext, entry: Entry) -> None:
        self.put_many([(ctx, entry)])

    def put_many(self, items, wait: float = WRITE_WAIT_SECONDS) -> int:
        """Store (context, entry) pairs in one transaction: if `items` raises part way, none
        of them is stored. Returns how many were given (a busy database keeps them for later)."""
        rows = [("segments", row[0], _PUT_SEGMENT, row) for row in (_row(ctx, entry) for ctx, entry in items)]
        with self._lock:
            self._write(rows, wait)
        return len(rows)

    def get_summary(self, key: str) -> tuple[str | None, list[str], list[str], dict] | None:
        """(text, flags, notes, details) of the summary stored under `key` (see stages.summary_key)."""
        with self._lock:
            kept = self._kept("summaries", key)
            row = kept[1:4] if kept else self._db.execute("SELECT text, flags, notes FROM summaries WHERE key = ?",
                                                          (key,)).fetchone()
        if row is None:
            return None
        notes = json.loads(row[2])   # a list, or (since summary-v3) {"notes": [...], "details": {...}}
        if isinstance(notes, list):
            return row[0], json.loads(row[1]), notes, {}
        return row[0], json.loads(row[1]), notes["notes"], notes["details"]

    def put_summary(self, key: str, text: str | None, flags: list[str], notes: list[str], details: dict) -> None:
        row = (key, text, json.dumps(flags, ensure_ascii=False),
               json.dumps({"notes": notes, "details": details}, ensure_ascii=False), _now())
        with self._lock:
            self._write([("summaries", key, "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?, ?)", row)])

    def get_lookup(self, ctx: MemoryContext, asked: str) -> str | None:
        """The English stored for a term lookup (pipeline/recurring_terms.py); "" for a lookup
        that gave no usable answer, None for one never made."""
        with self._lock:
            kept = self._kept("term_lookups", ctx.key(asked))
            row = kept[2:3] if kept else self._db.execute("SELECT english FROM term_lookups WHERE key = ?",
                                                          (ctx.key(asked),)).fetchone()
        return None if row is None else row[0]

    def put_lookup(self, ctx: MemoryContext, asked: str, english: str) -> None:
        row = (ctx.key(asked), asked, english, _now())
        with self._lock:
            self._write([("term_lookups", row[0], "INSERT OR REPLACE INTO term_lookups VALUES (?, ?, ?, ?)", row)])

    def get_reviewed(self, source: str) -> str | None:
        """A reviewer's English for `source` (zh2en learn, a TMX unit marked reviewed): any model,
        glossary or prompt - a person's translation is not the model's to redo."""
        key = reviewed_key(source)
        with self._lock:
            kept = self._kept("reviewed", key)
            row = kept[2:3] if kept else self._db.execute("SELECT translation FROM reviewed WHERE key = ?",
                                                          (key,)).fetchone()
        return None if row is None else row[0]

    def put_reviewed(self, source: str, translation: str, origin: str, when: str | None = None) -> None:
        """Store a reviewer's English; an older edit (by its date) never replaces a newer one."""
        row = (reviewed_key(source), source, translation, origin, when or _now())
        with self._lock:
            self._write([("reviewed", row[0], _PUT_REVIEWED, row)])

    def learned_before(self, path: str, version: str) -> bool:
        """Whether this file was learned as it is now (zh2en learn skips it)."""
        with self._lock:
            row = self._db.execute("SELECT version FROM learned_files WHERE path = ?", (path,)).fetchone()
        return row is not None and row[0] == version

    def mark_learned(self, path: str, version: str) -> None:
        with self._lock:
            self._write([("learned_files", path, "INSERT OR REPLACE INTO learned_files VALUES (?, ?, ?)",
                          (path, version, _now()))])

    def reviewed_entries(self) -> list[tuple[str, str, str, str]]:
        """(source, translation, origin, reviewed) rows, oldest first."""
        with self._lock:
            return self._db.execute("SELECT source, translation, origin, reviewed FROM reviewed "
                                    "ORDER BY reviewed, source").fetchall()

    def entries(self, ctx: MemoryContext | None = None) -> list[tuple[str, str, str, str, str, str]]:
        """(source, translation, model_sha256, glossary_version, prompt_version, flags JSON) rows."""
        query = "SELECT source, translation, model_sha256, glossary_version, prompt_version, flags FROM segments"
        args: tuple = ()
        if ctx is not None:
            query += " WHERE model_sha256 = ? AND glossary_version = ? AND prompt_version = ?"
            args = (ctx.model_sha256, ctx.glossary_version, ctx.prompt_version)
        with self._lock:
            return self._db.execute(query + " ORDER BY created, source", args).fetchall()

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM segments").fetchone()[0]

    def close(self, wait: float | None = None) -> str | None:
        """Store what a busy database kept back (waiting up to `wait` seconds), and close. A
        line for the user when some of it could not be stored, else None."""
        wait = CLOSE_WAIT_SECONDS if wait is None else wait
        with self._lock:
            self._write([], wait)
            self.unstored = len(self._pending)
            self._db.close()
        if not self.unstored:
            return None
        return (f"{self.unstored} translation(s) not stored in the translation memory {self.path}: it stayed locked "
                f"by another process for {wait:.0f} s (a long 'zh2en tm import'?); the articles are written, "
                "and these passages will be translated again next time")


_PUT_REVIEWED = ("INSERT INTO reviewed VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                 "source = excluded.source, translation = excluded.translation, origin = excluded.origin, "
                 "reviewed = excluded.reviewed WHERE excluded.reviewed >= reviewed.reviewed")
_PUT_SEGMENT = ("INSERT OR REPLACE INTO segments (key, source, translation, model_sha256, glossary_version, "
                "prompt_version, flags, notes, attempts, created, confidence_mean, confidence_min, confidence_surprise) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _row(ctx: MemoryContext, entry: Entry) -> tuple:
    return (ctx.key(entry.source), entry.source, entry.translation, ctx.model_sha256, ctx.glossary_version,
            ctx.prompt_version, json.dumps(list(entry.flags), ensure_ascii=False),
            json.dumps(list(entry.notes), ensure_ascii=False), entry.attempts, _now(),
            *((tuple(entry.confidence) + (None,))[:3] if entry.confidence else (None, None, None)))


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
