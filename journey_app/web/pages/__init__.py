"""The reading site: contents, chapters and source (`chapters.py`), stages and file order (`reading.py`),
cross-references (`xref.py`), search (`search.py`), each HTML page with a `.json` twin, and /healthz with
the catalogue JSON (`api.py`). The listing, highlighting, linking and C-to-assembly views they render
live beside them; rendered pages are kept in `cache.py`."""
