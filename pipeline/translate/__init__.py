"""Translating segments through a model: the Translator (translator.py), its strategies
(strategies.py) and the model call every strategy shares (units.py)."""

from pipeline.translate.translator import TRANSLATOR_VERSION, Translator

__all__ = ["TRANSLATOR_VERSION", "Translator"]
