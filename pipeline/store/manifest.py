"""Which input files changed since the last run into an output folder: a manifest of content
hashes kept beside the outputs. Removed inputs are simply no longer listed; their outputs stay."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.store.atomic import write_text_atomic

MANIFEST_NAME = ".zh2en-manifest.json"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class Manifest:
    """Done files (path -> content hash) and failed ones (path -> hash and reason): a file
    that failed is not tried again until its content changes, and is reported on every run."""

    def __init__(self, out_dir: Path):
        self.path = Path(out_dir) / MANIFEST_NAME
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}   # none yet, or unreadable: everything counts as new
        data = data if isinstance(data, dict) else {}
        if "done" not in data:  # the first format: a flat map of done files
            data = {"done": {k: v for k, v in data.items() if isinstance(v, str)}}
        self.entries: dict[str, str] = dict(data.get("done") or {})
        self.failed: dict[str, dict] = dict(data.get("failed") or {})

    def changed(self, files: list[Path]) -> list[Path]:
        """Files new or changed since they were last done or last failed."""
        out = []
        for f in files:
            key, digest = str(Path(f).resolve()), file_sha256(f)
            if self.entries.get(key) != digest and self.failed.get(key, {}).get("sha256") != digest:
                out.append(f)
        return out

    def still_failing(self, files: list[Path]) -> list[tuple[Path, str]]:
        """Files that failed before and have not changed since, with the reason they failed."""
        out = []
        for f in files:
            entry = self.failed.get(str(Path(f).resolve()))
            if entry and entry.get("sha256") == file_sha256(f):
                out.append((Path(f), str(entry.get("reason", "failed"))))
        return out

    def record(self, file: Path) -> None:
        key = str(Path(file).resolve())
        self.entries[key] = file_sha256(file)
        self.failed.pop(key, None)

    def record_failure(self, file: Path, reason: str) -> None:
        key = str(Path(file).resolve())
        self.failed[key] = {"sha256": file_sha256(file), "reason": reason}
        self.entries.pop(key, None)

    def save(self) -> None:
        write_text_atomic(self.path, json.dumps({"done": self.entries, "failed": self.failed},
                                                indent=2, sort_keys=True, ensure_ascii=False) + "\n")
