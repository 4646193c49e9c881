"""The rate limiter allows `per_minute` hits per client and bucket, then refuses with a retry hint."""

from __future__ import annotations

import pytest

from journey_app.errors import RateLimited
from journey_app.web.infra.ratelimit import RateLimiter


class FakeClock:
    """A settable clock: time is an input of the limiter, not something to sleep for."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_limit_is_per_client_and_bucket():
    clock = FakeClock()
    limiter = RateLimiter(2, clock)
    limiter.check("grade", "10.0.0.1")
    limiter.check("grade", "10.0.0.1")

    with pytest.raises(RateLimited) as caught:
        limiter.check("grade", "10.0.0.1")

    assert caught.value.status == 429
    assert caught.value.detail["retry_after_seconds"] == 61
    limiter.check("grade", "10.0.0.2")
    limiter.check("build", "10.0.0.1")


def test_window_slides():
    clock = FakeClock()
    limiter = RateLimiter(1, clock)
    limiter.check("grade", "a")
    clock.now += 60

    limiter.check("grade", "a")


def test_zero_disables_the_limit():
    limiter = RateLimiter(0, FakeClock())

    for _ in range(100):
        limiter.check("grade", "a")
