"""Instructor-only pages behind JOURNEY_INSTRUCTOR_TOKEN: the class table and its CSV (`pages.py`) and the
per-worker cache metrics (`metrics.py`)."""
