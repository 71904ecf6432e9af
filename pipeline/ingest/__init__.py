"""Reading inputs: files and folders into Articles (reader.py), the text's encoding (decoding.py), markdown's structure (markdown_source.py)."""
