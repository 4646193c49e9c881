"""Helpers shared by test folders (importable as `tests.support`; pytest puts the repo root on sys.path)."""

# The instructor token of the test apps (tests/conftest.py's `app`).
INSTRUCTOR_TOKEN = "class-of-2009-token"
