"""Chapters of the Lguest Journey: markers with the kernel extract script's rules, and the content library.

Parses kernel text into `Chapter` values and finds kernel versions under a content root; runs no tools.
"""

from __future__ import annotations

from .chapters import ParsedFile, line_roles, parse_source
from .library import Library
from .markers import Chunk, find_chunks
from .model import STAGES, Chapter, InlineNote, LineRole, Paragraph, file_order_key, journey_order_key

__all__ = [
    "STAGES",
    "Chapter",
    "Chunk",
    "InlineNote",
    "Library",
    "LineRole",
    "Paragraph",
    "ParsedFile",
    "file_order_key",
    "find_chunks",
    "journey_order_key",
    "line_roles",
    "parse_source",
]
