"""The live machine over HTTP: replay and run routes (`api.py`), what-if (`whatif.py`), the chapter
page's boot data (`boot.py`), request parsing (`requests.py`), response shaping and Host citations
(`response.py`, `citations.py`), the response memo (`memo.py`) and the OpenAPI document of the JSON API
(`openapi.py`, `schemas.py`). Runs nothing itself: the machine is journey_app.runs'."""
