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


ENTRY = {"id": "demo-jyj", "name": "n", "agency": "a", "allowed_domains": ["example.gov.cn"],
         "start_urls": ["http://www.example.gov.cn/x"], "links": {"article": "a", "allow": ["^/x"]}}

#: (changed fields, removed fields, the message) — word for word what the registry said
#: before its entries became typed models; one table of them so the wording cannot drift.
WORDING = [
    ({}, ['id'], "t.toml site #1: missing required field 'id'"),
    ({'id': ''}, [], "t.toml site #1: field 'id' must be a non-empty str"),
    ({'id': 5}, [], "t.toml site #1: field 'id' must be a non-empty str"),
    ({'id': 'Bad Id'}, [], 't.toml site #1 (Bad Id): id must match ^[a-z0-9][a-z0-9-]{1,62}$'),
    ({}, ['name'], "t.toml site #1 (demo-jyj): missing required field 'name'"),
    ({'name': ' '}, [], "t.toml site #1 (demo-jyj): field 'name' must be a non-empty str"),
    ({}, ['agency'], "t.toml site #1 (demo-jyj): missing required field 'agency'"),
    ({'kind': 'blog'}, [], "t.toml site #1 (demo-jyj): kind must be one of ('official', 'repost'), not 'blog'"),
    ({'kind': 3}, [], "t.toml site #1 (demo-jyj): kind must be one of ('official', 'repost'), not 3"),
    ({}, ['start_urls'], "t.toml site #1 (demo-jyj): missing required field 'start_urls'"),
    ({'start_urls': 'x'}, [], "t.toml site #1 (demo-jyj): field 'start_urls' must be a non-empty list"),
    ({'start_urls': ['ftp://example.gov.cn/']}, [], "t.toml site #1 (demo-jyj): start URL 'ftp://example.gov.cn/' is not an http(s) URL"),
    ({'start_urls': ['http://other.cn/']}, [], "t.toml site #1 (demo-jyj): start URL 'http://other.cn/' is outside allowed_domains ['example.gov.cn']"),
    ({'start_urls': ['http:///x']}, [], "t.toml site #1 (demo-jyj): start URL 'http:///x' is not an http(s) URL"),
    ({}, ['allowed_domains'], "t.toml site #1 (demo-jyj): missing required field 'allowed_domains'"),
    ({}, ['links'], 't.toml site #1 (demo-jyj): missing [site.links] table (or a cms preset: trs, hanweb, zfxxgk, dedecms, gkmlpt, ucap)'),
    ({'links': 'x'}, [], 't.toml site #1 (demo-jyj): [site.links] must be a table'),
    ({'cms': 'wordpress'}, ['links'], "t.toml site #1 (demo-jyj): unknown cms 'wordpress' (known presets: trs, hanweb, zfxxgk, dedecms, gkmlpt, ucap)"),
    ({'links': {'mechanism': 'json_api'}}, [], 't.toml site #1 (demo-jyj): links.json_items (dotted path to the list of items) is required for json_api'),
    ({'links': {'article': 'a', 'total_pages': '共'}}, [], "t.toml site #1 (demo-jyj): links.total_pages '共' needs a group (the page count)"),
    ({'links': {}}, [], 't.toml site #1 (demo-jyj): links.article (CSS selector for article links) is required'),
    ({'links': {'article': ''}}, [], 't.toml site #1 (demo-jyj): links.article (CSS selector for article links) is required'),
    ({'links': {'article': 'a', 'allow': ['(bad']}}, [], "t.toml site #1 (demo-jyj): links.allow pattern '(bad' is not a valid regex: "),
    ({'schedule': 'sometimes'}, [], "t.toml site #1 (demo-jyj): schedule 'sometimes' is neither a cron expression nor one of ['@annually', '@daily', '@hourly', '@monthly', '@weekly', '@yearly']"),
    ({'quality': 'x'}, [], 't.toml site #1 (demo-jyj): [site.quality] must be a table'),
    ({'quality': {'nope': 1}}, [], "t.toml site #1 (demo-jyj): unknown quality settings ['nope'] (known: ['enabled', 'future_grace_days', 'history_runs', 'index_behind_runs', 'max_empty_bodies', 'max_future_dated', 'max_index_behind', 'max_parse_error_rate', 'min_documents', 'min_history', 'min_ratio'])"),
    ({'quality': {'min_ratio': 2}}, [], 't.toml site #1 (demo-jyj): quality.min_ratio must be between 0 and 1, not 2'),
    ({'quality': {'min_ratio': 'lots'}}, [], "t.toml site #1 (demo-jyj): quality.min_ratio must be a float, not 'lots'"),
    ({'quality': {'enabled': 'maybe'}}, [], "t.toml site #1 (demo-jyj): quality.enabled must be true/false, not 'maybe'"),
    ({'quality': {'min_documents': True}}, [], 't.toml site #1 (demo-jyj): quality.min_documents must be a int, not True'),
    ({'quality': {'history_runs': 0}}, [], 't.toml site #1 (demo-jyj): quality.history_runs must be >= 1, not 0'),
    ({'quality': {'history_runs': -1}}, [], 't.toml site #1 (demo-jyj): quality.history_runs must be >= 0, not -1'),
    ({'quality': {'min_documents': 2.5}}, [], 't.toml site #1 (demo-jyj): quality.min_documents must be a int, not 2.5'),
    ({'quality': {'max_parse_error_rate': -0.1}}, [], 't.toml site #1 (demo-jyj): quality.max_parse_error_rate must be between 0 and 1, not -0.1'),
    ({'start_urls': ['${NOPE}/x']}, [], 'environment variable NOPE is not set and has no default'),
]


@pytest.mark.parametrize("changed, removed, message", WORDING, ids=lambda v: v if isinstance(v, str) else None)
def test_every_malformed_entry_keeps_its_wording(changed, removed, message):
    from govpub.registry.sites import _site_from_entry

    entry = {**{k: v for k, v in ENTRY.items() if k not in removed}, **changed}
    with pytest.raises(SiteConfigError) as caught:
        _site_from_entry(entry, "t.toml site #1", {})
    if message.endswith("regex: "):  # then Python's own words for the regex error
        assert str(caught.value).startswith(message)
    else:
        assert str(caught.value) == message


def test_a_cms_preset_supplies_the_links_and_explicit_values_override_it():
    from govpub.registry.sites import _site_from_entry

    base = {"id": "demo-jyj", "name": "n", "agency": "a", "allowed_domains": ["example.gov.cn"],
            "start_urls": ["http://example.gov.cn/col/index.html"]}
    trs = _site_from_entry({**base, "cms": "trs"}, "t.toml site #1", {})
    assert trs.cms == "trs" and trs.links.mechanism == "trs_pager" and "ul.list li a" in trs.links.article
    own = _site_from_entry({**base, "cms": "trs", "links": {"article": "div.mylist a"}}, "t.toml site #1", {})
    assert own.links.article == "div.mylist a" and own.links.mechanism == "trs_pager"
    api = _site_from_entry({**base, "cms": "gkmlpt"}, "t.toml site #1", {})
    assert api.links.mechanism == "json_api" and api.links.json_items == "articles" and api.links.article is None
