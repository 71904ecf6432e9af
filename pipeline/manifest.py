"""Which input files changed since the last run into an output folder: a manifest of content
hashes kept beside the outputs. Removed inputs are simply no longer listed; their outputs stay."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.atomic import write_text_atomic

MANIFEST_NAME = ".zh2en-manifest.json"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class Manifest:
    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / MANIFEST_NAME
        try:
            self.entries: dict[str, str] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.entries = {}   # none yet, or unreadable: everything counts as new

    def changed(self, files: list[Path]) -> list[Path]:
        return [f for f in files if self.entries.get(str(Path(f).resolve())) != file_sha256(f)]

    def record(self, file: Path) -> None:
        self.entries[str(Path(file).resolve())] = file_sha256(file)

    def save(self) -> None:
        write_text_atomic(self.path, json.dumps(self.entries, indent=2, sort_keys=True) + "\n")
