"""Markup that must not run or hide when a written file is rendered: raw HTML, control
characters, links a browser would execute. Shared by segmenting (flags), render (escaping)
and the conservation check."""

from __future__ import annotations

import html
import re

# What a markdown renderer would take for raw HTML (CommonMark's tag, comment, declaration):
# inside a "formula" it is not LaTeX, so it is escaped like any other source HTML.
HTML_TAG = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|!--|\?|![A-Za-z])")
# Characters that have no business in a written file: C0/C1 controls (but tab and newline),
# bidi overrides that can hide or reorder text.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The addresses a link in a written file may have: these schemes, or none (relative, #anchor).
SAFE_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]")


def unsafe_destination(destination: str) -> bool:
    """A link or image address that is not http, https, mailto or relative, read as a browser
    reads it: entities decoded (`javascript&#58;`, `&#106;avascript:`), tabs, newlines and
    controls inside ignored (`java&#x09;script:`), case ignored. Such a link may run script
    (javascript:, vbscript:, data:) or open a local file: shown as text, never as a link."""
    url = _IGNORED_IN_URL.sub("", html.unescape(destination.strip().removeprefix("<").removesuffix(">")))
    m = _SCHEME.match(url)
    return bool(m) and m.group(1).lower() not in SAFE_SCHEMES
