"""POST /api/whatif: both runs and their difference, the one error shape for bad input."""

from __future__ import annotations

from tests.support.errors import assert_error


def post(client, **body):
    return client.post("/api/whatif", json=body)


def test_whatif_returns_both_runs_and_the_first_differing_decision(client):
    response = post(client, scenario="g033-irq-enable-pending", actions="step 2; host_check", at=1,
                    change="set irq_enabled 0")
    assert response.status_code == 200
    body = response.get_json()
    assert body["fork"]["actions"] == ["step 2", "set irq_enabled 0", "host_check"]
    assert body["difference"]["decision"]["base"]["rule"] == "deliver"
    assert body["difference"]["decision"]["fork"]["rule"] == "irqs_disabled"


def test_whatif_refuses_a_change_that_is_not_one_change(client):
    assert_error(post(client, scenario="g033-irq-enable-pending", actions="step", at=0, change="step"), 400, "bad_input")
    assert_error(post(client, scenario="g033-irq-enable-pending", actions="step", at=9, change="set IF 0"), 400,
                 "bad_input")
    assert_error(post(client, scenario="g033-irq-enable-pending", actions="step", change="set IF 0"), 400, "bad_input")
