"""A markdown file's YAML front matter, read with limits: it comes from someone else's file, and
YAML's aliases let 358 bytes expand into hundreds of megabytes (a "billion laughs"). Aliases are
refused, the front matter and each value have a size limit; any of these is an error naming
the file (reader.read_file), found before anything is translated."""

from __future__ import annotations

import yaml

MAX_FRONT_MATTER_CHARS = 64 * 1024
MAX_VALUE_CHARS = 8 * 1024


class FrontMatterError(ValueError):
    """The front matter cannot be read safely (one line, for the user)."""


class _NoAliasLoader(yaml.SafeLoader):
    """YAML's safe loader that refuses aliases (`*name`): each value is written out in full, so
    what is built is no bigger than what was read."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise FrontMatterError(f"front matter uses a YAML alias (line {mark.line + 2} of the file): not allowed, "
                                   "write the value out")
        return super().compose_node(parent, index)


def read_front_matter(text: str) -> dict:
    """The front matter's mapping ({} when it is something else), or FrontMatterError."""
    if len(text) > MAX_FRONT_MATTER_CHARS:
        raise FrontMatterError(f"front matter is {len(text):,} characters, over the {MAX_FRONT_MATTER_CHARS:,} limit")
    try:
        loaded = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader, aliases refused
    except yaml.MarkedYAMLError as exc:
        where = f" (line {exc.problem_mark.line + 2} of the file: {exc.problem})" if exc.problem_mark else ""
        raise FrontMatterError(f"front matter is not valid YAML{where}") from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"front matter is not valid YAML ({exc})") from None
    if not isinstance(loaded, dict):
        return {}
    _check_sizes(loaded, "")
    return loaded


def _check_sizes(value, key: str) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _check_sizes(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for v in value:
            _check_sizes(v, key)
    elif isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        raise FrontMatterError(f"front matter value '{key[:40]}' is {len(value):,} characters, "
                               f"over the {MAX_VALUE_CHARS:,} limit")
