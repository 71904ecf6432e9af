"""Safe, unique ASCII file names for articles, always inside the output folder."""

from __future__ import annotations

from slugify import slugify

MAX_SLUG = 80
RESERVED = {"report", "con", "prn", "aux", "nul"}


def article_slug(title_en: str | None, fallback_text: str | None, fallback_id: str) -> str:
    """A slug from the English title, else from the opening words of the text, else an id."""
    for candidate in (title_en, " ".join((fallback_text or "").split()[:8])):
        slug = slugify(candidate or "", max_length=MAX_SLUG, word_boundary=True)
        if slug and slug not in RESERVED:
            return slug
    return slugify(fallback_id, max_length=MAX_SLUG) or "article"


class SlugAllocator:
    """Hands out each slug once per run: a repeat gets -2, -3, ... in input order."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def allocate(self, slug: str) -> str:
        candidate, n = slug, 1
        while candidate in self._used:
            n += 1
            candidate = f"{slug[:MAX_SLUG - 4]}-{n}"
        self._used.add(candidate)
        return candidate
