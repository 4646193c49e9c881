"""Labs for students over HTTP: the JSON API (`api.py`, documented by `openapi.py`), the HTML pages
(`pages.py`), request parsing (`requests.py`), the lab run route (`run.py`), JSON payloads
(`payloads.py`) and the app's shelf of labs (`shelf.py`). Grading is journey_app.labs'."""
