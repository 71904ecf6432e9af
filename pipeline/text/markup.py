"""Markup that must not run or hide when a written file is rendered: raw HTML, control
characters, links a browser would execute. Shared by segmenting (flags), render (escaping)
and the conservation check."""

from __future__ import annotations

import re

# What a markdown renderer would take for raw HTML (CommonMark's tag, comment, declaration):
# inside a "formula" it is not LaTeX, so it is escaped like any other source HTML.
HTML_TAG = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|!--|\?|![A-Za-z])")
# Characters that have no business in a written file: C0/C1 controls (but tab and newline),
# bidi overrides that can hide or reorder text.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Link targets a browser would run; shown as text, never as a link.
UNSAFE_LINK = re.compile(r"\]\((\s*(?:javascript|vbscript|data|file):)", re.IGNORECASE)
