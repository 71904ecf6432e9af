"""Quality checks of a translation: CheckResult (result.py) and the per-segment QA checks with
their per-article figures (qa.py). The written file is held to its raw source in
pipeline/output/conservation.py."""
