"""The layering contracts in pyproject.toml ([tool.importlinter]) hold: pipeline/ imports
neither flows/ nor zh2en/ nor Prefect; flows/ never imports the command line; inside
pipeline/, no lower layer imports a higher one. And no module grows past 400 lines."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 kept, 0 broken" in proc.stdout


def test_no_module_is_over_400_lines():
    sizes = {str(p.relative_to(REPO)): len(p.read_text(encoding="utf-8").splitlines())
             for folder in ("pipeline", "flows", "zh2en") for p in (REPO / folder).rglob("*.py")}
    assert sizes and not {name: n for name, n in sizes.items() if n > 400}
