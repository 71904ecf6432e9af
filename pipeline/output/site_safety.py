"""What a page of the offline site may do, by construction: the HTML MkDocs makes of an output
file is sanitized (nh3, an allow-list of tags, attributes and URL schemes: http, https, mailto
and relative), a remote image becomes a link with a notice (it is never fetched), and every page
carries a Content-Security-Policy that lets it load only the site's own files and run only the
theme's own scripts. The translated files hold other people's posts: nothing in them may run
script or make a reader's browser call a third party.

Used by MkDocs as a hook file (`hooks:` in the site's config): `on_page_content` gets each
page's HTML before the theme wraps it, `on_post_page` the whole page."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from html.parser import HTMLParser

import nh3

URL_SCHEMES = {"http", "https", "mailto"}
TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl", "dt",
        "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
        "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"}
ATTRIBUTES = {"*": {"class", "id", "lang", "title"}, "a": {"href", "name"}, "img": {"src", "alt", "width", "height"},
              "td": {"style", "colspan", "rowspan", "align"}, "th": {"style", "colspan", "rowspan", "align"},
              "ol": {"start"}, "details": {"open"}}
STYLE_PROPERTIES = {"text-align"}   # a table's column alignment; nothing that can load a URL
REMOTE_IMAGE_NOTICE = "remote image, not loaded"

# Only the site's own files; the theme's inline scripts by hash (added per page); MathJax and the
# theme set inline styles; the theme's icons are data: SVG.
_POLICY = ("default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; frame-src 'none'; "
           "base-uri 'none'; form-action 'none'")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)


def is_remote(url: str) -> bool:
    """A URL that leaves the site: any scheme, or `//host/…`."""
    url = "".join(html.unescape(url).split())
    return bool(_SCHEME.match(url)) or url.startswith(("//", "\\\\", "/\\", "\\/"))


def _keep_local(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and is_remote(value):
        return None
    return value


def sanitize(page_html: str) -> str:
    """A page's content with only what the allow-lists name: no script, event attribute, style
    that loads anything, frame, form, SVG or remote image; links only to http, https, mailto
    and the site itself."""
    return nh3.clean(_remote_images_as_links(page_html), tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     attribute_filter=_keep_local, filter_style_properties=STYLE_PROPERTIES,
                     clean_content_tags={"script", "style"}, strip_comments=True)


class _ImageFinder(HTMLParser):
    """Where each `<img>` tag of a page is, and its attributes (HTMLParser reads quoted values
    as a browser does)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.starts = [0]
        for line in text.split("\n"):   # getpos() counts "\n" only
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.images: list[tuple[int, int, dict]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            line, col = self.getpos()
            start = self.starts[line - 1] + col
            self.images.append((start, start + len(self.get_starttag_text() or ""), dict(attrs)))

    handle_startendtag = handle_starttag


def _remote_images_as_links(page_html: str) -> str:
    """Each image whose source is elsewhere shown as a link to it, with a notice: a reader who
    follows it chooses to; opening the page fetches nothing. (Sanitized afterwards.)"""
    finder = _ImageFinder(page_html)
    finder.feed(page_html)
    finder.close()
    out, pos = [], 0
    for start, end, attrs in finder.images:
        src = attrs.get("src") or ""
        if not is_remote(src) or end <= start:
            continue
        label = html.escape(attrs.get("alt") or src)
        out += [page_html[pos:start],
                f'<a href="{html.escape(src)}">{label}</a> <small>({REMOTE_IMAGE_NOTICE})</small>']
        pos = end
    return "".join(out) + page_html[pos:]


class _InlineScripts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.inline: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type", "text/javascript") in (
                "text/javascript", "module", "application/javascript"):
            self._current = []

    def handle_data(self, data):
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._current is not None:
            self.inline.append("".join(self._current))
            self._current = None


def content_security_policy(page: str) -> str:
    """The policy of one built page: its own inline scripts (the theme's; a source's never reach
    a page) allowed by their hash."""
    finder = _InlineScripts()
    finder.feed(page)
    finder.close()
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
                     for s in finder.inline})
    return _POLICY.format(hashes=" ".join(hashes)).replace("  ", " ")


def with_policy(page: str) -> str:
    """The page with its policy as the first thing in `<head>` (a policy applies only to what
    follows it)."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{html.escape(content_security_policy(page))}">'
    head = re.search(r"<head\b[^>]*>", page, re.IGNORECASE)
    if head is None:
        return meta + page
    return page[:head.end()] + meta + page[head.end():]


def on_page_content(html_text, page=None, config=None, files=None):   # noqa: ARG001 - MkDocs hook signature
    return sanitize(html_text)


def on_post_page(output, page=None, config=None):   # noqa: ARG001
    return with_policy(output)


def on_post_template(output_content, template_name=None, config=None):   # noqa: ARG001 - 404.html, sitemap
    return with_policy(output_content) if str(template_name).endswith(".html") else output_content
