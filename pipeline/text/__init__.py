"""Text handling shared by the stages: what counts as Chinese (han.py), LaTeX spans (latex.py),
markup that must not run (markup.py), placeholders (protect.py), the prose between spans
(spans.py), sentence ends (sentences.py), cutting blocks into segments (segmenting.py)."""
