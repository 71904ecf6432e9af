"""The built-in technical glossary: TSV files (zh, en, note), one per domain."""

from pathlib import Path

GLOSSARY_DIR = Path(__file__).resolve().parent
