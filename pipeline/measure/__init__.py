"""Measuring the pipeline: `zh2en bench` (bench.py) and `zh2en eval` (evaluate.py)."""
