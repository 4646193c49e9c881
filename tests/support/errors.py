"""The one error shape every API error must have: {"error": {"code", "message", "detail"}}, as JSON."""

from __future__ import annotations


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Assert the response is the one error shape with this status (and code); return the error object."""
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "detail"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]
