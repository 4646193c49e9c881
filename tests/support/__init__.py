"""Helpers shared by test folders (importable as `tests.support`; pytest puts the repo root on sys.path)."""
