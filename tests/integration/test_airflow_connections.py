"""Airflow connections as govpub reads them (govpub.ops.airflow_connections), defined the way a
deployment defines them (AIRFLOW_CONN_* environment variables, read by Airflow's own secrets
backend): the alert webhook and the S3 / Elasticsearch endpoints."""

from __future__ import annotations

import json

from govpub.airflow.tasks import task_settings
from govpub.ops.airflow_connections import airflow_connection, connection_url
from govpub.ops.alerts import alert, webhook_target
from tests.alert_receiver import AlertReceiver


def test_an_undefined_connection_is_none():
    assert airflow_connection("govpub_no_such_connection") is None


def test_a_host_and_port_connection_spells_a_url(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_GOVPUB_URL_TEST", json.dumps(
        {"conn_type": "http", "host": "hooks.example.org", "port": 8443, "schema": "https"}))
    conn = airflow_connection("govpub_url_test")
    assert connection_url(conn) == "https://hooks.example.org:8443"
    monkeypatch.setenv("AIRFLOW_CONN_GOVPUB_URL_TEST", json.dumps({"conn_type": "http", "host": "es.internal"}))
    assert connection_url(airflow_connection("govpub_url_test"), default_port=9200) == "http://es.internal:9200"
    monkeypatch.setenv("AIRFLOW_CONN_GOVPUB_URL_TEST", json.dumps({"conn_type": "http", "host": "https://a.b/x"}))
    assert connection_url(airflow_connection("govpub_url_test"), default_port=9200) == "https://a.b/x"


def test_the_alerts_connection_wins_over_the_webhook_variable(monkeypatch):
    monkeypatch.setenv("GOVPUB_ALERT_WEBHOOK", "http://127.0.0.1:1/never")
    with AlertReceiver() as receiver:
        port = int(receiver.url.split(":")[2].split("/")[0])
        monkeypatch.setenv("AIRFLOW_CONN_GOVPUB_ALERTS", json.dumps(
            {"conn_type": "http", "host": "127.0.0.1", "port": port, "extra": {"headers": {"X-Token": "t1"}}}))
        assert webhook_target() == (f"http://127.0.0.1:{port}", {"X-Token": "t1"})
        assert alert({"kind": "quality", "message": "m"}) is True
    assert receiver.headers[0]["X-Token"] == "t1"


def test_task_settings_take_the_s3_and_es_connections(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_GOVPUB_S3", json.dumps({
        "conn_type": "aws", "login": "AK", "password": "SK",
        "extra": {"endpoint_url": "http://s3.internal:9000", "bucket": "govpub-prod"}}))
    monkeypatch.setenv("AIRFLOW_CONN_GOVPUB_ES", json.dumps(
        {"conn_type": "http", "host": "es.internal", "login": "elastic", "password": "pw"}))
    settings = task_settings()
    assert (settings.s3_access_key, settings.s3_secret_key) == ("AK", "SK")
    assert (settings.s3_endpoint, settings.s3_bucket) == ("http://s3.internal:9000", "govpub-prod")
    assert (settings.es_url, settings.es_username, settings.es_password) == ("http://es.internal:9200", "elastic", "pw")
