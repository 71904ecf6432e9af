"""What a reader gets: the bilingual file (render.py), held to its raw source
(conservation.py), written safely (writing.py) under a stable name (slugs.py), and the run
report (report.py)."""
