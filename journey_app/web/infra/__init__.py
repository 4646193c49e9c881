"""What every part of the site shares: the per-request context (`context.py`), the one error shape
(`errors.py`), headers and CSRF (`security.py`, `csrf.py`), the rate limiter (`ratelimit.py`), the one JSON
body reader (`json_input.py`) and response compression (`compression.py`). Serves no route of its own."""
