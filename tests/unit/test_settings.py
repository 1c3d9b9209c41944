"""govpub.settings: one source of configuration, handed to child processes unchanged."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from govpub.settings import REGISTRY_VARIABLES, REPO_ROOT, Settings, SettingsError, env_names

#: a child's environment: only what a process needs to start, plus what the test gives it
BARE = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO_ROOT)}
ALL_VARIABLES = [name for field in Settings.model_fields for name in env_names(field)]


@pytest.fixture
def clean_env(monkeypatch):
    """No configuration variable set: every field at its default."""
    for name in ALL_VARIABLES + [n for n in os.environ if n.startswith("GOVPUB_")]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def child_settings(env: dict[str, str]) -> dict:
    code = "from govpub.settings import Settings; print(Settings.from_env().model_dump_json())"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_run_everything_locally(clean_env):
    settings = Settings.from_env()
    assert settings.s3_endpoint == "http://127.0.0.1:9000"
    assert (settings.s3_access_key, settings.s3_secret_key) == ("govpub", "govpub-secret")
    assert settings.es_url == "http://127.0.0.1:9200" and settings.es_alias == "govpub-documents"
    assert settings.es_username is None and settings.es_stats_alias is None
    assert settings.sites_dir == REPO_ROOT / "sites" and settings.home == REPO_ROOT / ".services"
    assert settings.http_timeout == 30 and settings.max_requests == 100000 and settings.manage_services is True


def test_variables_are_read_and_normalised(clean_env):
    clean_env.setenv("GOVPUB_S3_PREFIX", "/tenant/a/")
    clean_env.setenv("GOVPUB_HTTP_TIMEOUT", "2.5")
    clean_env.setenv("GOVPUB_SITES_DIR", "/tmp/sites")
    clean_env.setenv("GOVPUB_MANAGE_SERVICES", "0")
    clean_env.setenv("GOVPUB_ES_PASSWORD", "")  # empty = unset
    settings = Settings.from_env()
    assert settings.s3_prefix == "tenant/a/"
    assert settings.http_timeout == 2.5 and settings.sites_dir == Path("/tmp/sites")
    assert settings.manage_services is False and settings.es_password is None


def test_aws_keys_win_over_govpub_keys_and_empty_means_unset(clean_env):
    clean_env.setenv("GOVPUB_S3_ACCESS_KEY", "from-govpub")
    assert Settings.from_env().s3_access_key == "from-govpub"
    clean_env.setenv("AWS_ACCESS_KEY_ID", "")
    assert Settings.from_env().s3_access_key == "from-govpub"
    clean_env.setenv("AWS_ACCESS_KEY_ID", "from-aws")
    assert Settings.from_env().s3_access_key == "from-aws"


def test_an_empty_s3_endpoint_means_aws(clean_env):
    clean_env.setenv("GOVPUB_S3_ENDPOINT", "")
    assert Settings.from_env().s3_endpoint is None


def test_settings_are_frozen_and_keyword_only(clean_env):
    settings = Settings.from_env()
    with pytest.raises(Exception):
        settings.es_url = "http://elsewhere:9200"
    with pytest.raises(TypeError):
        Settings("positional")  # type: ignore[misc]


def test_with_overrides_validates_and_normalises(clean_env):
    settings = Settings.from_env()
    changed = settings.with_overrides(es_url="http://es:9200", s3_prefix="x", s3_endpoint="")
    assert (changed.es_url, changed.s3_prefix, changed.s3_endpoint) == ("http://es:9200", "x/", None)
    assert changed.s3_bucket == settings.s3_bucket and settings.es_url == "http://127.0.0.1:9200"
    with pytest.raises(SettingsError, match="http_timeout"):
        settings.with_overrides(http_timeout="soon")
    with pytest.raises(SettingsError, match="no_such_field"):
        settings.with_overrides(no_such_field=1)


def test_an_invalid_value_is_one_line_naming_the_variable(clean_env):
    clean_env.setenv("GOVPUB_HTTP_TIMEOUT", "abc")
    with pytest.raises(SettingsError) as caught:
        Settings.from_env()
    message = str(caught.value)
    assert "\n" not in message and "GOVPUB_HTTP_TIMEOUT='abc'" in message
    clean_env.setenv("AWS_ACCESS_KEY_ID", "k")
    clean_env.setenv("GOVPUB_AIRFLOW_PORT", "99999")
    assert "GOVPUB_AIRFLOW_PORT" in str(pytest.raises(SettingsError, Settings.from_env).value)


def test_the_cli_prints_a_bad_variable_as_one_line():
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "GOVPUB_HTTP_TIMEOUT": "abc"}
    result = subprocess.run([sys.executable, "-m", "govpub.cli", "sites"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "govpub: error: invalid configuration: GOVPUB_HTTP_TIMEOUT='abc': "
        "Input should be a valid number, unable to parse string as a number"
    ]


def test_to_env_round_trips_through_a_child_process(clean_env):
    clean_env.setenv("GOVPUB_ES_USERNAME", "elastic")
    clean_env.setenv("GOVPUB_ES_PASSWORD", "pw")
    clean_env.setenv("GOVPUB_S3_PREFIX", "p")
    clean_env.setenv("GOVPUB_MANAGE_SERVICES", "no")
    clean_env.setenv("GOVPUB_SERVICE_TIMEOUT", "12")
    parent = Settings.from_env().with_overrides(http_timeout=1.5, s3_endpoint=None, alert_webhook="http://h/x")
    assert Settings.model_validate(child_settings({**BARE, **parent.to_env()})) == parent


def test_to_env_wins_over_an_inherited_environment(clean_env):
    # the crawl step passes {**os.environ, **settings.to_env()}: an override to None must survive
    inherited = {**BARE, "GOVPUB_ES_USERNAME": "stale", "GOVPUB_ES_STATS_ALIAS": "stale-stats",
                 "GOVPUB_S3_ENDPOINT": "http://stale:9000"}
    parent = Settings.from_env().with_overrides(s3_endpoint=None)
    child = Settings.model_validate(child_settings({**inherited, **parent.to_env()}))
    assert child == parent and child.es_username is None and child.s3_endpoint is None


def documented_variables() -> set[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_<>]+)`", line.split("|")[1]))
    return names


def test_readme_documents_every_variable_and_no_other():
    documented = documented_variables()
    expected = set(ALL_VARIABLES) | set(REGISTRY_VARIABLES)
    assert sorted(expected - documented) == [], "variables missing from README.md's Configuration table"
    assert sorted(documented - expected) == [], "README.md documents variables Settings does not read"


def test_every_field_has_a_doc_comment():
    source = (REPO_ROOT / "govpub" / "settings.py").read_text(encoding="utf-8")
    for field in Settings.model_fields:
        assert re.search(rf"#[^\n]*\n\s+{field}:", source), f"{field} has no comment above it"


ENV_READ = re.compile(r"""(?:environ(?:\.get)?|getenv)\s*[(\[]\s*["'](?:GOVPUB_|AWS_)""")


def test_configuration_variables_are_read_in_settings_only():
    # the registry reads its own variables through settings.registry_environ(); children get to_env()
    readers = []
    for top in ("govpub", "spiders", "dags", "govpub_dev", "parsers"):
        for path in sorted((REPO_ROOT / top).rglob("*.py")):
            if path != REPO_ROOT / "govpub" / "settings.py" and ENV_READ.search(path.read_text(encoding="utf-8")):
                readers.append(str(path.relative_to(REPO_ROOT)))
    assert readers == []
    assert ENV_READ.search('os.environ.get("GOVPUB_X")') and ENV_READ.search("os.environ['AWS_ACCESS_KEY_ID']")


def test_an_invalid_credential_is_named_but_not_printed(clean_env):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env().with_overrides(es_password=["hunter2"])
    assert "es_password=<redacted>" in str(caught.value) and "hunter2" not in str(caught.value)


def test_alert_settings_survive_an_unrelated_bad_setting(monkeypatch):
    # a task that fails on a bad setting still sends its alert
    monkeypatch.setenv("GOVPUB_HTTP_TIMEOUT", "abc")
    monkeypatch.setenv("GOVPUB_ALERT_WEBHOOK", "http://127.0.0.1:9/hook")
    with pytest.raises(SettingsError):
        Settings.from_env()
    assert Settings.for_alerts() == ("http://127.0.0.1:9/hook", 5.0, 3)
