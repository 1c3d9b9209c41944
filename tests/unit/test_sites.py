"""The site registry: the shipped entries load, and malformed entries fail with a message naming the problem."""

from pathlib import Path

import pytest

from govpub.settings import REPO_ROOT
from govpub.registry import SiteConfigError, UnknownSite, expand_env, get_site, load_sites

GOOD = """
[[site]]
id = "demo-jyj"
name = "示例教育局"
agency = "示例市教育局"
kind = "official"
allowed_domains = ["example.gov.cn"]
start_urls = ["${DEMO_BASE:-http://www.example.gov.cn}/xxgk/index.html"]
[site.links]
article = "ul.list a"
next_page = "a.next"
allow = ["^/xxgk/"]
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "sites.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_shipped_registry_loads_and_has_both_site_styles():
    sites = load_sites(REPO_ROOT / "sites")
    kinds = {site.kind for site in sites.values()}
    assert {"official", "repost"} <= kinds
    assert len(sites) >= 3


def test_env_default_and_override(tmp_path):
    site = load_sites(write(tmp_path, GOOD), environ={})["demo-jyj"]
    assert site.start_urls == ("http://www.example.gov.cn/xxgk/index.html",)
    site = load_sites(tmp_path, environ={"DEMO_BASE": "http://www.example.gov.cn:8080"})["demo-jyj"]
    assert site.start_urls == ("http://www.example.gov.cn:8080/xxgk/index.html",)


def test_expand_env_without_default_names_the_variable():
    with pytest.raises(SiteConfigError, match="NOPE_NOT_SET"):
        expand_env("${NOPE_NOT_SET}/x", environ={})


@pytest.mark.parametrize(
    "change, message",
    [
        (('id = "demo-jyj"', 'id = "Demo JYJ"'), "id must match"),
        (('kind = "official"', 'kind = "blog"'), "kind must be one of"),
        (('article = "ul.list a"', 'article = ""'), "links.article"),
        (('allowed_domains = ["example.gov.cn"]', 'allowed_domains = ["other.gov.cn"]'), "outside allowed_domains"),
        (('allow = ["^/xxgk/"]', 'allow = ["(unclosed"]'), "not a valid regex"),
        (('name = "示例教育局"\n', ""), "missing required field 'name'"),
        (("[site.links]", "[site.linkz]"), "missing \\[site.links\\]"),
    ],
)
def test_malformed_entries_fail_with_a_clear_message(tmp_path, change, message):
    with pytest.raises(SiteConfigError, match=message):
        load_sites(write(tmp_path, GOOD.replace(*change)), environ={})


def test_invalid_toml_names_the_file(tmp_path):
    with pytest.raises(SiteConfigError, match="sites.toml: invalid TOML"):
        load_sites(write(tmp_path, GOOD + "\n[[site]\n"), environ={})


def test_duplicate_ids_are_refused(tmp_path):
    with pytest.raises(SiteConfigError, match="duplicate site id"):
        load_sites(write(tmp_path, GOOD + GOOD), environ={})


def test_unknown_site_lists_the_known_ones(tmp_path):
    write(tmp_path, GOOD)
    with pytest.raises(UnknownSite, match="unknown site id 'nope' \\(known: demo-jyj\\)"):
        get_site(tmp_path, "nope")


def test_schedule_decides_which_daily_run_crawls_a_site(tmp_path):
    from datetime import datetime, timezone

    from govpub.registry import is_due

    def site_with(schedule: str):
        return load_sites(write(tmp_path, GOOD.replace('kind = "official"', f'kind = "official"\nschedule = "{schedule}"')), environ={})["demo-jyj"]

    monday = datetime(2026, 11, 23, tzinfo=timezone.utc)  # a Monday
    tuesday = datetime(2026, 11, 24, tzinfo=timezone.utc)
    wednesday = datetime(2026, 11, 25, tzinfo=timezone.utc)
    assert is_due(site_with("@daily"), monday, tuesday)
    assert is_due(site_with("@daily"), tuesday, wednesday)
    assert is_due(site_with("0 6 * * 1"), monday, tuesday)  # Mondays 06:00
    assert not is_due(site_with("0 6 * * 1"), tuesday, wednesday)
    assert not is_due(site_with("@weekly"), monday, tuesday)  # Sundays
    assert is_due(site_with("@weekly"), datetime(2026, 11, 22, tzinfo=timezone.utc), monday)


def test_bad_schedule_is_refused(tmp_path):
    with pytest.raises(SiteConfigError, match="schedule 'sometimes'"):
        load_sites(write(tmp_path, GOOD.replace('kind = "official"', 'kind = "official"\nschedule = "sometimes"')), environ={})


def test_repeated_loads_parse_once(tmp_path):
    first = load_sites(write(tmp_path, GOOD), environ={})
    first.pop("demo-jyj")  # the caller's dict is its own
    again = load_sites(tmp_path, environ={})
    assert again["demo-jyj"] is load_sites(tmp_path, environ={})["demo-jyj"]  # the same parsed object


def test_an_edited_file_or_a_changed_variable_is_loaded_afresh(tmp_path):
    before = load_sites(write(tmp_path, GOOD), environ={})["demo-jyj"]
    edited = load_sites(write(tmp_path, GOOD.replace("示例教育局", "示范教育局")), environ={})["demo-jyj"]
    assert (before.name, edited.name) == ("示例教育局", "示范教育局")  # same size, same second: the content decides
    moved = load_sites(tmp_path, environ={"DEMO_BASE": "http://new.example.gov.cn"})["demo-jyj"]
    assert moved.start_urls == ("http://new.example.gov.cn/xxgk/index.html",)
    quality = load_sites(tmp_path, environ={"GOVPUB_QUALITY_MIN_RATIO": "0.1"})["demo-jyj"]
    assert quality.quality.min_ratio == 0.1 and moved.quality.min_ratio == 0.5


def test_a_registry_that_turns_bad_is_not_served_from_the_cache(tmp_path):
    load_sites(write(tmp_path, GOOD), environ={})
    with pytest.raises(SiteConfigError, match="kind must be one of"):
        load_sites(write(tmp_path, GOOD.replace('kind = "official"', 'kind = "blogs"')), environ={})


def test_sites_are_typed_frozen_models(tmp_path):
    import dataclasses

    site = load_sites(write(tmp_path, GOOD), environ={})["demo-jyj"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        site.name = "x"
    assert site.links.allow == ("^/xxgk/",) and site.extra == {}
    assert site.to_dict()["allowed_domains"] == ["example.gov.cn"]
    with pytest.raises(ValueError, match="schedule 'never'"):
        dataclasses.replace(site, schedule="never")  # built in code, a Site is checked the same way


@pytest.mark.parametrize("host, allowed", [
    ("example.gov.cn", True), ("WWW.Example.gov.cn", True), ("www.example.gov.cn.", True),
    ("badexample.gov.cn", False), ("example.gov.cn.evil.org", False), ("gov.cn", False),
])
def test_host_matching_is_the_domain_or_a_subdomain(host, allowed):
    from govpub.registry import host_allowed

    assert host_allowed(host, ["example.gov.cn"]) is allowed
