"""Saved llama.cpp slot states for the fixed system prompts (translation, summary).

Each slot computes the ~230-token rule prompt the first time it is used: about 3 s per slot on
2 cores, paid again by every new process (a one-off `zh2en translate`, every scheduled run).
llama.cpp's server can save a slot's computed prompt to a file and restore it into any slot
in milliseconds, through its `/slots` endpoint, so the prompt is computed once per model and
prompt version and kept in the state folder. Any failure here only costs that speed-up.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path


def state_name(*parts: str) -> str:
    """File name for one (model, llama.cpp version, context size, prompt): a state saved by
    another build or for another prompt is never restored."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32] + ".bin"


class SlotStates:
    """Talks only to the in-process llama.cpp server on the loopback address (no network)."""

    def __init__(self, base_url: str, folder: Path, timeout: float = 60):
        if urllib.parse.urlsplit(base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"slot states are only exchanged with a local llama.cpp server, not {base_url}")
        self.base_url, self.folder, self.timeout = base_url.rstrip("/"), folder, timeout

    def _action(self, slot: int, action: str, filename: str) -> dict:
        request = urllib.request.Request(
            f"{self.base_url}/slots/{slot}?action={action}", data=json.dumps({"filename": filename}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout) as reply:
            return json.load(reply)

    def restore(self, name: str, slots: list[int]) -> bool:
        """Load the saved state into each of `slots`; False (and the file removed if it is
        unreadable) when there is none to load."""
        if not (self.folder / name).is_file():
            return False
        try:
            for slot in slots:
                self._action(slot, "restore", name)
        except (urllib.error.URLError, OSError, ValueError):
            (self.folder / name).unlink(missing_ok=True)   # a torn or foreign file: compute anew
            return False
        return True

    def save(self, slot: int, name: str) -> bool:
        """Save `slot`'s state under `name`; written under a temporary name first so a reader
        in another process never sees half a file."""
        temporary = f"{name}.{os.getpid()}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._action(slot, "save", temporary)
            os.replace(self.folder / temporary, self.folder / name)
        except (urllib.error.URLError, OSError, ValueError):
            (self.folder / temporary).unlink(missing_ok=True)
            return False
        return True
