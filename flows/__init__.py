"""Prefect flows over the plain pipeline/ functions (pipeline/stages.py holds the stage order).

Prefect reads its settings when first imported: they are applied here, before any module of
this package imports it (flows/prefect_settings.py lists them). zh2en keeps no Prefect task
results: the translation memory is the only cache."""

from flows.prefect_settings import GENERAL, apply

apply(GENERAL)
