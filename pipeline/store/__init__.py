"""What persists between runs: the translation memory (memory.py) and its TMX exchange (tmx.py), the inbox manifest (manifest.py), the output lock (locking.py), atomic writes (atomic.py)."""
