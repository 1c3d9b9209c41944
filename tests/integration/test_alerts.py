"""Webhook alerts against a real HTTP receiver on 127.0.0.1: delivery, retries, bounded
failure when the receiver is down or refuses, and secrets kept out of the logs."""

from __future__ import annotations

import logging
import socket
import time

from govpub.ops.alerts import alert, send_alert
from tests.alert_receiver import AlertReceiver

PAYLOAD = {"kind": "quality", "site": "longwan-jyj", "message": "longwan-jyj yielded no documents"}


def test_alert_is_posted_as_json(monkeypatch):
    with AlertReceiver() as receiver:
        monkeypatch.setenv("GOVPUB_ALERT_WEBHOOK", receiver.url)
        assert alert(dict(PAYLOAD)) is True
    (got,) = receiver.received
    assert got["source"] == "govpub" and got["kind"] == "quality" and got["site"] == "longwan-jyj"
    assert got["time"].endswith("Z")
    assert receiver.headers[0]["Content-Type"] == "application/json"


def test_server_errors_are_retried_then_delivered():
    with AlertReceiver(statuses=[503, 500]) as receiver:
        assert send_alert(receiver.url, PAYLOAD, attempts=3, backoff=0.01) is True
    assert receiver.attempts == 3 and len(receiver.received) == 1


def test_a_refusal_is_not_retried():
    with AlertReceiver(statuses=[400]) as receiver:
        assert send_alert(receiver.url, PAYLOAD, attempts=3, backoff=0.01) is False
    assert receiver.attempts == 1


def test_a_dead_or_slow_receiver_never_raises_and_gives_up_in_bounded_time(caplog):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/hook?token=s3cret"
    caplog.set_level(logging.INFO, logger="govpub.ops.alerts")
    started = time.monotonic()
    assert send_alert(dead, PAYLOAD, attempts=3, backoff=0.01, timeout=1) is False
    with AlertReceiver(delay=0.8) as slow:
        assert send_alert(slow.url, PAYLOAD, attempts=2, backoff=0.01, timeout=0.3) is False
    assert time.monotonic() - started < 10
    assert "not delivered" in caplog.text and "s3cret" not in caplog.text


def test_without_a_webhook_alerts_are_only_logged(monkeypatch, caplog):
    monkeypatch.delenv("GOVPUB_ALERT_WEBHOOK", raising=False)
    caplog.set_level(logging.INFO, logger="govpub.ops.alerts")
    assert alert(dict(PAYLOAD)) is False
    assert "ALERT quality: longwan-jyj yielded no documents" in caplog.text
