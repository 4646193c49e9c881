"""The content index of a kernel version: cross-references (Universal Ctags + a scan for uses) and full-text search.

Built once per content hash and kept on disk under the cache folder; never imports Flask.
"""

from __future__ import annotations

from .ctags import Definition, run_ctags
from .search import SearchHit, SearchResults
from .store import ContentIndex, IndexStore
from .xref import Use, Xref

__all__ = ["ContentIndex", "Definition", "IndexStore", "SearchHit", "SearchResults", "Use", "Xref", "run_ctags"]
